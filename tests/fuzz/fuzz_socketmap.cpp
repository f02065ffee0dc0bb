// libFuzzer target for the socketmap server's input path: netstring framing, request split and
// key classification, applied to a byte stream as the server does (frames one after another).
// Checks that a frame never exceeds the limit, that consumption always progresses, that a
// re-encoded frame parses to the same payload, and that a classified domain is normalised.
#include <mtasts/core/socketmap.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace mtasts::core;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    const auto frame = parse_netstring(input, k_socketmap_request_limit);
    if (frame.status != NetstringParse::Status::complete) {
      if (frame.status == NetstringParse::Status::invalid && frame.error.empty()) {
        __builtin_trap();
      }
      break;
    }
    if (frame.payload.size() > k_socketmap_request_limit || frame.consumed == 0 ||
        frame.consumed > input.size()) {
      __builtin_trap();
    }
    std::string again;
    append_netstring(again, frame.payload);
    const auto reparsed = parse_netstring(again, k_socketmap_request_limit);
    if (reparsed.status != NetstringParse::Status::complete || reparsed.payload != frame.payload) {
      __builtin_trap();
    }
    SocketmapRequest request;
    if (parse_socketmap_request(frame.payload, request)) {
      const auto key = classify_policy_key(request.key);
      if (key.kind == PolicyKeyKind::domain) {
        if (key.domain.empty() || key.domain.size() > 253 || key.domain.ends_with('.')) {
          __builtin_trap();
        }
        for (const char c : key.domain) {
          if (c >= 'A' && c <= 'Z') {
            __builtin_trap();
          }
        }
      }
    }
    input.remove_prefix(frame.consumed);
  }
  return 0;
}
