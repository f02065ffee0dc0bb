// The "memory:" backend: records live in this object only and die with it. No locking: the
// resolver calls every store from one worker thread (policy_store.hpp).
#pragma once

#include <mtasts/store/policy_store.hpp>

#include <memory>

namespace mtasts::store {

std::unique_ptr<PolicyStore> make_memory_store();

} // namespace mtasts::store
