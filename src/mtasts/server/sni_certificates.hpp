// Server-side TLS chosen by SNI, for daemons that serve many host names on one listener (the
// policy host: one certificate per mta-sts.<domain>). Sessions are created from base(), whose
// servername callback switches each handshake to the context of the name the client asked for.
// A name that is not configured, a ClientHello without SNI, or a name whose certificate cannot be
// loaded ends the handshake with a fatal unrecognized_name alert (RFC 6066 §3): no default
// certificate is ever sent.
//
// Certificates are loaded lazily, on the first handshake for a name (100,000 configured names
// cost nothing until asked for), and reloaded when their files change: refresh_changed() compares
// modification time and size, so a certbot deploy hook that rewrites the files needs no signal.
// Single-threaded: used from the daemon's io_context only. Handshakes in flight keep their
// context alive (OpenSSL reference counts), so names may be replaced at any time.
#pragma once

#include <mtasts/net/openssl_handles.hpp>
#include <mtasts/util/expected.hpp>

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mtasts::server {

struct CertificateFiles
{
  std::string certificate; // PEM: the leaf first, then its chain
  std::string key;         // PEM private key

  friend bool operator==(const CertificateFiles&, const CertificateFiles&) = default;
};

// Loads a server context from `files` and checks that the key matches the certificate and that
// the certificate covers `host` (a SAN dNSName, wildcards as RFC 6125 allows). Errors name the
// file and the reason.
util::Expected<net::SslCtxPtr, std::string> load_server_context(const CertificateFiles& files,
                                                                std::string_view host);

class SniCertificates
{
public:
  // What a name's certificate looks like now.
  struct Status
  {
    bool loaded = false;
    std::string error;          // why handshakes for the name are refused; "" when loaded
    std::int64_t not_after = 0; // seconds since the epoch, when loaded
    std::string subject;        // of the leaf, when loaded
  };

  static util::Expected<std::unique_ptr<SniCertificates>, std::string> create();
  ~SniCertificates();
  SniCertificates(const SniCertificates&) = delete;
  SniCertificates& operator=(const SniCertificates&) = delete;

  // The context new sessions start from. It holds no certificate.
  SSL_CTX* base() const { return m_base.get(); }

  // Replaces the set of names (lowercase, no trailing dot). A name whose files are unchanged keeps
  // its loaded context.
  void set_names(const std::map<std::string, CertificateFiles, std::less<>>& names);
  std::size_t size() const { return m_entries.size(); }

  // Loads `name` now if it is configured and not loaded; its status after that.
  Status load(std::string_view name);
  // The status without loading.
  std::optional<Status> status(std::string_view name) const;

  // Reloads the loaded names whose files changed since they were read, and retries names whose
  // load failed. Returns one log line per change ("mta-sts.x: certificate reloaded", or the error).
  std::vector<std::string> refresh_changed();

  // RFC 8737: while a tls-alpn-01 challenge for `name` is open, a ClientHello for `name` that
  // offers ALPN "acme-tls/1" gets `context` (the challenge certificate) instead.
  void set_challenge(const std::string& name, net::SslCtxPtr context);
  void clear_challenge(const std::string& name);
  // True when the handshake on `ssl` answered a tls-alpn-01 challenge (nothing else may follow).
  static bool answered_challenge(SSL* ssl);

  // Counted when a handshake was refused, by reason.
  std::uint64_t refused_unknown() const { return m_refused_unknown; }
  std::uint64_t refused_no_sni() const { return m_refused_no_sni; }
  std::uint64_t refused_unloadable() const { return m_refused_unloadable; }

private:
  struct FileStamp
  {
    std::int64_t mtime_ns = -1;
    std::int64_t size = -1;
    friend bool operator==(const FileStamp&, const FileStamp&) = default;
  };
  struct Entry
  {
    CertificateFiles files;
    net::SslCtxPtr context;
    FileStamp certificate_stamp;
    FileStamp key_stamp;
    bool tried = false;
    Status status;
  };

  SniCertificates() = default;
  static int on_servername(SSL* ssl, int* alert, void* self);
  static int on_client_hello(SSL* ssl, int* alert, void* self);
  static FileStamp stamp(const std::string& path);
  void load_entry(const std::string& name, Entry& entry);

  net::SslCtxPtr m_base;
  std::unordered_map<std::string, Entry> m_entries;
  std::unordered_map<std::string, net::SslCtxPtr> m_challenges;
  std::uint64_t m_refused_unknown = 0;
  std::uint64_t m_refused_no_sni = 0;
  std::uint64_t m_refused_unloadable = 0;
};

} // namespace mtasts::server
