#include <mtasts/net/smtp_probe.hpp>
#include <mtasts/util/expected.hpp>
#include <mtasts/util/strings.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace mtasts::net {

namespace {

namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// How long the closing QUIT (and TLS close_notify) may take; never part of the verdict.
constexpr std::chrono::milliseconds k_quit_timeout{1000};
constexpr std::size_t k_read_chunk = 4096;
constexpr std::size_t k_quoted_length = 120; // how much of a peer's reply a detail quotes

// Why a step failed, before it is recorded in the SmtpProbe.
struct StepFailure
{
  SmtpFailure failure = SmtpFailure::none;
  std::string detail;
};
template <typename T>
using Step = util::Expected<T, StepFailure>;

StepFailure fail(SmtpFailure failure, std::string detail)
{
  return StepFailure{failure, std::move(detail)};
}

// One SMTP reply (RFC 5321 §4.2): its code and every line as received (code included), no CRLF.
struct Reply
{
  int code = 0;
  std::vector<std::string> lines;

  // The lines joined by "\n", for evidence.
  std::string text() const
  {
    std::string joined;
    for (const auto& line : lines) {
      if (!joined.empty()) {
        joined += '\n';
      }
      joined += line;
    }
    return joined;
  }
  // The reply quoted for a detail message: its first line, made printable and cut short.
  std::string quoted() const
  {
    return lines.empty() ? std::string() : util::printable(lines.front(), k_quoted_length);
  }
};

std::string seconds_text(std::chrono::milliseconds duration)
{
  return fmt::format("{:g} s", static_cast<double>(duration.count()) / 1000.0);
}

// SSLv3, TLS 1.0 and 1.1 are below RFC 8461 §7.2's floor (OpenSSL's names, as in TlsEvidence).
bool is_below_tls12(std::string_view protocol)
{
  return protocol == "SSLv3" || protocol == "TLSv1" || protocol == "TLSv1.1";
}

// The keyword of an EHLO line (RFC 5321 §4.1.1.1 ehlo-keyword, text up to the first space).
bool is_keyword(std::string_view ehlo_line, std::string_view keyword)
{
  const auto end = std::min(ehlo_line.find(' '), ehlo_line.find('\t'));
  return util::iequals_ascii(ehlo_line.substr(0, end), keyword);
}

// One SMTP client connection: the TCP stream, the TLS layer once STARTTLS succeeded, and the
// bytes received but not yet consumed as reply lines. Every operation is bounded by a deadline
// and by the size limits of SmtpProbeOptions.
class Session
{
public:
  Session(asio::any_io_executor executor, asio::ssl::context& context,
          const SmtpProbeOptions& options, Clock::time_point deadline)
      : m_stream(std::move(executor), context), m_options(options), m_deadline(deadline)
  {}

  SSL* ssl() { return m_stream.native_handle(); }
  // Bytes received after the last complete reply.
  std::string_view unread() const { return m_pending; }

  Awaitable<Step<bool>> connect(const tcp::endpoint& endpoint)
  {
    const auto limit = std::min(m_deadline, Clock::now() + m_options.connect_timeout);
    tcp_layer().expires_at(limit);
    boost::system::error_code error;
    co_await tcp_layer().async_connect(endpoint, asio::redirect_error(asio::use_awaitable, error));
    if (!error) {
      // No Nagle: after the handshake the client's Finished and EHLO leave in two writes.
      boost::system::error_code ignored;
      tcp_layer().socket().set_option(tcp::no_delay(true), ignored);
    }
    if (error == beast::error::timeout) {
      co_return util::Unexpected(fail(
          SmtpFailure::timeout,
          fmt::format("no TCP connection to {} port {} within {}", endpoint.address().to_string(),
                      endpoint.port(),
                      limit == m_deadline
                          ? "the total deadline of " + total_text()
                          : "the connect timeout of " + seconds_text(m_options.connect_timeout))));
    }
    if (error) {
      co_return util::Unexpected(
          fail(SmtpFailure::connect,
               fmt::format("cannot connect to {} port {}: {}", endpoint.address().to_string(),
                           endpoint.port(), error.message())));
    }
    co_return true;
  }

