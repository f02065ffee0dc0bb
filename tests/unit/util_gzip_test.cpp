#include <mtasts/util/gzip.hpp>

#include <gtest/gtest.h>
#include <zlib.h>

#include <sys/resource.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

namespace {

using mtasts::util::gunzip;
using mtasts::util::gzip_compress;
using mtasts::util::GzipError;
using mtasts::util::is_gzip;

constexpr std::size_t k_mib = std::size_t{1024} * 1024;

std::string sample_text(int entries = 2000)
{
  std::string text;
  for (int i = 0; i < entries; ++i) {
    text +=
        "{\"result-type\":\"certificate-expired\",\"failed-session-count\":" + std::to_string(i) +
        "}\n";
  }
  return text;
}

// Deterministic bytes that do not compress.
std::string noise(std::size_t size)
{
  std::string bytes(size, '\0');
  std::uint32_t state = 2463534242u;
  for (char& c : bytes) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    c = static_cast<char>(state & 0xffu);
  }
  return bytes;
}

// One gzip member holding `zeros` zero bytes, built in 1 MiB steps so the test never holds the
// uncompressed data.
std::string zero_bomb(std::size_t zeros)
{
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, 9, Z_DEFLATED, 15 + 16, 8, Z_RLE), Z_OK);
  std::string chunk(k_mib, '\0');
  std::string output;
  char buffer[64 * 1024];
  std::size_t remaining = zeros;
  int flush = Z_NO_FLUSH;
  while (flush != Z_FINISH) {
    const std::size_t piece = std::min(remaining, chunk.size());
    remaining -= piece;
    flush = remaining == 0 ? Z_FINISH : Z_NO_FLUSH;
    stream.next_in = reinterpret_cast<Bytef*>(chunk.data());
    stream.avail_in = static_cast<uInt>(piece);
    do {
      stream.next_out = reinterpret_cast<Bytef*>(buffer);
      stream.avail_out = sizeof buffer;
      deflate(&stream, flush);
      output.append(buffer, sizeof buffer - stream.avail_out);
    } while (stream.avail_out == 0);
  }
  deflateEnd(&stream);
  return output;
}

long max_rss_kib()
{
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

std::string read_file(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// --- Errors ---

TEST(UtilGzip, EmptyInputIsNotGzip)
{
  const auto result = gunzip("", k_mib);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, GzipError::Kind::not_gzip);
  EXPECT_EQ(result.error().message, "the data is empty");
}

TEST(UtilGzip, PlainJsonIsNotGzip)
{
  const auto result = gunzip("{\"policies\":[]}", k_mib);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, GzipError::Kind::not_gzip);
  EXPECT_EQ(result.error().message, "the data does not start with the gzip magic 1f 8b");
}

TEST(UtilGzip, EveryTruncationIsReportedAsTruncated)
{
  const std::string compressed = gzip_compress(sample_text(200));
  ASSERT_GT(compressed.size(), 20u);
  for (std::size_t length = 2; length < compressed.size(); ++length) {
    const auto result = gunzip(std::string_view(compressed).substr(0, length), k_mib);
    ASSERT_FALSE(result) << "prefix of " << length << " bytes";
    ASSERT_EQ(result.error().kind, GzipError::Kind::truncated)
        << "prefix of " << length << " bytes: " << result.error().message;
  }
  const auto result = gunzip(std::string_view(compressed).substr(0, 10), k_mib);
  EXPECT_EQ(result.error().message, "the gzip data ends unexpectedly after 10 bytes");
}

TEST(UtilGzip, CrcMismatchIsCorrupt)
{
  std::string compressed = gzip_compress("hello, tlsrpt");
  compressed[compressed.size() - 8] = static_cast<char>(compressed[compressed.size() - 8] ^ 0x01);
  const auto result = gunzip(compressed, k_mib);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, GzipError::Kind::corrupt);
  EXPECT_NE(result.error().message.find("incorrect data check"), std::string::npos)
      << result.error().message;
}

TEST(UtilGzip, UnknownCompressionMethodIsCorrupt)
{
  std::string compressed = gzip_compress("hello, tlsrpt");
  compressed[2] = 0x09; // CM must be 8 (deflate)
  const auto result = gunzip(compressed, k_mib);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, GzipError::Kind::corrupt);
  EXPECT_EQ(result.error().message, "invalid gzip data near byte 4: unknown compression method");
}

TEST(UtilGzip, InvalidDeflateDataIsCorrupt)
{
  std::string compressed = gzip_compress(sample_text());
  compressed[10] = static_cast<char>(0xff); // first deflate block header: reserved block type
  const auto result = gunzip(compressed, k_mib);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, GzipError::Kind::corrupt);
}

