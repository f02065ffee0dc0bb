// Postfix socketmap framing (netstrings), request split and TLS-policy key classification.
#include <mtasts/core/socketmap.hpp>

#include <gtest/gtest.h>

#include <string>

using mtasts::core::append_netstring;
using mtasts::core::classify_policy_key;
using mtasts::core::NetstringParse;
using mtasts::core::parse_netstring;
using mtasts::core::parse_socketmap_request;
using mtasts::core::PolicyKeyKind;
using mtasts::core::SocketmapRequest;
using Status = NetstringParse::Status;

TEST(Netstring, ParsesOneFrameAndReportsConsumedBytes)
{
  const auto r = parse_netstring("19:postfix example.com,9:postfix x,", 1024);
  ASSERT_EQ(r.status, Status::complete);
  EXPECT_EQ(r.payload, "postfix example.com");
  EXPECT_EQ(r.consumed, 23U);
  const auto empty = parse_netstring("0:,", 1024);
  ASSERT_EQ(empty.status, Status::complete);
  EXPECT_EQ(empty.payload, "");
}

TEST(Netstring, EveryPrefixOfAFrameIsIncomplete)
{
  const std::string frame = "19:postfix example.com,";
  for (std::size_t n = 0; n < frame.size(); ++n) {
    EXPECT_EQ(parse_netstring(frame.substr(0, n), 1024).status, Status::incomplete) << n;
  }
}

TEST(Netstring, RejectsMalformedFramesWithTheOffset)
{
  struct Case
  {
    std::string input;
    std::string error;
  };
  const Case cases[] = {
      {":abc,", "byte 0: expected a length before ':'"},
      {"x:abc,", "byte 0: expected a digit or ':' in the length, got 0x78"},
      {"3:abc;", "byte 5: expected ',' after 3 bytes of payload"},
      {"03:abc,", "byte 1: length has a leading zero"},
      {"1025:", "byte 0: length over the limit of 1024 bytes"},
      {"99999999999999999999999", "byte 0: length over the limit of 1024 bytes"},
      {"GET / HTTP/1.1\r\n", "byte 0: expected a digit or ':' in the length, got 0x47"},
  };
  for (const auto& c : cases) {
    const auto r = parse_netstring(c.input, 1024);
    EXPECT_EQ(r.status, Status::invalid) << c.input;
    EXPECT_EQ(r.error, c.error) << c.input;
  }
}

TEST(Netstring, AppendRoundTrips)
{
  std::string out;
  append_netstring(out, "OK secure match=mx.example.com");
  append_netstring(out, "NOTFOUND ");
  EXPECT_EQ(out, "30:OK secure match=mx.example.com,9:NOTFOUND ,");
  const auto r = parse_netstring(out, 100);
  ASSERT_EQ(r.status, Status::complete);
  EXPECT_EQ(r.payload, "OK secure match=mx.example.com");
}

TEST(SocketmapRequest, SplitsNameAndKey)
{
  SocketmapRequest request;
  ASSERT_TRUE(parse_socketmap_request("postfix example.com", request));
  EXPECT_EQ(request.name, "postfix");
  EXPECT_EQ(request.key, "example.com");
  ASSERT_TRUE(parse_socketmap_request("strict a b", request));
  EXPECT_EQ(request.key, "a b");
  EXPECT_FALSE(parse_socketmap_request("postfix", request));
  EXPECT_FALSE(parse_socketmap_request(" example.com", request));
  EXPECT_FALSE(parse_socketmap_request("postfix ", request));
  EXPECT_FALSE(parse_socketmap_request("", request));
}

TEST(PolicyKey, NormalisesDomains)
{
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"example.com", "example.com"},
      {"MX.Example.COM.", "mx.example.com"},
      {"[relay.isp.example]", "relay.isp.example"},     // A08
      {"[relay.isp.example]:587", "relay.isp.example"}, // bracketed next hop with a port
      {"b\xc3\xbc"
       "cher.example",
       "xn--bcher-kva.example"},
      {"3com.example", "3com.example"},
  };
  for (const auto& [key, domain] : cases) {
    const auto k = classify_policy_key(key);
    EXPECT_EQ(k.kind, PolicyKeyKind::domain) << key;
    EXPECT_EQ(k.domain, domain) << key;
  }
}

TEST(PolicyKey, ClassifiesWhatIsNeverAPolicyDomain)
{
  const std::pair<std::string_view, PolicyKeyKind> cases[] = {
      {".example.com", PolicyKeyKind::parent_domain},
      {"[192.0.2.1]", PolicyKeyKind::address_literal},
      {"[192.0.2.1]:25", PolicyKeyKind::address_literal},
      {"[ipv6:2001:db8::1]", PolicyKeyKind::address_literal},
      {"192.0.2.1", PolicyKeyKind::address_literal},
      {"2001:db8::1", PolicyKeyKind::address_literal},
      {"", PolicyKeyKind::invalid},
      {"exa mple.com", PolicyKeyKind::invalid},
      {"a..b", PolicyKeyKind::invalid},
      {"-a.example", PolicyKeyKind::invalid},
      {"a-.example", PolicyKeyKind::invalid},
      {"under_score.example", PolicyKeyKind::invalid},
      {"[relay.example", PolicyKeyKind::invalid},
      {"[relay.example]:x", PolicyKeyKind::invalid},
      {std::string_view("a\0b", 3), PolicyKeyKind::invalid},
  };
  for (const auto& [key, kind] : cases) {
    EXPECT_EQ(classify_policy_key(key).kind, kind) << key;
  }
  EXPECT_EQ(classify_policy_key(std::string(254, 'a')).kind, PolicyKeyKind::invalid);
  EXPECT_EQ(classify_policy_key(std::string(64, 'a') + ".example").kind, PolicyKeyKind::invalid);
}
