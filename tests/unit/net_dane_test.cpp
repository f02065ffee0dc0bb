// DANE authentication for SMTP (RFC 7672 §3, RFC 7671 §5, §9) against certificate chains
// generated here: a root CA, an intermediate CA and leaves under them. Failure cases first. Where a
// verdict depends on a reading of the RFCs, the test also asks OpenSSL's own DANE implementation
// (libssl's SSL_dane_*, by RFC 7671/7672's author, used by Postfix and Exim) and expects the same
// verdict.
#include <mtasts/net/dane.hpp>
#include <mtasts/net/dns.hpp>
#include <mtasts/net/tls.hpp>

#include <gtest/gtest.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "../support/result_type_text.hpp"
#include <algorithm>
#include <array>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using mtasts::net::dane_result_type;
using mtasts::net::DaneOutcome;
using mtasts::net::DnssecStatus;
using mtasts::net::SslCtxPtr;
using mtasts::net::SslPtr;
using mtasts::net::TlsaRecord;
using mtasts::net::verify_dane;
using Verdict = DaneOutcome::Verdict;
using Failure = DaneOutcome::Failure;

namespace {

// --- RAII for the OpenSSL handles the tests create ---

struct BorrowedX509StackDeleter
{
  void operator()(STACK_OF(X509) * stack) const { sk_X509_free(stack); }
};
using mtasts::net::EvpPkeyCtxPtr;
using mtasts::net::EvpPkeyPtr;
using mtasts::net::X509ExtensionPtr;
using mtasts::net::X509Ptr;
using mtasts::net::X509StoreCtxPtr;
using mtasts::net::X509StorePtr;
using BorrowedX509StackPtr = std::unique_ptr<STACK_OF(X509), BorrowedX509StackDeleter>;
using Chain = std::vector<X509*>;
using Records = std::vector<TlsaRecord>;

constexpr std::int64_t k_day = 86400;
constexpr std::string_view k_mx = "mx1.example.test";

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
  std::string subject_alt_names{}; // OpenSSL config syntax, "DNS:a.example"; "" = none
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
  EXPECT_EQ(X509_NAME_add_entry_by_txt(
                subject, "CN", MBSTRING_UTF8,
                reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0),
            1);
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

std::string to_hex(const std::vector<unsigned char>& bytes)
{
  static constexpr std::string_view k_digits = "0123456789abcdef";
  std::string hex;
  for (const unsigned char byte : bytes) {
    hex += k_digits[byte >> 4U];
    hex += k_digits[byte & 0x0fU];
  }
  return hex;
}

std::optional<std::vector<unsigned char>> from_hex(std::string_view hex)
{
  if (hex.size() % 2 != 0) {
    return std::nullopt;
  }
  std::vector<unsigned char> bytes;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    unsigned int value = 0;
    for (const char c : hex.substr(i, 2)) {
      const auto digit = std::string_view("0123456789abcdef").find(static_cast<char>(c | 0x20));
      if (digit == std::string_view::npos) {
        return std::nullopt;
      }
      value = value * 16 + static_cast<unsigned int>(digit);
    }
    bytes.push_back(static_cast<unsigned char>(value));
  }
  return bytes;
}

std::vector<unsigned char> selected_der(X509* certificate, std::uint8_t selector)
{
  unsigned char* buffer = nullptr;
  const int length = selector == 0 ? i2d_X509(certificate, &buffer)
                                   : i2d_X509_PUBKEY(X509_get_X509_PUBKEY(certificate), &buffer);
  EXPECT_GT(length, 0);
  std::vector<unsigned char> der(buffer, buffer + (length > 0 ? length : 0));
  OPENSSL_free(buffer);
  return der;
}

std::vector<unsigned char> digest(const std::vector<unsigned char>& data, const EVP_MD* md)
{
  std::array<unsigned char, EVP_MAX_MD_SIZE> hash{};
  unsigned int length = 0;
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), hash.data(), &length, md, nullptr), 1);
  return {hash.begin(), hash.begin() + length};
}

// The TLSA record "usage selector matching_type" whose association data is taken from
// `certificate`.
TlsaRecord tlsa(std::uint8_t usage, std::uint8_t selector, std::uint8_t matching_type,
                X509* certificate)
{
  const std::vector<unsigned char> der = selected_der(certificate, selector);
  const std::vector<unsigned char> data = matching_type == 0   ? der
                                          : matching_type == 1 ? digest(der, EVP_sha256())
                                                               : digest(der, EVP_sha512());
  return TlsaRecord{usage, selector, matching_type, to_hex(data)};
}

TlsaRecord tlsa(std::uint8_t usage, std::uint8_t selector, std::uint8_t matching_type,
                std::string data_hex)
{
  return TlsaRecord{usage, selector, matching_type, std::move(data_hex)};
}

DaneOutcome verify(const Records& records, const Chain& chain,
                   std::string_view tlsa_base_domain = k_mx, std::string_view mx_host = k_mx)
{
  return verify_dane(records, chain, mx_host, tlsa_base_domain);
}

bool contains(const std::vector<std::string>& lines, std::string_view text)
{
  return std::any_of(lines.begin(), lines.end(), [text](const std::string& line) {
    return line.find(text) != std::string::npos;
  });
}

std::string dump(const DaneOutcome& outcome)
{
  std::string text = std::string(mtasts::net::dane_verdict_name(outcome.verdict)) + "/" +
                     std::string(mtasts::net::dane_failure_name(outcome.failure)) + ": " +
                     outcome.detail;
  for (const std::string& line : outcome.unusable) {
    text += "\n  unusable " + line;
  }
  for (const std::string& line : outcome.rejected) {
    text += "\n  rejected " + line;
  }
  return text;
}

