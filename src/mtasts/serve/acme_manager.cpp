#include <mtasts/net/tls.hpp>
#include <mtasts/serve/acme_manager.hpp>

#include <fmt/format.h>
#include <openssl/pem.h>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace mtasts::serve {

namespace asio = net::asio;

namespace {

constexpr std::chrono::seconds k_first_backoff{60};
constexpr std::chrono::seconds k_longest_backoff{86400};
constexpr std::chrono::seconds k_scan_interval{5};

// Writes `text` to `path` through a temporary file in the same directory (mode `mode`).
util::Expected<bool, std::string> write_file(const std::string& path, const std::string& text,
                                             mode_t mode)
{
  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return util::Unexpected(fmt::format("{}: {}", temporary, std::strerror(errno)));
  }
  ::fchmod(fd, mode);
  std::size_t written = 0;
  while (written < text.size()) {
    const auto n = ::write(fd, text.data() + written, text.size() - written);
    if (n <= 0) {
      ::close(fd);
      return util::Unexpected(fmt::format("{}: {}", temporary, std::strerror(errno)));
    }
    written += static_cast<std::size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    return util::Unexpected(fmt::format("{}: {}", path, std::strerror(errno)));
  }
  return true;
}

std::optional<std::string> read_file(const std::string& path)
{
  std::ifstream in(path);
  if (!in) {
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// notAfter of the first certificate in the PEM file, seconds since the epoch; nullopt if none.
std::optional<std::int64_t> not_after(const std::string& path)
{
  const auto text = read_file(path);
  if (!text) {
    return std::nullopt;
  }
  net::BioPtr bio(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())));
  net::X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!certificate) {
    return std::nullopt;
  }
  return net::summarize_certificate(certificate.get()).not_after;
}

} // namespace

util::Expected<std::unique_ptr<AcmeManager>, std::string>
AcmeManager::create(asio::io_context& io, const AcmeConfig& config, const std::string& state_dir,
                    server::SniCertificates& certificates, Clock clock)
{
  const std::string directory = state_dir + "/acme";
  std::error_code ec;
  std::filesystem::create_directories(directory + "/certs", ec);
  if (ec) {
    return util::Unexpected(fmt::format("{}: {}", directory, ec.message()));
  }
  ::chmod(directory.c_str(), 0700);
  const std::string key_path = directory + "/account.key";
  net::EvpPkeyPtr key;
  if (const auto text = read_file(key_path)) {
    auto loaded = net::read_private_key_pem(*text);
    if (!loaded) {
      return util::Unexpected(fmt::format("ACME account key {}: {}", key_path, loaded.error()));
    }
    key = std::move(*loaded);
  } else {
    key = net::generate_p256_key();
    if (auto written = write_file(key_path, net::private_key_pem(key.get()), 0600); !written) {
      return util::Unexpected("ACME account key " + written.error());
    }
  }
  return std::unique_ptr<AcmeManager>(
      new AcmeManager(io, config, directory, certificates, std::move(clock), std::move(key)));
}

AcmeManager::AcmeManager(asio::io_context& io, const AcmeConfig& config, std::string directory,
                         server::SniCertificates& certificates, Clock clock, net::EvpPkeyPtr key)
    : m_io(io), m_config(config), m_directory(std::move(directory)), m_certificates(certificates),
      m_clock(std::move(clock)),
      m_client(io,
               net::AcmeOptions{config.directory, config.ca_file, config.email, config.challenge},
               std::move(key)),
      m_timer(io)
{}

AcmeManager::~AcmeManager() = default;

server::CertificateFiles AcmeManager::files_for(const std::string& host) const
{
  return server::CertificateFiles{m_directory + "/certs/" + host + ".pem",
                                  m_directory + "/certs/" + host + ".key"};
}

void AcmeManager::set_names(const std::vector<std::string>& hosts)
{
  std::map<std::string, Name> next;
  for (const auto& host : hosts) {
    const auto found = m_names.find(host);
    next.emplace(host, found == m_names.end() ? Name{} : found->second);
  }
  m_names = std::move(next);
}

