#include <mtasts/cli/commands.hpp>
#include <mtasts/core/mx_pattern.hpp>
#include <mtasts/core/policy.hpp>
#include <mtasts/core/sts_record.hpp>
#include <mtasts/core/tlsrpt_record.hpp>

#include <fmt/format.h>

#include <array>

namespace mtasts::cli {

namespace {

// A one-day report in the shape Google and Microsoft send (RFC 8460 §4.4), for example.com.
constexpr std::string_view k_sample_report = R"({
  "organization-name": "Example Sender Inc.",
  "date-range": {"start-datetime": "2026-11-22T00:00:00Z", "end-datetime": "2026-11-22T23:59:59Z"},
  "contact-info": "smtp-tls-reporting@sender.example",
  "report-id": "2026-11-22T00:00:00Z_example.com",
  "policies": [{
    "policy": {
      "policy-type": "sts",
      "policy-string": ["version: STSv1", "mode: testing", "mx: mx1.example.com", "mx: *.mx.example.com", "max_age: 90000"],
      "policy-domain": "example.com",
      "mx-host": ["mx1.example.com", "*.mx.example.com"]
    },
    "summary": {"total-successful-session-count": 5326, "total-failure-session-count": 303},
    "failure-details": [
      {"result-type": "certificate-expired", "sending-mta-ip": "198.51.100.62",
       "receiving-ip": "192.0.2.25", "receiving-mx-hostname": "mx2.mx.example.com",
       "failed-session-count": 300},
      {"result-type": "starttls-not-supported", "sending-mta-ip": "198.51.100.62",
       "receiving-ip": "192.0.2.26", "receiving-mx-hostname": "old.example.com",
       "failed-session-count": 3}
    ]
  }]
})";

void heading(const Io& io, std::string_view text)
{
  io.out << '\n' << paint(io, Tone::bold, fmt::format("== {}", text)) << '\n';
}

} // namespace

int tour(const Io& io, std::chrono::sys_seconds now)
{
  io.out << "mtasts tour: MTA-STS (RFC 8461) and TLS reporting (RFC 8460) for example.com,\n"
            "using built-in example data. Each step names the command that does it for real.\n";

  heading(io, "1. Generate a policy and its DNS records  (mtasts policy new)");
  PolicyNewOptions fresh;
  fresh.mx = {"mx1.example.com", "*.mx.example.com"};
  fresh.domain = "example.com";
  fresh.now = now;
  if (const int code = policy_new(fresh, io); code != exit_ok) {
    return code;
  }

  heading(io, "2. Lint a hand-written policy with mistakes  (mtasts policy lint)");
  const std::string sloppy = "version: STSv1\nmode : enforce\nmx: mx1.example.com.\nmx: "
                             "*.mx.example.com\nmax_age: 40000000\n";
  io.out << sloppy;
  for (const auto profile : {core::Profile::strict, core::Profile::compatible}) {
    const auto result = core::parse_policy(sloppy, profile);
    io.out << "-> " << core::profile_name(profile) << " profile: "
           << (result.ok() ? paint(io, Tone::good, "valid") : paint(io, Tone::bad, "invalid"))
           << '\n';
    print_diagnostics(io, result.diagnostics, PositionStyle::line);
  }

  heading(io, "3. Which MX hosts does the policy cover?  (mtasts policy match)");
  const auto policy =
      core::parse_policy(core::serialize_policy(core::Policy{core::PolicyMode::testing,
                                                             90000,
                                                             {core::MxPattern{"mx1.example.com"},
                                                              core::MxPattern{"*.mx.example.com"}},
                                                             {}}),
                         core::Profile::strict);
  for (const std::string_view host :
       {"mx1.example.com", "eu.mx.example.com", "a.b.mx.example.com", "MX1.EXAMPLE.COM."}) {
    const auto normalized = core::normalize_host(host);
    const auto* pattern =
        normalized ? core::find_matching_pattern(policy.value->mx, *normalized) : nullptr;
    io.out << fmt::format("  {:<22} ", host)
           << (pattern != nullptr
                   ? paint(io, Tone::good, "matches " + pattern->text)
                   : paint(io, Tone::bad, "not covered (a wildcard covers one label only)"))
           << '\n';
  }

  heading(io, "4. Check the TXT records as senders read them  (mtasts record sts|tlsrpt)");
  const std::array<std::string, 2> sts_set = {"v=STSv1; id=20261122T000000Z", "v=spf1 -all"};
  record_sts(RecordOptions{{sts_set.begin(), sts_set.end()}, core::Profile::strict, false}, io);
  record_tlsrpt(
      RecordOptions{
          {"v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://reports.example.com/tlsrpt"},
          core::Profile::strict,
          false},
      io);

  heading(io, "5. Read a daily TLS report  (mtasts report show)");
  return report_show_bytes("sample-report.json", k_sample_report, io);
}

} // namespace mtasts::cli
