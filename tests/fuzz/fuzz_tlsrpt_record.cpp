// libFuzzer target for `_smtp._tls` TXT record discovery (RFC 8460 §3). The input is a record
// set, one RR per line ('\n'; a final '\n' ends the last RR). Checks, in both profiles, that a
// value exists iff no error was reported, that a valid record's fields meet the grammar, and that
// it survives serialise + strict parse unchanged; every https: rua gives an endpoint or a reason.
#include <mtasts/core/tlsrpt_record.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace mtasts::core;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.ends_with('\n')) {
    input.remove_suffix(1);
  }
  std::vector<std::string> rrs;
  while (true) {
    const auto newline = input.find('\n');
    rrs.emplace_back(input.substr(0, newline));
    if (newline == std::string_view::npos) {
      break;
    }
    input.remove_prefix(newline + 1);
  }
  for (const auto profile : {Profile::strict, Profile::compatible}) {
    const auto result = select_tlsrpt_record(rrs, profile);
    if (result.ok() == has_errors(result.diagnostics)) {
      __builtin_trap();
    }
    if (!result.ok()) {
      continue;
    }
    if (result.value->rua.empty()) {
      __builtin_trap();
    }
    for (const auto& uri : result.value->rua) {
      // Where an https: URI delivers: a host and a port, or a stated reason.
      if (const auto endpoint = https_endpoint(uri); endpoint && endpoint->host.empty()) {
        __builtin_trap();
      }
    }
    for (const auto& extension : result.value->extensions) {
      if (!is_valid_txt_name(extension.name) || !is_valid_txt_value(extension.value)) {
        __builtin_trap();
      }
    }
    const auto again = parse_tlsrpt_record(serialize_tlsrpt_record(*result.value), Profile::strict);
    if (!again.ok() || !(*again.value == *result.value)) {
      __builtin_trap();
    }
  }
  return 0;
}
