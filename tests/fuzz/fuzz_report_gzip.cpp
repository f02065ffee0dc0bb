// libFuzzer target for the gzip path: the input is gzip-compressed and parsed as a report (which
// must read exactly like the plain input), and the raw input is also fed to gunzip with a 1 MiB
// cap, whose output must respect the cap and survive a compress/decompress round trip.
#include <mtasts/core/tlsrpt_report.hpp>
#include <mtasts/util/gzip.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace {

constexpr std::size_t k_gunzip_cap = std::size_t{1024} * 1024;

void check_report_path(std::string_view bytes)
{
  const mtasts::core::ReportLimits limits;
  const std::string compressed = mtasts::util::gzip_compress(bytes);
  const auto checked = mtasts::core::parse_report(compressed, limits);
  if (bytes.size() <= std::min(limits.max_input, limits.max_decompressed) &&
      compressed.size() <= limits.max_input && !mtasts::util::is_gzip(bytes)) {
    const auto plain = mtasts::core::parse_report(bytes, limits);
    if (plain.value != checked.value) {
      __builtin_trap();
    }
  }
  if (!checked.value) {
    return;
  }
  mtasts::core::ReportLimits relaxed;
  relaxed.max_input = std::numeric_limits<std::size_t>::max();
  const auto reparsed =
      mtasts::core::parse_report(mtasts::core::serialize_report(*checked.value), relaxed);
  if (!reparsed.value || !(*reparsed.value == *checked.value)) {
    __builtin_trap();
  }
}

void check_gunzip(std::string_view bytes)
{
  const auto inflated = mtasts::util::gunzip(bytes, k_gunzip_cap);
  if (!inflated) {
    return;
  }
  if (inflated->size() > k_gunzip_cap || !mtasts::util::is_gzip(bytes)) {
    __builtin_trap();
  }
  const auto again = mtasts::util::gunzip(mtasts::util::gzip_compress(*inflated), k_gunzip_cap);
  if (!again || *again != *inflated) {
    __builtin_trap();
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  check_report_path(bytes);
  check_gunzip(bytes);
  return 0;
}
