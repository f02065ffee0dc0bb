// CLI scenario tests: run the real `mtasts` binary and check the public contract (exit codes
// 0/1/2 and the --json documents). One test per behaviour.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

struct Run
{
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string quote(const std::string& argument)
{
  std::string quoted = "'";
  for (const char c : argument) {
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return quoted + "'";
}

// Runs mtasts with `arguments`; `stdin_file` (optional) is redirected to standard input.
Run mtasts(const std::vector<std::string>& arguments, const std::string& stdin_file = "")
{
  std::string command = quote(MTASTS_BINARY);
  for (const auto& argument : arguments) {
    command += " " + quote(argument);
  }
  command += stdin_file.empty() ? " </dev/null" : " <" + quote(stdin_file);
  const auto err_file = std::filesystem::temp_directory_path() /
                        ("mtasts-cli-test-" + std::to_string(::getpid()) + ".err");
  command += " 2>" + quote(err_file.string());
  Run run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return run;
  }
  char buffer[4096];
  std::size_t got = 0;
  while ((got = fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    run.out.append(buffer, got);
  }
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_file);
  run.err.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>());
  std::filesystem::remove(err_file);
  return run;
}

boost::json::object json_of(const Run& run)
{
  boost::system::error_code error;
  auto value = boost::json::parse(run.out, error);
  EXPECT_FALSE(error) << "not JSON: " << run.out;
  EXPECT_TRUE(value.is_object()) << run.out;
  return value.is_object() ? value.as_object() : boost::json::object{};
}

std::string data(const std::string& relative)
{
  return std::string(MTASTS_TEST_DATA_DIR) + "/" + relative;
}

std::vector<std::string> codes(const boost::json::object& document, const char* list)
{
  std::vector<std::string> result;
  for (const auto& entry : document.at(list).as_array()) {
    result.emplace_back(entry.at("code").as_string());
  }
  return result;
}

} // namespace

// --- usage and I/O errors: exit 2 --------------------------------------------------------------

TEST(Cli, UnknownSubcommandIsUsageError)
{
  EXPECT_EQ(mtasts({"frobnicate"}).exit_code, 2);
}

TEST(Cli, AnUnknownCommandIsNamedWithTheClosestOne)
{
  const auto typo = mtasts({"polcy", "lint", "x"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("unknown command 'polcy'; did you mean 'policy'?"), std::string::npos)
      << typo.err;
  const auto sub = mtasts({"resolver", "quer", "x"});
  EXPECT_EQ(sub.exit_code, 2);
  EXPECT_NE(sub.err.find("unknown command 'quer' for 'mtasts resolver'; did you mean 'query'?"),
            std::string::npos)
      << sub.err;
  const auto far = mtasts({"frobnicate"});
  EXPECT_NE(far.err.find("unknown command 'frobnicate'"), std::string::npos) << far.err;
  EXPECT_EQ(far.err.find("did you mean"), std::string::npos) << far.err;
}

TEST(Cli, AnUnknownOptionIsNamedWithTheClosestOne)
{
  const auto run = mtasts({"policy", "lint", "--jsn", data("policies/valid/lf-lines.txt")});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("unknown option '--jsn' for 'mtasts policy lint'; did you mean "
                         "'--json'?"),
            std::string::npos)
      << run.err;
}

