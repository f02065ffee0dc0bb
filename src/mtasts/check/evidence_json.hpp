// Evidence as JSON for the `evidence` member of checker findings (docs/CLI.md: fields may grow).
#pragma once

#include <mtasts/core/diagnostic.hpp>
#include <mtasts/net/dane.hpp>
#include <mtasts/net/dns.hpp>
#include <mtasts/net/https_probe.hpp>
#include <mtasts/net/policy_fetch.hpp>
#include <mtasts/net/smtp_probe.hpp>
#include <mtasts/net/tls.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <span>
#include <string>

namespace mtasts::check {

boost::json::array strings_json(std::span<const std::string> values);
boost::json::object answer_json(const net::DnsAnswer& answer);
boost::json::object certificate_json(const net::CertificateSummary& certificate);
boost::json::object tls_json(const net::TlsEvidence& tls);
boost::json::object fetch_json(const net::FetchEvidence& fetch);
boost::json::object dane_json(const net::DaneOutcome& dane);
boost::json::object probe_json(const net::SmtpProbe& probe);
boost::json::object https_probe_json(const net::HttpsProbe& probe);
// A TLSA answer with its decoded records ("3 1 1 ab..").
boost::json::object tlsa_json(const net::DnsAnswer& answer);
// A parser diagnostic: parser_code, parser_severity, record/line, column, parser_message.
boost::json::object diagnostic_json(const core::Diagnostic& diagnostic);
// `base` with every member of `extra` set over it.
boost::json::object merged(boost::json::object base, const boost::json::object& extra);

} // namespace mtasts::check
