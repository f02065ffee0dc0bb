#include <mtasts/net/concurrency.hpp>
#include <mtasts/net/sts_discovery.hpp>

#include <fmt/format.h>

namespace mtasts::net {

std::vector<std::string> txt_records(const DnsAnswer& answer)
{
  std::vector<std::string> records;
  records.reserve(answer.rdata.size());
  for (const auto& rdata : answer.rdata) {
    records.push_back(decode_txt(rdata));
  }
  return records;
}

core::TxtAnswer to_txt_answer(const DnsAnswer& answer)
{
  core::TxtAnswer txt;
  txt.name = answer.name;
  txt.failure = answer.failure;
  txt.nxdomain = answer.nxdomain;
  txt.dnssec = answer.dnssec;
  txt.ttl = answer.ttl;
  if (!answer.failed()) {
    txt.records = txt_records(answer);
  }
  return txt;
}

core::MxAnswer to_mx_answer(const DnsAnswer& answer)
{
  core::MxAnswer mx;
  mx.failure = answer.failure;
  mx.dnssec = answer.dnssec;
  if (answer.failed()) {
    return mx;
  }
  for (const auto& rdata : answer.rdata) {
    if (auto record = decode_mx(rdata)) {
      mx.records.push_back(core::MxExchange{record->preference, std::move(record->exchange)});
    }
  }
  if (!answer.rdata.empty() && mx.records.empty()) {
    mx.failure = fmt::format("{} MX: malformed records", answer.name);
  }
  return mx;
}

core::TlsaAnswer to_tlsa_answer(const DnsAnswer& answer)
{
  core::TlsaAnswer tlsa;
  tlsa.failure = answer.failure;
  tlsa.dnssec = answer.dnssec;
  tlsa.records = answer.failed() ? 0 : answer.rdata.size();
  return tlsa;
}

std::vector<std::string> addresses_of(const DnsAnswer& answer)
{
  std::vector<std::string> addresses;
  if (!answer.has_data()) {
    return addresses;
  }
  for (const auto& rdata : answer.rdata) {
    if (auto address = decode_address(rdata)) {
      addresses.push_back(std::move(*address));
    }
  }
  return addresses;
}

std::string sts_record_name(std::string_view domain)
{
  return fmt::format("_mta-sts.{}", domain);
}

std::string policy_host(std::string_view domain)
{
  return fmt::format("mta-sts.{}", domain);
}

std::string tlsa_name(std::string_view mx_host)
{
  return fmt::format("_25._tcp.{}", mx_host);
}

std::string tlsrpt_record_name(std::string_view domain)
{
  return fmt::format("_smtp._tls.{}", domain);
}

Awaitable<void> query_into(DnsResolver& dns, std::string name, int type, DnsAnswer& out)
{
  out = co_await dns.query(std::move(name), type);
}

Awaitable<HostAddresses> resolve_addresses(DnsResolver& dns, std::string host)
{
  DnsAnswer a;
  DnsAnswer aaaa;
  std::vector<Awaitable<void>> lookups;
  lookups.push_back(query_into(dns, host, rrtype::a, a));
  lookups.push_back(query_into(dns, host, rrtype::aaaa, aaaa));
  co_await run_all(std::move(lookups));
  HostAddresses result;
  for (const auto* answer : {&a, &aaaa}) {
    if (answer->failed()) {
      result.failure = fmt::format("{}: {}", host, answer->failure);
      continue;
    }
    auto addresses = addresses_of(*answer);
    result.addresses.insert(result.addresses.end(), addresses.begin(), addresses.end());
  }
  co_return result;
}

} // namespace mtasts::net