// OpenSSL's own DANE verdict (libssl's implementation, as a sending MTA such as Postfix uses it)
// for `records` against `chain`: TLSA base domain `base` and MX host `mx` as reference identifiers
// for DANE-TA(2), no name checks for DANE-EE(3) (RFC 7672 §3.1.1), SAN-only names. PKIX usages are
// left out (unusable for SMTP, RFC 7672 §3.1.3).
bool openssl_dane_verifies(const Records& records, const Chain& chain,
                           const std::string& base = std::string(k_mx),
                           const std::string& mx = std::string(k_mx))
{
  const SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  EXPECT_EQ(SSL_CTX_dane_enable(ctx.get()), 1);
  const SslPtr ssl(SSL_new(ctx.get()));
  EXPECT_EQ(SSL_dane_enable(ssl.get(), base.c_str()), 1);
  SSL_dane_set_flags(ssl.get(), DANE_FLAG_NO_DANE_EE_NAMECHECKS);
  if (mx != base) {
    EXPECT_EQ(SSL_add1_host(ssl.get(), mx.c_str()), 1);
  }
  SSL_set_hostflags(ssl.get(),
                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
  for (const TlsaRecord& record : records) {
    const auto data = from_hex(record.data_hex);
    if (data && record.usage >= 2) {
      // <= 0: OpenSSL finds the record unusable or malformed and ignores it.
      static_cast<void>(SSL_dane_tlsa_add(ssl.get(), record.usage, record.selector,
                                          record.matching_type, data->data(), data->size()));
    }
  }
  ERR_clear_error();

  const X509StorePtr store(X509_STORE_new());
  const BorrowedX509StackPtr untrusted(sk_X509_new_null());
  for (X509* certificate : chain) {
    EXPECT_GT(sk_X509_push(untrusted.get(), certificate), 0);
  }
  const X509StoreCtxPtr verify_ctx(X509_STORE_CTX_new());
  EXPECT_EQ(X509_STORE_CTX_init(verify_ctx.get(), store.get(), chain.at(0), untrusted.get()), 1);
  EXPECT_EQ(X509_STORE_CTX_set_default(verify_ctx.get(), "ssl_server"), 1);
  EXPECT_EQ(X509_VERIFY_PARAM_set1(X509_STORE_CTX_get0_param(verify_ctx.get()),
                                   SSL_get0_param(ssl.get())),
            1);
  X509_STORE_CTX_set0_dane(verify_ctx.get(), SSL_get0_dane(ssl.get()));
  const bool verified = X509_verify_cert(verify_ctx.get()) == 1;
  ERR_clear_error();
  return verified;
}

} // namespace

// --- Fixture: root CA -> intermediate CA -> leaf for mx1.example.test ---

class DaneTest : public ::testing::Test
{
protected:
  void SetUp() override
  {
    m_root_key = make_p256_key();
    m_root = make_certificate({.common_name = "DANE test root", .ca = true, .serial = 1},
                              m_root_key.get());
    m_intermediate_key = make_p256_key();
    m_intermediate =
        make_certificate({.common_name = "DANE test intermediate", .ca = true, .serial = 2},
                         m_intermediate_key.get(), m_root.get(), m_root_key.get());
    m_leaf_key = make_p256_key();
    m_leaf = leaf({.common_name = "mx1.example.test", .subject_alt_names = "DNS:mx1.example.test"});
    m_other_key = make_p256_key();
    m_other_root = make_certificate({.common_name = "Unrelated root", .ca = true, .serial = 3},
                                    m_other_key.get());
  }

  // A leaf for m_leaf_key issued by the intermediate.
  X509Ptr leaf(CertSpec spec) const
  {
    if (spec.serial == 1) {
      spec.serial = 10;
    }
    return make_certificate(spec, m_leaf_key.get(), m_intermediate.get(), m_intermediate_key.get());
  }

  // leaf, intermediate, root: what a server relying on DANE-TA(2) must send (RFC 7672 §3.1.2).
  Chain full_chain(X509* leaf_certificate = nullptr) const
  {
    return {leaf_certificate != nullptr ? leaf_certificate : m_leaf.get(), m_intermediate.get(),
            m_root.get()};
  }

  EvpPkeyPtr m_root_key;
  X509Ptr m_root;
  EvpPkeyPtr m_intermediate_key;
  X509Ptr m_intermediate;
  EvpPkeyPtr m_leaf_key;
  X509Ptr m_leaf;
  EvpPkeyPtr m_other_key;
  X509Ptr m_other_root;
};

// --- Failures ---

TEST_F(DaneTest, DaneEeForAnotherKeyFails)
{
  const X509Ptr other = make_certificate(
      {.common_name = "mx1.example.test", .subject_alt_names = "DNS:mx1.example.test"},
      m_other_key.get());
  const Records records{tlsa(3, 1, 1, other.get())};
  const DaneOutcome outcome = verify(records, full_chain());
  EXPECT_EQ(outcome.verdict, Verdict::failed) << dump(outcome);
  EXPECT_EQ(outcome.failure, Failure::no_match);
  EXPECT_TRUE(outcome.matched_record.empty());
  EXPECT_EQ(outcome.matched_depth, -1);
  ASSERT_EQ(outcome.rejected.size(), 1U);
  EXPECT_EQ(outcome.rejected[0], records[0].to_string() + ": does not match the leaf public key");
  EXPECT_EQ(outcome.detail,
            "The usable TLSA record does not match the certificate chain the server presented.");
  EXPECT_FALSE(openssl_dane_verifies(records, full_chain()));
}

TEST_F(DaneTest, DaneTaWithLeafForAnotherNameFails)
{
  // RFC 7672 §3.2.2: with DANE-TA(2) the leaf must name the TLSA base domain or the MX host.
  const X509Ptr other_name = leaf({.common_name = "mx1.example.test",
                                   .subject_alt_names = "DNS:mx2.example.test,DNS:example.test"});
  const Records records{tlsa(2, 1, 1, m_intermediate.get())};
  const DaneOutcome outcome = verify(records, full_chain(other_name.get()));
  EXPECT_EQ(outcome.verdict, Verdict::failed) << dump(outcome);
  EXPECT_EQ(outcome.failure, Failure::name_mismatch);
  EXPECT_TRUE(outcome.matched_name.empty());
  EXPECT_NE(outcome.detail.find("mx2.example.test, example.test"), std::string::npos)
      << outcome.detail;
  EXPECT_NE(outcome.detail.find("mx1.example.test (TLSA base domain)"), std::string::npos)
      << outcome.detail;
  EXPECT_EQ(mtasts::testing::text(dane_result_type(outcome, DnssecStatus::secure)),
            "certificate-host-mismatch");
  EXPECT_FALSE(openssl_dane_verifies(records, full_chain(other_name.get())));

  // The subject CN is never a reference identity, with DANE neither.
  const X509Ptr cn_only = leaf({.common_name = "mx1.example.test"});
  EXPECT_EQ(verify(records, full_chain(cn_only.get())).failure, Failure::name_mismatch);
}

