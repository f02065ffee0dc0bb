#include <mtasts/net/acme.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>

namespace mtasts::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

std::string openssl_error(std::string_view what)
{
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  char text[256] = "unknown error";
  if (code != 0) {
    ERR_error_string_n(code, text, sizeof text);
  }
  return fmt::format("{}: {}", what, text);
}

std::string sha256(std::string_view bytes)
{
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest.data());
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

std::string bignum_bytes(const BIGNUM* number, std::size_t width)
{
  std::string out(width, '\0');
  BN_bn2binpad(number, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(width));
  return out;
}

// ES256 (RFC 7518 §3.4): the signature is R || S, 32 octets each, not DER.
util::Expected<std::string, std::string> sign_es256(EVP_PKEY* key, std::string_view input)
{
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  &EVP_MD_CTX_free);
  std::size_t length = 0;
  if (!context || EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return util::Unexpected(openssl_error("sign"));
  }
  std::string der(length, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(der.data()), &length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return util::Unexpected(openssl_error("sign"));
  }
  const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> signature(
      d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(length)), &ECDSA_SIG_free);
  if (!signature) {
    return util::Unexpected(openssl_error("decode signature"));
  }
  return bignum_bytes(ECDSA_SIG_get0_r(signature.get()), 32) +
         bignum_bytes(ECDSA_SIG_get0_s(signature.get()), 32);
}

} // namespace

std::string base64url(std::string_view bytes)
{
  static constexpr std::string_view k_alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const auto n = (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
                   (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
                   static_cast<unsigned char>(bytes[i + 2]);
    out += k_alphabet[(n >> 18) & 63];
    out += k_alphabet[(n >> 12) & 63];
    out += k_alphabet[(n >> 6) & 63];
    out += k_alphabet[n & 63];
  }
  if (bytes.size() - i == 1) {
    const auto n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    out += k_alphabet[(n >> 18) & 63];
    out += k_alphabet[(n >> 12) & 63];
  } else if (bytes.size() - i == 2) {
    const auto n = (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
                   (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8);
    out += k_alphabet[(n >> 18) & 63];
    out += k_alphabet[(n >> 12) & 63];
    out += k_alphabet[(n >> 6) & 63];
  }
  return out;
}

util::Expected<std::string, std::string> ec_jwk(EVP_PKEY* key)
{
  BIGNUM* x = nullptr;
  BIGNUM* y = nullptr;
  if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x) != 1 ||
      EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) != 1) {
    BN_free(x);
    BN_free(y);
    return util::Unexpected(openssl_error("account key: not a P-256 key"));
  }
  auto jwk = fmt::format(R"({{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}})",
                         base64url(bignum_bytes(x, 32)), base64url(bignum_bytes(y, 32)));
  BN_free(x);
  BN_free(y);
  return jwk;
}

std::string jwk_thumbprint(std::string_view jwk)
{
  return base64url(sha256(jwk));
}

std::string key_authorization(std::string_view token, std::string_view thumbprint)
{
  return fmt::format("{}.{}", token, thumbprint);
}

EvpPkeyPtr generate_p256_key()
{
  return EvpPkeyPtr(EVP_EC_gen("P-256"));
}

std::string private_key_pem(EVP_PKEY* key)
{
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

util::Expected<EvpPkeyPtr, std::string> read_private_key_pem(std::string_view pem)
{
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    return util::Unexpected(openssl_error("private key"));
  }
  return key;
}

util::Expected<std::string, std::string> make_csr(EVP_PKEY* key, const std::string& name)
{
  std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> request(X509_REQ_new(), &X509_REQ_free);
  X509_NAME* subject = X509_REQ_get_subject_name(request.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509_REQ_set_pubkey(request.get(), key);
  STACK_OF(X509_EXTENSION)* extensions = sk_X509_EXTENSION_new_null();
  const std::string san = "DNS:" + name;
  X509_EXTENSION* extension =
      X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str());
  sk_X509_EXTENSION_push(extensions, extension);
  X509_REQ_add_extensions(request.get(), extensions);
  sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  if (X509_REQ_sign(request.get(), key, EVP_sha256()) <= 0) {
    return util::Unexpected(openssl_error("CSR"));
  }
  const int length = i2d_X509_REQ(request.get(), nullptr);
  std::string der(static_cast<std::size_t>(std::max(length, 0)), '\0');
  auto* cursor = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509_REQ(request.get(), &cursor);
  return der;
}

