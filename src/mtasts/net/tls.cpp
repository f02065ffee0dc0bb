#include <mtasts/core/cert_identity.hpp>
#include <mtasts/net/openssl_handles.hpp>
#include <mtasts/net/tls.hpp>
#include <mtasts/util/host_port.hpp>

#include <fmt/format.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/tls1.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <chrono>
#include <ctime>

namespace mtasts::net {

namespace {

// Drains this thread's OpenSSL error queue into one line.
std::string openssl_errors()
{
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    if (!text.empty()) {
      text += "; ";
    }
    text += buffer.data();
  }
  return text.empty() ? std::string("unknown OpenSSL error") : text;
}

std::string to_hex(const unsigned char* data, std::size_t size)
{
  static constexpr std::string_view k_digits = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    hex += k_digits[data[i] >> 4U];
    hex += k_digits[data[i] & 0x0fU];
  }
  return hex;
}

std::string sha256_hex(const unsigned char* data, std::size_t size)
{
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(data, size, digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    ERR_clear_error();
    return {};
  }
  return to_hex(digest.data(), length);
}

// RFC 4514 form, with UTF-8 kept as UTF-8 instead of \XX escapes.
std::string name_to_string(const X509_NAME* name)
{
  if (name == nullptr) {
    return {};
  }
  const BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) {
    ERR_clear_error();
    return {};
  }
  const auto flags = static_cast<unsigned long>(XN_FLAG_RFC2253) &
                     ~static_cast<unsigned long>(ASN1_STRFLGS_ESC_MSB);
  if (X509_NAME_print_ex(bio.get(), name, 0, flags) < 0) {
    ERR_clear_error();
    return {};
  }
  BUF_MEM* memory = nullptr;
  BIO_ctrl(bio.get(), BIO_C_GET_BUF_MEM_PTR, 0, &memory); // BIO_get_mem_ptr() without its C cast
  if (memory == nullptr || memory->data == nullptr) {
    return {};
  }
  return std::string(memory->data, memory->length);
}

std::int64_t to_epoch_seconds(const ASN1_TIME* time)
{
  std::tm parts{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) {
    ERR_clear_error();
    return 0;
  }
  using namespace std::chrono;
  const year_month_day date{year{parts.tm_year + 1900},
                            month{static_cast<unsigned>(parts.tm_mon + 1)},
                            day{static_cast<unsigned>(parts.tm_mday)}};
  const auto midnight = sys_days(date).time_since_epoch();
  return duration_cast<seconds>(midnight).count() + std::int64_t{parts.tm_hour} * 3600 +
         std::int64_t{parts.tm_min} * 60 + std::int64_t{parts.tm_sec};
}

std::string asn1_string_bytes(const ASN1_STRING* text)
{
  if (text == nullptr) {
    return {};
  }
  const unsigned char* data = ASN1_STRING_get0_data(text);
  const int length = ASN1_STRING_length(text);
  if (data == nullptr || length <= 0) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(length));
}

std::string ip_address_text(const ASN1_OCTET_STRING* address)
{
  if (address == nullptr) {
    return {};
  }
  const unsigned char* data = ASN1_STRING_get0_data(address);
  const int length = ASN1_STRING_length(address);
  std::array<char, INET6_ADDRSTRLEN> text{};
  const int family = length == 4 ? AF_INET : length == 16 ? AF_INET6 : AF_UNSPEC;
  if (data == nullptr || family == AF_UNSPEC ||
      inet_ntop(family, data, text.data(), static_cast<socklen_t>(text.size())) == nullptr) {
    // Not an address (name constraints use 8/32-octet address+mask forms): show the octets.
    return data == nullptr || length <= 0 ? std::string()
                                          : to_hex(data, static_cast<std::size_t>(length));
  }
  return text.data();
}

std::string spki_sha256_hex(X509* certificate)
{
  const X509_PUBKEY* key = X509_get_X509_PUBKEY(certificate);
  const int length = key == nullptr ? -1 : i2d_X509_PUBKEY(key, nullptr);
  if (length <= 0) {
    ERR_clear_error();
    return {};
  }
  std::vector<unsigned char> der(static_cast<std::size_t>(length));
  unsigned char* out = der.data();
  if (i2d_X509_PUBKEY(key, &out) != length) {
    ERR_clear_error();
    return {};
  }
  return sha256_hex(der.data(), der.size());
}

bool is_below_tls12(std::string_view protocol)
{
  return protocol == "SSLv2" || protocol == "SSLv3" || protocol == "TLSv1" || protocol == "TLSv1.1";
}

} // namespace

CertificateSummary summarize_certificate(X509* certificate)
{
  CertificateSummary summary;
  summary.subject = name_to_string(X509_get_subject_name(certificate));
  summary.issuer = name_to_string(X509_get_issuer_name(certificate));

  const GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr)));
  if (names) {
    const int count = sk_GENERAL_NAME_num(names.get());
    for (int i = 0; i < count; ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
      if (name == nullptr) {
        continue;
      }
      if (name->type == GEN_DNS) {
        summary.san_dns_names.push_back(asn1_string_bytes(name->d.dNSName));
      } else if (name->type == GEN_IPADD) {
        summary.san_ip_addresses.push_back(ip_address_text(name->d.iPAddress));
      }
    }
  }
  ERR_clear_error(); // a missing or undecodable extension leaves the lists empty

  summary.not_before = to_epoch_seconds(X509_get0_notBefore(certificate));
  summary.not_after = to_epoch_seconds(X509_get0_notAfter(certificate));

  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (X509_digest(certificate, EVP_sha256(), digest.data(), &length) == 1) {
    summary.sha256_fingerprint = to_hex(digest.data(), length);
  } else {
    ERR_clear_error();
  }
  summary.spki_sha256 = spki_sha256_hex(certificate);
  return summary;
}