TEST_F(DaneTest, DaneTaAnchorNotInPresentedChainFails)
{
  // A TA the server did not send cannot anchor a digest record (RFC 7672 §3.1.2): an unrelated
  // root, and the real root when the server leaves it out.
  for (const Records& records :
       {Records{tlsa(2, 1, 1, m_other_root.get())}, Records{tlsa(2, 0, 1, m_root.get())}}) {
    const Chain without_root{m_leaf.get(), m_intermediate.get()};
    const DaneOutcome outcome = verify(records, without_root);
    EXPECT_EQ(outcome.verdict, Verdict::failed) << dump(outcome);
    EXPECT_EQ(outcome.failure, Failure::no_match);
    ASSERT_EQ(outcome.rejected.size(), 1U);
    EXPECT_NE(outcome.rejected[0].find("matches no certificate the server presented above the "
                                       "leaf"),
              std::string::npos)
        << outcome.rejected[0];
    EXPECT_EQ(mtasts::testing::text(dane_result_type(outcome, DnssecStatus::secure)),
              "tlsa-invalid");
    EXPECT_FALSE(openssl_dane_verifies(records, without_root));
  }
}

TEST_F(DaneTest, DaneTaLeafIsNeverTheTrustAnchor)
{
  // A DANE-TA(2) record names an issuer; a self-signed leaf matched by it is not authenticated
  // (OpenSSL agrees), nor is an issued leaf, nor a "2 0 0" copy of the leaf.
  const X509Ptr self_signed = make_certificate(
      {.common_name = "mx1.example.test", .subject_alt_names = "DNS:mx1.example.test"},
      m_leaf_key.get());
  const Chain alone{self_signed.get()};
  for (const Records& records :
       {Records{tlsa(2, 0, 1, self_signed.get())}, Records{tlsa(2, 1, 1, self_signed.get())},
        Records{tlsa(2, 0, 0, self_signed.get())}}) {
    const DaneOutcome outcome = verify(records, alone);
    EXPECT_EQ(outcome.verdict, Verdict::failed) << dump(outcome);
    EXPECT_EQ(outcome.failure, Failure::no_match);
    EXPECT_TRUE(contains(outcome.rejected, "matches only the leaf certificate")) << dump(outcome);
    EXPECT_FALSE(openssl_dane_verifies(records, alone)) << records[0].to_string();
  }
  const Records issued{tlsa(2, 1, 1, m_leaf.get())};
  EXPECT_EQ(verify(issued, full_chain()).failure, Failure::no_match);
  EXPECT_FALSE(openssl_dane_verifies(issued, full_chain()));
}

TEST_F(DaneTest, DaneTaWithExpiredCertificateBelowTheAnchorFails)
{
  // DANE-TA(2) is path validation up to the trust anchor named in DNS, dates included (unlike
  // DANE-EE(3), RFC 7672 §3.1.1).
  const X509Ptr expired_leaf = leaf({.common_name = "mx1.example.test",
                                     .subject_alt_names = "DNS:mx1.example.test",
                                     .not_before = now() - 60 * k_day,
                                     .not_after = now() - k_day});
  const Records by_intermediate{tlsa(2, 1, 1, m_intermediate.get())};
  const DaneOutcome outcome = verify(by_intermediate, full_chain(expired_leaf.get()));
  EXPECT_EQ(outcome.verdict, Verdict::failed) << dump(outcome);
  EXPECT_EQ(outcome.failure, Failure::expired);
  EXPECT_NE(outcome.detail.find("at depth 0 expired at "), std::string::npos) << outcome.detail;
  EXPECT_EQ(mtasts::testing::text(dane_result_type(outcome, DnssecStatus::secure)),
            "certificate-expired");
  EXPECT_FALSE(openssl_dane_verifies(by_intermediate, full_chain(expired_leaf.get())));

  // An expired intermediate below a root trust anchor.
  const X509Ptr expired_intermediate =
      make_certificate({.common_name = "DANE test intermediate",
                        .not_before = now() - 60 * k_day,
                        .not_after = now() - k_day,
                        .ca = true,
                        .serial = 4},
                       m_intermediate_key.get(), m_root.get(), m_root_key.get());
  const Chain chain{m_leaf.get(), expired_intermediate.get(), m_root.get()};
  const Records by_root{tlsa(2, 1, 1, m_root.get())};
  const DaneOutcome below_root = verify(by_root, chain);
  EXPECT_EQ(below_root.failure, Failure::expired) << dump(below_root);
  EXPECT_NE(below_root.detail.find("at depth 1"), std::string::npos) << below_root.detail;
  EXPECT_FALSE(openssl_dane_verifies(by_root, chain));

  // A leaf that is not valid yet.
  const X509Ptr future_leaf = leaf({.common_name = "mx1.example.test",
                                    .subject_alt_names = "DNS:mx1.example.test",
                                    .not_before = now() + k_day,
                                    .not_after = now() + 60 * k_day});
  const DaneOutcome future = verify(by_intermediate, full_chain(future_leaf.get()));
  EXPECT_EQ(future.failure, Failure::expired);
  EXPECT_NE(future.detail.find("is not valid before"), std::string::npos) << future.detail;
}

