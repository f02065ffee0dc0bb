#include <mtasts/net/dns.hpp>
#include <mtasts/util/host_port.hpp>
#include <mtasts/util/strings.hpp>

#include <fmt/format.h>
#include <unbound.h>

#include <arpa/inet.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

namespace mtasts::net {

namespace {

constexpr int k_class_in = 1;
constexpr std::size_t k_max_cname_hops = 8;

std::string normalize_name(std::string_view name)
{
  if (name.size() > 1 && name.back() == '.') {
    name.remove_suffix(1);
  }
  return util::to_ascii_lower(name);
}

// One outstanding libunbound query; the callback fills it in and wakes the awaiting coroutine.
struct Pending
{
  Pending(asio::io_context& io, std::size_t& counter) : timer(io), in_flight(counter) {}

  asio::steady_timer timer;
  std::size_t& in_flight;
  bool done = false;
  int error = 0;
  ub_result* result = nullptr;
};

void on_result(void* data, int error, ub_result* result)
{
  auto* pending = static_cast<Pending*>(data);
  pending->done = true;
  pending->error = error;
  pending->result = result;
  --pending->in_flight;
  pending->timer.cancel();
}

// Cancels the libunbound query if the awaiting coroutine goes away before the answer arrives
// (e.g. the io_context is destroyed), so the callback never sees a dangling Pending.
struct CancelOnExit
{
  ub_ctx* context;
  int async_id;
  Pending& pending;

  ~CancelOnExit()
  {
    if (!pending.done) {
      ub_cancel(context, async_id);
      --pending.in_flight;
    }
    if (pending.result != nullptr) {
      ub_resolve_free(pending.result);
    }
  }
};

std::optional<std::string> decode_name_at(const std::string& rdata, std::size_t& offset)
{
  std::string name;
  while (true) {
    if (offset >= rdata.size()) {
      return std::nullopt;
    }
    const auto length = static_cast<unsigned char>(rdata[offset++]);
    if (length == 0) {
      return name;
    }
    if (length > 63 || offset + length > rdata.size()) {
      return std::nullopt; // compression pointers never appear in libunbound's RDATA
    }
    if (!name.empty()) {
      name += '.';
    }
    name += util::to_ascii_lower(std::string_view(rdata).substr(offset, length));
    offset += length;
  }
}

} // namespace

std::string TlsaRecord::to_string() const
{
  return fmt::format("{} {} {} {}", usage, selector, matching_type, data_hex);
}

std::string decode_txt(const std::string& rdata)
{
  std::string joined;
  std::size_t offset = 0;
  while (offset < rdata.size()) {
    const auto length = static_cast<unsigned char>(rdata[offset++]);
    const auto take = std::min<std::size_t>(length, rdata.size() - offset);
    joined.append(rdata, offset, take);
    offset += take;
  }
  return joined;
}

std::optional<MxRecord> decode_mx(const std::string& rdata)
{
  if (rdata.size() < 3) {
    return std::nullopt;
  }
  MxRecord record;
  record.preference = static_cast<std::uint16_t>((static_cast<unsigned char>(rdata[0]) << 8) |
                                                 static_cast<unsigned char>(rdata[1]));
  std::size_t offset = 2;
  auto exchange = decode_name_at(rdata, offset);
  if (!exchange) {
    return std::nullopt;
  }
  record.exchange = std::move(*exchange);
  return record;
}

std::optional<std::string> decode_address(const std::string& rdata)
{
  char text[INET6_ADDRSTRLEN] = {};
  if (rdata.size() == 4 && inet_ntop(AF_INET, rdata.data(), text, sizeof text) != nullptr) {
    return std::string(text);
  }
  if (rdata.size() == 16 && inet_ntop(AF_INET6, rdata.data(), text, sizeof text) != nullptr) {
    return std::string(text);
  }
  return std::nullopt;
}

std::optional<TlsaRecord> decode_tlsa(const std::string& rdata)
{
  if (rdata.size() < 4) {
    return std::nullopt;
  }
  TlsaRecord record;
  record.usage = static_cast<std::uint8_t>(rdata[0]);
  record.selector = static_cast<std::uint8_t>(rdata[1]);
  record.matching_type = static_cast<std::uint8_t>(rdata[2]);
  for (std::size_t i = 3; i < rdata.size(); ++i) {
    record.data_hex += fmt::format("{:02x}", static_cast<unsigned char>(rdata[i]));
  }
  return record;
}

std::optional<std::string> decode_name(const std::string& rdata)
{
  std::size_t offset = 0;
  return decode_name_at(rdata, offset);
}

util::Expected<std::string, std::string> to_unbound_address(std::string_view server)
{
  auto parsed = util::parse_host_port(server);
  if (!parsed) {
    return util::Unexpected(parsed.error());
  }
  if (!util::is_ip_literal(parsed->host)) {
    return util::Unexpected(fmt::format("\"{}\": not an IPv4 or IPv6 address", server));
  }
  return fmt::format("{}@{}", parsed->host, parsed->port.value_or(53));
}

void DnsResolver::ContextDeleter::operator()(ub_ctx* context) const
{
  ub_ctx_delete(context);
}

DnsResolver::DnsResolver(asio::io_context& io, std::chrono::milliseconds timeout)
    : m_io(io), m_timeout(timeout), m_alive(std::make_shared<bool>(true))
{}

DnsResolver::~DnsResolver()
{
  *m_alive = false;
  if (m_result_fd) {
    m_result_fd->cancel();
    m_result_fd->release(); // the descriptor belongs to libunbound
  }
}

namespace {

// outbound-msg-retry: 0 (unbound >= 1.15): an unusable answer (REFUSED, SERVFAIL, ...) is final.
// libunbound 1.17's ub_ctx_set_option() does not know the option, only unbound.conf syntax
// does, so it is read from an anonymous in-memory file. Best effort: without it the probe is
// slower, not wrong.
void ask_once_per_server(ub_ctx* context)
{
  const int fd = ::memfd_create("mtasts-unbound-options", MFD_CLOEXEC);
  if (fd < 0) {
    return;
  }
  constexpr std::string_view text = "server:\n  outbound-msg-retry: 0\n";
  if (::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size())) {
    ub_ctx_config(context, fmt::format("/proc/self/fd/{}", fd).c_str());
  }
  ::close(fd);
}

} // namespace