std::optional<std::string> AcmeManager::http01_answer(std::string_view token) const
{
  const auto found = m_http01.find(token);
  return found == m_http01.end() ? std::nullopt : std::optional(found->second);
}

std::string AcmeManager::state(const std::string& host) const
{
  const auto found = m_names.find(host);
  if (found == m_names.end()) {
    return "not managed";
  }
  if (found->second.ordering) {
    return "ordering";
  }
  if (!found->second.last_error.empty()) {
    return "error: " + found->second.last_error;
  }
  return not_after(files_for(host).certificate) ? "issued" : "waiting";
}

bool AcmeManager::due(const std::string& host, std::chrono::system_clock::time_point now) const
{
  const auto expires = not_after(files_for(host).certificate);
  if (!expires) {
    return true;
  }
  // A per-name jitter of up to a tenth of renew_before (stable across restarts).
  const auto jitter = static_cast<std::int64_t>(
      std::hash<std::string>{}(host) %
      static_cast<std::size_t>(std::max<std::int64_t>(m_config.renew_before.count() / 10, 1)));
  const auto left =
      *expires - std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return left < m_config.renew_before.count() + jitter;
}

util::Expected<bool, std::string> AcmeManager::save(const std::string& host,
                                                    const net::IssuedCertificate& issued) const
{
  const auto files = files_for(host);
  if (auto written = write_file(files.key, issued.key_pem, 0600); !written) {
    return written;
  }
  return write_file(files.certificate, issued.certificate_pem, 0644);
}

asio::awaitable<void> AcmeManager::run()
{
  while (!m_stopped) {
    const auto now = m_clock();
    std::string next;
    for (auto& [host, name] : m_names) {
      if (now >= name.retry_at && due(host, now)) {
        next = host;
        break;
      }
    }
    if (!next.empty()) {
      m_names[next].ordering = true;
      spdlog::info("{}: ordering a certificate from {} ({})", next, m_config.directory,
                   m_config.challenge);
      net::ChallengeHooks hooks;
      hooks.http01 = [this](const std::string& token, const std::string& answer) {
        m_http01[token] = answer;
      };
      hooks.tls_alpn01 = [this](const std::string& host, const std::string& answer) {
        auto context = net::tls_alpn_challenge_context(host, answer);
        if (context) {
          m_certificates.set_challenge(host, std::move(*context));
        } else {
          spdlog::error("{}: {}", host, context.error());
        }
      };
      hooks.done = [this](const std::string& host, const std::string& token) {
        m_http01.erase(token);
        m_certificates.clear_challenge(host);
      };
      auto issued = co_await m_client.issue(next, hooks);
      const auto found = m_names.find(next);
      if (found != m_names.end()) {
        auto& name = found->second;
        name.ordering = false;
        if (issued) {
          if (auto saved = save(next, *issued); !saved) {
            issued = util::Unexpected("saving the certificate: " + saved.error());
          }
        }
        if (issued) {
          name.last_error.clear();
          name.backoff = std::chrono::seconds(0);
          for (const auto& change : m_certificates.refresh_changed()) {
            spdlog::info("{}", change);
          }
          spdlog::info("{}: certificate issued by ACME and in use", next);
          if (due(next, m_clock())) {
            // renew_before is longer than what the CA issues: do not order again at once.
            name.retry_at = m_clock() + k_longest_backoff;
            spdlog::warn("{}: [acme] renew_before ({} s) is longer than the certificate's "
                         "lifetime: next renewal in a day",
                         next, m_config.renew_before.count());
          }
        } else {
          name.backoff = name.backoff.count() == 0 ? k_first_backoff
                                                   : std::min(name.backoff * 2, k_longest_backoff);
          name.retry_at = m_clock() + name.backoff;
          name.last_error = issued.error();
          spdlog::error("{}: no certificate: {}; handshakes for it are refused; next try in {} s",
                        next, issued.error(), name.backoff.count());
        }
      }
      continue;
    }
    m_timer.expires_after(k_scan_interval);
    boost::system::error_code ec;
    co_await m_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void AcmeManager::stop()
{
  m_stopped = true;
  m_timer.cancel();
}

} // namespace mtasts::serve