TEST_F(DaneTest, DaneTaExpiryIsReportedBeforeNameMismatch)
{
  // Same order as net/tls.hpp: chain, then dates, then names.
  const X509Ptr both = leaf({.common_name = "other.example.test",
                             .subject_alt_names = "DNS:other.example.test",
                             .not_before = now() - 60 * k_day,
                             .not_after = now() - k_day});
  EXPECT_EQ(verify({tlsa(2, 1, 1, m_intermediate.get())}, full_chain(both.get())).failure,
            Failure::expired);
}

TEST_F(DaneTest, DaneTaChainThatDoesNotVerifyToTheAnchorFails)
{
  // A leaf issued by another CA, presented with the intermediate the record names.
  const X509Ptr foreign = make_certificate(
      {.common_name = "mx1.example.test", .subject_alt_names = "DNS:mx1.example.test"},
      m_leaf_key.get(), m_other_root.get(), m_other_key.get());
  const Records records{tlsa(2, 1, 1, m_intermediate.get())};
  const Chain chain{foreign.get(), m_intermediate.get()};
  const DaneOutcome outcome = verify(records, chain);
  EXPECT_EQ(outcome.verdict, Verdict::failed) << dump(outcome);
  EXPECT_EQ(outcome.failure, Failure::chain_untrusted);
  EXPECT_NE(
      outcome.detail.find("does not verify up to the trust anchor \"CN=DANE test intermediate\""),
      std::string::npos)
      << outcome.detail;
  EXPECT_EQ(mtasts::testing::text(dane_result_type(outcome, DnssecStatus::secure)),
            "certificate-not-trusted");
  EXPECT_FALSE(openssl_dane_verifies(records, chain));

  // A "trust anchor" that is not a CA certificate cannot issue the leaf.
  const EvpPkeyPtr issuer_key = make_p256_key();
  const X509Ptr not_ca = make_certificate({.common_name = "Not a CA", .serial = 5},
                                          issuer_key.get(), m_root.get(), m_root_key.get());
  const X509Ptr under_not_ca = make_certificate(
      {.common_name = "mx1.example.test", .subject_alt_names = "DNS:mx1.example.test"},
      m_leaf_key.get(), not_ca.get(), issuer_key.get());
  const Records by_not_ca{tlsa(2, 1, 1, not_ca.get())};
  const Chain not_ca_chain{under_not_ca.get(), not_ca.get()};
  const DaneOutcome invalid_ca = verify(by_not_ca, not_ca_chain);
  EXPECT_EQ(invalid_ca.failure, Failure::chain_untrusted) << dump(invalid_ca);
  EXPECT_FALSE(openssl_dane_verifies(by_not_ca, not_ca_chain));
}

TEST_F(DaneTest, FurthestFailureDecides)
{
  // No match for the first record, a name mismatch for the second: the name mismatch is reported.
  const X509Ptr other_name =
      leaf({.common_name = "mx2.example.test", .subject_alt_names = "DNS:mx2.example.test"});
  const Records records{tlsa(3, 1, 1, m_other_root.get()), tlsa(2, 1, 1, m_other_root.get()),
                        tlsa(2, 1, 1, m_intermediate.get())};
  const DaneOutcome outcome = verify(records, full_chain(other_name.get()));
  EXPECT_EQ(outcome.failure, Failure::name_mismatch) << dump(outcome);
  EXPECT_EQ(outcome.rejected.size(), 3U) << dump(outcome);
  EXPECT_EQ(mtasts::testing::text(dane_result_type(outcome, DnssecStatus::secure)),
            "certificate-host-mismatch");
}

TEST_F(DaneTest, OnlyPkixUsagesAreNotUsable)
{
  // RFC 7672 §3.1.3: PKIX-TA(0) and PKIX-EE(1) are not used with SMTP, even when they match.
  const Records records{tlsa(0, 1, 1, m_root.get()), tlsa(1, 1, 1, m_leaf.get())};
  const DaneOutcome outcome = verify(records, full_chain());
  EXPECT_EQ(outcome.verdict, Verdict::no_usable_records) << dump(outcome);
  EXPECT_EQ(outcome.failure, Failure::none);
  ASSERT_EQ(outcome.unusable.size(), 2U);
  EXPECT_EQ(outcome.unusable[0], records[0].to_string() +
                                     ": certificate usage PKIX-TA(0) is not used with SMTP "
                                     "(RFC 7672 §3.1.3)");
  EXPECT_EQ(outcome.unusable[1], records[1].to_string() +
                                     ": certificate usage PKIX-EE(1) is not used with SMTP "
                                     "(RFC 7672 §3.1.3)");
  EXPECT_TRUE(outcome.rejected.empty());
  EXPECT_NE(outcome.detail.find("None of the 2 TLSA records is usable"), std::string::npos);
  EXPECT_EQ(mtasts::testing::text(dane_result_type(outcome, DnssecStatus::secure)), "tlsa-invalid");
}