util::Expected<std::unique_ptr<DnsResolver>, std::string>
DnsResolver::create(asio::io_context& io, const DnsOptions& options)
{
  std::unique_ptr<DnsResolver> resolver(new DnsResolver(io, options.timeout));
  resolver->m_context.reset(ub_ctx_create());
  ub_ctx* context = resolver->m_context.get();
  if (context == nullptr) {
    return util::Unexpected(std::string("libunbound: cannot create a resolver context"));
  }
  const auto check = [](int rc, std::string_view what) -> std::optional<std::string> {
    if (rc == 0) {
      return std::nullopt;
    }
    return fmt::format("libunbound: {}: {}", what, ub_strerror(rc));
  };
  // Answers are delivered on the caller's loop through ub_fd(); the resolution work runs in a
  // libunbound thread (not a forked process).
  if (auto error = check(ub_ctx_async(context, 1), "async mode")) {
    return util::Unexpected(*error);
  }
  // Test and private resolvers often live on loopback; "test." (RFC 6761) must reach them too.
  if (auto error = check(ub_ctx_set_option(context, "do-not-query-localhost:", "no"), "options")) {
    return util::Unexpected(*error);
  }
  if (auto error =
          check(ub_ctx_set_option(context, "local-zone:", "test. transparent"), "options")) {
    return util::Unexpected(*error);
  }
  if (!options.retry_unusable_answers) {
    ask_once_per_server(context);
  }
  // Queries in flight at once (unbound's outgoing-range: one UDP socket each).
  const auto in_flight = std::to_string(std::max<std::size_t>(options.queries_in_flight, 1));
  for (const auto& [name, value] : {std::pair{"outgoing-range:", in_flight.c_str()},
                                    std::pair{"num-queries-per-thread:", in_flight.c_str()},
                                    std::pair{"outgoing-num-tcp:", "10"}}) {
    if (auto error = check(ub_ctx_set_option(context, name, value), "options")) {
      return util::Unexpected(*error);
    }
  }
  // Small caches: callers keep what they need (the resolver caches TXT outcomes and policies
  // itself), and libunbound's 4 MB defaults per cache would dominate a daemon's memory.
  for (const auto& [name, size] :
       {std::pair{"msg-cache-size:", "512k"}, std::pair{"rrset-cache-size:", "1m"},
        std::pair{"key-cache-size:", "512k"}, std::pair{"neg-cache-size:", "256k"}}) {
    if (auto error = check(ub_ctx_set_option(context, name, size), "cache options")) {
      return util::Unexpected(*error);
    }
  }
  if (options.servers.empty()) {
    if (auto error = check(ub_ctx_resolvconf(context, nullptr), "reading /etc/resolv.conf")) {
      return util::Unexpected(*error);
    }
  }
  resolver->m_servers = options.servers;
  for (const auto& server : options.servers) {
    auto address = to_unbound_address(server);
    if (!address) {
      return util::Unexpected("DNS server " + address.error());
    }
    if (auto error = check(ub_ctx_set_fwd(context, address->c_str()), "DNS server " + server)) {
      return util::Unexpected(*error);
    }
  }
  if (options.dnssec == DnssecMode::off) {
    resolver->m_not_validating = "DNSSEC validation is off (dnssec = false)";
  } else {
    const bool configured = !options.trust_anchor_file.empty();
    const std::string anchors =
        configured ? options.trust_anchor_file : std::string(k_root_trust_anchor);
    const bool readable = ::access(anchors.c_str(), R_OK) == 0;
    if (!readable && (configured || options.dnssec == DnssecMode::required)) {
      return util::Unexpected(fmt::format(
          "DNSSEC trust anchor {}: {}{}", anchors,
          std::filesystem::exists(anchors) ? "cannot be read" : "no such file",
          configured ? ""
                     : " (install Debian's dns-root-data, name a file with trust_anchor, or set "
                       "dnssec = false to run without DNSSEC and so without DANE)"));
    }
    if (readable) {
      if (auto error =
              check(ub_ctx_add_ta_file(context, anchors.c_str()), "trust anchors " + anchors)) {
        return util::Unexpected(*error);
      }
      resolver->m_trust_anchor = anchors;
    } else {
      resolver->m_not_validating = fmt::format(
          "no DNSSEC trust anchor ({} is missing: install dns-root-data or give a trust anchor "
          "file)",
          anchors);
    }
  }
  resolver->m_result_fd = std::make_unique<asio::posix::stream_descriptor>(io, ub_fd(context));
  return resolver;
}

