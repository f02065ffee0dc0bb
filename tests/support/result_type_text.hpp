// Test helper: an optional RFC 8460 result type as its name ("" for none), so expectations read
// as the strings a report carries.
#pragma once

#include <mtasts/core/result_type.hpp>

#include <optional>
#include <string>

namespace mtasts::testing {

inline std::string text(std::optional<core::ResultType> type)
{
  return type ? std::string(core::result_type_name(*type)) : std::string();
}

} // namespace mtasts::testing
