#include <mtasts/check/evidence_json.hpp>
#include <mtasts/util/rfc3339.hpp>

namespace mtasts::check {

namespace json = boost::json;

json::array strings_json(std::span<const std::string> values)
{
  json::array array;
  for (const auto& value : values) {
    array.emplace_back(value);
  }
  return array;
}

json::object answer_json(const net::DnsAnswer& answer)
{
  json::object object;
  object["name"] = answer.name;
  object["rcode"] = answer.rcode;
  object["nxdomain"] = answer.nxdomain;
  object["dnssec"] = net::dnssec_status_name(answer.dnssec);
  object["ttl"] = answer.ttl;
  if (answer.canonical_name != answer.name) {
    object["canonical_name"] = answer.canonical_name;
  }
  if (!answer.why_bogus.empty()) {
    object["why_bogus"] = answer.why_bogus;
  }
  if (answer.failed()) {
    object["failure"] = answer.failure;
  }
  return object;
}

json::object certificate_json(const net::CertificateSummary& certificate)
{
  json::object object;
  object["subject"] = certificate.subject;
  object["issuer"] = certificate.issuer;
  object["san_dns_names"] = strings_json(certificate.san_dns_names);
  if (!certificate.san_ip_addresses.empty()) {
    object["san_ip_addresses"] = strings_json(certificate.san_ip_addresses);
  }
  object["not_before"] = util::format_rfc3339_utc(certificate.not_before);
  object["not_after"] = util::format_rfc3339_utc(certificate.not_after);
  object["sha256"] = certificate.sha256_fingerprint;
  return object;
}

json::object tls_json(const net::TlsEvidence& tls)
{
  json::object object;
  object["protocol"] = tls.protocol;
  object["cipher"] = tls.cipher;
  object["chain"] = net::chain_verdict_name(tls.chain);
  if (!tls.verify_error.empty() && tls.chain != net::ChainVerdict::trusted) {
    object["verify_error"] = tls.verify_error;
  }
  object["identity_matched"] = tls.identity_matched;
  if (!tls.chain_summary.empty()) {
    object["certificate"] = certificate_json(tls.chain_summary.front());
  }
  return object;
}

json::object fetch_json(const net::FetchEvidence& fetch)
{
  json::object object;
  object["url"] = fetch.url;
  object["host"] = fetch.host;
  object["address"] = fetch.address;
  object["failure"] = core::fetch_failure_name(fetch.failure);
  if (!fetch.detail.empty()) {
    object["detail"] = fetch.detail;
  }
  object["status"] = fetch.status;
  object["content_type"] = fetch.content_type;
  if (!fetch.location.empty()) {
    object["location"] = fetch.location;
  }
  object["elapsed_ms"] = fetch.elapsed.count();
  if (fetch.tls) {
    object["tls"] = tls_json(*fetch.tls);
  }
  return object;
}

json::object dane_json(const net::DaneOutcome& dane)
{
  json::object object;
  object["verdict"] = net::dane_verdict_name(dane.verdict);
  object["failure"] = net::dane_failure_name(dane.failure);
  object["detail"] = dane.detail;
  if (!dane.matched_record.empty()) {
    object["matched_record"] = dane.matched_record;
    object["matched_depth"] = dane.matched_depth;
  }
  if (!dane.matched_name.empty()) {
    object["matched_name"] = dane.matched_name;
  }
  object["unusable"] = strings_json(dane.unusable);
  object["rejected"] = strings_json(dane.rejected);
  return object;
}

json::object probe_json(const net::SmtpProbe& probe)
{
  json::object object;
  object["mx"] = probe.mx_host;
  object["address"] = probe.address;
  object["failure"] = net::smtp_failure_name(probe.failure);
  if (!probe.detail.empty()) {
    object["detail"] = probe.detail;
  }
  object["banner"] = probe.banner;
  object["starttls_offered"] = probe.starttls_offered;
  object["elapsed_ms"] = probe.elapsed.count();
  if (probe.tls) {
    object["tls"] = tls_json(*probe.tls);
  }
  if (probe.dane) {
    object["dane"] = dane_json(*probe.dane);
  }
  return object;
}

json::object https_probe_json(const net::HttpsProbe& probe)
{
  json::object object;
  object["address"] = probe.address;
  object["failure"] = probe.failure;
  if (!probe.detail.empty()) {
    object["detail"] = probe.detail;
  }
  object["elapsed_ms"] = probe.elapsed.count();
  if (probe.tls) {
    object["tls"] = tls_json(*probe.tls);
  }
  return object;
}

json::object tlsa_json(const net::DnsAnswer& answer)
{
  json::object object = answer_json(answer);
  json::array records;
  for (const auto& rdata : answer.rdata) {
    if (auto record = net::decode_tlsa(rdata)) {
      records.emplace_back(record->to_string());
    }
  }
  object["records"] = std::move(records);
  return object;
}

json::object diagnostic_json(const core::Diagnostic& diagnostic)
{
  json::object object;
  object["parser_code"] = diagnostic.code;
  object["parser_severity"] = core::severity_name(diagnostic.severity);
  if (diagnostic.where.record != 0) {
    object["record"] = diagnostic.where.record;
  }
  if (diagnostic.where.line != 0) {
    object["line"] = diagnostic.where.line;
  }
  object["column"] = diagnostic.where.column;
  object["parser_message"] = diagnostic.message;
  return object;
}

json::object merged(json::object base, const json::object& extra)
{
  for (const auto& entry : extra) {
    base[entry.key()] = entry.value();
  }
  return base;
}

} // namespace mtasts::check
