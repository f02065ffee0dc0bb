// An ACME client (RFC 8555) for certificates of single DNS names, with the http-01 (RFC 8555
// §8.3) and tls-alpn-01 (RFC 8737) challenges. Runs on the caller's io_context (coroutines);
// the HTTPS requests go to the ACME server only, trusting `ca_file` (or the system store).
//   - JWS ES256 with a P-256 account key; the account is found again from the key (newAccount
//     returns the existing one), so a restart with the same key reuses it.
//   - badNonce (RFC 8555 §6.5): retried with the fresh nonce, up to 9 times per request.
//   - Polling of authorizations and orders honours Retry-After (at most 10 s between polls here)
//     and gives up after `poll_limit`.
// Errors are values: "<step>: <ACME problem type>: <detail>" or the transport error.
#pragma once

#include <mtasts/net/asio.hpp>
#include <mtasts/net/openssl_handles.hpp>
#include <mtasts/util/expected.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtasts::net {

// --- pure helpers (unit-tested) ---

std::string base64url(std::string_view bytes);
// The JWK of a P-256 public key, members in lexicographic order (RFC 7638 §3.2):
// {"crv":"P-256","kty":"EC","x":"...","y":"..."}.
util::Expected<std::string, std::string> ec_jwk(EVP_PKEY* key);
// RFC 7638 thumbprint: base64url(SHA-256(jwk)).
std::string jwk_thumbprint(std::string_view jwk);
// RFC 8555 §8.1: token "." thumbprint.
std::string key_authorization(std::string_view token, std::string_view thumbprint);

// A fresh P-256 key, and PEM in and out.
EvpPkeyPtr generate_p256_key();
std::string private_key_pem(EVP_PKEY* key);
util::Expected<EvpPkeyPtr, std::string> read_private_key_pem(std::string_view pem);

// A DER CSR for `name` (CN and one SAN dNSName), signed by `key`.
util::Expected<std::string, std::string> make_csr(EVP_PKEY* key, const std::string& name);

// RFC 8737 §3: the self-signed certificate answering a tls-alpn-01 challenge for `name`: SAN
// dNSName `name` and the critical id-pe-acmeIdentifier extension holding SHA-256(key
// authorization). Returns a server context presenting it, which selects ALPN "acme-tls/1".
util::Expected<SslCtxPtr, std::string>
tls_alpn_challenge_context(const std::string& name, std::string_view key_authorization);

// --- the client ---

// Where challenge answers are published while an authorization is validated.
struct ChallengeHooks
{
  // http-01: answer GET /.well-known/acme-challenge/<token> with the key authorization.
  std::function<void(const std::string& token, const std::string& key_authorization)> http01;
  // tls-alpn-01: present tls_alpn_challenge_context(name, key_authorization) for `name`.
  std::function<void(const std::string& name, const std::string& key_authorization)> tls_alpn01;
  // The challenge is over (valid or not): withdraw what was published.
  std::function<void(const std::string& name, const std::string& token)> done;
};

struct AcmeOptions
{
  std::string directory_url;
  std::string ca_file; // trust for the ACME server itself; empty = the system store
  std::string email;   // account contact; empty = none
  std::string challenge = "tls-alpn-01"; // or "http-01"
  std::chrono::seconds poll_limit{120};
  std::chrono::seconds request_timeout{30};
};

struct IssuedCertificate
{
  std::string certificate_pem; // the chain, leaf first, as the server sent it
  std::string key_pem;
};

class AcmeClient
{
public:
  // `account_key`: the account's P-256 key (kept by the caller).
  AcmeClient(asio::io_context& io, AcmeOptions options, EvpPkeyPtr account_key);
  ~AcmeClient();
  AcmeClient(const AcmeClient&) = delete;
  AcmeClient& operator=(const AcmeClient&) = delete;

  // Registers (or finds) the account, orders a certificate for `name`, answers its
  // authorization with the configured challenge, finalizes with a fresh key and downloads the
  // chain.
  Awaitable<util::Expected<IssuedCertificate, std::string>> issue(std::string name,
                                                                  ChallengeHooks hooks);

  // How many badNonce answers were retried so far (for logs and tests).
  std::uint64_t bad_nonce_retries() const;

private:
  struct State;
  std::unique_ptr<State> m_state;
};

} // namespace mtasts::net