TEST_F(DaneTest, MalformedRecordsAreUnusable)
{
  // Decision: records a client cannot use are unusable, not failures (OpenSSL's
  // SSL_dane_tlsa_add() rejects them the same way), so a set of only such records has no usable
  // record (RFC 8460 "tlsa-invalid").
  const std::string sha256 = tlsa(3, 1, 1, m_leaf.get()).data_hex;
  const Records records{
      tlsa(3, 1, 1, "zz" + sha256.substr(2)), // not hexadecimal
      tlsa(3, 1, 1, sha256.substr(1)),        // odd number of digits
      tlsa(3, 1, 1, sha256.substr(0, 62)),    // 31 octets for SHA2-256
      tlsa(3, 1, 2, sha256),                  // 32 octets for SHA2-512
      tlsa(3, 1, 1, ""),                      // no data
      tlsa(3, 0, 0, "3082010a"),              // not a DER certificate
      tlsa(2, 1, 0, "00"),                    // not a DER SubjectPublicKeyInfo
      tlsa(4, 1, 1, sha256),                  // unknown usage
      tlsa(3, 2, 1, sha256),                  // unknown selector
      tlsa(3, 1, 3, sha256),                  // unknown matching type
      tlsa(255, 255, 255, sha256),            // private use values
  };
  const DaneOutcome outcome = verify(records, full_chain());
  EXPECT_EQ(outcome.verdict, Verdict::no_usable_records) << dump(outcome);
  ASSERT_EQ(outcome.unusable.size(), records.size()) << dump(outcome);
  EXPECT_NE(outcome.unusable[0].find("not hexadecimal"), std::string::npos);
  EXPECT_NE(outcome.unusable[1].find("not hexadecimal"), std::string::npos);
  EXPECT_NE(outcome.unusable[2].find("a SHA2-256 digest has 32 octets, this one has 31"),
            std::string::npos);
  EXPECT_NE(outcome.unusable[3].find("a SHA2-512 digest has 64 octets, this one has 32"),
            std::string::npos);
  EXPECT_NE(outcome.unusable[4].find("empty"), std::string::npos);
  EXPECT_NE(outcome.unusable[5].find("not a DER certificate"), std::string::npos);
  EXPECT_NE(outcome.unusable[6].find("not a DER SubjectPublicKeyInfo"), std::string::npos);
  EXPECT_NE(outcome.unusable[7].find("unknown certificate usage 4"), std::string::npos);
  EXPECT_NE(outcome.unusable[8].find("unknown selector 2"), std::string::npos);
  EXPECT_NE(outcome.unusable[9].find("unknown matching type 3"), std::string::npos);
  EXPECT_NE(outcome.unusable[10].find("unknown certificate usage 255"), std::string::npos);
  EXPECT_EQ(mtasts::testing::text(dane_result_type(outcome, DnssecStatus::secure)), "tlsa-invalid");
  EXPECT_EQ(ERR_peek_error(), 0UL);
  EXPECT_FALSE(openssl_dane_verifies(records, full_chain()));
}

TEST_F(DaneTest, StrongerDigestSupersedesSha256)
{
  // RFC 7671 §9 digest agility: a SHA2-512 record for the same usage and selector makes the
  // SHA2-256 ones ignored, so a stale SHA2-512 record fails the connection (OpenSSL agrees).
  TlsaRecord stale = tlsa(3, 1, 2, m_leaf.get());
  stale.data_hex[0] = stale.data_hex[0] == '0' ? '1' : '0';
  const Records agile{tlsa(3, 1, 1, m_leaf.get()), stale};
  const DaneOutcome outcome = verify(agile, full_chain());
  EXPECT_EQ(outcome.verdict, Verdict::failed) << dump(outcome);
  ASSERT_EQ(outcome.unusable.size(), 1U);
  EXPECT_EQ(outcome.unusable[0], agile[0].to_string() +
                                     ": ignored: a SHA2-512 record with the same usage and "
                                     "selector takes precedence (RFC 7671 §9)");
  EXPECT_FALSE(openssl_dane_verifies(agile, full_chain()));

  // Another selector, or Full(0), is not affected.
  const Records other_selector{tlsa(3, 1, 1, m_leaf.get()), tlsa(3, 0, 2, m_other_root.get())};
  EXPECT_EQ(verify(other_selector, full_chain()).verdict, Verdict::verified);
  EXPECT_TRUE(openssl_dane_verifies(other_selector, full_chain()));
  const Records full{tlsa(3, 1, 0, m_leaf.get()), stale};
  EXPECT_EQ(verify(full, full_chain()).verdict, Verdict::verified);
  EXPECT_TRUE(openssl_dane_verifies(full, full_chain()));
}

TEST_F(DaneTest, NoCertificateFails)
{
  const Records records{tlsa(3, 1, 1, m_leaf.get())};
  const DaneOutcome outcome = verify_dane(records, Chain{}, k_mx, k_mx);
  EXPECT_EQ(outcome.verdict, Verdict::failed);
  EXPECT_EQ(outcome.failure, Failure::no_certificate);
  EXPECT_EQ(mtasts::testing::text(dane_result_type(outcome, DnssecStatus::secure)),
            "validation-failure");
  EXPECT_EQ(verify_dane(records, Chain{nullptr}, k_mx, k_mx).failure, Failure::no_certificate);
}

TEST_F(DaneTest, NoRecordsAtAll)
{
  const DaneOutcome outcome = verify({}, full_chain());
  EXPECT_EQ(outcome.verdict, Verdict::no_usable_records);
  EXPECT_TRUE(outcome.unusable.empty());
  EXPECT_EQ(outcome.detail,
            "There are no TLSA records, so DANE does not authenticate this server.");
  EXPECT_EQ(mtasts::testing::text(dane_result_type(outcome, DnssecStatus::secure)), "");
}

// --- Successes ---

TEST_F(DaneTest, DaneEeMatchesLeafKeyDespiteExpiryAndName)
{
  // RFC 7672 §3.1.1: neither names nor validity dates are checked for DANE-EE(3).
  const X509Ptr expired_wrong_name = leaf({.common_name = "other.example.test",
                                           .subject_alt_names = "DNS:other.example.test",
                                           .not_before = now() - 60 * k_day,
                                           .not_after = now() - k_day});
  const Records records{tlsa(3, 1, 1, expired_wrong_name.get())};
  const Chain chain{expired_wrong_name.get()};
  const DaneOutcome outcome = verify(records, chain);
  EXPECT_EQ(outcome.verdict, Verdict::verified) << dump(outcome);
  EXPECT_EQ(outcome.failure, Failure::none);
  EXPECT_EQ(outcome.matched_record, records[0].to_string());
  EXPECT_EQ(outcome.matched_depth, 0);
  EXPECT_TRUE(outcome.matched_name.empty());
  EXPECT_EQ(outcome.detail, "The leaf public key matches the DANE-EE(3) record 3 1 1; DANE-EE(3) "
                            "does not check names or validity dates (RFC 7672 §3.1.1).");
  EXPECT_EQ(mtasts::testing::text(dane_result_type(outcome, DnssecStatus::secure)), "");
  EXPECT_TRUE(openssl_dane_verifies(records, chain));
  // The same key in another certificate matches "3 1 1" too: it pins the key, not the certificate.
  EXPECT_EQ(verify(records, full_chain()).verdict, Verdict::verified);
}

