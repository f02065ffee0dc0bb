#include <mtasts/util/gzip.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <utility>

#define ZLIB_CONST
#include <zlib.h>

namespace mtasts::util {

namespace {

constexpr int k_gzip_window_bits = 15 + 16; // 32 KiB window, gzip wrapper only
constexpr int k_compression_level = 6;
constexpr int k_memory_level = 8;
constexpr std::size_t k_initial_output = std::size_t{64} * 1024;

// Owns a z_stream set up for gzip decoding; inflateEnd runs on every exit path.
class InflateStream
{
public:
  InflateStream() : m_ready(inflateInit2(&m_stream, k_gzip_window_bits) == Z_OK) {}
  ~InflateStream()
  {
    if (m_ready) {
      inflateEnd(&m_stream);
    }
  }
  InflateStream(const InflateStream&) = delete;
  InflateStream& operator=(const InflateStream&) = delete;

  bool ready() const { return m_ready; }
  z_stream& get() { return m_stream; }

private:
  z_stream m_stream{};
  bool m_ready;
};

// Owns a z_stream set up for gzip encoding; deflateEnd runs on every exit path.
class DeflateStream
{
public:
  DeflateStream()
      : m_ready(deflateInit2(&m_stream, k_compression_level, Z_DEFLATED, k_gzip_window_bits,
                             k_memory_level, Z_DEFAULT_STRATEGY) == Z_OK)
  {}
  ~DeflateStream()
  {
    if (m_ready) {
      deflateEnd(&m_stream);
    }
  }
  DeflateStream(const DeflateStream&) = delete;
  DeflateStream& operator=(const DeflateStream&) = delete;

  bool ready() const { return m_ready; }
  z_stream& get() { return m_stream; }

private:
  z_stream m_stream{};
  bool m_ready;
};

// zlib counts in uInt; larger buffers are handed over in pieces.
uInt clamp_to_uint(std::size_t size)
{
  return static_cast<uInt>(std::min<std::size_t>(size, std::numeric_limits<uInt>::max()));
}

const Bytef* as_bytes(const char* data)
{
  return reinterpret_cast<const Bytef*>(data);
}
Bytef* as_bytes(char* data)
{
  return reinterpret_cast<Bytef*>(data);
}

Unexpected<GzipError> fail(GzipError::Kind kind, std::string message)
{
  return Unexpected(GzipError{kind, std::move(message)});
}

} // namespace

std::string_view gzip_error_kind_name(GzipError::Kind kind)
{
  switch (kind) {
  case GzipError::Kind::not_gzip:
    return "not-gzip";
  case GzipError::Kind::truncated:
    return "truncated";
  case GzipError::Kind::corrupt:
    return "corrupt";
  case GzipError::Kind::too_large:
    return "too-large";
  case GzipError::Kind::trailing_garbage:
    return "trailing-garbage";
  case GzipError::Kind::internal:
    return "internal";
  }
  return "unknown";
}

bool is_gzip(std::string_view bytes)
{
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

Expected<std::string, GzipError> gunzip(std::string_view compressed, std::size_t max_output)
{
  if (compressed.empty()) {
    return fail(GzipError::Kind::not_gzip, "the data is empty");
  }
  if (!is_gzip(compressed)) {
    return fail(GzipError::Kind::not_gzip, "the data does not start with the gzip magic 1f 8b");
  }
  InflateStream inflater;
  if (!inflater.ready()) {
    return fail(GzipError::Kind::internal, "zlib could not set up a decompressor");
  }
  z_stream& stream = inflater.get();
  const Bytef* const input_begin = as_bytes(compressed.data());
  const auto consumed = [&] { return static_cast<std::size_t>(stream.next_in - input_begin); };
  stream.next_in = input_begin;
  stream.avail_in = 0;

  std::string output;
  std::size_t produced = 0;
  Bytef probe[1];
  while (true) {
    if (stream.avail_in == 0) {
      stream.avail_in = clamp_to_uint(compressed.size() - consumed());
    }
    // When the output has reached the cap, inflate into a one-byte probe: any byte it yields
    // would be one too many.
    const bool probing = produced == max_output;
    if (!probing && produced == output.size()) {
      const std::size_t grown = std::max(output.size() * 2, k_initial_output);
      output.resize(std::min(grown, max_output));
    }
    if (probing) {
      stream.next_out = probe;
      stream.avail_out = 1;
    } else {
      stream.next_out = as_bytes(output.data() + produced);
      stream.avail_out = clamp_to_uint(output.size() - produced);
    }
    const uInt space = stream.avail_out;
    const int status = inflate(&stream, Z_NO_FLUSH);
    const std::size_t written = space - stream.avail_out;
    if (probing && written > 0) {
      return fail(GzipError::Kind::too_large,
                  fmt::format("the decompressed data exceeds the limit of {} bytes", max_output));
    }
    if (!probing) {
      produced += written;
    }

    switch (status) {
    case Z_OK:
      break;
    case Z_STREAM_END: {
      const std::string_view rest = compressed.substr(consumed());
      if (rest.empty()) {
        output.resize(produced);
        return output;
      }
      if (!is_gzip(rest)) {
        return fail(GzipError::Kind::trailing_garbage,
                    fmt::format("{} bytes after the gzip member that ends at byte {} do not start "
                                "another member",
                                rest.size(), consumed()));
      }
      if (inflateReset(&stream) != Z_OK) {
        return fail(GzipError::Kind::internal, "zlib could not restart for the next member");
      }
      break;
    }
    case Z_BUF_ERROR:
      // Output space was always offered, so no progress means the input ran out.
      return fail(GzipError::Kind::truncated,
                  fmt::format("the gzip data ends unexpectedly after {} bytes", compressed.size()));
    case Z_DATA_ERROR:
      return fail(GzipError::Kind::corrupt,
                  fmt::format("invalid gzip data near byte {}: {}", consumed(),
                              stream.msg != nullptr ? stream.msg : "unknown zlib error"));
    case Z_NEED_DICT:
      return fail(GzipError::Kind::corrupt, "the deflate data asks for a preset dictionary");
    default:
      return fail(GzipError::Kind::internal, fmt::format("zlib failed with status {}", status));
    }
  }
}

std::string gzip_compress(std::string_view data)
{
  DeflateStream deflater;
  if (!deflater.ready()) {
    return {};
  }
  z_stream& stream = deflater.get();
  std::string output(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
  std::size_t produced = 0;
  std::size_t offset = 0;
  int flush = Z_NO_FLUSH;
  while (flush != Z_FINISH) {
    const uInt piece = clamp_to_uint(data.size() - offset);
    stream.next_in = as_bytes(data.data() + offset);
    stream.avail_in = piece;
    offset += piece;
    flush = offset == data.size() ? Z_FINISH : Z_NO_FLUSH;
    do {
      if (produced == output.size()) {
        output.resize(std::max(output.size() * 2, k_initial_output));
      }
      stream.next_out = as_bytes(output.data() + produced);
      stream.avail_out = clamp_to_uint(output.size() - produced);
      const uInt space = stream.avail_out;
      const int status = deflate(&stream, flush);
      if (status == Z_STREAM_ERROR) {
        return {};
      }
      produced += space - stream.avail_out;
    } while (stream.avail_out == 0);
  }
  output.resize(produced);
  return output;
}

} // namespace mtasts::util