  // Sends `command` + CRLF and reads its reply. `what` names the command in details ("EHLO").
  // A reply that arrived before the command was sent is a protocol failure (RFC 5321 §4.2:
  // replies answer commands; RFC 3207 §4.2 for the STARTTLS case).
  Awaitable<Step<Reply>> command(std::string command, std::string_view what)
  {
    if (!m_pending.empty()) {
      co_return util::Unexpected(fail(
          SmtpFailure::protocol, fmt::format("the server sent '{}' before the {} command",
                                             util::printable(m_pending, k_quoted_length), what)));
    }
    const auto limit = step_deadline();
    tcp_layer().expires_at(limit);
    command += "\r\n";
    boost::system::error_code error;
    if (m_tls) {
      co_await asio::async_write(m_stream, asio::buffer(command),
                                 asio::redirect_error(asio::use_awaitable, error));
    } else {
      co_await asio::async_write(tcp_layer(), asio::buffer(command),
                                 asio::redirect_error(asio::use_awaitable, error));
    }
    if (error) {
      co_return util::Unexpected(
          io_failure(error, limit, fmt::format("sending {}", what), "sending"));
    }
    co_return co_await read_reply(fmt::format("the reply to {}", what), limit);
  }

  // The greeting (RFC 5321 §3.1), within read_timeout of the connection.
  Awaitable<Step<Reply>> greeting() { return read_reply("the greeting", step_deadline()); }

  // The TLS handshake as a client, SNI already set, within read_timeout.
  Awaitable<Step<bool>> handshake()
  {
    const auto limit = step_deadline();
    tcp_layer().expires_at(limit);
    boost::system::error_code error;
    co_await m_stream.async_handshake(asio::ssl::stream_base::client,
                                      asio::redirect_error(asio::use_awaitable, error));
    if (error) {
      if (error == beast::error::timeout) {
        co_return util::Unexpected(io_failure(error, limit, "the TLS handshake", "handshake"));
      }
      co_return util::Unexpected(fail(SmtpFailure::tls_handshake,
                                      fmt::format("TLS handshake failed: {}", error.message())));
    }
    m_tls = true;
    co_return true;
  }

  // Best effort, at most k_quit_timeout: QUIT (RFC 5321 §4.1.1.10), its reply, and the TLS
  // close_notify exchange when TLS is up. Outcomes are ignored.
  Awaitable<void> quit()
  {
    m_pending.clear();
    const auto limit = Clock::now() + k_quit_timeout;
    tcp_layer().expires_at(limit);
    std::string quit = "QUIT\r\n";
    boost::system::error_code error;
    if (m_tls) {
      co_await asio::async_write(m_stream, asio::buffer(quit),
                                 asio::redirect_error(asio::use_awaitable, error));
    } else {
      co_await asio::async_write(tcp_layer(), asio::buffer(quit),
                                 asio::redirect_error(asio::use_awaitable, error));
    }
    if (!error) {
      static_cast<void>(co_await read_reply("the reply to QUIT", limit));
    }
    if (m_tls && !error) {
      tcp_layer().expires_at(limit);
      co_await m_stream.async_shutdown(asio::redirect_error(asio::use_awaitable, error));
    }
  }

  void close()
  {
    boost::system::error_code ignored;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp_layer().close();
  }

private:
  beast::tcp_stream& tcp_layer() { return beast::get_lowest_layer(m_stream); }

  std::string total_text() const { return seconds_text(m_options.total_timeout); }

  // The deadline of one step: read_timeout from now, never past the total deadline.
  Clock::time_point step_deadline() const
  {
    return std::min(m_deadline, Clock::now() + m_options.read_timeout);
  }

