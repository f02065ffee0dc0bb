// DNS lookups through libunbound's asynchronous API, driven by the caller's Asio io_context:
// libunbound's result fd is watched by the loop (only while queries are in flight) and every
// answer carries its DNSSEC validation status. RFC 8461 §3.1 (TXT discovery, CNAMEs followed),
// RFC 5321 §5.1 (MX), RFC 6698 (TLSA).
#pragma once

#include <mtasts/core/sender.hpp>
#include <mtasts/net/asio.hpp>
#include <mtasts/util/expected.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct ub_ctx;

namespace mtasts::net {

// The DNSSEC status of an answer: core::DnssecStatus (insecure, secure, bogus).
using core::dnssec_status_name;
using core::DnssecStatus;

namespace rrtype {
inline constexpr int a = 1;
inline constexpr int cname = 5;
inline constexpr int mx = 15;
inline constexpr int txt = 16;
inline constexpr int aaaa = 28;
inline constexpr int dnskey = 48;
inline constexpr int tlsa = 52;
} // namespace rrtype

// What one lookup returned. `failure` is set when there is no usable answer (timeout, SERVFAIL,
// REFUSED, a CNAME loop, DNSSEC-bogus data, libunbound errors); NXDOMAIN and NODATA are answers.
// Bogus data stays in `rdata` as evidence, but has_data() is false.
struct DnsAnswer
{
  std::string name;           // the question
  int type = 0;               // the question's RR type
  std::string canonical_name; // the name the data is at, after CNAMEs (== name without CNAME)
  int rcode = 0;              // DNS RCODE (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED)
  bool nxdomain = false;
  std::vector<std::string> rdata; // wire-format RDATA of each RR in the answer RRset
  std::uint32_t ttl = 0;
  DnssecStatus dnssec = DnssecStatus::insecure;
  std::string why_bogus; // libunbound's reason when bogus
  std::string failure;   // empty = an answer was obtained

  bool failed() const { return !failure.empty(); }
  bool has_data() const { return !failed() && !rdata.empty(); }
};

struct MxRecord
{
  std::uint16_t preference = 0;
  std::string exchange; // lowercase, no trailing dot; "" for a null MX (RFC 7505)
};

struct TlsaRecord
{
  std::uint8_t usage = 0;
  std::uint8_t selector = 0;
  std::uint8_t matching_type = 0;
  std::string data_hex; // lowercase hex of the association data

  std::string to_string() const; // presentation form "3 1 1 ab12..."
};

// RDATA decoders; nullopt/empty on malformed wire data.
std::string decode_txt(const std::string& rdata); // character-strings joined
std::optional<MxRecord> decode_mx(const std::string& rdata);
std::optional<std::string> decode_address(const std::string& rdata); // A or AAAA, text form
std::optional<TlsaRecord> decode_tlsa(const std::string& rdata);
std::optional<std::string> decode_name(const std::string& rdata); // CNAME target

// Whether answers are DNSSEC-validated (RFC 4033), and what a missing trust anchor means.
enum class DnssecMode : std::uint8_t {
  required,     // validate; create() fails when no anchor file can be read (the daemons)
  if_available, // validate when an anchor file can be read, else not (`mtasts check`)
  off,          // never validate: every answer is insecure
};

// How many DNS queries a resolver has in flight at once by default (one UDP socket, so one file
// descriptor, and about 1 KB of libunbound's memory each); more wait in libunbound's queue.
inline constexpr std::size_t k_default_queries_in_flight = 256;

// Debian's root trust anchor (package dns-root-data), the default anchor file.
inline constexpr std::string_view k_root_trust_anchor = "/usr/share/dns/root.key";

struct DnsOptions
{
  // "IP" or "IP:PORT" or "[IPv6]:PORT"; every query goes to these. Empty = /etc/resolv.conf.
  std::vector<std::string> servers;
  // File of DS or DNSKEY RRs (zone-file format) used as DNSSEC trust anchors. Empty = Debian's
  // root key (k_root_trust_anchor).
  std::string trust_anchor_file;
  DnssecMode dnssec = DnssecMode::if_available;
  std::chrono::milliseconds timeout{std::chrono::seconds(5)};
  // libunbound asks a server again, up to 5 times, when its answer is unusable (REFUSED,
  // SERVFAIL, ...: unbound's outbound-msg-retry). false asks once: for probes, where such an
  // answer is the result. Timeouts are retransmitted either way.
  bool retry_unusable_answers = true;
  // libunbound's library default is 16 (outgoing-range), which made a check of many domains or a
  // burst of cold lookups wait a round trip per 16 queries (docs/BENCHMARKS.md, issue 9).
  std::size_t queries_in_flight = k_default_queries_in_flight;
};

// "IP", "IP:PORT", "[IPv6]:PORT" -> libunbound's "IP@PORT". Error text says what is wrong.
util::Expected<std::string, std::string> to_unbound_address(std::string_view server);

class DnsResolver
{
public:
  // Errors: a server address that does not parse, an unreadable trust anchor file (the
  // configured one, or with DnssecMode::required the default), or a libunbound setup failure;
  // the message says which.
  static util::Expected<std::unique_ptr<DnsResolver>, std::string>
  create(asio::io_context& io, const DnsOptions& options);

  ~DnsResolver();
  DnsResolver(const DnsResolver&) = delete;
  DnsResolver& operator=(const DnsResolver&) = delete;

  // One lookup (class IN). Never throws for DNS outcomes; a timeout is a failed answer whose
  // `failure` says "timed out after ...". Must be awaited on the io_context given to create().
  Awaitable<DnsAnswer> query(std::string name, int type);

  // The CNAME chain starting at `name` (each hop's target, in order), at most 8 hops; a loop or
  // longer chain is reported in `failure` of the returned answer of the last hop.
  struct CnameChain
  {
    std::vector<std::string> targets;
    std::string failure;
  };
  Awaitable<CnameChain> cname_chain(std::string name);

  // The trust anchor file in use, "" when answers are not validated; and why not.
  const std::string& trust_anchor() const { return m_trust_anchor; }
  const std::string& not_validating_reason() const { return m_not_validating; }
  bool validating() const { return !m_trust_anchor.empty(); }

  // Whether the trust anchor can be primed through the configured servers: the DNSKEY RRset of
  // the anchor's owner name (the root for Debian's key) must come back DNSSEC-secure. A server
  // that cannot answer for that zone (a private authoritative server, a forwarder that strips
  // DNSSEC) makes every validated answer bogus. Returns why it cannot be primed, or nullopt when
  // it can (or when nothing is validated). Asks through a short-lived context of its own that
  // does not repeat unusable answers, so a server without DNSSEC costs one round trip, not five.
  Awaitable<std::optional<std::string>> probe_trust_anchor();

private:
  DnsResolver(asio::io_context& io, std::chrono::milliseconds timeout);
  Awaitable<void> watch_results();

  struct ContextDeleter
  {
    void operator()(ub_ctx* context) const;
  };
  asio::io_context& m_io;
  std::chrono::milliseconds m_timeout;
  std::unique_ptr<ub_ctx, ContextDeleter> m_context;
  std::unique_ptr<asio::posix::stream_descriptor> m_result_fd;
  std::vector<std::string> m_servers;
  std::string m_trust_anchor;
  std::string m_not_validating;
  std::shared_ptr<bool> m_alive; // false once destroyed; checked by watch_results()
  std::size_t m_in_flight = 0;
  bool m_watching = false;
};

} // namespace mtasts::net
