// TLS evidence: certificate summaries, chain classification, and real in-memory handshakes (a
// client and a server SSL over a BIO pair) against certificates generated here with a throwaway
// test root. Failure cases first; A03-A06, F11-F15 are the spec digest's conformance case ids.
#include <mtasts/net/tls.hpp>

#include <gtest/gtest.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/tls1.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <stdlib.h>

#include "../support/result_type_text.hpp"
#include <array>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

using mtasts::net::ChainVerdict;
using mtasts::net::classify_verify_result;
using mtasts::net::collect_tls_evidence;
using mtasts::net::make_client_context;
using mtasts::net::result_type_for;
using mtasts::net::SslCtxPtr;
using mtasts::net::SslPtr;
using mtasts::net::TlsClientOptions;
using mtasts::net::TlsEvidence;

namespace {

// --- RAII for the OpenSSL handles the tests create ---

struct X509StackDeleter
{
  void operator()(STACK_OF(X509) * stack) const { sk_X509_pop_free(stack, X509_free); }
};
using mtasts::net::BioPtr;
using mtasts::net::EvpPkeyCtxPtr;
using mtasts::net::EvpPkeyPtr;
using mtasts::net::X509ExtensionPtr;
using mtasts::net::X509Ptr;
using mtasts::net::X509StoreCtxPtr;
using mtasts::net::X509StorePtr;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;

constexpr std::int64_t k_day = 86400;

std::int64_t now()
{
  return static_cast<std::int64_t>(std::time(nullptr));
}

// --- Test PKI ---

EvpPkeyPtr make_p256_key()
{
  const EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256") != 1 ||
      EVP_PKEY_generate(ctx.get(), &key) != 1) {
    ADD_FAILURE() << "P-256 key generation failed";
  }
  return EvpPkeyPtr(key);
}

struct CertSpec
{
  std::string common_name{};
  std::string organization = "mtasts test";
  std::string subject_alt_names{}; // OpenSSL config syntax, "DNS:a.example,IP:192.0.2.1"; "" = none
  std::int64_t not_before = now() - k_day;
  std::int64_t not_after = now() + 30 * k_day;
  bool ca = false;
  long serial = 1;
};

void add_extension(X509* certificate, X509V3_CTX* v3, int nid, const std::string& value)
{
  const X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, v3, nid, value.c_str()));
  ASSERT_TRUE(extension) << value;
  ASSERT_EQ(X509_add_ext(certificate, extension.get(), -1), 1);
}

// Issues a certificate for `key`, signed by `issuer`/`issuer_key`, or self-signed when `issuer`
// is null.
X509Ptr make_certificate(const CertSpec& spec, EVP_PKEY* key, X509* issuer = nullptr,
                         EVP_PKEY* issuer_key = nullptr)
{
  X509Ptr certificate(X509_new());
  X509* x = certificate.get();
  EXPECT_EQ(X509_set_version(x, X509_VERSION_3), 1);
  EXPECT_EQ(ASN1_INTEGER_set(X509_get_serialNumber(x), spec.serial), 1);
  X509_NAME* subject = X509_get_subject_name(x);
  const auto add_name = [subject](const char* field, const std::string& value) {
    if (!value.empty()) {
      EXPECT_EQ(X509_NAME_add_entry_by_txt(subject, field, MBSTRING_UTF8,
                                           reinterpret_cast<const unsigned char*>(value.c_str()),
                                           -1, -1, 0),
                1);
    }
  };
  add_name("O", spec.organization); // conventional order: RFC 4514 strings list CN first
  add_name("CN", spec.common_name);
  EXPECT_EQ(X509_set_issuer_name(x, issuer != nullptr ? X509_get_subject_name(issuer) : subject),
            1);
  EXPECT_NE(ASN1_TIME_set(X509_getm_notBefore(x), static_cast<std::time_t>(spec.not_before)),
            nullptr);
  EXPECT_NE(ASN1_TIME_set(X509_getm_notAfter(x), static_cast<std::time_t>(spec.not_after)),
            nullptr);
  EXPECT_EQ(X509_set_pubkey(x, key), 1);

  X509V3_CTX v3{};
  X509V3_set_ctx(&v3, issuer != nullptr ? issuer : x, x, nullptr, nullptr, 0);
  if (spec.ca) {
    add_extension(x, &v3, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(x, &v3, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_extension(x, &v3, NID_subject_key_identifier, "hash");
  }
  if (!spec.subject_alt_names.empty()) {
    add_extension(x, &v3, NID_subject_alt_name, spec.subject_alt_names);
  }
  EXPECT_GT(X509_sign(x, issuer_key != nullptr ? issuer_key : key, EVP_sha256()), 0);
  return certificate;
}

std::string sha256_hex(const std::vector<unsigned char>& data)
{
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr), 1);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    constexpr std::string_view k_digits = "0123456789abcdef";
    hex += k_digits[digest[i] >> 4U];
    hex += k_digits[digest[i] & 0x0fU];
  }
  return hex;
}

