// The code registry (core/codes.hpp): well-formed entries, the generated docs/CODES.md, and every
// diagnostic the parsers emit over the test data registered with the severity they give it.
#include <mtasts/core/codes.hpp>
#include <mtasts/core/policy.hpp>
#include <mtasts/core/sts_record.hpp>
#include <mtasts/core/tlsrpt_record.hpp>
#include <mtasts/core/tlsrpt_report.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace {

using namespace mtasts::core;

std::string read_file(const std::filesystem::path& path)
{
  std::ifstream file(path, std::ios::binary);
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

int rank(Severity severity)
{
  return severity == Severity::error ? 2 : severity == Severity::warning ? 1 : 0;
}

// --- malformed entries first

TEST(CoreCodes, EveryCodeIsUniqueWithinItsFamilyAndKebabCase)
{
  std::set<std::pair<CodeFamily, std::string_view>> seen;
  for (const auto& info : all_codes()) {
    EXPECT_TRUE(seen.emplace(info.family, info.code).second) << info.code;
    ASSERT_FALSE(info.code.empty());
    for (const char c : info.code) {
      EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') << info.code;
    }
    EXPECT_NE(info.code.front(), '-');
    EXPECT_NE(info.code.back(), '-');
  }
}

TEST(CoreCodes, EveryEntryHasOneLineOfMeaningAndFixAndCitesItsRfc)
{
  for (const auto& info : all_codes()) {
    for (const auto text : {info.meaning, info.fix}) {
      EXPECT_GT(text.size(), 8U) << info.code;
      EXPECT_EQ(text.find('\n'), std::string_view::npos) << info.code;
      EXPECT_TRUE(text.ends_with('.') || text.ends_with('`') || text.ends_with(')'))
          << info.code << ": " << text;
    }
    if (!info.rfc.empty()) {
      EXPECT_TRUE(info.rfc.starts_with("RFC ")) << info.code << ": " << info.rfc;
    }
  }
}

TEST(CoreCodes, TheLenientSeverityIsNeverStricter)
{
  for (const auto& info : all_codes()) {
    EXPECT_LE(rank(info.lenient), rank(info.severity)) << info.code;
    // Parsers emit errors and warnings only.
    if (info.family != CodeFamily::check) {
      EXPECT_NE(info.severity, Severity::info) << info.code;
    }
  }
}

TEST(CoreCodes, LookupIsByFamilyAndExactName)
{
  EXPECT_EQ(find_code(CodeFamily::policy, "mode-invalid")->code, "mode-invalid");
  EXPECT_EQ(find_code(CodeFamily::check, "mode-invalid"), nullptr);
  EXPECT_EQ(find_code(CodeFamily::policy, "Mode-Invalid"), nullptr);
  // The same name in two families is two entries.
  EXPECT_NE(find_code(CodeFamily::policy, "duplicate-field"),
            find_code(CodeFamily::txt_record, "duplicate-field"));
  // consteval lookups return the table's own entry.
  EXPECT_EQ(&policy_code("mode-invalid"), find_code(CodeFamily::policy, "mode-invalid"));
  EXPECT_EQ(&result_type_code("dnssec-invalid"),
            find_code(CodeFamily::result_type, "dnssec-invalid"));
}

TEST(CoreCodes, DocsCodesMdIsGeneratedFromTheTable)
{
  const auto document = read_file(std::filesystem::path(MTASTS_SOURCE_DIR) / "docs/CODES.md");
  EXPECT_EQ(document, codes_markdown())
      << "docs/CODES.md is out of date: run `mtasts codes --markdown > docs/CODES.md`";
}

// --- the parsers use the registry

void expect_registered(CodeFamily family, const Diagnostics& diagnostics, Profile profile,
                       const std::string& input, std::set<std::string>& seen)
{
  for (const auto& diagnostic : diagnostics) {
    const CodeInfo* info = find_code(family, diagnostic.code);
    if (info == nullptr && family != CodeFamily::txt_record) {
      info = find_code(CodeFamily::txt_record, diagnostic.code);
    }
    ASSERT_NE(info, nullptr) << diagnostic.code << " in " << input;
    EXPECT_EQ(diagnostic.severity, severity_in(*info, profile))
        << diagnostic.code << " (" << profile_name(profile) << ") in " << input;
    seen.insert(diagnostic.code.data() == nullptr ? "" : std::string(diagnostic.code));
  }
}

std::vector<std::filesystem::path> files_under(const std::string& relative)
{
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           std::filesystem::path(MTASTS_TEST_DATA_DIR) / relative)) {
    if (entry.is_regular_file()) {
      files.push_back(entry.path());
    }
  }
  return files;
}

TEST(CoreCodes, EveryDiagnosticOverTheTestDataIsRegisteredWithItsSeverity)
{
  std::set<std::string> seen;
  for (const auto profile : {Profile::strict, Profile::compatible}) {
    for (const auto& path : files_under("policies")) {
      const auto body = read_file(path);
      expect_registered(CodeFamily::policy, parse_policy(body, profile).diagnostics, profile,
                        path.string(), seen);
    }
    for (const auto& path : files_under("txt/sts")) {
      const std::vector<std::string> records{read_file(path)};
      expect_registered(CodeFamily::sts_record, select_sts_record(records, profile).diagnostics,
                        profile, path.string(), seen);
    }
    for (const auto& path : files_under("txt/tlsrpt")) {
      const std::vector<std::string> records{read_file(path)};
      expect_registered(CodeFamily::tlsrpt_record,
                        select_tlsrpt_record(records, profile).diagnostics, profile, path.string(),
                        seen);
    }
    for (const auto& path : files_under("reports")) {
      expect_registered(CodeFamily::report, parse_report(read_file(path), profile).diagnostics,
                        profile, path.string(), seen);
    }
  }
  EXPECT_GT(seen.size(), 40U) << "the test data should exercise most codes";
}

} // namespace