namespace {

int select_acme_tls(SSL* /*ssl*/, const unsigned char** out, unsigned char* out_length,
                    const unsigned char* in, unsigned int in_length, void* /*arg*/)
{
  static constexpr unsigned char k_protocol[] = {10,  'a', 'c', 'm', 'e', '-',
                                                 't', 'l', 's', '/', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_length, k_protocol, sizeof k_protocol, in, in_length) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

} // namespace

util::Expected<SslCtxPtr, std::string>
tls_alpn_challenge_context(const std::string& name, std::string_view key_authorization)
{
  EvpPkeyPtr key = generate_p256_key();
  X509Ptr certificate(X509_new());
  if (!key || !certificate) {
    return util::Unexpected(openssl_error("challenge certificate"));
  }
  X509_set_version(certificate.get(), 2);
  std::array<unsigned char, 16> serial{};
  RAND_bytes(serial.data(), static_cast<int>(serial.size()));
  serial[0] &= 0x7f;
  BIGNUM* number = BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr);
  BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate.get()));
  BN_free(number);
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 7 * 86400);
  X509_NAME* subject = X509_get_subject_name(certificate.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509_set_issuer_name(certificate.get(), subject);
  X509_set_pubkey(certificate.get(), key.get());
  const std::string san = "DNS:" + name;
  X509ExtensionPtr san_extension(
      X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str()));
  X509_add_ext(certificate.get(), san_extension.get(), -1);
  // id-pe-acmeIdentifier (1.3.6.1.5.5.7.1.31), critical: an OCTET STRING of the digest.
  const auto digest = sha256(key_authorization);
  std::string value = std::string("\x04\x20", 2) + digest;
  std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> oid(
      OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1), &ASN1_OBJECT_free);
  std::unique_ptr<ASN1_OCTET_STRING, decltype(&ASN1_OCTET_STRING_free)> data(
      ASN1_OCTET_STRING_new(), &ASN1_OCTET_STRING_free);
  ASN1_OCTET_STRING_set(data.get(), reinterpret_cast<const unsigned char*>(value.data()),
                        static_cast<int>(value.size()));
  X509ExtensionPtr acme_extension(X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 1, data.get()));
  X509_add_ext(certificate.get(), acme_extension.get(), -1);
  if (X509_sign(certificate.get(), key.get(), EVP_sha256()) <= 0) {
    return util::Unexpected(openssl_error("challenge certificate"));
  }
  SslCtxPtr context(SSL_CTX_new(TLS_server_method()));
  if (!context || SSL_CTX_use_certificate(context.get(), certificate.get()) != 1 ||
      SSL_CTX_use_PrivateKey(context.get(), key.get()) != 1) {
    return util::Unexpected(openssl_error("challenge context"));
  }
  SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION);
  SSL_CTX_set_alpn_select_cb(context.get(), &select_acme_tls, nullptr);
  return context;
}

// --- the client ---

struct HttpAnswer
{
  unsigned status = 0;
  std::string body;
  std::string location;
  std::string nonce;
  std::string retry_after;
  std::string content_type;
};

struct AcmeClient::State
{
  asio::io_context& io;
  AcmeOptions options;
  EvpPkeyPtr key;
  std::string jwk;
  std::string thumbprint;
  std::optional<asio::ssl::context> tls;
  json::object directory;
  std::string account_url;
  std::string nonce;
  std::uint64_t bad_nonces = 0;

  State(asio::io_context& context, AcmeOptions acme_options, EvpPkeyPtr account_key)
      : io(context), options(std::move(acme_options)), key(std::move(account_key))
  {}