TEST_F(DaneTest, DaneEeSelectorsAndMatchingTypes)
{
  for (const TlsaRecord& record :
       {tlsa(3, 0, 1, m_leaf.get()), tlsa(3, 1, 2, m_leaf.get()), tlsa(3, 1, 0, m_leaf.get()),
        tlsa(3, 0, 2, m_leaf.get()), tlsa(3, 0, 0, m_leaf.get())}) {
    const Records records{record};
    const DaneOutcome outcome = verify(records, full_chain());
    EXPECT_EQ(outcome.verdict, Verdict::verified) << record.to_string() << "\n" << dump(outcome);
    EXPECT_EQ(outcome.matched_record, record.to_string());
    EXPECT_EQ(outcome.matched_depth, 0);
    EXPECT_TRUE(openssl_dane_verifies(records, full_chain())) << record.to_string();
  }
  // "3 0 1" pins this certificate: a renewed certificate for the same key does not match it.
  const X509Ptr renewed = leaf({.common_name = "mx1.example.test",
                                .subject_alt_names = "DNS:mx1.example.test",
                                .serial = 11});
  EXPECT_EQ(verify({tlsa(3, 0, 1, m_leaf.get())}, full_chain(renewed.get())).verdict,
            Verdict::failed);
  EXPECT_EQ(verify({tlsa(3, 1, 1, m_leaf.get())}, full_chain(renewed.get())).verdict,
            Verdict::verified);
}

TEST_F(DaneTest, UppercaseHexIsAccepted)
{
  TlsaRecord record = tlsa(3, 1, 1, m_leaf.get());
  std::transform(
      record.data_hex.begin(), record.data_hex.end(), record.data_hex.begin(),
      [](char c) { return c >= 'a' && c <= 'f' ? static_cast<char>(c - 'a' + 'A') : c; });
  EXPECT_EQ(verify({record}, full_chain()).verdict, Verdict::verified);
}

TEST_F(DaneTest, DaneTaOnIntermediateOrRoot)
{
  struct Case
  {
    TlsaRecord record;
    int depth;
  };
  for (const Case& test :
       {Case{tlsa(2, 1, 1, m_intermediate.get()), 1}, Case{tlsa(2, 0, 1, m_intermediate.get()), 1},
        Case{tlsa(2, 1, 1, m_root.get()), 2}, Case{tlsa(2, 0, 2, m_root.get()), 2}}) {
    const Records records{test.record};
    const DaneOutcome outcome = verify(records, full_chain());
    EXPECT_EQ(outcome.verdict, Verdict::verified) << test.record.to_string() << "\n"
                                                  << dump(outcome);
    EXPECT_EQ(outcome.matched_record, test.record.to_string());
    EXPECT_EQ(outcome.matched_depth, test.depth) << test.record.to_string();
    EXPECT_EQ(outcome.matched_name, "mx1.example.test");
    EXPECT_EQ(mtasts::testing::text(dane_result_type(outcome, DnssecStatus::secure)), "");
    EXPECT_TRUE(openssl_dane_verifies(records, full_chain())) << test.record.to_string();
  }
  const DaneOutcome outcome = verify({tlsa(2, 1, 1, m_intermediate.get())}, full_chain());
  EXPECT_EQ(outcome.detail,
            "The DANE-TA(2) record 2 1 1 names the presented certificate \"CN=DANE test "
            "intermediate\" at depth 1 as trust anchor; the chain verifies up to it and the leaf "
            "name mx1.example.test matches mx1.example.test (TLSA base domain).");
  // The intermediate alone above the leaf is enough when it is the trust anchor.
  const Chain short_chain{m_leaf.get(), m_intermediate.get()};
  EXPECT_EQ(verify({tlsa(2, 1, 1, m_intermediate.get())}, short_chain).verdict, Verdict::verified);
}

TEST_F(DaneTest, DaneTaReferenceIdentifiers)
{
  // RFC 7672 §3.2.2: the TLSA base domain (e.g. a DNSSEC-validated CNAME target of the MX host)
  // and the MX host name are both accepted; a wildcard covers one label.
  const X509Ptr target =
      leaf({.common_name = "mail.provider.test", .subject_alt_names = "DNS:mail.provider.test"});
  const Records records{tlsa(2, 1, 1, m_intermediate.get())};
  const DaneOutcome by_base = verify(records, full_chain(target.get()), "mail.provider.test", k_mx);
  EXPECT_EQ(by_base.verdict, Verdict::verified) << dump(by_base);
  EXPECT_NE(by_base.detail.find("mail.provider.test (TLSA base domain)"), std::string::npos);

  const DaneOutcome by_mx = verify(records, full_chain(), "mail.provider.test", k_mx);
  EXPECT_EQ(by_mx.verdict, Verdict::verified) << dump(by_mx);
  EXPECT_EQ(by_mx.matched_name, "mx1.example.test");
  EXPECT_NE(by_mx.detail.find("mx1.example.test (MX host)"), std::string::npos);
  EXPECT_TRUE(
      openssl_dane_verifies(records, full_chain(), "mail.provider.test", "mx1.example.test"));

  // Without a securely obtained MX host name only the TLSA base domain counts.
  const DaneOutcome base_only = verify(records, full_chain(), "mail.provider.test", "");
  EXPECT_EQ(base_only.failure, Failure::name_mismatch) << dump(base_only);

  const X509Ptr wildcard =
      leaf({.common_name = "*.example.test", .subject_alt_names = "DNS:*.example.test"});
  const DaneOutcome wild = verify(records, full_chain(wildcard.get()));
  EXPECT_EQ(wild.verdict, Verdict::verified) << dump(wild);
  EXPECT_EQ(wild.matched_name, "*.example.test");
  EXPECT_EQ(verify(records, full_chain(wildcard.get()), "a.mx1.example.test", "").failure,
            Failure::name_mismatch);
}