namespace {

// The owner name of the first DS or DNSKEY record of a zone-file style anchor file.
std::optional<std::string> anchor_owner(const std::string& path)
{
  std::ifstream file(path);
  for (std::string line; std::getline(file, line);) {
    if (line.empty() || line.front() == ';' || util::is_wsp(line.front())) {
      continue;
    }
    std::istringstream fields(line);
    std::string owner;
    fields >> owner;
    for (std::string field; fields >> field;) {
      if (field == "DS" || field == "DNSKEY") {
        return owner;
      }
    }
  }
  return std::nullopt;
}

} // namespace

Awaitable<std::optional<std::string>> DnsResolver::probe_trust_anchor()
{
  if (!validating()) {
    co_return std::nullopt;
  }
  const auto owner = anchor_owner(m_trust_anchor);
  if (!owner) {
    co_return fmt::format("trust anchor file {} holds no DS or DNSKEY record", m_trust_anchor);
  }
  DnsOptions probe_options;
  probe_options.servers = m_servers;
  probe_options.trust_anchor_file = m_trust_anchor;
  probe_options.dnssec = DnssecMode::required;
  probe_options.timeout = m_timeout;
  probe_options.retry_unusable_answers = false;
  probe_options.queries_in_flight = 16; // one question
  auto probe = create(m_io, probe_options);
  if (!probe) {
    co_return probe.error();
  }
  const auto answer = co_await (*probe)->query(*owner, rrtype::dnskey);
  if (answer.dnssec == DnssecStatus::secure && answer.has_data()) {
    co_return std::nullopt;
  }
  const std::string why = !answer.why_bogus.empty() ? answer.why_bogus
                          : answer.failed()         ? answer.failure
                                                    : std::string("the answer is not secure");
  co_return fmt::format("the DNS server{} cannot prime the trust anchor {} ({} DNSKEY: {})",
                        m_servers.size() == 1 ? std::string(" ") + m_servers.front()
                                              : std::string("s"),
                        m_trust_anchor, *owner, why);
}