  // A failed read, write or handshake: `during` says what was going on ("the greeting").
  StepFailure io_failure(const boost::system::error_code& error, Clock::time_point limit,
                         std::string_view during, std::string_view verb) const
  {
    if (error == beast::error::timeout) {
      return fail(
          SmtpFailure::timeout,
          limit == m_deadline
              ? fmt::format("the total deadline of {} passed during {}", total_text(), during)
              : fmt::format("{} did not complete within the read timeout of {}", during,
                            seconds_text(m_options.read_timeout)));
    }
    if (error == asio::error::eof || error == asio::error::connection_reset ||
        error == asio::error::broken_pipe) {
      return fail(SmtpFailure::connect,
                  fmt::format("the server closed the connection during {}", during));
    }
    return fail(SmtpFailure::connect,
                fmt::format("{} failed during {}: {}", verb, during, error.message()));
  }

  // One line (RFC 5321 §2.3.8: CRLF-terminated; a bare LF is tolerated), without its line end.
  // Never holds more than max_line + 1 + k_read_chunk bytes.
  Awaitable<Step<std::string>> read_line(std::string_view what, Clock::time_point limit)
  {
    std::array<char, k_read_chunk> chunk{};
    for (;;) {
      if (const auto end = m_pending.find('\n'); end != std::string::npos) {
        const std::size_t length = end > 0 && m_pending[end - 1] == '\r' ? end - 1 : end;
        if (length > m_options.max_line) {
          break;
        }
        std::string line = m_pending.substr(0, length);
        m_pending.erase(0, end + 1);
        co_return line;
      }
      if (m_pending.size() > m_options.max_line + 1) { // +1: a CR waiting for its LF
        break;
      }
      boost::system::error_code error;
      std::size_t received = 0;
      if (m_tls) {
        received = co_await m_stream.async_read_some(
            asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, error));
      } else {
        received = co_await tcp_layer().async_read_some(
            asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, error));
      }
      if (error) {
        co_return util::Unexpected(io_failure(error, limit, what, "reading"));
      }
      m_pending.append(chunk.data(), received);
    }
    co_return util::Unexpected(fail(
        SmtpFailure::protocol,
        fmt::format("{} has a line longer than {} bytes (RFC 5321 §4.5.3.1.5 allows 512): '{}'",
                    what, m_options.max_line, util::printable(m_pending, k_quoted_length))));
  }

  // One complete reply, single- or multi-line (RFC 5321 §4.2, §4.2.1): lines "ddd-text" up to
  // the last "ddd text" (or bare "ddd"), all with the same code, at most max_reply_lines lines.
  Awaitable<Step<Reply>> read_reply(std::string what, Clock::time_point limit)
  {
    tcp_layer().expires_at(limit);
    Reply reply;
    for (;;) {
      auto line = co_await read_line(what, limit);
      if (!line) {
        co_return util::Unexpected(std::move(line).error());
      }
      const std::string_view text = *line;
      const bool well_formed = text.size() >= 3 && text[0] >= '2' && text[0] <= '5' &&
                               util::is_ascii_digit(text[1]) && util::is_ascii_digit(text[2]) &&
                               (text.size() == 3 || text[3] == ' ' || text[3] == '-');
      if (!well_formed) {
        co_return util::Unexpected(
            fail(SmtpFailure::protocol,
                 fmt::format("{} is not an SMTP reply (RFC 5321 §4.2 wants a 3-digit code 2xx-5xx "
                             "followed by a space or '-'): '{}'",
                             what, util::printable(text, k_quoted_length))));
      }
      const int code = (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
      if (!reply.lines.empty() && code != reply.code) {
        co_return util::Unexpected(fail(
            SmtpFailure::protocol, fmt::format("{} mixes reply codes {} and {} (RFC 5321 §4.2.1)",
                                               what, reply.code, code)));
      }
      reply.code = code;
      reply.lines.emplace_back(text);
      if (text.size() == 3 || text[3] == ' ') {
        co_return reply;
      }
      if (reply.lines.size() >= m_options.max_reply_lines) {
        co_return util::Unexpected(
            fail(SmtpFailure::protocol, fmt::format("{} goes on for more than {} lines", what,
                                                    m_options.max_reply_lines)));
      }
    }
  }

  beast::ssl_stream<beast::tcp_stream> m_stream;
  const SmtpProbeOptions& m_options;
  Clock::time_point m_deadline; // the total deadline
  std::string m_pending;        // received, not yet consumed
  bool m_tls = false;
};

