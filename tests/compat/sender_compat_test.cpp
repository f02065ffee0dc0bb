// core::sender_rejections() against the real implementation it describes: mailauth's strict
// policy parser, run with node over every policy of the test data and more edge cases. The
// packages come from npm (tests/compat/package.json, installed by scripts/install-deps.sh).
#include <mtasts/core/sender_compat.hpp>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path)
{
  std::ifstream file(path, std::ios::binary);
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

// Bodies beyond the test data: the corners where sender parsers differ.
const std::vector<std::string> k_extra = {
    "version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\nmax_age: 31557600\r\n",
    "version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\nmax_age: 31557601\r\n",
    "version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\nmax_age: 12345678901\r\n",
    "version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\nmax_age: +86400\r\n",
    "version: STSv1\nmode: testing\nmx: mx.example.com.\nmax_age: 86400\n",
    "version: STSv1\nmode: testing\nmx: *.example.com\nmax_age: 86400\n",
    "version: STSv1\nmode: testing\nmx: mail*.example.com\nmax_age: 86400\n",
    "version: STSv1\nmode: testing\nmx: 192.0.2.1\nmax_age: 86400\n",
    "version: STSv1\nmode: testing\nmx: -bad.example.com\nmax_age: 86400\n",
    "version: STSv1\nmode: none\nmax_age: 86400\n",
    "version: STSv1\nmode: enforce\nmax_age: 86400\n",
    "version: STSv1\nmode: Enforce\nmx: mx.example.com\nmax_age: 86400\n",
    "version: STSv1\nmode: enforce\nmode: none\nmx: mx.example.com\nmax_age: 86400\n",
    "Version: STSv1\nmode: none\nmax_age: 86400\n",
    " version: STSv1\nmode: none\nmax_age: 86400\n",
    "version : STSv1\nmode: none\nmax_age: 86400\n",
    "version:STSv1\nmode:none\nmax_age:86400",
    "version: STSv1 \nmode: none\t\nmax_age: 86400 \n",
    "version: STSv1\r\r\nmode: none\r\nmax_age: 86400\r\n",
    "version: STSv1\nmode: none\nmax_age: 86400\nthis-is-a-very-long-extension-name-over-32: x\n",
    "version: STSv1\nmode: none\nmax_age: 86400\nx_ext: a: b\n",
    "# comment: yes\nversion: STSv1\nmode: none\nmax_age: 86400\n",
    "\xEF\xBB\xBFversion: STSv1\nmode: none\nmax_age: 86400\n",
    "version: STSv1\nmode: none\nmax_age: 0\n",
    "version: STSv1\nmode: none\nmax_age: \n",
    "",
    "<html><body>not found</body></html>",
};

TEST(SenderCompat, MailauthStrictAcceptsExactlyWhatTheEmulationAccepts)
{
  const fs::path node_modules = fs::path(MTASTS_COMPAT_DIR) / "node_modules" / "mailauth";
  ASSERT_TRUE(fs::exists(node_modules))
      << "mailauth is not installed: run scripts/install-deps.sh (npm ci in tests/compat)";
  std::vector<fs::path> files;
  for (const auto& entry :
       fs::recursive_directory_iterator(fs::path(MTASTS_TEST_DATA_DIR) / "policies")) {
    if (entry.is_regular_file()) {
      files.push_back(entry.path());
    }
  }
  const fs::path scratch =
      fs::temp_directory_path() / ("mtasts-compat-" + std::to_string(::getpid()));
  fs::create_directories(scratch);
  for (std::size_t i = 0; i < k_extra.size(); ++i) {
    const auto path = scratch / ("extra-" + std::to_string(i) + ".txt");
    std::ofstream(path, std::ios::binary) << k_extra[i];
    files.push_back(path);
  }
  std::string command = "node " + (fs::path(MTASTS_COMPAT_DIR) / "mailauth_policy.js").string();
  for (const auto& file : files) {
    command += " '" + file.string() + "'";
  }
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  std::array<char, 4096> buffer{};
  for (std::size_t n = 0; (n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) {
    output.append(buffer.data(), n);
  }
  ASSERT_EQ(pclose(pipe), 0) << output;
  std::istringstream lines(output);
  std::size_t compared = 0;
  std::size_t rejected = 0;
  for (std::string line; std::getline(lines, line);) {
    const auto result = boost::json::parse(line).as_object();
    const std::string file(result.at("file").as_string());
    const bool accepted = result.at("accepted").as_bool();
    const auto body = read_file(file);
    const auto rejections = mtasts::core::sender_rejections(body, "text/plain");
    const bool emulated_reject = std::ranges::any_of(rejections, [](const auto& rejection) {
      return rejection.implementation.starts_with("mailauth");
    });
    EXPECT_EQ(!accepted, emulated_reject)
        << file << ": mailauth says "
        << (accepted ? std::string("accepted")
                     : "rejected (" + std::string(result.at("error").as_string()) + ")");
    ++compared;
    rejected += accepted ? 0 : 1;
  }
  EXPECT_EQ(compared, files.size());
  EXPECT_GT(rejected, 10U);
  EXPECT_LT(rejected, compared);
  fs::remove_all(scratch);
}

} // namespace
