#include <mtasts/core/cert_identity.hpp>
#include <mtasts/net/tls.hpp>
#include <mtasts/server/sni_certificates.hpp>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <sys/stat.h>

#include <algorithm>
#include <cctype>

namespace mtasts::server {

namespace {

std::string openssl_error()
{
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) {
    return "unknown error";
  }
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

net::SslCtxPtr new_server_context()
{
  net::SslCtxPtr context(SSL_CTX_new(TLS_server_method()));
  if (context) {
    SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION);
    SSL_CTX_set_options(context.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_mode(context.get(), SSL_MODE_RELEASE_BUFFERS);
  }
  return context;
}

std::string lowercase(std::string_view text)
{
  std::string out(text);
  std::ranges::transform(out, out.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!out.empty() && out.back() == '.') {
    out.pop_back();
  }
  return out;
}

} // namespace

util::Expected<net::SslCtxPtr, std::string> load_server_context(const CertificateFiles& files,
                                                                std::string_view host)
{
  auto context = new_server_context();
  if (!context) {
    return util::Unexpected("cannot create a TLS context: " + openssl_error());
  }
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(context.get(), files.certificate.c_str()) != 1) {
    return util::Unexpected(fmt::format("certificate {}: {}", files.certificate, openssl_error()));
  }
  if (SSL_CTX_use_PrivateKey_file(context.get(), files.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    return util::Unexpected(fmt::format("key {}: {}", files.key, openssl_error()));
  }
  if (SSL_CTX_check_private_key(context.get()) != 1) {
    return util::Unexpected(
        fmt::format("key {} does not belong to the certificate {}", files.key, files.certificate));
  }
  X509* leaf = SSL_CTX_get0_certificate(context.get());
  const auto summary = net::summarize_certificate(leaf);
  const bool covered = std::ranges::any_of(summary.san_dns_names, [&](const std::string& san) {
    return core::dns_id_matches(san, host);
  });
  if (!covered) {
    return util::Unexpected(fmt::format(
        "certificate {} does not cover {} (subjectAltName DNS names: {})", files.certificate, host,
        summary.san_dns_names.empty() ? std::string("none")
                                      : fmt::format("{}", fmt::join(summary.san_dns_names, ", "))));
  }
  return context;
}

util::Expected<std::unique_ptr<SniCertificates>, std::string> SniCertificates::create()
{
  std::unique_ptr<SniCertificates> self(new SniCertificates());
  self->m_base = new_server_context();
  if (!self->m_base) {
    return util::Unexpected("cannot create a TLS context: " + openssl_error());
  }
  // SSL_CTX_set_tlsext_servername_callback() without its C cast.
  using ServernameCallback = int (*)(SSL*, int*, void*);
  const ServernameCallback callback = &SniCertificates::on_servername;
  SSL_CTX_callback_ctrl(self->m_base.get(), SSL_CTRL_SET_TLSEXT_SERVERNAME_CB,
                        reinterpret_cast<void (*)()>(callback));
  SSL_CTX_set_tlsext_servername_arg(self->m_base.get(), self.get());
  SSL_CTX_set_client_hello_cb(self->m_base.get(), &SniCertificates::on_client_hello, self.get());
  return self;
}

SniCertificates::~SniCertificates() = default;

SniCertificates::FileStamp SniCertificates::stamp(const std::string& path)
{
  struct stat info
  {};
  if (::stat(path.c_str(), &info) != 0) {
    return {};
  }
  return FileStamp{static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000 +
                       info.st_mtim.tv_nsec,
                   static_cast<std::int64_t>(info.st_size)};
}

void SniCertificates::set_names(const std::map<std::string, CertificateFiles, std::less<>>& names)
{
  std::unordered_map<std::string, Entry> next;
  next.reserve(names.size());
  for (const auto& [name, files] : names) {
    auto found = m_entries.find(name);
    if (found != m_entries.end() && found->second.files == files) {
      next.emplace(name, std::move(found->second));
    } else {
      Entry entry;
      entry.files = files;
      next.emplace(name, std::move(entry));
    }
  }
  m_entries = std::move(next);
}

void SniCertificates::load_entry(const std::string& name, Entry& entry)
{
  entry.tried = true;
  entry.certificate_stamp = stamp(entry.files.certificate);
  entry.key_stamp = stamp(entry.files.key);
  auto loaded = load_server_context(entry.files, name);
  if (!loaded) {
    // A certificate that was good stays in use until its replacement loads.
    entry.status.error = loaded.error();
    entry.status.loaded = static_cast<bool>(entry.context);
    return;
  }
  entry.context = std::move(*loaded);
  const auto summary = net::summarize_certificate(SSL_CTX_get0_certificate(entry.context.get()));
  entry.status = Status{true, "", summary.not_after, summary.subject};
}

SniCertificates::Status SniCertificates::load(std::string_view name)
{
  const auto found = m_entries.find(std::string(name));
  if (found == m_entries.end()) {
    return Status{false, "not a configured name", 0, ""};
  }
  if (!found->second.tried) {
    load_entry(found->first, found->second);
  }
  return found->second.status;
}

std::optional<SniCertificates::Status> SniCertificates::status(std::string_view name) const
{
  const auto found = m_entries.find(std::string(name));
  if (found == m_entries.end()) {
    return std::nullopt;
  }
  if (!found->second.tried) {
    return Status{false, "not loaded yet (loaded on the first handshake)", 0, ""};
  }
  return found->second.status;
}

std::vector<std::string> SniCertificates::refresh_changed()
{
  std::vector<std::string> changes;
  for (auto& [name, entry] : m_entries) {
    if (!entry.tried) {
      continue;
    }
    const bool changed = stamp(entry.files.certificate) != entry.certificate_stamp ||
                         stamp(entry.files.key) != entry.key_stamp;
    if (!changed) {
      continue; // a failed load is retried when its files change
    }
    load_entry(name, entry);
    changes.push_back(entry.status.error.empty()
                          ? fmt::format("{}: certificate {} loaded", name, entry.files.certificate)
                          : fmt::format("{}: {}", name, entry.status.error));
  }
  return changes;
}

namespace {

// Marks a session switched to a challenge context by the ClientHello callback.
int challenge_index()
{
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// The host name of the server_name extension (RFC 6066 §3), "" when absent or malformed.
std::string client_hello_server_name(SSL* ssl)
{
  const unsigned char* data = nullptr;
  std::size_t length = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &data, &length) != 1 || length < 5 ||
      data[2] != TLSEXT_NAMETYPE_host_name) {
    return {};
  }
  const std::size_t name_length = (std::size_t{data[3]} << 8) | data[4];
  if (5 + name_length > length) {
    return {};
  }
  return lowercase(std::string_view(reinterpret_cast<const char*>(data + 5), name_length));
}

// True when the ALPN extension (RFC 7301 §3.1) lists "acme-tls/1".
bool offers_acme_tls(SSL* ssl)
{
  const unsigned char* data = nullptr;
  std::size_t length = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &data,
                                &length) != 1 ||
      length < 2) {
    return false;
  }
  constexpr std::string_view k_protocol = "acme-tls/1";
  for (std::size_t at = 2; at < length;) {
    const std::size_t size = data[at];
    if (at + 1 + size > length) {
      return false;
    }
    if (std::string_view(reinterpret_cast<const char*>(data + at + 1), size) == k_protocol) {
      return true;
    }
    at += 1 + size;
  }
  return false;
}

} // namespace