std::string_view chain_verdict_name(ChainVerdict verdict)
{
  switch (verdict) {
  case ChainVerdict::trusted:
    return "trusted";
  case ChainVerdict::expired:
    return "expired";
  case ChainVerdict::not_yet_valid:
    return "not-yet-valid";
  case ChainVerdict::untrusted:
    return "untrusted";
  case ChainVerdict::other:
    return "other";
  }
  return "other";
}

ChainVerdict classify_verify_result(long x509_verify_result)
{
  switch (x509_verify_result) {
  case X509_V_OK:
    return ChainVerdict::trusted;
  case X509_V_ERR_CERT_HAS_EXPIRED:
    return ChainVerdict::expired;
  case X509_V_ERR_CERT_NOT_YET_VALID:
    return ChainVerdict::not_yet_valid;
  case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
  case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
  case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
  case X509_V_ERR_CERT_UNTRUSTED:
  case X509_V_ERR_CERT_SIGNATURE_FAILURE:
  case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
  case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
  case X509_V_ERR_CERT_CHAIN_TOO_LONG:
  case X509_V_ERR_INVALID_CA:
  case X509_V_ERR_PATH_LENGTH_EXCEEDED:
  case X509_V_ERR_CERT_REJECTED:
  case X509_V_ERR_SUBJECT_ISSUER_MISMATCH:
  case X509_V_ERR_AKID_SKID_MISMATCH:
  case X509_V_ERR_AKID_ISSUER_SERIAL_MISMATCH:
  case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
  case X509_V_ERR_INVALID_NON_CA:
  case X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED:
  case X509_V_ERR_PERMITTED_VIOLATION:
  case X509_V_ERR_EXCLUDED_VIOLATION:
  case X509_V_ERR_NO_ISSUER_PUBLIC_KEY:
  case X509_V_ERR_SIGNATURE_ALGORITHM_MISMATCH:
  case X509_V_ERR_ISSUER_NAME_EMPTY:
    return ChainVerdict::untrusted;
  default:
    return ChainVerdict::other;
  }
}

TlsEvidence collect_tls_evidence(SSL* ssl, std::string_view reference_host)
{
  TlsEvidence evidence;
  evidence.protocol = SSL_get_version(ssl);
  if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl)) {
    evidence.cipher = SSL_CIPHER_get_name(cipher);
  }
  evidence.verify_result = SSL_get_verify_result(ssl);
  evidence.verify_error = X509_verify_cert_error_string(evidence.verify_result);

  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr) {
    evidence.chain = ChainVerdict::other;
    evidence.verify_error = "the peer presented no certificate";
    return evidence;
  }
  evidence.chain = classify_verify_result(evidence.verify_result);

  // On a client the peer chain starts with the leaf; it is absent after session resumption.
  const STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
  const int count = chain == nullptr ? 0 : sk_X509_num(chain);
  if (count == 0 || X509_cmp(sk_X509_value(chain, 0), leaf) != 0) {
    evidence.chain_summary.push_back(summarize_certificate(leaf));
  }
  for (int i = 0; i < count; ++i) {
    evidence.chain_summary.push_back(summarize_certificate(sk_X509_value(chain, i)));
  }

  const auto& leaf_summary = evidence.chain_summary.front();
  const auto identity =
      util::is_ip_literal(reference_host)
          ? core::match_ip_identity(leaf_summary.san_ip_addresses, reference_host)
          : core::match_certificate_identity(leaf_summary.san_dns_names, reference_host);
  evidence.identity_matched = identity.matched;
  evidence.matched_name = identity.matched_name;
  return evidence;
}

std::optional<core::ResultType> result_type_for(const TlsEvidence& evidence)
{
  using core::ResultType;
  if (is_below_tls12(evidence.protocol)) {
    return ResultType::validation_failure;
  }
  switch (evidence.chain) {
  case ChainVerdict::untrusted:
    return ResultType::certificate_not_trusted;
  case ChainVerdict::expired:
  case ChainVerdict::not_yet_valid:
    return ResultType::certificate_expired;
  case ChainVerdict::other:
    return ResultType::validation_failure;
  case ChainVerdict::trusted:
    break;
  }
  if (!evidence.identity_matched) {
    return ResultType::certificate_host_mismatch;
  }
  return std::nullopt;
}

util::Expected<SslCtxPtr, std::string> make_client_context(const TlsClientOptions& options)
{
  ERR_clear_error();
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) {
    return util::Unexpected(fmt::format("cannot create a TLS context: {}", openssl_errors()));
  }
  if (options.require_tls12 && SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1) {
    return util::Unexpected(fmt::format("cannot require TLS 1.2 or later: {}", openssl_errors()));
  }
  // Verification runs and is recorded (SSL_get_verify_result) but never aborts the handshake.
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  if (options.ca_file.empty()) {
    if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
      return util::Unexpected(
          fmt::format("cannot load the system trust store: {}", openssl_errors()));
    }
  } else if (SSL_CTX_load_verify_file(ctx.get(), options.ca_file.c_str()) != 1) {
    return util::Unexpected(
        fmt::format("cannot load CA file '{}': {}", options.ca_file, openssl_errors()));
  }
  return ctx;
}

bool set_server_name(SSL* ssl, const std::string& host_name)
{
  // SSL_set_tlsext_host_name() is a macro that C-casts away const; this is its expansion.
  const long ok = SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                           const_cast<char*>(host_name.c_str()));
  if (ok != 1) {
    ERR_clear_error();
    return false;
  }
  return true;
}

} // namespace mtasts::net