std::vector<unsigned char> der_of(X509* certificate)
{
  const int length = i2d_X509(certificate, nullptr);
  std::vector<unsigned char> der(static_cast<std::size_t>(length > 0 ? length : 0));
  unsigned char* out = der.data();
  EXPECT_EQ(i2d_X509(certificate, &out), length);
  return der;
}

std::vector<unsigned char> spki_der_of(EVP_PKEY* key)
{
  const int length = i2d_PUBKEY(key, nullptr);
  std::vector<unsigned char> der(static_cast<std::size_t>(length > 0 ? length : 0));
  unsigned char* out = der.data();
  EXPECT_EQ(i2d_PUBKEY(key, &out), length);
  return der;
}

// The X509_V_* result of verifying `leaf` (plus `untrusted` intermediates) against `anchor`.
long verify_against(X509* anchor, X509* leaf, const std::vector<X509*>& untrusted = {})
{
  const X509StorePtr store(X509_STORE_new());
  EXPECT_EQ(X509_STORE_add_cert(store.get(), anchor), 1);
  const X509StackPtr chain(sk_X509_new_null());
  for (X509* certificate : untrusted) {
    EXPECT_EQ(X509_up_ref(certificate), 1);
    EXPECT_GT(sk_X509_push(chain.get(), certificate), 0);
  }
  const X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  EXPECT_EQ(X509_STORE_CTX_init(ctx.get(), store.get(), leaf, chain.get()), 1);
  X509_verify_cert(ctx.get());
  return X509_STORE_CTX_get_error(ctx.get());
}

// --- In-memory handshake ---

struct ServerSpec
{
  X509* certificate = nullptr;
  EVP_PKEY* key = nullptr;
  std::vector<X509*> chain{}; // extra certificates sent after the leaf
  int max_version = 0;        // 0 = library default
  bool legacy = false;        // security level 0 (TLS 1.0/1.1 need it with OpenSSL 3)
};

struct Handshake
{
  bool client_ok = false;
  bool server_ok = false;
  std::string client_error;
  std::string server_saw_sni;
  TlsEvidence evidence;
};

int record_server_name(SSL* ssl, int* /*alert*/, void* arg)
{
  if (const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) {
    *static_cast<std::string*>(arg) = name;
  }
  return SSL_TLSEXT_ERR_OK;
}

SslCtxPtr make_server_context(const ServerSpec& spec, std::string* saw_sni)
{
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  EXPECT_TRUE(ctx);
  EXPECT_EQ(SSL_CTX_use_certificate(ctx.get(), spec.certificate), 1);
  EXPECT_EQ(SSL_CTX_use_PrivateKey(ctx.get(), spec.key), 1);
  for (X509* extra : spec.chain) {
    // SSL_CTX_add1_chain_cert() without the macro's C cast.
    EXPECT_EQ(SSL_CTX_ctrl(ctx.get(), SSL_CTRL_CHAIN_CERT, 1, extra), 1);
  }
  if (spec.max_version != 0) {
    EXPECT_EQ(SSL_CTX_set_max_proto_version(ctx.get(), spec.max_version), 1);
  }
  if (spec.legacy) {
    SSL_CTX_set_security_level(ctx.get(), 0);
  }
  // SSL_CTX_set_tlsext_servername_callback()/_arg() without the macros' C casts. void(*)() is the
  // generic function pointer type that OpenSSL's callback_ctrl expects.
  EXPECT_EQ(SSL_CTX_callback_ctrl(ctx.get(), SSL_CTRL_SET_TLSEXT_SERVERNAME_CB,
                                  reinterpret_cast<void (*)()>(&record_server_name)),
            1);
  EXPECT_EQ(SSL_CTX_ctrl(ctx.get(), SSL_CTRL_SET_TLSEXT_SERVERNAME_ARG, 0, saw_sni), 1);
  return ctx;
}

