// RFC 6125 DNS-ID matching as RFC 8461 §3.3/§4.2 use it. Non-matches first; A03, F11... are the
// spec digest's conformance case ids, expressed on the names the certificate would carry.
#include <mtasts/core/cert_identity.hpp>
#include <mtasts/core/mx_pattern.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

using mtasts::core::dns_id_matches;
using mtasts::core::match_certificate_identity;

namespace {

mtasts::core::IdentityResult match(const std::vector<std::string>& sans, std::string_view host)
{
  return match_certificate_identity(sans, host);
}

} // namespace

TEST(CertIdentity, CnOnlyCertificateNeverMatches)
{
  // A04 / F13: the subject CN is never consulted, so a certificate without dNSName SANs fails.
  const auto result = match({}, "mta-sts.example.com");
  EXPECT_FALSE(result.matched);
  EXPECT_TRUE(result.matched_name.empty());
}

TEST(CertIdentity, BareDomainSanDoesNotCoverPolicyHost)
{
  // F11: SAN only example.com, policy host mta-sts.example.com.
  EXPECT_FALSE(match({"example.com"}, "mta-sts.example.com").matched);
}

TEST(CertIdentity, DelegatedHostNeedsCustomerName)
{
  // F16 (RFC 8461 §8.2): the provider's own name does not cover the customer's policy host.
  EXPECT_FALSE(match({"mta-sts.provider.example"}, "mta-sts.customer.example").matched);
  EXPECT_FALSE(match({"*.provider.example"}, "mta-sts.customer.example").matched);
}

TEST(CertIdentity, WildcardCoversExactlyOneLabel)
{
  // A03: *.example.com does not cover a.b.example.com, nor the bare domain.
  EXPECT_FALSE(dns_id_matches("*.example.com", "a.b.example.com"));
  EXPECT_FALSE(dns_id_matches("*.example.com", "example.com"));
  EXPECT_FALSE(dns_id_matches("*.example.com", "mx1.example.com.evil.net"));
  EXPECT_FALSE(dns_id_matches("*.example.com", "mx1.example.org"));
  EXPECT_FALSE(dns_id_matches("*.example.com", "mx1example.com"));
}

TEST(CertIdentity, RejectsWildcardsOutsideTheWholeLeftMostLabel)
{
  const std::string_view presented[] = {
      "mx*.example.com",   // partial label, suffix wildcard
      "*mx.example.com",   // partial label, prefix wildcard
      "m*x.example.com",   // partial label, infix wildcard
      "xn--*.example.com", // wildcard inside an A-label (RFC 6125 §6.4.3)
      "mx1.*.example.com", // wildcard not in the left-most label
      "*.*.example.com",   // two wildcards
      "*",                 // bare wildcard
      "*.",                // bare wildcard, absolute
      "**.example.com",    // not a single asterisk
      "*.com",             // wildcard over a top-level domain
      "*.com.",            // the same, absolute
  };
  for (const auto name : presented) {
    EXPECT_FALSE(dns_id_matches(name, "mx1.example.com")) << name;
    EXPECT_FALSE(dns_id_matches(name, "example.com")) << name;
    EXPECT_FALSE(dns_id_matches(name, "mx1.mx1.example.com")) << name;
  }
}

TEST(CertIdentity, RejectsMalformedPresentedNames)
{
  const std::string_view presented[] = {
      "",
      ".",
      "mx1.example.com..",      // only one trailing dot is ignored
      ".mx1.example.com",       // leading empty label
      "mx1..example.com",       // inner empty label
      "mx_1.example.com",       // underscore is not LDH
      "mx1 .example.com",       // space
      "-mx1.example.com",       // leading hyphen
      "mx1-.example.com",       // trailing hyphen
      "mx1.example.com/",       // punctuation
      "mx1.ex\xC3\xA4mple.com", // UTF-8 (a U-label is not an A-label)
  };
  for (const auto name : presented) {
    EXPECT_FALSE(dns_id_matches(name, "mx1.example.com")) << name;
  }
  // An embedded NUL (the classic "mx1.example.com\0.evil.net" attack) never matches.
  const std::string with_nul("mx1.example.com\0.evil.net", 25);
  EXPECT_FALSE(dns_id_matches(with_nul, "mx1.example.com"));
  EXPECT_FALSE(dns_id_matches(std::string_view("mx1.example.com\0", 16), "mx1.example.com"));
}

TEST(CertIdentity, RejectsOverlongNamesAndLabels)
{
  const std::string long_label(64, 'a');
  EXPECT_FALSE(dns_id_matches(long_label + ".example.com", long_label + ".example.com"));
  EXPECT_FALSE(dns_id_matches("*.example.com", long_label + ".example.com"));

  std::string long_name;
  while (long_name.size() < 250) {
    long_name += "abcdefghi.";
  }
  long_name += "example"; // 257 octets
  EXPECT_FALSE(dns_id_matches(long_name, long_name));

  // 63-octet labels and a 253-octet name are still fine.
  const std::string max_label(63, 'a');
  EXPECT_TRUE(dns_id_matches(max_label + ".example.com", max_label + ".example.com"));
  std::string max_name = std::string(61, 'b');
  for (int i = 0; i < 3; ++i) {
    max_name = max_label + "." + max_name;
  }
  ASSERT_EQ(max_name.size(), 253U);
  EXPECT_TRUE(dns_id_matches(max_name, max_name + "."));
}

