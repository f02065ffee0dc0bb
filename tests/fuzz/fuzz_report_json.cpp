// libFuzzer target: arbitrary bytes (plain JSON or gzip) straight into parse_report. A report that
// parses must survive serialize_report -> parse_report unchanged.
#include <mtasts/core/tlsrpt_report.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto checked = mtasts::core::parse_report(bytes);
  if (checked.value.has_value() == mtasts::core::has_errors(checked.diagnostics)) {
    __builtin_trap();
  }
  if (!checked.value) {
    return 0;
  }
  mtasts::core::ReportLimits relaxed;
  relaxed.max_input = std::numeric_limits<std::size_t>::max();
  const std::string serialized = mtasts::core::serialize_report(*checked.value);
  const auto reparsed = mtasts::core::parse_report(serialized, relaxed);
  if (!reparsed.value || !(*reparsed.value == *checked.value)) {
    __builtin_trap();
  }
  return 0;
}
