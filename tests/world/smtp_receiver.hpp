// A small real SMTP server for the test world: one listening socket on address:port, served on
// the receiver's own threads (an accept thread, one thread per connection) with plain
// non-blocking sockets and OpenSSL, so the client under test meets a real peer over the
// loopback network. Each behaviour is one way an MX can be good, broken or hostile. Not a mail
// server: nothing is stored or relayed.
#pragma once

#include <mtasts/util/expected.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace mtasts::testworld {

enum class SmtpBehaviour : std::uint8_t {
  good,               // 220 greeting; EHLO lists STARTTLS; STARTTLS -> 220 and a TLS handshake
                      // with the configured certificate; then EHLO/HELO/MAIL/RCPT/DATA/RSET/
                      // NOOP/QUIT answered minimally (DATA discarded)
  no_starttls,        // as good, but EHLO does not list STARTTLS and STARTTLS gets 502
  starttls_refused,   // STARTTLS advertised, answered "454 4.7.0 TLS not available ..."
  starttls_injection, // "220 Ready" to STARTTLS immediately followed by a plaintext
                      // "250 injected" line before the handshake (RFC 3207 §4.2 attack)
  greeting_554,       // the greeting is "554 5.3.2 no service" (RFC 5321 §3.1)
  ehlo_refused,       // EHLO (and HELO) answered "502 5.5.1 command not implemented"
  drip,               // the greeting one byte per second
  endless_banner,     // "220-" continuation lines forever, as fast as the socket accepts
  huge_line,          // a greeting line of 10 MiB without CRLF
  tls11_only,         // as good, but the TLS server allows TLS 1.0-1.1 only
  huge_chain,         // as good, but the certificate message carries the leaf followed by
                      // about 10 MiB of repeated extra chain certificates (each TLS
                      // Certificate message is limited to 16 MiB, so 10 MiB fits)
  silent,             // accepts and never sends a byte
};

struct SmtpReceiverOptions
{
  std::string address; // IPv4 or IPv6 literal to listen on, e.g. "127.0.0.20"
  std::uint16_t port = 25;
  SmtpBehaviour behaviour = SmtpBehaviour::good;
  // PEM certificate (chain) and key for the behaviours that reach TLS (good, tls11_only,
  // huge_chain); ignored by the others.
  std::filesystem::path certificate;
  std::filesystem::path key;
  std::string host_name = "mx.test"; // named in the greeting and the EHLO reply
  // Every connection is closed this long after it was accepted, whatever the client does.
  std::chrono::milliseconds connection_deadline{std::chrono::seconds(10)};
};

class SmtpReceiver
{
public:
  // Binds and listens before returning (clients may connect at once). Errors: a bad address,
  // bind/listen failures (port 25 needs root or CAP_NET_BIND_SERVICE), unreadable or
  // mismatched certificate/key files; the message says which.
  static util::Expected<SmtpReceiver, std::string> start(SmtpReceiverOptions options);

  SmtpReceiver(SmtpReceiver&& other) noexcept;
  SmtpReceiver& operator=(SmtpReceiver&& other) noexcept;
  SmtpReceiver(const SmtpReceiver&) = delete;
  SmtpReceiver& operator=(const SmtpReceiver&) = delete;
  // Closes the listener, ends every connection (each notices within its next wait), joins all
  // threads. Never blocks longer than a connection's current socket operation.
  ~SmtpReceiver();

  // The TLS server_name (SNI) of the most recent TLS handshake attempt; "" when the client sent
  // none or no handshake took place. Thread-safe.
  std::string last_sni() const;
  // The command lines (without CRLF) the most recent connection sent, in order, STARTTLS and
  // the commands after it included. Thread-safe.
  std::vector<std::string> last_commands() const;
  // How many connections were accepted so far. Thread-safe.
  std::size_t connections() const;

private:
  struct State;
  explicit SmtpReceiver(std::unique_ptr<State> state);
  void stop();
  std::unique_ptr<State> m_state;
};

} // namespace mtasts::testworld