TEST_F(DaneTest, DaneTaAnchorDatesAreNotChecked)
{
  // The trust anchor is a name and a key (RFC 5280 §6.1.1(d)); OpenSSL's DANE-TA(2) does not
  // check its dates either. Everything below it still must be current.
  const X509Ptr expired_intermediate =
      make_certificate({.common_name = "DANE test intermediate",
                        .not_before = now() - 60 * k_day,
                        .not_after = now() - k_day,
                        .ca = true,
                        .serial = 4},
                       m_intermediate_key.get(), m_root.get(), m_root_key.get());
  const Chain chain{m_leaf.get(), expired_intermediate.get(), m_root.get()};
  const Records records{tlsa(2, 0, 1, expired_intermediate.get())};
  const DaneOutcome outcome = verify(records, chain);
  EXPECT_EQ(outcome.verdict, Verdict::verified) << dump(outcome);
  EXPECT_EQ(outcome.matched_depth, 1);
  EXPECT_TRUE(openssl_dane_verifies(records, chain));
}

TEST_F(DaneTest, DaneTaTrustAnchorFromDns)
{
  // RFC 7671 §5.2.2: "2 0 0" carries the whole TA certificate, so the server may omit it.
  const Chain without_root{m_leaf.get(), m_intermediate.get()};
  const Records full_certificate{tlsa(2, 0, 0, m_root.get())};
  const DaneOutcome outcome = verify(full_certificate, without_root);
  EXPECT_EQ(outcome.verdict, Verdict::verified) << dump(outcome);
  EXPECT_EQ(outcome.matched_depth, 2);
  EXPECT_NE(
      outcome.detail.find("carries the trust-anchor certificate \"CN=DANE test root\" itself"),
      std::string::npos)
      << outcome.detail;
  EXPECT_TRUE(openssl_dane_verifies(full_certificate, without_root));

  // RFC 7671 §5.2.3: "2 1 0" carries the TA key, which signed the topmost presented certificate.
  const Records bare_key{tlsa(2, 1, 0, m_root.get())};
  const DaneOutcome by_key = verify(bare_key, without_root);
  EXPECT_EQ(by_key.verdict, Verdict::verified) << dump(by_key);
  EXPECT_EQ(by_key.matched_depth, 1);
  EXPECT_TRUE(openssl_dane_verifies(bare_key, without_root));

  // ... even when that is the leaf: the intermediate's key signed it directly.
  const Chain leaf_only{m_leaf.get()};
  const Records intermediate_key{tlsa(2, 1, 0, m_intermediate.get())};
  const DaneOutcome signed_leaf = verify(intermediate_key, leaf_only);
  EXPECT_EQ(signed_leaf.verdict, Verdict::verified) << dump(signed_leaf);
  EXPECT_EQ(signed_leaf.matched_depth, 0);
  EXPECT_TRUE(openssl_dane_verifies(intermediate_key, leaf_only));

  // A key that signed nothing presented authenticates nothing.
  const Records unrelated_key{tlsa(2, 1, 0, m_other_root.get())};
  EXPECT_EQ(verify(unrelated_key, without_root).failure, Failure::no_match);
  EXPECT_FALSE(openssl_dane_verifies(unrelated_key, without_root));

  // With a bare key the certificate it signed is date-checked too.
  const X509Ptr expired_intermediate =
      make_certificate({.common_name = "DANE test intermediate",
                        .not_before = now() - 60 * k_day,
                        .not_after = now() - k_day,
                        .ca = true,
                        .serial = 4},
                       m_intermediate_key.get(), m_root.get(), m_root_key.get());
  const Chain stale{m_leaf.get(), expired_intermediate.get()};
  EXPECT_EQ(verify(bare_key, stale).failure, Failure::expired);
  EXPECT_FALSE(openssl_dane_verifies(bare_key, stale));
}

TEST_F(DaneTest, MixedUsableAndUnusableRecords)
{
  const Records records{tlsa(0, 1, 1, m_root.get()), tlsa(1, 1, 1, m_leaf.get()),
                        tlsa(3, 1, 1, "not hex"), tlsa(3, 1, 1, m_other_root.get()),
                        tlsa(2, 1, 1, m_intermediate.get())};
  const DaneOutcome outcome = verify(records, full_chain());
  EXPECT_EQ(outcome.verdict, Verdict::verified) << dump(outcome);
  EXPECT_EQ(outcome.matched_record, records[4].to_string());
  EXPECT_EQ(outcome.unusable.size(), 3U);
  ASSERT_EQ(outcome.rejected.size(), 1U);
  EXPECT_EQ(outcome.rejected[0], records[3].to_string() + ": does not match the leaf public key");
  EXPECT_EQ(mtasts::testing::text(dane_result_type(outcome, DnssecStatus::secure)), "");
  EXPECT_TRUE(openssl_dane_verifies(records, full_chain()));
}

TEST_F(DaneTest, DaneEeIsTriedBeforeDaneTa)
{
  // Record order does not matter: the DANE-EE(3) match wins, without name checks.
  const X509Ptr other_name =
      leaf({.common_name = "mx2.example.test", .subject_alt_names = "DNS:mx2.example.test"});
  const Records records{tlsa(2, 1, 1, m_intermediate.get()), tlsa(3, 1, 1, m_leaf.get())};
  const DaneOutcome outcome = verify(records, full_chain(other_name.get()));
  EXPECT_EQ(outcome.verdict, Verdict::verified) << dump(outcome);
  EXPECT_EQ(outcome.matched_record, records[1].to_string());
  EXPECT_TRUE(outcome.rejected.empty());
}

// --- After a real handshake ---