  util::Expected<bool, std::string> prepare_tls()
  {
    if (tls) {
      return true;
    }
    tls.emplace(asio::ssl::context::tls_client);
    boost::system::error_code ec;
    if (options.ca_file.empty()) {
      tls->set_default_verify_paths(ec);
    } else {
      tls->load_verify_file(options.ca_file, ec);
    }
    if (ec) {
      tls.reset();
      return util::Unexpected(fmt::format("ACME ca_file {}: {}", options.ca_file, ec.message()));
    }
    tls->set_verify_mode(asio::ssl::verify_peer);
    return true;
  }

  // One HTTPS exchange with the ACME server.
  Awaitable<util::Expected<HttpAnswer, std::string>> request(http::verb method, std::string url,
                                                             std::string body)
  {
    const auto parsed = boost::urls::parse_uri(url);
    if (!parsed || parsed->scheme() != "https") {
      co_return util::Unexpected(fmt::format("ACME URL {} is not an https: URL", url));
    }
    const std::string host(parsed->host_address());
    const std::string port = parsed->has_port() ? std::string(parsed->port()) : "443";
    std::string target(parsed->encoded_resource());
    if (target.empty()) {
      target = "/";
    }
    boost::system::error_code ec;
    tcp::resolver resolver(io);
    const auto endpoints =
        co_await resolver.async_resolve(host, port, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      co_return util::Unexpected(fmt::format("ACME server {}: {}", host, ec.message()));
    }
    beast::ssl_stream<beast::tcp_stream> stream(io, *tls);
    auto& lowest = beast::get_lowest_layer(stream);
    lowest.expires_after(options.request_timeout);
    co_await lowest.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      // SNI names a host, never an address (RFC 6066 §3). SSL_set_tlsext_host_name() without
      // its C cast.
      boost::system::error_code not_an_address;
      asio::ip::make_address(host, not_an_address);
      if (not_an_address) {
        SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(host.c_str()));
      }
      stream.set_verify_callback(asio::ssl::host_name_verification(host));
      co_await stream.async_handshake(asio::ssl::stream_base::client,
                                      asio::redirect_error(asio::use_awaitable, ec));
    }
    http::response<http::string_body> response;
    if (!ec) {
      http::request<http::string_body> message{method, target, 11};
      message.set(http::field::host, parsed->has_port() ? host + ":" + port : host);
      message.set(http::field::user_agent, "mtasts-acme");
      if (method == http::verb::post) {
        message.set(http::field::content_type, "application/jose+json");
      }
      message.body() = std::move(body);
      message.prepare_payload();
      co_await http::async_write(stream, message, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!ec) {
      beast::flat_buffer buffer;
      http::response_parser<http::string_body> parser;
      parser.body_limit(1 << 20);
      parser.skip(method == http::verb::head); // a HEAD answer has headers only
      co_await http::async_read(stream, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
      response = parser.release();
    }
    if (ec) {
      co_return util::Unexpected(fmt::format("ACME server {}: {}", url, ec.message()));
    }
    HttpAnswer answer;
    answer.status = response.result_int();
    answer.body = std::move(response.body());
    answer.location = std::string(response[http::field::location]);
    answer.nonce = std::string(response["Replay-Nonce"]);
    answer.retry_after = std::string(response[http::field::retry_after]);
    answer.content_type = std::string(response[http::field::content_type]);
    if (!answer.nonce.empty()) {
      nonce = answer.nonce;
    }
    co_return answer;
  }

  static std::string problem(std::string_view step, const HttpAnswer& answer)
  {
    boost::system::error_code ec;
    const auto value = json::parse(answer.body, ec);
    if (!ec && value.is_object()) {
      const auto& object = value.as_object();
      const auto* type = object.if_contains("type");
      const auto* detail = object.if_contains("detail");
      return fmt::format("{}: HTTP {}: {}: {}", step, answer.status,
                         type && type->is_string() ? std::string(type->as_string()) : "",
                         detail && detail->is_string() ? std::string(detail->as_string()) : "");
    }
    return fmt::format("{}: HTTP {}", step, answer.status);
  }

  Awaitable<util::Expected<bool, std::string>> load_directory()
  {
    if (!directory.empty()) {
      co_return true;
    }
    auto answer = co_await request(http::verb::get, options.directory_url, "");
    if (!answer) {
      co_return util::Unexpected(answer.error());
    }
    boost::system::error_code ec;
    const auto value = json::parse(answer->body, ec);
    if (answer->status != 200 || ec || !value.is_object()) {
      co_return util::Unexpected(problem("ACME directory", *answer));
    }
    directory = value.as_object();
    co_return true;
  }

  std::string directory_url(std::string_view name) const
  {
    const auto* value = directory.if_contains(name);
    return value != nullptr && value->is_string() ? std::string(value->as_string()) : "";
  }

  Awaitable<util::Expected<bool, std::string>> fresh_nonce()
  {
    auto answer = co_await request(http::verb::head, directory_url("newNonce"), "");
    if (!answer) {
      co_return util::Unexpected(answer.error());
    }
    if (nonce.empty()) {
      co_return util::Unexpected("ACME newNonce: no Replay-Nonce");
    }
    co_return true;
  }

  // A signed POST (RFC 8555 §6.2): `payload` empty string = POST-as-GET. With `use_jwk` the
  // header carries the key (newAccount), otherwise the account URL.
  Awaitable<util::Expected<HttpAnswer, std::string>>
  post(std::string_view step, const std::string& url, const std::string& payload, bool use_jwk)
  {
    for (int attempt = 0; attempt < 10; ++attempt) {
      if (nonce.empty()) {
        if (auto got = co_await fresh_nonce(); !got) {
          co_return util::Unexpected(got.error());
        }
      }
      const std::string header =
          use_jwk ? fmt::format(R"({{"alg":"ES256","jwk":{},"nonce":"{}","url":"{}"}})", jwk, nonce,
                                url)
                  : fmt::format(R"({{"alg":"ES256","kid":"{}","nonce":"{}","url":"{}"}})",
                                account_url, nonce, url);
      nonce.clear();
      const std::string protected64 = base64url(header);
      const std::string payload64 = base64url(payload);
      auto signature = sign_es256(key.get(), protected64 + "." + payload64);
      if (!signature) {
        co_return util::Unexpected(signature.error());
      }
      const std::string body =
          fmt::format(R"({{"protected":"{}","payload":"{}","signature":"{}"}})", protected64,
                      payload64, base64url(*signature));
      auto answer = co_await request(http::verb::post, url, body);
      if (!answer) {
        co_return answer;
      }
      if (answer->status == 400 &&
          answer->body.find("urn:ietf:params:acme:error:badNonce") != std::string::npos) {
        ++bad_nonces; // RFC 8555 §6.5: retry with the nonce of this answer
        continue;
      }
      if (answer->status >= 400) {
        co_return util::Unexpected(problem(step, *answer));
      }
      co_return answer;
    }
    co_return util::Unexpected(fmt::format("{}: badNonce ten times in a row", step));
  }

  Awaitable<util::Expected<bool, std::string>> ensure_account()
  {
    if (!account_url.empty()) {
      co_return true;
    }
    json::object payload{{"termsOfServiceAgreed", true}};
    if (!options.email.empty()) {
      payload["contact"] = json::array{json::string("mailto:" + options.email)};
    }
    auto answer = co_await post("ACME newAccount", directory_url("newAccount"),
                                json::serialize(payload), true);
    if (!answer) {
      co_return util::Unexpected(answer.error());
    }
    if (answer->location.empty()) {
      co_return util::Unexpected("ACME newAccount: no account URL (Location)");
    }
    account_url = answer->location;
    co_return true;
  }

  // The wait before the next poll: Retry-After seconds (RFC 8555 §8.2), between 1 and 10 s.
  static std::chrono::seconds poll_delay(const HttpAnswer& answer)
  {
    long seconds = 1;
    if (!answer.retry_after.empty()) {
      seconds = std::strtol(answer.retry_after.c_str(), nullptr, 10);
    }
    return std::chrono::seconds(std::clamp(seconds, 1L, 10L));
  }

  // POST-as-GET `url` until its status leaves "pending"/"processing" (or `poll_limit`).
  Awaitable<util::Expected<json::object, std::string>> poll(std::string_view step,
                                                            const std::string& url)
  {
    const auto deadline = std::chrono::steady_clock::now() + options.poll_limit;
    asio::steady_timer timer(io);
    while (true) {
      auto answer = co_await post(step, url, "", false);
      if (!answer) {
        co_return util::Unexpected(answer.error());
      }
      boost::system::error_code ec;
      auto value = json::parse(answer->body, ec);
      if (ec || !value.is_object()) {
        co_return util::Unexpected(fmt::format("{}: the answer is not a JSON object", step));
      }
      const auto* status = value.as_object().if_contains("status");
      const std::string state =
          status != nullptr && status->is_string() ? std::string(status->as_string()) : "";
      if (state != "pending" && state != "processing") {
        co_return std::move(value.as_object());
      }
      if (std::chrono::steady_clock::now() > deadline) {
        co_return util::Unexpected(
            fmt::format("{}: still {} after {} s", step, state, options.poll_limit.count()));
      }
      timer.expires_after(poll_delay(*answer));
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
};

AcmeClient::AcmeClient(asio::io_context& io, AcmeOptions options, EvpPkeyPtr account_key)
    : m_state(std::make_unique<State>(io, std::move(options), std::move(account_key)))
{}

AcmeClient::~AcmeClient() = default;

std::uint64_t AcmeClient::bad_nonce_retries() const
{
  return m_state->bad_nonces;
}

namespace {

std::string string_member(const json::object& object, std::string_view key)
{
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : "";
}

std::string error_detail(const json::object& object)
{
  if (const auto* error = object.if_contains("error"); error != nullptr && error->is_object()) {
    return fmt::format("{}: {}", string_member(error->as_object(), "type"),
                       string_member(error->as_object(), "detail"));
  }
  if (const auto* challenges = object.if_contains("challenges");
      challenges != nullptr && challenges->is_array()) {
    for (const auto& challenge : challenges->as_array()) {
      if (challenge.is_object()) {
        if (auto detail = error_detail(challenge.as_object()); !detail.empty()) {
          return detail;
        }
      }
    }
  }
  return {};
}

} // namespace

Awaitable<util::Expected<IssuedCertificate, std::string>> AcmeClient::issue(std::string name,
                                                                            ChallengeHooks hooks)
{
  auto& s = *m_state;
  using Result = util::Expected<IssuedCertificate, std::string>;
  if (auto ready = s.prepare_tls(); !ready) {
    co_return Result(util::Unexpected(ready.error()));
  }
  if (s.jwk.empty()) {
    auto jwk = ec_jwk(s.key.get());
    if (!jwk) {
      co_return Result(util::Unexpected(jwk.error()));
    }
    s.jwk = *jwk;
    s.thumbprint = jwk_thumbprint(s.jwk);
  }
  if (auto loaded = co_await s.load_directory(); !loaded) {
    co_return Result(util::Unexpected(loaded.error()));
  }
  if (auto account = co_await s.ensure_account(); !account) {
    co_return Result(util::Unexpected(account.error()));
  }
  const json::object order_request{
      {"identifiers", json::array{json::object{{"type", "dns"}, {"value", name}}}}};
  auto order = co_await s.post("ACME newOrder", s.directory_url("newOrder"),
                               json::serialize(order_request), false);
  if (!order) {
    co_return Result(util::Unexpected(order.error()));
  }
  const std::string order_url = order->location;
  boost::system::error_code ec;
  auto order_value = json::parse(order->body, ec);
  if (ec || !order_value.is_object() || order_url.empty()) {
    co_return Result(util::Unexpected("ACME newOrder: no order object or Location"));
  }
  const auto order_object = order_value.as_object();
  const auto* authorizations = order_object.if_contains("authorizations");
  if (authorizations != nullptr && authorizations->is_array()) {
    for (const auto& item : authorizations->as_array()) {
      if (!item.is_string()) {
        continue;
      }
      const std::string authorization_url(item.as_string());
      auto authorization = co_await s.post("ACME authorization", authorization_url, "", false);
      if (!authorization) {
        co_return Result(util::Unexpected(authorization.error()));
      }
      auto value = json::parse(authorization->body, ec);
      if (ec || !value.is_object()) {
        co_return Result(util::Unexpected("ACME authorization: not a JSON object"));
      }
      if (string_member(value.as_object(), "status") == "valid") {
        continue; // already authorized (a recent order for the same name)
      }
      std::string challenge_url;
      std::string token;
      if (const auto* challenges = value.as_object().if_contains("challenges");
          challenges != nullptr && challenges->is_array()) {
        for (const auto& challenge : challenges->as_array()) {
          if (challenge.is_object() &&
              string_member(challenge.as_object(), "type") == s.options.challenge) {
            challenge_url = string_member(challenge.as_object(), "url");
            token = string_member(challenge.as_object(), "token");
          }
        }
      }
      if (challenge_url.empty() || token.empty()) {
        co_return Result(util::Unexpected(
            fmt::format("ACME authorization for {}: the server offers no {} challenge", name,
                        s.options.challenge)));
      }
      const auto authorization_key = key_authorization(token, s.thumbprint);
      if (s.options.challenge == "http-01") {
        hooks.http01(token, authorization_key);
      } else {
        hooks.tls_alpn01(name, authorization_key);
      }
      auto started = co_await s.post("ACME challenge", challenge_url, "{}", false);
      // (no co_await inside a conditional expression: g++ 12 miscompiles it)
      util::Expected<json::object, std::string> final_state{util::Unexpected(std::string())};
      if (started) {
        final_state = co_await s.poll("ACME authorization", authorization_url);
      } else {
        final_state = util::Unexpected(started.error());
      }
      hooks.done(name, token);
      if (!final_state) {
        co_return Result(util::Unexpected(final_state.error()));
      }
      if (string_member(*final_state, "status") != "valid") {
        co_return Result(util::Unexpected(fmt::format("ACME authorization for {} is {}: {}", name,
                                                      string_member(*final_state, "status"),
                                                      error_detail(*final_state))));
      }
    }
  }
  // Finalize with a fresh key (RFC 8555 §7.4), then wait for the certificate.
  EvpPkeyPtr certificate_key = generate_p256_key();
  auto csr = make_csr(certificate_key.get(), name);
  if (!csr) {
    co_return Result(util::Unexpected(csr.error()));
  }
  const json::object finalize_request{{"csr", base64url(*csr)}};
  auto finalized = co_await s.post("ACME finalize", string_member(order_object, "finalize"),
                                   json::serialize(finalize_request), false);
  if (!finalized) {
    co_return Result(util::Unexpected(finalized.error()));
  }
  auto done = co_await s.poll("ACME order", order_url);
  if (!done) {
    co_return Result(util::Unexpected(done.error()));
  }
  if (string_member(*done, "status") != "valid") {
    co_return Result(util::Unexpected(fmt::format(
        "ACME order for {} is {}: {}", name, string_member(*done, "status"), error_detail(*done))));
  }
  auto certificate =
      co_await s.post("ACME certificate", string_member(*done, "certificate"), "", false);
  if (!certificate) {
    co_return Result(util::Unexpected(certificate.error()));
  }
  if (certificate->body.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    co_return Result(util::Unexpected("ACME certificate: the answer holds no PEM certificate"));
  }
  co_return IssuedCertificate{std::move(certificate->body), private_key_pem(certificate_key.get())};
}

} // namespace mtasts::net