// A flag takes no value: the word after it is the next option, whatever follows that.
TEST(Cli, AFlagDoesNotSwallowTheNextOption)
{
  const auto run = mtasts({"resolver", "--check-config", "--trust-anchor", "/nonexistent/root.key",
                           "--cache", "memory:"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err.find("unknown command"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("DNSSEC trust anchor /nonexistent/root.key"), std::string::npos)
      << run.err;
}

TEST(Cli, HelpNamesTheCommand)
{
  const auto top = mtasts({"help"});
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.out.find("Subcommands:"), std::string::npos) << top.out;
  EXPECT_NE(top.out.find("resolver"), std::string::npos) << top.out;
  const auto lint = mtasts({"help", "policy", "lint"});
  EXPECT_EQ(lint.exit_code, 0);
  EXPECT_NE(lint.out.find("mtasts policy lint"), std::string::npos) << lint.out;
  EXPECT_NE(lint.out.find("--profile"), std::string::npos) << lint.out;
  EXPECT_EQ(mtasts({"help", "polciy"}).exit_code, 2);
}

TEST(Cli, NumbersAreDecimalOnlyAndRangeErrorsNameTheFlag)
{
  const auto octal =
      mtasts({"policy", "new", "--mx", "mx.example.com", "--max-age", "010", "--policy-only"});
  EXPECT_EQ(octal.exit_code, 0);
  EXPECT_NE(octal.out.find("max_age: 10\r\n"), std::string::npos) << octal.out;
  const auto hex = mtasts({"policy", "new", "--mx", "mx.example.com", "--max-age", "0x10"});
  EXPECT_EQ(hex.exit_code, 2);
  EXPECT_NE(hex.err.find("--max-age"), std::string::npos) << hex.err;
  EXPECT_NE(hex.err.find("'0x10' is not a decimal number"), std::string::npos) << hex.err;
  const auto big = mtasts({"policy", "new", "--mx", "mx.example.com", "--max-age", "31557601"});
  EXPECT_EQ(big.exit_code, 2);
  EXPECT_NE(big.err.find("--max-age"), std::string::npos) << big.err;
  EXPECT_NE(big.err.find("out of range"), std::string::npos) << big.err;
  const auto concurrency = mtasts({"check", "--concurrency", "-3", "example.test"});
  EXPECT_EQ(concurrency.exit_code, 2);
  EXPECT_NE(concurrency.err.find("--concurrency"), std::string::npos) << concurrency.err;
}

TEST(Cli, PolicyNewBlamesTheDomainForABadDomain)
{
  const auto run = mtasts({"policy", "new", "--mx", "mx.example.com", "--domain", "bad domain"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--domain: 'bad domain' is not a domain name"), std::string::npos)
      << run.err;
  EXPECT_EQ(run.err.find("--rua"), std::string::npos) << run.err;
}

TEST(Cli, JsonMeansOneJsonDocumentErrorsIncluded)
{
  const auto missing = mtasts({"policy", "lint", "--json", "/nonexistent/policy.txt"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(json_of(missing).at("error").at("kind"), "io");
  const auto usage = mtasts({"policy", "new", "--json", "--mx", "mx.example.com", "--mode", "x"});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_EQ(json_of(usage).at("error").at("kind"), "usage");
  const auto unknown = mtasts({"policy", "lint", "--json", "--jsn", "x"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_TRUE(json_of(unknown).contains("error"));
  const auto policy_only =
      mtasts({"policy", "new", "--mx", "mx.example.com", "--policy-only", "--json"});
  EXPECT_EQ(policy_only.exit_code, 0);
  EXPECT_TRUE(json_of(policy_only).at("policy").as_string().starts_with("version: STSv1"));
  const auto address = mtasts({"check", "--json", "user@example.test"});
  EXPECT_EQ(address.exit_code, 2);
  EXPECT_EQ(json_of(address).at("error").at("kind"), "usage");
}

TEST(Cli, CheckRefusesAUrlOrAnAddressAndSuggestsTheDomain)
{
  const auto url = mtasts({"check", "https://mta-sts.example.test/.well-known/mta-sts.txt"});
  EXPECT_EQ(url.exit_code, 2);
  EXPECT_NE(url.err.find("is a URL, not a domain; did you mean 'example.test'?"), std::string::npos)
      << url.err;
  const auto mail = mtasts({"check", "postmaster@example.test"});
  EXPECT_EQ(mail.exit_code, 2);
  EXPECT_NE(mail.err.find("is a mail address, not a domain; did you mean 'example.test'?"),
            std::string::npos)
      << mail.err;
}

TEST(Cli, CodesListsTheRegistry)
{
  const auto run = mtasts({"codes", "--json"});
  EXPECT_EQ(run.exit_code, 0);
  const auto document = json_of(run);
  bool found = false;
  for (const auto& entry : document.at("codes").as_array()) {
    if (entry.at("code") == "sts-webpki-invalid") {
      found = true;
      EXPECT_EQ(entry.at("family"), "result-type");
      EXPECT_EQ(entry.at("rfc"), "RFC 8460 §4.3.2.2");
      EXPECT_FALSE(entry.at("fix").as_string().empty());
    }
  }
  EXPECT_TRUE(found);
  const auto text = mtasts({"codes"});
  EXPECT_NE(text.out.find("policy-rejected-by-sender"), std::string::npos);
}

TEST(Cli, MissingArgumentIsUsageError)
{
  EXPECT_EQ(mtasts({"policy", "lint"}).exit_code, 2);
}

TEST(Cli, UnknownProfileIsUsageError)
{
  EXPECT_EQ(mtasts({"policy", "lint", "--profile", "lenient", data("policies/valid/lf-lines.txt")})
                .exit_code,
            2);
}

TEST(Cli, MissingFileIsIoError)
{
  EXPECT_EQ(mtasts({"policy", "lint", "/nonexistent/policy.txt"}).exit_code, 2);
  EXPECT_EQ(mtasts({"report", "validate", "/nonexistent/report.json"}).exit_code, 2);
}

TEST(Cli, HelpExitsZero)
{
  const auto top = mtasts({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.out.find("report"), std::string::npos) << top.out;
  for (const auto& arguments : {std::vector<std::string>{"policy", "lint", "--help"},
                                {"policy", "new", "--help"},
                                {"record", "sts", "--help"},
                                {"report", "show", "--help"}}) {
    const auto run = mtasts(arguments);
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_NE(run.out.find("--json"), std::string::npos) << run.out;
  }
}

TEST(Cli, PolicyNewRejectsInvalidPatternAsUsageError)
{
  EXPECT_EQ(mtasts({"policy", "new", "--mx", "*.*.example.com"}).exit_code, 2);
  EXPECT_EQ(mtasts({"policy", "new", "--mx", "mx.example.com", "--max-age", "31557601"}).exit_code,
            2);
}

// --- policy lint -------------------------------------------------------------------------------

TEST(Cli, PolicyLintInvalidExitsOneWithPositions)
{
  const auto run =
      mtasts({"policy", "lint", "--json", data("policies/invalid/mode-value-case.txt")});
  EXPECT_EQ(run.exit_code, 1);
  const auto document = json_of(run);
  EXPECT_FALSE(document.at("valid").as_bool());
  EXPECT_TRUE(document.at("policy").is_null());
  const auto& error = document.at("errors").as_array().at(0).as_object();
  EXPECT_EQ(error.at("code").as_string(), "mode-invalid");
  EXPECT_EQ(error.at("line").as_int64(), 2);
  EXPECT_FALSE(error.at("message").as_string().empty());
}

TEST(Cli, PolicyLintValidJsonHasThePolicy)
{
  const auto run =
      mtasts({"policy", "lint", "--json", data("policies/valid/testing-wildcards.txt")});
  EXPECT_EQ(run.exit_code, 0);
  const auto document = json_of(run);
  EXPECT_TRUE(document.at("valid").as_bool());
  EXPECT_TRUE(document.at("errors").as_array().empty());
  const auto& policy = document.at("policy").as_object();
  EXPECT_EQ(policy.at("version").as_string(), "STSv1");
  EXPECT_EQ(policy.at("mode").as_string(), "testing");
  EXPECT_EQ(policy.at("max_age").as_int64(), 31557600);
  const auto& mx = policy.at("mx").as_array();
  ASSERT_EQ(mx.size(), 2U);
  EXPECT_EQ(mx[0].as_string(), "*.mail.protection.outlook.com");
  EXPECT_EQ(mx[1].as_string(), "mx.example.com");
}

TEST(Cli, PolicyLintDefaultsToStrictAndWarningsAloneExitZero)
{
  const auto file = data("policies/invalid/mx-trailing-dot.txt");
  EXPECT_EQ(mtasts({"policy", "lint", file}).exit_code, 1);
  const auto run = mtasts({"policy", "lint", "--profile", "compatible", "--json", file});
  EXPECT_EQ(run.exit_code, 0);
  const auto document = json_of(run);
  EXPECT_EQ(codes(document, "warnings"), std::vector<std::string>{"mx-trailing-dot"});
  EXPECT_EQ(document.at("warnings").as_array()[0].at("line").as_int64(), 3);
  EXPECT_EQ(document.at("policy").at("mx").as_array()[0].as_string(), "mx.example.com");
}

TEST(Cli, PolicyLintReadsStandardInput)
{
  const auto run =
      mtasts({"policy", "lint", "--json", "-"}, data("policies/valid/rfc8461-example.txt"));
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(json_of(run).at("policy").at("max_age").as_int64(), 604800);
}

TEST(Cli, PolicyLintHumanOutputNamesLineAndCode)
{
  const auto run = mtasts({"policy", "lint", data("policies/invalid/space-before-colon.txt")});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.out.find("line 2"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("[whitespace-before-colon]"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("\033["), std::string::npos) << "no colour when piped";
}

// --- policy new --------------------------------------------------------------------------------

TEST(Cli, PolicyNewProducesALintCleanPolicyAndRecords)
{
  const auto run = mtasts({"policy", "new", "--json", "--mx", "mx1.example.com", "*.mx.example.com",
                           "--domain", "Example.COM"});
  EXPECT_EQ(run.exit_code, 0);
  const auto document = json_of(run);
  const std::string policy(document.at("policy").as_string());
  EXPECT_NE(policy.find("mode: testing\r\n"), std::string::npos) << policy;
  EXPECT_NE(policy.find("mx: *.mx.example.com\r\n"), std::string::npos);
  const std::string id(document.at("id").as_string());
  EXPECT_EQ(id.size(), 16U);
  const auto& records = document.at("records").as_object();
  EXPECT_EQ(records.at("mta_sts").at("name").as_string(), "_mta-sts.example.com.");
  EXPECT_EQ(records.at("mta_sts").at("value").as_string(), "v=STSv1; id=" + id);
  EXPECT_EQ(records.at("tlsrpt").at("value").as_string(),
            "v=TLSRPTv1; rua=mailto:tlsrpt@example.com");
  EXPECT_EQ(document.at("policy_url").as_string(),
            "https://mta-sts.example.com/.well-known/mta-sts.txt");
  EXPECT_FALSE(document.at("plan").as_string().empty());

  // What it prints must pass our own linter and record checker.
  EXPECT_EQ(mtasts({"record", "sts", std::string(records.at("mta_sts").at("value").as_string())})
                .exit_code,
            0);
  EXPECT_EQ(mtasts({"record", "tlsrpt", std::string(records.at("tlsrpt").at("value").as_string())})
                .exit_code,
            0);
}

TEST(Cli, PolicyNewPolicyOnlyIsTheExactFile)
{
  const auto run = mtasts({"policy", "new", "--policy-only", "--mx", "mx.example.com", "--mode",
                           "enforce", "--max-age", "604800"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.out,
            "version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\nmax_age: 604800\r\n");
}

// --- policy match ------------------------------------------------------------------------------

TEST(Cli, PolicyMatchExitCodeFollowsEveryHost)
{
  const auto file =
      data("policies/valid/rfc8461-example.txt"); // mail.example.com, *.example.net, ...
  EXPECT_EQ(mtasts({"policy", "match", file, "MAIL.example.com.", "mx1.example.net"}).exit_code, 0);
  EXPECT_EQ(mtasts({"policy", "match", file, "mail.example.com", "a.b.example.net"}).exit_code, 1);
  const auto run = mtasts({"policy", "match", "--json", file, "x.example.net", "example.net"});
  EXPECT_EQ(run.exit_code, 1);
  const auto document = json_of(run);
  EXPECT_FALSE(document.at("all_match").as_bool());
  const auto& hosts = document.at("hosts").as_array();
  EXPECT_TRUE(hosts[0].at("matched").as_bool());
  EXPECT_EQ(hosts[0].at("pattern").as_string(), "*.example.net");
  EXPECT_FALSE(hosts[1].at("matched").as_bool());
}

TEST(Cli, PolicyMatchInvalidPolicyMatchesNothing)
{
  EXPECT_EQ(
      mtasts({"policy", "match", data("policies/invalid/html.txt"), "mx.example.com"}).exit_code,
      1);
}

// --- record sts / tlsrpt -----------------------------------------------------------------------

TEST(Cli, RecordStsValidReportsTheId)
{
  const auto run = mtasts({"record", "sts", "--json", "v=STSv1; id=20160831085700Z;"});
  EXPECT_EQ(run.exit_code, 0);
  const auto document = json_of(run);
  EXPECT_TRUE(document.at("valid").as_bool());
  EXPECT_EQ(document.at("id").as_string(), "20160831085700Z");
}

TEST(Cli, RecordStsAllArgumentsAreOneRecordSet)
{
  // T17: the non-candidate is discarded.
  const auto one = mtasts({"record", "sts", "--json", "v=STSv1; id=a", "v=spf1 -all"});
  EXPECT_EQ(one.exit_code, 0);
  EXPECT_EQ(json_of(one).at("id").as_string(), "a");
  // T18: two candidates, even identical, mean no policy.
  const auto two = mtasts({"record", "sts", "--json", "v=STSv1; id=a", "v=STSv1; id=a"});
  EXPECT_EQ(two.exit_code, 1);
  const auto document = json_of(two);
  EXPECT_TRUE(document.at("id").is_null());
  EXPECT_EQ(codes(document, "errors"), std::vector<std::string>{"multiple-records"});
}

TEST(Cli, RecordStsInvalidExitsOne)
{
  EXPECT_EQ(mtasts({"record", "sts", "v=STSv1; id=2024-06-01"}).exit_code, 1);
  EXPECT_EQ(mtasts({"record", "sts", "id=abc; v=STSv1"}).exit_code, 1);
  EXPECT_EQ(mtasts({"record", "sts", "v=STSv1"}).exit_code, 1);
}

TEST(Cli, RecordTlsrptListsRuaInOrder)
{
  const auto run =
      mtasts({"record", "tlsrpt", "--json",
              "v=TLSRPTv1; rua=mailto:tls@example.com , https://r.example.com/tlsrpt"});
  EXPECT_EQ(run.exit_code, 0);
  const auto document = json_of(run);
  const auto& rua = document.at("rua").as_array();
  ASSERT_EQ(rua.size(), 2U);
  EXPECT_EQ(rua[0].as_string(), "mailto:tls@example.com");
  EXPECT_EQ(rua[1].as_string(), "https://r.example.com/tlsrpt");
}

TEST(Cli, RecordTlsrptInvalidExitsOne)
{
  const auto run = mtasts({"record", "tlsrpt", "--json", "v=TLSRPTv1; rua=tlsrpt@example.com"});
  EXPECT_EQ(run.exit_code, 1);
  const auto document = json_of(run);
  EXPECT_FALSE(document.at("valid").as_bool());
  EXPECT_TRUE(document.at("rua").is_null());
  EXPECT_FALSE(document.at("errors").as_array().empty());
}

// --- report show / validate --------------------------------------------------------------------

TEST(Cli, ReportValidateIsStrictByDefaultAndShowIsCompatible)
{
  // No contact-info: RFC 8460 requires it, real senders leave it out.
  const auto report = data("reports/corpus/cry-inc-dmarc-report-viewer__no-contact.json");
  const auto strict = mtasts({"report", "validate", "--json", report});
  EXPECT_EQ(strict.exit_code, 1);
  EXPECT_EQ(json_of(strict).at("profile"), "strict");
  EXPECT_EQ(mtasts({"report", "validate", "--profile", "compatible", report}).exit_code, 0);
  EXPECT_EQ(mtasts({"report", "show", report}).exit_code, 0);
  const auto dane = data("reports/corpus/stalwart-mail-auth__rpt03.json");
  const auto unknown_type = json_of(mtasts({"report", "validate", "--json", dane}));
  EXPECT_FALSE(unknown_type.at("valid").as_bool());
}

TEST(Cli, ReportValidateInvalidExitsOneWithErrorsPerFile)
{
  const auto good = data("reports/corpus/parsedmarc__rfc8460.json");
  const auto bad = data("reports/invalid/policies-missing.json");
  const auto run = mtasts({"report", "validate", "--json", good, bad});
  EXPECT_EQ(run.exit_code, 1);
  const auto document = json_of(run);
  EXPECT_FALSE(document.at("valid").as_bool());
  const auto& files = document.at("files").as_array();
  ASSERT_EQ(files.size(), 2U);
  EXPECT_TRUE(files[0].at("valid").as_bool());
  EXPECT_FALSE(files[1].at("valid").as_bool());
  EXPECT_FALSE(files[1].at("errors").as_array().empty());
  EXPECT_EQ(mtasts({"report", "validate", good}).exit_code, 0);
}

TEST(Cli, ReportShowReadsGzipFromStandardInput)
{
  const auto run =
      mtasts({"report", "show", "--json", "-"},
             data("reports/corpus/attachment__isseis-tlsrpt-digest__tlsrpt_failure.json.gz"));
  EXPECT_EQ(run.exit_code, 0) << run.out;
  const auto document = json_of(run);
  const auto& report = document.at("reports").as_array().at(0).as_object();
  EXPECT_TRUE(report.at("valid").as_bool());
  EXPECT_TRUE(report.at("report").is_object());
  EXPECT_TRUE(report.at("summary").at("failed").as_int64() > 0);
}

TEST(Cli, ReportShowExplainsFailures)
{
  const auto run =
      mtasts({"report", "show",
              data("reports/corpus/attachment__isseis-tlsrpt-digest__tlsrpt_failure.json.gz")});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.out.find("certificate-expired"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("What to do"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("% success"), std::string::npos) << run.out;
}

// --- tour --------------------------------------------------------------------------------------

TEST(Cli, TourRunsOnBuiltInData)
{
  const auto run = mtasts({"tour"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.out.find("_mta-sts.example.com."), std::string::npos);
  EXPECT_NE(run.out.find("valid TLSRPT report"), std::string::npos);
}