// Runs one side's handshake step; true when the side is finished (done or failed).
bool step(SSL* ssl, bool& ok, bool& failed)
{
  const int rc = SSL_do_handshake(ssl);
  if (rc == 1) {
    ok = true;
    return true;
  }
  const int error = SSL_get_error(ssl, rc);
  if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
    failed = true;
    return true;
  }
  return false;
}

Handshake run_handshake(SSL_CTX* client_ctx, const ServerSpec& server_spec, const std::string& sni,
                        std::string_view reference_host)
{
  Handshake result;
  const SslCtxPtr server_ctx = make_server_context(server_spec, &result.server_saw_sni);
  const SslPtr client(SSL_new(client_ctx));
  const SslPtr server(SSL_new(server_ctx.get()));
  BIO* client_bio = nullptr;
  BIO* server_bio = nullptr;
  EXPECT_EQ(BIO_new_bio_pair(&client_bio, 0, &server_bio, 0), 1);
  SSL_set_bio(client.get(), client_bio, client_bio); // each SSL now owns its end
  SSL_set_bio(server.get(), server_bio, server_bio);
  SSL_set_connect_state(client.get());
  SSL_set_accept_state(server.get());
  if (!sni.empty()) {
    EXPECT_TRUE(mtasts::net::set_server_name(client.get(), sni));
  }

  bool client_done = false;
  bool server_done = false;
  bool client_failed = false;
  bool server_failed = false;
  for (int round = 0; round < 64 && !(client_done && server_done); ++round) {
    if (!client_done) {
      client_done = step(client.get(), result.client_ok, client_failed);
      if (client_failed) {
        std::array<char, 256> text{};
        ERR_error_string_n(ERR_peek_error(), text.data(), text.size());
        result.client_error = text.data();
      }
    }
    if (!server_done) {
      server_done = step(server.get(), result.server_ok, server_failed);
    }
    ERR_clear_error();
  }
  if (result.client_ok) {
    result.evidence = collect_tls_evidence(client.get(), reference_host);
  }
  return result;
}

} // namespace

// --- Fixture: a test root, a second (unknown) root, a CA file in a temporary directory ---