// How the session ends once the probe has its answer.
enum class Ending : std::uint8_t {
  quit,  // the server speaks SMTP: say QUIT
  close, // broken or hostile peer, or nothing to say: just close
};

// The probe's steps; records the outcome in `probe` and says how to end the session.
Awaitable<Ending> run_probe(Session& session, SmtpProbe& probe, const SmtpProbeOptions& options)
{
  const auto record = [&](StepFailure failure) {
    probe.failure = failure.failure;
    probe.detail = std::move(failure.detail);
  };

  boost::system::error_code error;
  const auto ip = asio::ip::make_address(probe.address, error);
  if (error) {
    record(fail(SmtpFailure::connect, fmt::format("'{}' is not an IP address", probe.address)));
    co_return Ending::close;
  }
  if (auto connected = co_await session.connect(tcp::endpoint(ip, options.port)); !connected) {
    record(std::move(connected).error());
    co_return Ending::close;
  }

  // RFC 5321 §3.1: a 220 greeting, or 554 (no service; the client should QUIT).
  auto greeting = co_await session.greeting();
  if (!greeting) {
    record(std::move(greeting).error());
    co_return Ending::close;
  }
  probe.banner = greeting->text();
  if (greeting->code != 220) {
    record(fail(SmtpFailure::banner,
                fmt::format("the greeting is '{}', not 220: the server does not accept mail now "
                            "(RFC 5321 §3.1)",
                            greeting->quoted())));
    co_return Ending::quit;
  }

  // RFC 5321 §4.1.1.1: 250 domain, then one EHLO keyword line per extension.
  auto ehlo = co_await session.command("EHLO " + options.helo_name, "EHLO");
  if (!ehlo) {
    record(std::move(ehlo).error());
    co_return Ending::close;
  }
  if (ehlo->code != 250) {
    record(fail(SmtpFailure::ehlo_rejected,
                fmt::format("EHLO {} was answered '{}', not 250 (RFC 5321 §4.1.1.1); without "
                            "EHLO there is no STARTTLS",
                            options.helo_name, ehlo->quoted())));
    co_return Ending::quit;
  }
  for (std::size_t i = 1; i < ehlo->lines.size(); ++i) {
    const std::string& line = ehlo->lines[i];
    probe.ehlo_capabilities.push_back(line.size() > 4 ? line.substr(4) : std::string());
  }
  probe.starttls_offered =
      std::ranges::any_of(probe.ehlo_capabilities,
                          [](const std::string& line) { return is_keyword(line, "STARTTLS"); });
  if (!probe.starttls_offered) {
    record(fail(SmtpFailure::starttls_not_offered,
                "the EHLO reply does not advertise STARTTLS (RFC 3207 §4): an RFC 8461 sender "
                "cannot deliver to this MX under an enforce policy"));
    co_return Ending::quit;
  }

  // RFC 3207 §4: 220 to go ahead; 454 (temporarily unavailable) or 501 otherwise.
  auto starttls = co_await session.command("STARTTLS", "STARTTLS");
  if (!starttls) {
    record(std::move(starttls).error());
    co_return Ending::close;
  }
  if (starttls->code != 220) {
    record(fail(SmtpFailure::starttls_rejected,
                fmt::format("STARTTLS was advertised but answered '{}', not 220 (RFC 3207 §4)",
                            starttls->quoted())));
    co_return Ending::quit;
  }
  if (!session.unread().empty()) {
    // RFC 3207 §4.2: nothing received before TLS may be used after it; bytes already queued
    // here would be read as if the TLS server had sent them (STARTTLS response injection).
    record(fail(SmtpFailure::protocol,
                fmt::format("the server sent '{}' after its 220 reply to STARTTLS, before the TLS "
                            "handshake: plaintext that would be taken for TLS session data",
                            util::printable(session.unread(), k_quoted_length))));
    co_return Ending::close;
  }

  // RFC 8461 §7.1: SNI is the MX host name.
  if (!set_server_name(session.ssl(), probe.mx_host)) {
    record(fail(SmtpFailure::tls_handshake,
                fmt::format("cannot use '{}' as the TLS server name",
                            util::printable(probe.mx_host, k_quoted_length))));
    co_return Ending::close;
  }
  if (auto handshake = co_await session.handshake(); !handshake) {
    record(std::move(handshake).error());
    co_return Ending::close;
  }
  probe.tls = collect_tls_evidence(session.ssl(), probe.mx_host);
  if (!options.tlsa.empty()) {
    // RFC 7672 §3: DANE authenticates the chain the server presented, on this session.
    probe.dane = verify_dane(options.tlsa, session.ssl(), probe.mx_host, options.tlsa_base_domain);
  }
  if (is_below_tls12(probe.tls->protocol)) {
    record(fail(SmtpFailure::tls_handshake,
                fmt::format("the server negotiated {}; RFC 8461 §7.2 requires TLS 1.2 or later",
                            probe.tls->protocol)));
    co_return Ending::quit;
  }
  if (const auto result_type = result_type_for(*probe.tls)) {
    const std::string why =
        probe.tls->chain != ChainVerdict::trusted
            ? probe.tls->verify_error
            : fmt::format("no subjectAltName matches {} (RFC 8461 §4.2; the subject CN is "
                          "never used)",
                          probe.mx_host);
    record(fail(SmtpFailure::certificate,
                fmt::format("the certificate of {} is not valid for {}: {} ({})", probe.address,
                            probe.mx_host, why, core::result_type_name(*result_type))));
    co_return Ending::quit;
  }
  co_return Ending::quit;
}

} // namespace

