// Owned hiredis handles: std::unique_ptr with the library's own free function (STYLE: wrap every
// C handle in RAII, once).
#pragma once

#include <hiredis/hiredis.h>

#include <memory>

namespace mtasts::store {

template <auto free_function>
struct HiredisFree
{
  template <typename Handle>
  void operator()(Handle* handle) const
  {
    free_function(handle);
  }
};

using RedisContextPtr = std::unique_ptr<redisContext, HiredisFree<&redisFree>>;
using RedisReplyPtr = std::unique_ptr<redisReply, HiredisFree<&freeReplyObject>>;

} // namespace mtasts::store
