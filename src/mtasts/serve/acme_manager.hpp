// Certificates from ACME for the served names that have no certificate files of their own
// ([acme] in the configuration). One order at a time; per name:
//   - due when it has no certificate, or when less than renew_before (plus a per-name jitter of
//     up to a tenth of it, so names issued together do not renew together) is left;
//   - a failure is retried after 1 minute, doubling up to a day;
//   - files: <state_dir>/acme/certs/<host>.pem (the chain) and .key (0600), written to a
//     temporary name and renamed, so a reader never sees half a file; SniCertificates then loads
//     them like any certificate files (refresh_changed()).
// The account key is <state_dir>/acme/account.key (0600), made on first use and reused after:
// the ACME server finds the account again from it.
#pragma once

#include <mtasts/net/acme.hpp>
#include <mtasts/serve/config.hpp>
#include <mtasts/server/sni_certificates.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mtasts::serve {

class AcmeManager
{
public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // Prepares <state_dir>/acme and the account key. Errors name the file.
  static util::Expected<std::unique_ptr<AcmeManager>, std::string>
  create(net::asio::io_context& io, const AcmeConfig& config, const std::string& state_dir,
         server::SniCertificates& certificates, Clock clock);
  ~AcmeManager();

  // Where the certificate of `host` lives once issued.
  server::CertificateFiles files_for(const std::string& host) const;

  // The names to keep certified (policy hosts without certificate files of their own).
  void set_names(const std::vector<std::string>& hosts);

  // http-01: the key authorization for `token`, while its challenge is open.
  std::optional<std::string> http01_answer(std::string_view token) const;

  // For the admin status: "issued", "ordering", "waiting", or the last error.
  std::string state(const std::string& host) const;
  std::uint64_t bad_nonce_retries() const { return m_client.bad_nonce_retries(); }

  // Runs until stop(): orders certificates as they become due.
  net::Awaitable<void> run();
  void stop();

private:
  struct Name
  {
    std::chrono::system_clock::time_point retry_at{};
    std::chrono::seconds backoff{0};
    std::string last_error;
    bool ordering = false;
  };
  AcmeManager(net::asio::io_context& io, const AcmeConfig& config, std::string directory,
              server::SniCertificates& certificates, Clock clock, net::EvpPkeyPtr key);
  bool due(const std::string& host, std::chrono::system_clock::time_point now) const;
  util::Expected<bool, std::string> save(const std::string& host,
                                         const net::IssuedCertificate& issued) const;

  net::asio::io_context& m_io;
  AcmeConfig m_config;
  std::string m_directory;
  server::SniCertificates& m_certificates;
  Clock m_clock;
  net::AcmeClient m_client;
  std::map<std::string, Name> m_names;
  std::map<std::string, std::string, std::less<>> m_http01;
  net::asio::steady_timer m_timer;
  bool m_stopped = false;
};

} // namespace mtasts::serve