std::string_view smtp_failure_name(SmtpFailure failure)
{
  switch (failure) {
  case SmtpFailure::none:
    return "none";
  case SmtpFailure::connect:
    return "connect";
  case SmtpFailure::timeout:
    return "timeout";
  case SmtpFailure::banner:
    return "banner";
  case SmtpFailure::protocol:
    return "protocol";
  case SmtpFailure::ehlo_rejected:
    return "ehlo-rejected";
  case SmtpFailure::starttls_not_offered:
    return "starttls-not-offered";
  case SmtpFailure::starttls_rejected:
    return "starttls-rejected";
  case SmtpFailure::tls_handshake:
    return "tls-handshake";
  case SmtpFailure::certificate:
    return "certificate";
  }
  return "none";
}

std::optional<core::ResultType> SmtpProbe::result_type() const
{
  using core::ResultType;
  switch (failure) {
  case SmtpFailure::starttls_not_offered:
  case SmtpFailure::starttls_rejected:
    return ResultType::starttls_not_supported;
  case SmtpFailure::certificate:
    return tls ? result_type_for(*tls) : ResultType::validation_failure;
  case SmtpFailure::tls_handshake:
    return ResultType::validation_failure;
  case SmtpFailure::none:
  case SmtpFailure::connect:
  case SmtpFailure::timeout:
  case SmtpFailure::banner:
  case SmtpFailure::protocol:
  case SmtpFailure::ehlo_rejected:
    return std::nullopt;
  }
  return std::nullopt;
}

Awaitable<SmtpProbe> probe_smtp(boost::asio::ssl::context& context, std::string mx_host,
                                std::string address, SmtpProbeOptions options)
{
  SmtpProbe probe;
  probe.mx_host = std::move(mx_host);
  probe.address = std::move(address);
  const auto started = Clock::now();
  Session session(co_await asio::this_coro::executor, context, options,
                  started + options.total_timeout);
  if (co_await run_probe(session, probe, options) == Ending::quit) {
    co_await session.quit();
  }
  session.close();
  probe.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  co_return probe;
}

} // namespace mtasts::net