TEST(CertIdentity, RejectsMalformedReferenceHosts)
{
  EXPECT_FALSE(dns_id_matches("mx1.example.com", ""));
  EXPECT_FALSE(dns_id_matches("*.example.com", ".example.com"));
  EXPECT_FALSE(dns_id_matches("*.example.com", "*.example.com")); // a reference is never a pattern
  EXPECT_FALSE(dns_id_matches("*.example.com", "a_b.example.com"));
  EXPECT_FALSE(dns_id_matches("mx1.example.com", "mx1.example.com.."));
}

TEST(CertIdentity, IpAddressesAreNotDnsIds)
{
  // RFC 6125 §1.7.2: an IP address reference is matched against iPAddress SANs, never dNSName.
  EXPECT_FALSE(dns_id_matches("192.0.2.25", "192.0.2.25"));
  EXPECT_FALSE(dns_id_matches("*.0.2.25", "192.0.2.25"));
}

TEST(CertIdentity, ExactNamesMatchIgnoringCaseAndOneTrailingDot)
{
  EXPECT_TRUE(dns_id_matches("mx1.example.com", "mx1.example.com"));
  EXPECT_TRUE(dns_id_matches("MX1.Example.COM", "mx1.example.com"));
  EXPECT_TRUE(dns_id_matches("mx1.example.com", "MX1.EXAMPLE.COM"));
  EXPECT_TRUE(dns_id_matches("mx1.example.com.", "mx1.example.com"));
  EXPECT_TRUE(dns_id_matches("mx1.example.com", "mx1.example.com."));
  EXPECT_TRUE(dns_id_matches("mx1.example.com.", "mx1.example.com."));
  EXPECT_TRUE(dns_id_matches("mx-1.example.com", "mx-1.example.com"));
  EXPECT_TRUE(dns_id_matches("localhost", "localhost"));
  EXPECT_FALSE(dns_id_matches("mx1.example.com", "mx2.example.com"));
  EXPECT_FALSE(dns_id_matches("mx1.example.com", "xmx1.example.com"));
  EXPECT_FALSE(dns_id_matches("example.com", "mta-sts.example.com"));
}

TEST(CertIdentity, WildcardMatchesOneLeftMostLabel)
{
  // A03 / F12.
  EXPECT_TRUE(dns_id_matches("*.example.com", "mx1.example.com"));
  EXPECT_TRUE(dns_id_matches("*.example.com", "mta-sts.example.com"));
  EXPECT_TRUE(dns_id_matches("*.Example.COM", "MX1.example.com"));
  EXPECT_TRUE(dns_id_matches("*.example.com.", "mx1.example.com"));
  EXPECT_TRUE(dns_id_matches("*.example.com", "mx1.example.com."));
  EXPECT_TRUE(
      dns_id_matches("*.mail.protection.outlook.com", "contoso-com.mail.protection.outlook.com"));
  EXPECT_TRUE(dns_id_matches("*.example.com", "xn--caf-dma.example.com")); // an A-label is a label
}

TEST(CertIdentity, InternationalizedNamesCompareAsALabels)
{
  const auto reference = mtasts::core::normalize_host("mx.b\xC3\xBC"
                                                      "cher.example");
  ASSERT_TRUE(reference);
  EXPECT_EQ(*reference, "mx.xn--bcher-kva.example");
  EXPECT_TRUE(dns_id_matches("*.xn--bcher-kva.example", *reference));
  EXPECT_TRUE(dns_id_matches("*.XN--BCHER-KVA.example", *reference));
  EXPECT_TRUE(dns_id_matches("mx.xn--bcher-kva.example", *reference));
  EXPECT_FALSE(dns_id_matches("*.xn--bcher-kva.example", "xn--bcher-kva.example"));
  EXPECT_FALSE(dns_id_matches("*.xn--bcher-kva.example", "a.mx.xn--bcher-kva.example"));
  // The U-label form in a certificate is not a DNS-ID.
  EXPECT_FALSE(dns_id_matches("*.b\xC3\xBC"
                              "cher.example",
                              *reference));
}

TEST(CertIdentity, FirstMatchingSanIsReported)
{
  const std::vector<std::string> sans = {"example.com", "mx_bad.example.com", "*.example.com",
                                         "mx1.example.com"};
  const auto result = match(sans, "mx1.example.com");
  EXPECT_TRUE(result.matched);
  EXPECT_EQ(result.matched_name, "*.example.com");

  const auto a03 = match({"*.example.com"}, "a.b.example.com");
  EXPECT_FALSE(a03.matched);
  EXPECT_TRUE(a03.matched_name.empty());

  const auto exact = match({"other.example", "MX1.example.com."}, "mx1.example.com");
  EXPECT_TRUE(exact.matched);
  EXPECT_EQ(exact.matched_name, "MX1.example.com.");
}
