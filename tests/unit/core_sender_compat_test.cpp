// Stricter sender implementations (core/sender_compat.hpp): hand-made cases for each rule. The
// mailauth rules are also compared with mailauth itself (tests/compat/sender_compat_test.cpp).
#include <mtasts/core/sender_compat.hpp>

#include <gtest/gtest.h>

#include <algorithm>

namespace {

using mtasts::core::sender_rejections;

const std::string k_good =
    "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmax_age: 604800\r\n";

bool rejected_by(std::string_view body, std::string_view who,
                 std::string_view content_type = "text/plain")
{
  const auto rejections = sender_rejections(body, content_type);
  return std::ranges::any_of(rejections, [&](const auto& rejection) {
    return rejection.implementation.find(who) != std::string_view::npos;
  });
}

TEST(CoreSenderCompat, MaxAgeOverTheLimitIsRejectedByBoth)
{
  const std::string body =
      "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmax_age: 31557601\r\n";
  EXPECT_TRUE(rejected_by(body, "mailauth"));
  EXPECT_TRUE(rejected_by(body, "postfix-mta-sts-resolver"));
}

TEST(CoreSenderCompat, MailauthRejectsWhatTheCompatibleProfileRepairs)
{
  for (const std::string& body : {
           std::string("version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com.\r\nmax_age: "
                       "604800\r\n"), // trailing dot
           std::string("version: STSv1\r\nmode: enforce\r\nmx: a.example.com b.example.com\r\n"
                       "max_age: 604800\r\n"), // a list
           std::string("\xEF\xBB\xBFversion: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\n"
                       "max_age: 604800\r\n"), // a BOM hides version
           std::string(" mode: enforce\r\nversion: STSv1\r\nmx: mx1.example.com\r\nmax_age: 1\r\n"),
           std::string("version: STSv1\r\nmode : enforce\r\nmx: mx1.example.com\r\nmax_age: 1\r\n"),
       }) {
    EXPECT_TRUE(rejected_by(body, "mailauth")) << body;
  }
}

TEST(CoreSenderCompat, MailauthTakesTheFirstFieldAndAcceptsModeNoneWithoutMx)
{
  EXPECT_FALSE(rejected_by(k_good, "mailauth"));
  EXPECT_FALSE(rejected_by("version: STSv1\nmode: none\nmax_age: 0\n", "mailauth"));
  EXPECT_FALSE(rejected_by(k_good + "mode: nonsense\r\n", "mailauth")) << "the first mode counts";
  EXPECT_TRUE(rejected_by("version: STSv1\r\nmode: enforce\r\nmax_age: 86400\r\n", "mailauth"));
  EXPECT_FALSE(rejected_by("version: STSv1\r\nmode: testing\r\nmx: *.example.com\r\nmax_age: "
                           "0000086400\r\n",
                           "mailauth"));
}

TEST(CoreSenderCompat, PostfixMtaStsResolverNeedsAsciiOrACharsetAndTakesTheLastField)
{
  const std::string utf8 = k_good + "x-note: caf\xC3\xA9\r\n";
  EXPECT_TRUE(rejected_by(utf8, "postfix-mta-sts-resolver", "text/plain"));
  EXPECT_FALSE(rejected_by(utf8, "postfix-mta-sts-resolver", "text/plain; charset=utf-8"));
  EXPECT_TRUE(rejected_by(k_good + "mode: nonsense\r\n", "postfix-mta-sts-resolver"))
      << "the last mode counts";
  EXPECT_TRUE(rejected_by(" mode: enforce\r\nversion: STSv1\r\nmx: a.example\r\nmax_age: 1\r\n",
                          "postfix-mta-sts-resolver"));
  EXPECT_FALSE(
      rejected_by("version: STSv1\r\nmode: none\r\nmax_age: +5\r\n", "postfix-mta-sts-resolver"))
      << "Python's int() takes a sign";
  EXPECT_TRUE(
      rejected_by("version: STSv1\r\nmode: none\r\nmax_age: 5x\r\n", "postfix-mta-sts-resolver"));
}

TEST(CoreSenderCompat, AValidPolicyIsRejectedByNobody)
{
  EXPECT_TRUE(sender_rejections(k_good, "text/plain").empty());
  EXPECT_TRUE(sender_rejections("mx: *.example.net\nmax_age: 86400\nmode: testing\nversion: "
                                "STSv1\n",
                                "text/plain")
                  .empty());
}

} // namespace
