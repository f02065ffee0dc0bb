// libFuzzer target: the MTA-STS policy parser in both profiles, the canonical round trip, and the
// stricter sender implementations' parsers (core/sender_compat).
#include <mtasts/core/policy.hpp>
#include <mtasts/core/sender_compat.hpp>

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  for (const auto& rejection : mtasts::core::sender_rejections(body, "text/plain")) {
    if (rejection.reason.empty()) {
      __builtin_trap();
    }
  }
  for (const auto profile : {mtasts::core::Profile::strict, mtasts::core::Profile::compatible}) {
    const auto parsed = mtasts::core::parse_policy(body, profile);
    if (!parsed.ok()) {
      continue;
    }
    // The canonical form must be valid in the strict profile and mean the same policy.
    const auto again = mtasts::core::parse_policy(mtasts::core::serialize_policy(*parsed.value),
                                                  mtasts::core::Profile::strict);
    if (!again.ok() || !(*again.value == *parsed.value)) {
      __builtin_trap();
    }
  }
  return 0;
}
