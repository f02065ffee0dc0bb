#include <mtasts/core/sts_record.hpp>
#include <mtasts/core/tlsrpt_record.hpp>
#include <mtasts/serve/records.hpp>

#include <fmt/format.h>

namespace mtasts::serve {

std::vector<DnsRecord> domain_records(const std::string& domain, const std::string& id,
                                      const std::vector<std::string>& rua,
                                      const std::vector<std::string>& addresses)
{
  std::vector<DnsRecord> records;
  for (const auto& address : addresses) {
    records.push_back(DnsRecord{"mta-sts." + domain + ".",
                                address.find(':') == std::string::npos ? "A" : "AAAA", address});
  }
  core::StsRecord sts;
  sts.id = id;
  records.push_back(DnsRecord{"_mta-sts." + domain + ".", "TXT", core::serialize_sts_record(sts)});
  if (!rua.empty()) {
    core::TlsrptRecord tlsrpt;
    tlsrpt.rua = rua;
    records.push_back(
        DnsRecord{"_smtp._tls." + domain + ".", "TXT", core::serialize_tlsrpt_record(tlsrpt)});
  }
  return records;
}

std::string zone_line(const DnsRecord& record, int ttl)
{
  if (record.type != "TXT") {
    return fmt::format("{} {} IN {} {}", record.name, ttl, record.type, record.value);
  }
  std::string strings;
  for (std::size_t at = 0; at < record.value.size() || at == 0; at += 255) {
    std::string part = record.value.substr(at, 255);
    std::string quoted;
    for (const char c : part) {
      if (c == '"' || c == '\\') {
        quoted += '\\';
      }
      quoted += c;
    }
    strings += (strings.empty() ? "" : " ") + ("\"" + quoted + "\"");
    if (record.value.empty()) {
      break;
    }
  }
  return fmt::format("{} {} IN TXT {}", record.name, ttl, strings);
}

} // namespace mtasts::serve