Awaitable<void> DnsResolver::watch_results()
{
  const auto alive = m_alive;
  while (true) {
    boost::system::error_code error;
    co_await m_result_fd->async_wait(asio::posix::stream_descriptor::wait_read,
                                     asio::redirect_error(asio::use_awaitable, error));
    if (!*alive) {
      co_return;
    }
    if (!error) {
      ub_process(m_context.get()); // runs on_result for every finished query
    }
    if (m_in_flight == 0) {
      m_watching = false;
      co_return;
    }
  }
}

Awaitable<DnsAnswer> DnsResolver::query(std::string name, int type)
{
  DnsAnswer answer;
  answer.name = normalize_name(name);
  answer.type = type;
  answer.canonical_name = answer.name;

  Pending pending(m_io, m_in_flight);
  int async_id = 0;
  ++m_in_flight;
  const int rc = ub_resolve_async(m_context.get(), answer.name.c_str(), type, k_class_in, &pending,
                                  &on_result, &async_id);
  if (rc != 0) {
    --m_in_flight;
    answer.failure = fmt::format("libunbound: {}", ub_strerror(rc));
    co_return answer;
  }
  const CancelOnExit guard{m_context.get(), async_id, pending};
  if (!m_watching) {
    m_watching = true;
    asio::co_spawn(m_io, watch_results(), asio::detached);
  }
  if (!pending.done) {
    pending.timer.expires_after(m_timeout);
    boost::system::error_code ignored;
    co_await pending.timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  if (!pending.done) {
    ub_cancel(m_context.get(), async_id);
    pending.done = true;
    --m_in_flight;
    if (m_in_flight == 0) {
      m_result_fd->cancel(); // let watch_results() finish so the loop can go idle
    }
    answer.failure = fmt::format("timed out after {} ms", m_timeout.count());
    co_return answer;
  }
  if (pending.error != 0) {
    answer.failure = fmt::format("libunbound: {}", ub_strerror(pending.error));
    co_return answer;
  }
  const ub_result* result = pending.result;
  answer.rcode = result->rcode;
  answer.nxdomain = result->nxdomain != 0;
  if (result->canonname != nullptr) {
    answer.canonical_name = normalize_name(result->canonname);
  }
  if (result->havedata != 0) {
    for (int i = 0; result->data[i] != nullptr; ++i) {
      answer.rdata.emplace_back(result->data[i], static_cast<std::size_t>(result->len[i]));
    }
  }
  answer.ttl = result->ttl > 0 ? static_cast<std::uint32_t>(result->ttl) : 0;
  if (result->secure != 0) {
    answer.dnssec = DnssecStatus::secure;
  } else if (result->bogus != 0) {
    answer.dnssec = DnssecStatus::bogus;
    answer.why_bogus = result->why_bogus != nullptr ? result->why_bogus : "";
  }
  if (answer.dnssec == DnssecStatus::bogus) {
    // libunbound hands bogus data over with RCODE 0; it must not be used (RFC 4035 §4.3).
    answer.failure = fmt::format("DNSSEC validation failed: {}", answer.why_bogus);
  } else if (answer.rcode != 0 && !answer.nxdomain) {
    switch (answer.rcode) {
    case 2:
      answer.failure = "SERVFAIL";
      break;
    case 5:
      answer.failure = "REFUSED";
      break;
    default:
      answer.failure = fmt::format("DNS error (rcode {})", answer.rcode);
      break;
    }
  }
  co_return answer;
}

Awaitable<DnsResolver::CnameChain> DnsResolver::cname_chain(std::string name)
{
  CnameChain chain;
  std::string current = normalize_name(name);
  while (true) {
    const auto answer = co_await query(current, rrtype::cname);
    if (answer.failed()) {
      chain.failure = answer.failure;
      co_return chain;
    }
    if (answer.rdata.empty()) {
      co_return chain;
    }
    const auto target = decode_name(answer.rdata.front());
    if (!target) {
      chain.failure = fmt::format("malformed CNAME at {}", current);
      co_return chain;
    }
    if (*target == normalize_name(name) ||
        std::ranges::find(chain.targets, *target) != chain.targets.end()) {
      chain.targets.push_back(*target);
      chain.failure = fmt::format("CNAME loop at {}", *target);
      co_return chain;
    }
    chain.targets.push_back(*target);
    if (chain.targets.size() > k_max_cname_hops) {
      chain.failure = fmt::format("CNAME chain longer than {} hops", k_max_cname_hops);
      co_return chain;
    }
    current = *target;
  }
}

} // namespace mtasts::net