TEST(UtilGzip, TrailingGarbageIsRejected)
{
  const std::string member = gzip_compress("report");
  const auto result = gunzip(member + "junk", k_mib);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, GzipError::Kind::trailing_garbage);
  EXPECT_EQ(result.error().message, "4 bytes after the gzip member that ends at byte " +
                                        std::to_string(member.size()) +
                                        " do not start another member");
}

TEST(UtilGzip, TrailingZeroPaddingIsRejected)
{
  const auto result = gunzip(gzip_compress("report") + std::string(16, '\0'), k_mib);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, GzipError::Kind::trailing_garbage);
}

TEST(UtilGzip, GzipBombIsStoppedAtTheCap)
{
  const std::string bomb = zero_bomb(std::size_t{1024} * k_mib); // 1 GiB of zeros
  ASSERT_LT(bomb.size(), 2 * k_mib);
  const long rss_before = max_rss_kib();
  const auto result = gunzip(bomb, k_mib);
  const long rss_after = max_rss_kib();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, GzipError::Kind::too_large);
  EXPECT_EQ(result.error().message, "the decompressed data exceeds the limit of 1048576 bytes");
  // Holding the output would have raised the peak resident size by about 1 GiB.
  EXPECT_LT(rss_after - rss_before, 256 * 1024)
      << "peak RSS grew by " << (rss_after - rss_before) << " KiB";
}

TEST(UtilGzip, OneByteOverTheCapIsTooLarge)
{
  const std::string data = noise(1000);
  const auto result = gunzip(gzip_compress(data), data.size() - 1);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, GzipError::Kind::too_large);
}

TEST(UtilGzip, SecondMemberOverTheCapIsTooLarge)
{
  const auto result = gunzip(gzip_compress("abc") + gzip_compress("def"), 5);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, GzipError::Kind::too_large);
}

TEST(UtilGzip, KindNames)
{
  using mtasts::util::gzip_error_kind_name;
  EXPECT_EQ(gzip_error_kind_name(GzipError::Kind::not_gzip), "not-gzip");
  EXPECT_EQ(gzip_error_kind_name(GzipError::Kind::truncated), "truncated");
  EXPECT_EQ(gzip_error_kind_name(GzipError::Kind::corrupt), "corrupt");
  EXPECT_EQ(gzip_error_kind_name(GzipError::Kind::too_large), "too-large");
  EXPECT_EQ(gzip_error_kind_name(GzipError::Kind::trailing_garbage), "trailing-garbage");
  EXPECT_EQ(gzip_error_kind_name(GzipError::Kind::internal), "internal");
}

// --- Valid input ---

TEST(UtilGzip, MagicDetection)
{
  EXPECT_TRUE(is_gzip("\x1f\x8b"));
  EXPECT_TRUE(is_gzip(gzip_compress("x")));
  EXPECT_FALSE(is_gzip(""));
  EXPECT_FALSE(is_gzip("\x1f"));
  EXPECT_FALSE(is_gzip("\x8b\x1f"));
  EXPECT_FALSE(is_gzip("{\"a\":1}"));
  EXPECT_FALSE(is_gzip("PK\x03\x04")); // zip
}

TEST(UtilGzip, RoundTrip)
{
  for (const std::string& data : {std::string(), std::string("a"), sample_text(), noise(300000),
                                  std::string(5 * k_mib, 'z')}) {
    const std::string compressed = gzip_compress(data);
    ASSERT_TRUE(is_gzip(compressed));
    const auto result = gunzip(compressed, data.size());
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(*result, data);
  }
}

TEST(UtilGzip, OutputExactlyAtTheCapIsAccepted)
{
  const std::string data = noise(4096);
  const auto result = gunzip(gzip_compress(data), data.size());
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, data);

  const auto empty = gunzip(gzip_compress(""), 0);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(UtilGzip, CompressionIsDeterministicAndShrinksText)
{
  const std::string text = sample_text();
  EXPECT_EQ(gzip_compress(text), gzip_compress(text));
  EXPECT_LT(gzip_compress(text).size(), text.size() / 4);
}

TEST(UtilGzip, ConcatenatedMembersAreJoined)
{
  const auto result =
      gunzip(gzip_compress("first,") + gzip_compress("") + gzip_compress("second"), k_mib);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(*result, "first,second");
}

TEST(UtilGzip, RealSenderAttachment)
{
  const std::string compressed =
      read_file(std::string(MTASTS_TEST_DATA_DIR) +
                "/reports/corpus/attachment__parsedmarc__google.com_smtp_tls_report.json.gz");
  ASSERT_TRUE(is_gzip(compressed));
  const auto result = gunzip(compressed, k_mib);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->size(), 402u);
  EXPECT_TRUE(result->starts_with("{\"organization-name\":\"Google Inc.\""));
}

} // namespace