TEST_F(DaneTest, VerifiesThePeerChainOfAHandshake)
{
  const SslCtxPtr server_ctx(SSL_CTX_new(TLS_server_method()));
  ASSERT_TRUE(server_ctx);
  ASSERT_EQ(SSL_CTX_use_certificate(server_ctx.get(), m_leaf.get()), 1);
  ASSERT_EQ(SSL_CTX_use_PrivateKey(server_ctx.get(), m_leaf_key.get()), 1);
  // SSL_CTX_add1_chain_cert() without the macro's C cast.
  ASSERT_EQ(SSL_CTX_ctrl(server_ctx.get(), SSL_CTRL_CHAIN_CERT, 1, m_intermediate.get()), 1);
  const SslCtxPtr client_ctx(SSL_CTX_new(TLS_client_method()));
  ASSERT_TRUE(client_ctx);
  SSL_CTX_set_verify(client_ctx.get(), SSL_VERIFY_NONE, nullptr);

  const SslPtr client(SSL_new(client_ctx.get()));
  const SslPtr server(SSL_new(server_ctx.get()));
  BIO* client_bio = nullptr;
  BIO* server_bio = nullptr;
  ASSERT_EQ(BIO_new_bio_pair(&client_bio, 0, &server_bio, 0), 1);
  SSL_set_bio(client.get(), client_bio, client_bio); // each SSL now owns its end
  SSL_set_bio(server.get(), server_bio, server_bio);
  SSL_set_connect_state(client.get());
  SSL_set_accept_state(server.get());

  // Before the handshake there is no peer certificate.
  const Records records{tlsa(2, 1, 1, m_intermediate.get())};
  EXPECT_EQ(verify_dane(records, client.get(), k_mx, k_mx).failure, Failure::no_certificate);

  bool client_done = false;
  bool server_done = false;
  for (int round = 0; round < 64 && !(client_done && server_done); ++round) {
    client_done = client_done || SSL_do_handshake(client.get()) == 1;
    server_done = server_done || SSL_do_handshake(server.get()) == 1;
  }
  ERR_clear_error();
  ASSERT_TRUE(client_done && server_done);

  const DaneOutcome by_anchor = verify_dane(records, client.get(), k_mx, k_mx);
  EXPECT_EQ(by_anchor.verdict, Verdict::verified) << dump(by_anchor);
  EXPECT_EQ(by_anchor.matched_depth, 1);
  const DaneOutcome by_leaf = verify_dane(Records{tlsa(3, 1, 1, m_leaf.get())}, client.get(),
                                          "mx9.example.test", "mx9.example.test");
  EXPECT_EQ(by_leaf.verdict, Verdict::verified) << dump(by_leaf);
  // The server did not send the root, so a root digest cannot anchor the chain.
  EXPECT_EQ(verify_dane(Records{tlsa(2, 1, 1, m_root.get())}, client.get(), k_mx, k_mx).failure,
            Failure::no_match);
}

// --- RFC 8460 result types ---

TEST(DaneResultType, MapsEveryOutcome)
{
  DaneOutcome outcome;
  outcome.verdict = Verdict::failed;
  outcome.failure = Failure::no_match;
  // A bogus TLSA lookup is reported as such whatever was verified.
  EXPECT_EQ(mtasts::testing::text(dane_result_type(outcome, DnssecStatus::bogus)),
            "dnssec-invalid");
  // Insecure TLSA records are not DANE (RFC 7672 §2.2).
  EXPECT_EQ(mtasts::testing::text(dane_result_type(outcome, DnssecStatus::insecure)), "");

  EXPECT_EQ(mtasts::testing::text(dane_result_type(outcome, DnssecStatus::secure)), "tlsa-invalid");
  outcome.failure = Failure::chain_untrusted;
  EXPECT_EQ(mtasts::testing::text(dane_result_type(outcome, DnssecStatus::secure)),
            "certificate-not-trusted");
  outcome.failure = Failure::expired;
  EXPECT_EQ(mtasts::testing::text(dane_result_type(outcome, DnssecStatus::secure)),
            "certificate-expired");
  outcome.failure = Failure::name_mismatch;
  EXPECT_EQ(mtasts::testing::text(dane_result_type(outcome, DnssecStatus::secure)),
            "certificate-host-mismatch");
  outcome.failure = Failure::no_certificate;
  EXPECT_EQ(mtasts::testing::text(dane_result_type(outcome, DnssecStatus::secure)),
            "validation-failure");

  outcome.verdict = Verdict::verified;
  outcome.failure = Failure::none;
  EXPECT_EQ(mtasts::testing::text(dane_result_type(outcome, DnssecStatus::secure)), "");
  EXPECT_EQ(mtasts::testing::text(dane_result_type(outcome, DnssecStatus::bogus)),
            "dnssec-invalid");

  outcome.verdict = Verdict::no_usable_records;
  EXPECT_EQ(mtasts::testing::text(dane_result_type(outcome, DnssecStatus::secure)),
            ""); // no records at all
  outcome.unusable.push_back("1 1 1 00: certificate usage PKIX-EE(1) is not used with SMTP");
  EXPECT_EQ(mtasts::testing::text(dane_result_type(outcome, DnssecStatus::secure)), "tlsa-invalid");
  EXPECT_EQ(mtasts::testing::text(dane_result_type(outcome, DnssecStatus::bogus)),
            "dnssec-invalid");
}

TEST(DaneResultType, Names)
{
  EXPECT_EQ(mtasts::net::dane_verdict_name(Verdict::no_usable_records), "no-usable-records");
  EXPECT_EQ(mtasts::net::dane_verdict_name(Verdict::verified), "verified");
  EXPECT_EQ(mtasts::net::dane_verdict_name(Verdict::failed), "failed");
  EXPECT_EQ(mtasts::net::dane_failure_name(Failure::none), "none");
  EXPECT_EQ(mtasts::net::dane_failure_name(Failure::no_certificate), "no-certificate");
  EXPECT_EQ(mtasts::net::dane_failure_name(Failure::no_match), "no-match");
  EXPECT_EQ(mtasts::net::dane_failure_name(Failure::chain_untrusted), "chain-untrusted");
  EXPECT_EQ(mtasts::net::dane_failure_name(Failure::expired), "expired");
  EXPECT_EQ(mtasts::net::dane_failure_name(Failure::name_mismatch), "name-mismatch");
}
