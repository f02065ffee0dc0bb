// The Postfix TLS policy built from an MTA-STS policy.
#include <mtasts/core/postfix_answer.hpp>

#include <gtest/gtest.h>

using namespace mtasts::core;

namespace {

Policy policy_of(std::string_view body)
{
  auto parsed = parse_policy(body, Profile::compatible);
  EXPECT_TRUE(parsed.ok()) << body;
  return parsed.value.value_or(Policy{});
}

} // namespace

TEST(PostfixAnswer, KeepsPolicyOrderDropsDuplicatesAndUsesLeadingDots)
{
  const auto policy = policy_of("version: STSv1\nmode: enforce\nmx: mx2.example.com\n"
                                "mx: *.example.net\nmx: mx2.example.com\nmx: mx1.example.com\n"
                                "max_age: 604800\n");
  EXPECT_EQ(postfix_secure_answer("example.com", policy, {}),
            "secure match=mx2.example.com:.example.net:mx1.example.com servername=hostname");
  EXPECT_EQ(postfix_secure_answer("example.com", policy,
                                  {.servername = false, .tlsrpt_attributes = false}),
            "secure match=mx2.example.com:.example.net:mx1.example.com");
}

TEST(PostfixAnswer, TlsrptAttributesForPostfix310)
{
  const auto policy =
      policy_of("version: STSv1\nmode: enforce\nmx: *.example.net\nmax_age: 86400\n");
  EXPECT_EQ(
      postfix_secure_answer("example.com", policy, {.servername = true, .tlsrpt_attributes = true}),
      "secure match=.example.net servername=hostname policy_type=sts "
      "policy_domain=example.com mx_host_pattern=*.example.net "
      "{ policy_string = version: STSv1 } { policy_string = mode: enforce } "
      "{ policy_string = mx: *.example.net } { policy_string = max_age: 86400 }");
}