void SniCertificates::set_challenge(const std::string& name, net::SslCtxPtr context)
{
  m_challenges[lowercase(name)] = std::move(context);
}

void SniCertificates::clear_challenge(const std::string& name)
{
  m_challenges.erase(lowercase(name));
}

bool SniCertificates::answered_challenge(SSL* ssl)
{
  return SSL_get_ex_data(ssl, challenge_index()) != nullptr;
}

int SniCertificates::on_client_hello(SSL* ssl, int* /*alert*/, void* self_pointer)
{
  auto& self = *static_cast<SniCertificates*>(self_pointer);
  if (self.m_challenges.empty() || !offers_acme_tls(ssl)) {
    return SSL_CLIENT_HELLO_SUCCESS;
  }
  const auto found = self.m_challenges.find(client_hello_server_name(ssl));
  if (found != self.m_challenges.end()) {
    SSL_set_SSL_CTX(ssl, found->second.get());
    SSL_set_ex_data(ssl, challenge_index(), found->second.get());
    // The challenge context's ALPN callback selects "acme-tls/1" (OpenSSL consults the
    // session's current context).
  }
  return SSL_CLIENT_HELLO_SUCCESS;
}

int SniCertificates::on_servername(SSL* ssl, int* alert, void* self_pointer)
{
  auto& self = *static_cast<SniCertificates*>(self_pointer);
  if (answered_challenge(ssl)) {
    return SSL_TLSEXT_ERR_OK;
  }
  const char* requested = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (requested == nullptr) {
    ++self.m_refused_no_sni;
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  const auto name = lowercase(requested);
  const auto found = self.m_entries.find(name);
  if (found == self.m_entries.end()) {
    ++self.m_refused_unknown;
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  if (!found->second.tried) {
    self.load_entry(found->first, found->second);
  }
  if (!found->second.context) {
    ++self.m_refused_unloadable;
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  SSL_set_SSL_CTX(ssl, found->second.context.get());
  return SSL_TLSEXT_ERR_OK;
}

} // namespace mtasts::server
