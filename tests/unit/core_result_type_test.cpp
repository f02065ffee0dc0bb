#include <mtasts/core/result_type.hpp>

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

using mtasts::core::all_result_types;
using mtasts::core::CodeInfo;
using mtasts::core::find_result_type;
using mtasts::core::is_known_policy_type;
using mtasts::core::known_policy_types;
using mtasts::core::parse_result_type;
using mtasts::core::result_type_category;
using mtasts::core::result_type_info;
using mtasts::core::result_type_name;
using mtasts::core::ResultType;

// --- Unknown names ---

TEST(CoreResultType, UnknownNamesAreNotFound)
{
  EXPECT_EQ(find_result_type(""), nullptr);
  EXPECT_EQ(find_result_type("certificate-invalid"), nullptr);
  EXPECT_EQ(find_result_type("sts"), nullptr); // a policy type, not a result type
  EXPECT_EQ(find_result_type("no-policy-found"), nullptr);
}

TEST(CoreResultType, LookupIsExactAndCaseSensitive)
{
  EXPECT_EQ(find_result_type("Certificate-Expired"), nullptr);
  EXPECT_EQ(find_result_type("certificate-expired "), nullptr);
  EXPECT_EQ(find_result_type(" certificate-expired"), nullptr);
  EXPECT_EQ(find_result_type("certificate_expired"), nullptr);
}

TEST(CoreResultType, UnknownPolicyTypes)
{
  EXPECT_FALSE(is_known_policy_type(""));
  EXPECT_FALSE(is_known_policy_type("STS"));
  EXPECT_FALSE(is_known_policy_type("invalid-policy-type")); // stalwart rpt03.json
  EXPECT_FALSE(is_known_policy_type("dane"));
}

// --- The registry ---

TEST(CoreResultType, RegistryHoldsTheElevenRfc8460Types)
{
  std::vector<std::string_view> names;
  for (const ResultType type : all_result_types()) {
    names.push_back(result_type_name(type));
  }
  const std::vector<std::string_view> expected = {
      "starttls-not-supported", "certificate-host-mismatch",
      "certificate-expired",    "certificate-not-trusted",
      "validation-failure",     "tlsa-invalid",
      "dnssec-invalid",         "dane-required",
      "sts-policy-fetch-error", "sts-policy-invalid",
      "sts-webpki-invalid"};
  EXPECT_EQ(names, expected);
}

TEST(CoreResultType, Categories)
{
  const auto category = [](std::string_view name) {
    const auto type = parse_result_type(name);
    return type ? result_type_category(*type) : std::string_view("(missing)");
  };
  for (const auto* name :
       {"starttls-not-supported", "certificate-host-mismatch", "certificate-expired",
        "certificate-not-trusted", "validation-failure"}) {
    EXPECT_EQ(category(name), "negotiation") << name;
  }
  for (const auto* name : {"tlsa-invalid", "dnssec-invalid", "dane-required"}) {
    EXPECT_EQ(category(name), "dane") << name;
  }
  for (const auto* name : {"sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid"}) {
    EXPECT_EQ(category(name), "sts") << name;
  }
}

TEST(CoreResultType, FindReturnsTheRegistryEntry)
{
  for (const ResultType type : all_result_types()) {
    const CodeInfo& info = result_type_info(type);
    EXPECT_EQ(info.family, mtasts::core::CodeFamily::result_type);
    EXPECT_EQ(find_result_type(info.code), &info) << info.code;
    EXPECT_EQ(parse_result_type(info.code), type) << info.code;
  }
}

TEST(CoreResultType, EveryEntryHasOneLineMeaningAndFix)
{
  std::set<std::string_view> names;
  for (const ResultType type : all_result_types()) {
    const CodeInfo& info = result_type_info(type);
    EXPECT_TRUE(names.insert(info.code).second) << "duplicate " << info.code;
    for (const std::string_view text : {info.meaning, info.fix}) {
      EXPECT_GT(text.size(), 40u) << info.code;
      EXPECT_LT(text.size(), 260u) << info.code;
      EXPECT_EQ(text.find('\n'), std::string_view::npos) << info.code;
      EXPECT_TRUE(text.ends_with('.')) << info.code << ": " << text;
    }
  }
}

TEST(CoreResultType, CertificateHostMismatchExplainsSubjectAltName)
{
  const CodeInfo* info = find_result_type("certificate-host-mismatch");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->meaning, "The MX presented a certificate whose subjectAltName DNS names do not "
                           "cover the MX host name the sender connected to.");
  EXPECT_EQ(info->fix, "Add every MX host name (as listed in the MX records) to the certificate's "
                       "subjectAltName; CN alone is ignored.");
}

TEST(CoreResultType, KnownPolicyTypes)
{
  const std::vector<std::string_view> types(known_policy_types().begin(),
                                            known_policy_types().end());
  EXPECT_EQ(types, (std::vector<std::string_view>{"sts", "tlsa", "no-policy-found"}));
  for (const std::string_view type : types) {
    EXPECT_TRUE(is_known_policy_type(type)) << type;
  }
}

} // namespace
