// util::parse_host_port, the one host[:port] parser; errors first.
#include <mtasts/util/host_port.hpp>

#include <gtest/gtest.h>

namespace {

using mtasts::util::canonical_ip;
using mtasts::util::parse_host_port;
using mtasts::util::PortRule;

TEST(UtilHostPort, Errors)
{
  EXPECT_FALSE(parse_host_port(""));
  EXPECT_FALSE(parse_host_port(":53"));
  EXPECT_FALSE(parse_host_port("[2001:db8::1"));
  EXPECT_FALSE(parse_host_port("[2001:db8::1]53"));
  EXPECT_FALSE(parse_host_port("[mail.example]:53")) << "brackets hold IPv6 only";
  EXPECT_FALSE(parse_host_port("192.0.2.1:0"));
  EXPECT_FALSE(parse_host_port("192.0.2.1:65536"));
  EXPECT_FALSE(parse_host_port("192.0.2.1:0x35"));
  EXPECT_FALSE(parse_host_port("192.0.2.1:+53"));
  EXPECT_FALSE(parse_host_port("192.0.2.1", PortRule::required));
  const auto error = parse_host_port("192.0.2.1:99999");
  EXPECT_NE(error.error().find("1 to 65535"), std::string::npos) << error.error();
}

TEST(UtilHostPort, Forms)
{
  const auto v4 = parse_host_port("192.0.2.1:53");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "192.0.2.1");
  EXPECT_EQ(v4->port, 53);
  const auto bare_v6 = parse_host_port("2001:db8::1");
  ASSERT_TRUE(bare_v6);
  EXPECT_EQ(bare_v6->host, "2001:db8::1");
  EXPECT_FALSE(bare_v6->port);
  const auto bracketed = parse_host_port("[2001:db8::1]:8461");
  ASSERT_TRUE(bracketed);
  EXPECT_EQ(bracketed->host, "2001:db8::1");
  EXPECT_EQ(bracketed->port, 8461);
  EXPECT_TRUE(bracketed->bracketed);
  const auto name = parse_host_port("mail.example:25");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->host, "mail.example");
  EXPECT_EQ(parse_host_port("192.0.2.1:053")->port, 53) << "leading zeros are decimal";
}

TEST(UtilHostPort, CanonicalIp)
{
  EXPECT_EQ(canonical_ip("2001:DB8:0::1"), "2001:db8::1");
  EXPECT_EQ(canonical_ip("192.0.2.1"), "192.0.2.1");
  EXPECT_FALSE(canonical_ip("mail.example"));
  EXPECT_FALSE(canonical_ip("192.0.2.256"));
  EXPECT_EQ(mtasts::util::format_host_port("2001:db8::1", 53), "[2001:db8::1]:53");
}

} // namespace
