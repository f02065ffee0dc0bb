// gzip (RFC 1952) detection, bounded decompression and compression, for TLSRPT reports that
// RFC 8460 §5.2/§5.3 say SHOULD be gzip-compressed. Input is treated as hostile: decompression
// never holds more than the caller's cap in memory.
#pragma once

#include <mtasts/util/expected.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mtasts::util {

struct GzipError
{
  enum class Kind : std::uint8_t {
    not_gzip,         // empty, or does not start with the magic bytes 1f 8b
    truncated,        // the data ends inside a member (header, deflate stream or trailer)
    corrupt,          // bad header, invalid deflate data, or CRC-32 / length trailer mismatch
    too_large,        // the decompressed size would exceed the caller's cap
    trailing_garbage, // bytes after the last member that do not start another member
    internal,         // zlib could not allocate its state
  };

  Kind kind = Kind::corrupt;
  std::string message;
};

// Stable kebab-case name of a kind ("not-gzip", "truncated", ...).
std::string_view gzip_error_kind_name(GzipError::Kind kind);

// True when `bytes` starts with the gzip magic 1f 8b (RFC 1952 §2.3.1). Says nothing about the
// rest of the data.
bool is_gzip(std::string_view bytes);

// Decompresses every gzip member of `compressed` and returns the concatenated output.
// Concatenated members (RFC 1952 §2.2) are accepted; anything after the last member that does not
// start with the magic bytes is `trailing_garbage`. Fails with `too_large` as soon as the output
// would exceed `max_output` bytes, before allocating more than `max_output` bytes for it.
// Errors: `not_gzip` (empty or no magic), `truncated`, `corrupt` (message from zlib),
// `too_large`, `trailing_garbage`, `internal`.
Expected<std::string, GzipError> gunzip(std::string_view compressed, std::size_t max_output);

// Compresses `data` into a single gzip member (deflate level 6, no file name, mtime 0), so equal
// input gives equal output. Returns an empty string only if zlib cannot allocate its state.
std::string gzip_compress(std::string_view data);

} // namespace mtasts::util