class TlsTest : public ::testing::Test
{
protected:
  void SetUp() override
  {
    std::string pattern = (std::filesystem::temp_directory_path() / "mtasts-tls-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    m_directory = pattern;

    m_root_key = make_p256_key();
    m_root = make_certificate({.common_name = "mtasts test root", .ca = true}, m_root_key.get());
    m_other_root_key = make_p256_key();
    m_other_root = make_certificate({.common_name = "unknown root", .ca = true, .serial = 2},
                                    m_other_root_key.get());
    m_leaf_key = make_p256_key();

    m_ca_file = (m_directory / "ca.pem").string();
    const BioPtr file(BIO_new_file(m_ca_file.c_str(), "w"));
    ASSERT_TRUE(file);
    ASSERT_EQ(PEM_write_bio_X509(file.get(), m_root.get()), 1);
  }

  void TearDown() override
  {
    std::error_code ignored;
    std::filesystem::remove_all(m_directory, ignored);
  }

  X509Ptr leaf(CertSpec spec) const
  {
    return make_certificate(spec, m_leaf_key.get(), m_root.get(), m_root_key.get());
  }

  SslCtxPtr client_context(bool require_tls12 = true) const
  {
    auto ctx = make_client_context(TlsClientOptions{m_ca_file, require_tls12});
    EXPECT_TRUE(ctx) << (ctx ? std::string() : ctx.error());
    return ctx ? std::move(*ctx) : SslCtxPtr();
  }

  // Handshake with SNI = reference host = `host`, the server presenting `certificate`.
  Handshake connect(X509* certificate, const std::string& host,
                    const std::vector<X509*>& chain = {}) const
  {
    const SslCtxPtr ctx = client_context();
    return run_handshake(ctx.get(), ServerSpec{certificate, m_leaf_key.get(), chain}, host, host);
  }

  std::filesystem::path m_directory;
  std::string m_ca_file;
  EvpPkeyPtr m_root_key;
  X509Ptr m_root;
  EvpPkeyPtr m_other_root_key;
  X509Ptr m_other_root;
  EvpPkeyPtr m_leaf_key;
};

// --- Client context errors ---

TEST_F(TlsTest, ClientContextRejectsMissingCaFile)
{
  const auto ctx = make_client_context({(m_directory / "absent.pem").string()});
  ASSERT_FALSE(ctx);
  EXPECT_NE(ctx.error().find("absent.pem"), std::string::npos) << ctx.error();
  EXPECT_NE(ctx.error().find("No such file"), std::string::npos) << ctx.error(); // OpenSSL's text
  EXPECT_EQ(ERR_peek_error(), 0UL); // the error queue was drained into the message
}

TEST_F(TlsTest, ClientContextRejectsCaFileWithoutCertificates)
{
  const std::string path = (m_directory / "garbage.pem").string();
  {
    const BioPtr file(BIO_new_file(path.c_str(), "w"));
    ASSERT_TRUE(file);
    ASSERT_GT(BIO_puts(file.get(), "this is not a certificate\n"), 0);
  }
  const auto ctx = make_client_context({path});
  ASSERT_FALSE(ctx);
  EXPECT_NE(ctx.error().find("cannot load CA file"), std::string::npos) << ctx.error();
}

TEST_F(TlsTest, ClientContextDefaults)
{
  const auto system = make_client_context({});
  ASSERT_TRUE(system) << system.error();
  EXPECT_EQ(SSL_CTX_get_min_proto_version(system->get()), TLS1_2_VERSION);
  EXPECT_EQ(SSL_CTX_get_verify_mode(system->get()), SSL_VERIFY_NONE);

  const auto lenient = make_client_context({m_ca_file, false});
  ASSERT_TRUE(lenient) << lenient.error();
  EXPECT_EQ(SSL_CTX_get_min_proto_version(lenient->get()), 0);
}

TEST_F(TlsTest, ServerNameMustBeAcceptable)
{
  const SslCtxPtr ctx = client_context();
  const SslPtr ssl(SSL_new(ctx.get()));
  EXPECT_FALSE(mtasts::net::set_server_name(ssl.get(), ""));
  EXPECT_FALSE(mtasts::net::set_server_name(ssl.get(), std::string(256, 'a')));
  EXPECT_TRUE(mtasts::net::set_server_name(ssl.get(), "mx1.example.test"));
  EXPECT_EQ(ERR_peek_error(), 0UL);
}

// --- Verdict logic ---

TEST(TlsVerdict, ClassifiesVerifyResults)
{
  EXPECT_EQ(classify_verify_result(X509_V_OK), ChainVerdict::trusted);
  EXPECT_EQ(classify_verify_result(X509_V_ERR_CERT_HAS_EXPIRED), ChainVerdict::expired);
  EXPECT_EQ(classify_verify_result(X509_V_ERR_CERT_NOT_YET_VALID), ChainVerdict::not_yet_valid);
  const long untrusted[] = {
      X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,     X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
      X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,       X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
      X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, X509_V_ERR_CERT_UNTRUSTED,
      X509_V_ERR_CERT_SIGNATURE_FAILURE,          X509_V_ERR_INVALID_CA};
  for (const long code : untrusted) {
    EXPECT_EQ(classify_verify_result(code), ChainVerdict::untrusted) << code;
  }
  const long other[] = {X509_V_ERR_CERT_REVOKED,
                        X509_V_ERR_INVALID_PURPOSE,
                        X509_V_ERR_HOSTNAME_MISMATCH,
                        X509_V_ERR_EE_KEY_TOO_SMALL,
                        X509_V_ERR_UNSPECIFIED,
                        4242,
                        -1};
  for (const long code : other) {
    EXPECT_EQ(classify_verify_result(code), ChainVerdict::other) << code;
  }
  EXPECT_EQ(mtasts::net::chain_verdict_name(ChainVerdict::not_yet_valid), "not-yet-valid");
  EXPECT_EQ(mtasts::net::chain_verdict_name(ChainVerdict::untrusted), "untrusted");
}

TEST(TlsVerdict, ChainProblemsTakePrecedenceOverNameMismatch)
{
  TlsEvidence evidence;
  evidence.protocol = "TLSv1.3";
  evidence.identity_matched = false;

  evidence.chain = ChainVerdict::untrusted;
  EXPECT_EQ(mtasts::testing::text(result_type_for(evidence)), "certificate-not-trusted");
  evidence.chain = ChainVerdict::expired;
  EXPECT_EQ(mtasts::testing::text(result_type_for(evidence)), "certificate-expired");
  evidence.chain = ChainVerdict::not_yet_valid;
  EXPECT_EQ(mtasts::testing::text(result_type_for(evidence)), "certificate-expired");
  evidence.chain = ChainVerdict::other;
  EXPECT_EQ(mtasts::testing::text(result_type_for(evidence)), "validation-failure");
  evidence.chain = ChainVerdict::trusted;
  EXPECT_EQ(mtasts::testing::text(result_type_for(evidence)), "certificate-host-mismatch");

  evidence.identity_matched = true;
  EXPECT_EQ(mtasts::testing::text(result_type_for(evidence)), "");
  evidence.protocol = "TLSv1.2";
  EXPECT_EQ(mtasts::testing::text(result_type_for(evidence)), "");
}

TEST(TlsVerdict, OldProtocolIsAValidationFailureFirst)
{
  TlsEvidence evidence;
  evidence.chain = ChainVerdict::untrusted;
  for (const char* protocol : {"SSLv3", "TLSv1", "TLSv1.1"}) {
    evidence.protocol = protocol;
    EXPECT_EQ(mtasts::testing::text(result_type_for(evidence)), "validation-failure") << protocol;
  }
}

TEST_F(TlsTest, EvidenceWithoutPeerCertificate)
{
  const SslCtxPtr ctx = client_context();
  const SslPtr ssl(SSL_new(ctx.get())); // never connected: no peer certificate
  const TlsEvidence evidence = collect_tls_evidence(ssl.get(), "mx1.example.test");
  EXPECT_EQ(evidence.chain, ChainVerdict::other);
  EXPECT_TRUE(evidence.chain_summary.empty());
  EXPECT_FALSE(evidence.identity_matched);
  EXPECT_EQ(evidence.verify_error, "the peer presented no certificate");
  EXPECT_EQ(mtasts::testing::text(result_type_for(evidence)), "validation-failure");
}

// --- Chain classification with X509_verify_cert ---

TEST_F(TlsTest, ChainFromUnknownRootIsUntrusted)
{
  const X509Ptr foreign = make_certificate(
      {.common_name = "mx1.example.test", .subject_alt_names = "DNS:mx1.example.test"},
      m_leaf_key.get(), m_other_root.get(), m_other_root_key.get());
  const long leaf_only = verify_against(m_root.get(), foreign.get());
  EXPECT_EQ(leaf_only, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  EXPECT_EQ(classify_verify_result(leaf_only), ChainVerdict::untrusted);

  const long with_root = verify_against(m_root.get(), foreign.get(), {m_other_root.get()});
  EXPECT_EQ(with_root, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN);
  EXPECT_EQ(classify_verify_result(with_root), ChainVerdict::untrusted);
}

TEST_F(TlsTest, SelfSignedLeafIsUntrusted)
{
  const X509Ptr self_signed = make_certificate(
      {.common_name = "mx1.example.test", .subject_alt_names = "DNS:mx1.example.test"},
      m_leaf_key.get());
  const long result = verify_against(m_root.get(), self_signed.get());
  EXPECT_EQ(result, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
  EXPECT_EQ(classify_verify_result(result), ChainVerdict::untrusted);
}

TEST_F(TlsTest, ExpiredAndFutureLeavesAreClassifiedByDate)
{
  const X509Ptr expired = leaf({.common_name = "mx1.example.test",
                                .not_before = now() - 60 * k_day,
                                .not_after = now() - k_day});
  const long expired_result = verify_against(m_root.get(), expired.get());
  EXPECT_EQ(expired_result, X509_V_ERR_CERT_HAS_EXPIRED);
  EXPECT_EQ(classify_verify_result(expired_result), ChainVerdict::expired);

  const X509Ptr future = leaf({.common_name = "mx1.example.test",
                               .not_before = now() + k_day,
                               .not_after = now() + 60 * k_day});
  const long future_result = verify_against(m_root.get(), future.get());
  EXPECT_EQ(future_result, X509_V_ERR_CERT_NOT_YET_VALID);
  EXPECT_EQ(classify_verify_result(future_result), ChainVerdict::not_yet_valid);
}

TEST_F(TlsTest, UntrustedIsReportedBeforeExpired)
{
  // OpenSSL stops at the first error: chain building fails before dates are looked at.
  const X509Ptr both =
      make_certificate({.common_name = "mx1.example.test",
                        .not_before = now() - 60 * k_day,
                        .not_after = now() - k_day},
                       m_leaf_key.get(), m_other_root.get(), m_other_root_key.get());
  EXPECT_EQ(classify_verify_result(verify_against(m_root.get(), both.get())),
            ChainVerdict::untrusted);
}

TEST_F(TlsTest, ChainFromTestRootIsTrusted)
{
  const X509Ptr good =
      leaf({.common_name = "mx1.example.test", .subject_alt_names = "DNS:mx1.example.test"});
  EXPECT_EQ(classify_verify_result(verify_against(m_root.get(), good.get())),
            ChainVerdict::trusted);
}

// --- Certificate summaries ---

TEST_F(TlsTest, SummarizesCertificateFields)
{
  constexpr std::int64_t k_not_before = 1700000000; // 2023-11-14T22:13:20Z (UTCTime)
  constexpr std::int64_t k_not_after = 2570445045;  // 2051-06-15T12:30:45Z (GeneralizedTime)
  const X509Ptr certificate =
      leaf({.common_name = "mx1.example.test",
            .organization = "B\xC3\xBC"
                            "cher, Inc",
            .subject_alt_names = "DNS:mx1.example.test,IP:192.0.2.25,DNS:*.example.test,"
                                 "IP:2001:db8::25,email:postmaster@example.test",
            .not_before = k_not_before,
            .not_after = k_not_after,
            .serial = 7});
  const auto summary = mtasts::net::summarize_certificate(certificate.get());

  EXPECT_EQ(summary.subject, "CN=mx1.example.test,O=B\xC3\xBC"
                             "cher\\, Inc");
  EXPECT_EQ(summary.issuer, "CN=mtasts test root,O=mtasts test");
  EXPECT_EQ(summary.san_dns_names,
            (std::vector<std::string>{"mx1.example.test", "*.example.test"}));
  EXPECT_EQ(summary.san_ip_addresses, (std::vector<std::string>{"192.0.2.25", "2001:db8::25"}));
  EXPECT_EQ(summary.not_before, k_not_before);
  EXPECT_EQ(summary.not_after, k_not_after);

  const std::string fingerprint = sha256_hex(der_of(certificate.get()));
  ASSERT_EQ(fingerprint.size(), 64U);
  EXPECT_EQ(summary.sha256_fingerprint, fingerprint);

  const std::string spki = sha256_hex(spki_der_of(m_leaf_key.get()));
  ASSERT_EQ(spki.size(), 64U);
  EXPECT_EQ(summary.spki_sha256, spki);
  EXPECT_NE(summary.spki_sha256, summary.sha256_fingerprint);
}

TEST_F(TlsTest, SummaryOfCnOnlyCertificateHasNoSans)
{
  const X509Ptr certificate = leaf({.common_name = "mx1.example.test"});
  const auto summary = mtasts::net::summarize_certificate(certificate.get());
  EXPECT_TRUE(summary.san_dns_names.empty());
  EXPECT_TRUE(summary.san_ip_addresses.empty());
  EXPECT_EQ(summary.subject, "CN=mx1.example.test,O=mtasts test");
  // Two certificates for the same key share the SPKI hash but not the fingerprint.
  const X509Ptr sibling = leaf({.common_name = "mx2.example.test", .serial = 9});
  const auto other = mtasts::net::summarize_certificate(sibling.get());
  EXPECT_EQ(other.spki_sha256, summary.spki_sha256);
  EXPECT_NE(other.sha256_fingerprint, summary.sha256_fingerprint);
}

// --- Handshakes ---

TEST_F(TlsTest, HandshakeFailsAgainstTls11OnlyServer)
{
  // A06 / F19: RFC 8461 §7.2; a TLS 1.1-only peer cannot satisfy a TLS 1.2 floor.
  const X509Ptr certificate =
      leaf({.common_name = "mx1.example.test", .subject_alt_names = "DNS:mx1.example.test"});
  const ServerSpec old_server{certificate.get(), m_leaf_key.get(), {}, TLS1_1_VERSION, true};

  const SslCtxPtr strict = client_context(true);
  SSL_CTX_set_security_level(strict.get(), 0); // so that only the TLS 1.2 floor refuses
  const Handshake refused =
      run_handshake(strict.get(), old_server, "mx1.example.test", "mx1.example.test");
  EXPECT_FALSE(refused.client_ok);
  EXPECT_FALSE(refused.server_ok);

  // Control: without the floor (and with OpenSSL 3's security level lowered, which TLS 1.1
  // needs) the same server completes, and the evidence still fails RFC 8461.
  const SslCtxPtr lenient = client_context(false);
  SSL_CTX_set_security_level(lenient.get(), 0);
  const Handshake old =
      run_handshake(lenient.get(), old_server, "mx1.example.test", "mx1.example.test");
  ASSERT_TRUE(old.client_ok) << old.client_error;
  EXPECT_EQ(old.evidence.protocol, "TLSv1.1");
  EXPECT_EQ(old.evidence.chain, ChainVerdict::trusted);
  EXPECT_TRUE(old.evidence.identity_matched);
  EXPECT_EQ(mtasts::testing::text(result_type_for(old.evidence)), "validation-failure");
}

TEST_F(TlsTest, UnknownCaIsNotTrusted)
{
  // A05.
  const X509Ptr foreign = make_certificate(
      {.common_name = "mx1.example.test", .subject_alt_names = "DNS:mx1.example.test"},
      m_leaf_key.get(), m_other_root.get(), m_other_root_key.get());
  const Handshake result = connect(foreign.get(), "mx1.example.test");
  ASSERT_TRUE(result.client_ok) << result.client_error;
  EXPECT_EQ(result.evidence.chain, ChainVerdict::untrusted);
  EXPECT_EQ(result.evidence.verify_result, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  EXPECT_FALSE(result.evidence.verify_error.empty());
  EXPECT_TRUE(result.evidence.identity_matched); // the name is right, the issuer is not
  EXPECT_EQ(mtasts::testing::text(result_type_for(result.evidence)), "certificate-not-trusted");
}

TEST_F(TlsTest, SelfSignedCertificateIsNotTrusted)
{
  // F14.
  const X509Ptr self_signed = make_certificate(
      {.common_name = "mx1.example.test", .subject_alt_names = "DNS:mx1.example.test"},
      m_leaf_key.get());
  const Handshake result = connect(self_signed.get(), "mx1.example.test");
  ASSERT_TRUE(result.client_ok) << result.client_error;
  EXPECT_EQ(result.evidence.verify_result, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
  EXPECT_EQ(mtasts::testing::text(result_type_for(result.evidence)), "certificate-not-trusted");
}

TEST_F(TlsTest, ExpiredCertificate)
{
  // A01 / F14.
  const X509Ptr expired = leaf({.common_name = "mx1.example.test",
                                .subject_alt_names = "DNS:mx1.example.test",
                                .not_before = now() - 60 * k_day,
                                .not_after = now() - k_day});
  const Handshake result = connect(expired.get(), "mx1.example.test");
  ASSERT_TRUE(result.client_ok) << result.client_error;
  EXPECT_EQ(result.evidence.chain, ChainVerdict::expired);
  EXPECT_EQ(result.evidence.verify_result, X509_V_ERR_CERT_HAS_EXPIRED);
  EXPECT_EQ(mtasts::testing::text(result_type_for(result.evidence)), "certificate-expired");
}

TEST_F(TlsTest, ExpiredWrongNameCertificateReportsExpiry)
{
  const X509Ptr expired = leaf({.common_name = "other.example.test",
                                .subject_alt_names = "DNS:other.example.test",
                                .not_before = now() - 60 * k_day,
                                .not_after = now() - k_day});
  const Handshake result = connect(expired.get(), "mx1.example.test");
  ASSERT_TRUE(result.client_ok) << result.client_error;
  EXPECT_FALSE(result.evidence.identity_matched);
  EXPECT_EQ(mtasts::testing::text(result_type_for(result.evidence)), "certificate-expired");
}

TEST_F(TlsTest, WrongNameIsHostMismatch)
{
  // F11 / F16 shape: a trusted certificate for another name.
  const X509Ptr other =
      leaf({.common_name = "mx1.example.test", .subject_alt_names = "DNS:example.test"});
  const Handshake result = connect(other.get(), "mx1.example.test");
  ASSERT_TRUE(result.client_ok) << result.client_error;
  EXPECT_EQ(result.evidence.chain, ChainVerdict::trusted);
  EXPECT_FALSE(result.evidence.identity_matched);
  EXPECT_TRUE(result.evidence.matched_name.empty());
  EXPECT_EQ(mtasts::testing::text(result_type_for(result.evidence)), "certificate-host-mismatch");
}

TEST_F(TlsTest, CnOnlyCertificateIsHostMismatch)
{
  // A04 / F13: the CN names the host, but the CN is never consulted.
  const X509Ptr cn_only = leaf({.common_name = "mx1.example.test"});
  const Handshake result = connect(cn_only.get(), "mx1.example.test");
  ASSERT_TRUE(result.client_ok) << result.client_error;
  EXPECT_EQ(result.evidence.chain, ChainVerdict::trusted);
  EXPECT_FALSE(result.evidence.identity_matched);
  EXPECT_EQ(mtasts::testing::text(result_type_for(result.evidence)), "certificate-host-mismatch");
}

TEST_F(TlsTest, WildcardCoversOneLabelOnly)
{
  // A03.
  const X509Ptr wildcard =
      leaf({.common_name = "*.example.test", .subject_alt_names = "DNS:*.example.test"});

  const Handshake deep = connect(wildcard.get(), "a.b.example.test");
  ASSERT_TRUE(deep.client_ok) << deep.client_error;
  EXPECT_FALSE(deep.evidence.identity_matched);
  EXPECT_EQ(mtasts::testing::text(result_type_for(deep.evidence)), "certificate-host-mismatch");

  const Handshake one = connect(wildcard.get(), "mx1.example.test");
  ASSERT_TRUE(one.client_ok) << one.client_error;
  EXPECT_TRUE(one.evidence.identity_matched);
  EXPECT_EQ(one.evidence.matched_name, "*.example.test");
  EXPECT_EQ(mtasts::testing::text(result_type_for(one.evidence)), "");
}

TEST_F(TlsTest, GoodCertificatePassesWithFullEvidence)
{
  const X509Ptr good = leaf({.common_name = "mx1.example.test",
                             .subject_alt_names = "DNS:mail.example.test,DNS:MX1.example.test"});
  const Handshake result = connect(good.get(), "mx1.example.test", {m_root.get()});
  ASSERT_TRUE(result.client_ok) << result.client_error;
  EXPECT_TRUE(result.server_ok);
  const TlsEvidence& evidence = result.evidence;
  EXPECT_EQ(evidence.protocol, "TLSv1.3");
  EXPECT_FALSE(evidence.cipher.empty());
  EXPECT_EQ(evidence.verify_result, X509_V_OK);
  EXPECT_EQ(evidence.verify_error, "ok");
  EXPECT_EQ(evidence.chain, ChainVerdict::trusted);
  EXPECT_TRUE(evidence.identity_matched);
  EXPECT_EQ(evidence.matched_name, "MX1.example.test");
  ASSERT_EQ(evidence.chain_summary.size(), 2U); // leaf first, then the root the server sent
  EXPECT_EQ(evidence.chain_summary[0].subject, "CN=mx1.example.test,O=mtasts test");
  EXPECT_EQ(evidence.chain_summary[0].sha256_fingerprint, sha256_hex(der_of(good.get())));
  EXPECT_EQ(evidence.chain_summary[1].subject, "CN=mtasts test root,O=mtasts test");
  EXPECT_EQ(mtasts::testing::text(result_type_for(evidence)), "");
}

TEST_F(TlsTest, ClientSendsServerNameIndication)
{
  // F15 / A10: RFC 8461 §7.1, the ClientHello carries the reference host as SNI.
  const X509Ptr good =
      leaf({.common_name = "mx1.example.test", .subject_alt_names = "DNS:mx1.example.test"});
  const Handshake with_sni = connect(good.get(), "mx1.example.test");
  ASSERT_TRUE(with_sni.client_ok) << with_sni.client_error;
  EXPECT_EQ(with_sni.server_saw_sni, "mx1.example.test");

  const SslCtxPtr ctx = client_context();
  const Handshake without_sni =
      run_handshake(ctx.get(), ServerSpec{good.get(), m_leaf_key.get()}, "", "mx1.example.test");
  ASSERT_TRUE(without_sni.client_ok) << without_sni.client_error;
  EXPECT_EQ(without_sni.server_saw_sni, "");
}
