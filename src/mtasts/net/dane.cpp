#include <mtasts/core/cert_identity.hpp>
#include <mtasts/net/dane.hpp>
#include <mtasts/net/openssl_handles.hpp>
#include <mtasts/net/tls.hpp>
#include <mtasts/util/rfc3339.hpp>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <iterator>
#include <memory>
#include <optional>
#include <utility>

namespace mtasts::net {

namespace {

// The stack borrows its certificates: only the stack itself is freed.
struct BorrowedX509StackDeleter
{
  void operator()(STACK_OF(X509) * stack) const { sk_X509_free(stack); }
};
using BorrowedX509StackPtr = std::unique_ptr<STACK_OF(X509), BorrowedX509StackDeleter>;

using Bytes = std::vector<unsigned char>;
using Failure = DaneOutcome::Failure;

// IANA "DANE Parameters" registry values (RFC 6698 §7.2-7.4, names from RFC 7218).
constexpr std::uint8_t k_usage_pkix_ta = 0;
constexpr std::uint8_t k_usage_pkix_ee = 1;
constexpr std::uint8_t k_usage_dane_ta = 2;
constexpr std::uint8_t k_usage_dane_ee = 3;
constexpr std::uint8_t k_selector_cert = 0;
constexpr std::uint8_t k_selector_spki = 1;
constexpr std::uint8_t k_matching_full = 0;
constexpr std::uint8_t k_matching_sha256 = 1;
constexpr std::uint8_t k_matching_sha512 = 2;

std::optional<Bytes> parse_hex(std::string_view hex)
{
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  };
  if (hex.size() % 2 != 0) {
    return std::nullopt;
  }
  Bytes bytes;
  bytes.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int high = nibble(hex[i]);
    const int low = nibble(hex[i + 1]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    bytes.push_back(static_cast<unsigned char>(high * 16 + low));
  }
  return bytes;
}

// A record that passed the usability rules, with its association data decoded.
struct UsableRecord
{
  const TlsaRecord* record = nullptr;
  Bytes data;
  X509Ptr certificate; // "x 0 0": the certificate the record carries
  EvpPkeyPtr key;      // "x 1 0": the public key the record carries
};

std::string listed(const TlsaRecord& record, std::string_view why)
{
  return fmt::format("{}: {}", record.to_string(), why);
}

// Why `record` is unusable for SMTP, or nothing when it is usable; then `usable` is filled in.
std::optional<std::string> classify(const TlsaRecord& record, UsableRecord& usable)
{
  if (record.usage == k_usage_pkix_ta) {
    return "certificate usage PKIX-TA(0) is not used with SMTP (RFC 7672 §3.1.3)";
  }
  if (record.usage == k_usage_pkix_ee) {
    return "certificate usage PKIX-EE(1) is not used with SMTP (RFC 7672 §3.1.3)";
  }
  if (record.usage != k_usage_dane_ta && record.usage != k_usage_dane_ee) {
    return fmt::format("unknown certificate usage {}", record.usage);
  }
  if (record.selector != k_selector_cert && record.selector != k_selector_spki) {
    return fmt::format("unknown selector {}", record.selector);
  }
  if (record.matching_type > k_matching_sha512) {
    return fmt::format("unknown matching type {}", record.matching_type);
  }
  std::optional<Bytes> data = parse_hex(record.data_hex);
  if (!data) {
    return "the association data is not hexadecimal";
  }
  if (data->empty()) {
    return "the association data is empty";
  }
  if (record.matching_type == k_matching_sha256 && data->size() != 32) {
    return fmt::format("a SHA2-256 digest has 32 octets, this one has {}", data->size());
  }
  if (record.matching_type == k_matching_sha512 && data->size() != 64) {
    return fmt::format("a SHA2-512 digest has 64 octets, this one has {}", data->size());
  }
  if (record.matching_type == k_matching_full) {
    const unsigned char* cursor = data->data();
    const unsigned char* const end = data->data() + data->size();
    const auto length = static_cast<long>(data->size());
    if (record.selector == k_selector_cert) {
      usable.certificate.reset(d2i_X509(nullptr, &cursor, length));
      if (!usable.certificate || cursor != end) {
        ERR_clear_error();
        return "the association data is not a DER certificate";
      }
    } else {
      usable.key.reset(d2i_PUBKEY(nullptr, &cursor, length));
      if (!usable.key || cursor != end) {
        ERR_clear_error();
        return "the association data is not a DER SubjectPublicKeyInfo";
      }
    }
  }
  usable.record = &record;
  usable.data = std::move(*data);
  return std::nullopt;
}

// RFC 7671 §9: with a SHA2-512 record for a usage and selector, the SHA2-256 records with the same
// usage and selector are not used.
void apply_digest_agility(std::vector<UsableRecord>& usable, DaneOutcome& outcome)
{
  std::vector<bool> superseded(usable.size(), false);
  for (std::size_t i = 0; i < usable.size(); ++i) {
    const TlsaRecord& record = *usable[i].record;
    superseded[i] = record.matching_type == k_matching_sha256 &&
                    std::any_of(usable.begin(), usable.end(), [&record](const UsableRecord& other) {
                      return other.record->usage == record.usage &&
                             other.record->selector == record.selector &&
                             other.record->matching_type == k_matching_sha512;
                    });
  }
  std::vector<UsableRecord> kept;
  for (std::size_t i = 0; i < usable.size(); ++i) {
    if (superseded[i]) {
      outcome.unusable.push_back(listed(*usable[i].record,
                                        "ignored: a SHA2-512 record with the same usage and "
                                        "selector takes precedence (RFC 7671 §9)"));
    } else {
      kept.push_back(std::move(usable[i]));
    }
  }
  usable = std::move(kept);
}

// The DER form of the part of `certificate` that `selector` names.
std::optional<Bytes> selected_der(X509* certificate, std::uint8_t selector)
{
  const X509_PUBKEY* key = X509_get_X509_PUBKEY(certificate);
  const int length = selector == k_selector_cert ? i2d_X509(certificate, nullptr)
                     : key == nullptr            ? -1
                                                 : i2d_X509_PUBKEY(key, nullptr);
  if (length <= 0) {
    ERR_clear_error();
    return std::nullopt;
  }
  Bytes der(static_cast<std::size_t>(length));
  unsigned char* out = der.data();
  const int written =
      selector == k_selector_cert ? i2d_X509(certificate, &out) : i2d_X509_PUBKEY(key, &out);
  if (written != length) {
    ERR_clear_error();
    return std::nullopt;
  }
  return der;
}

bool matches(const UsableRecord& usable, X509* certificate)
{
  const std::optional<Bytes> der = selected_der(certificate, usable.record->selector);
  if (!der) {
    return false;
  }
  if (usable.record->matching_type == k_matching_full) {
    return *der == usable.data;
  }
  const EVP_MD* digest =
      usable.record->matching_type == k_matching_sha256 ? EVP_sha256() : EVP_sha512();
  std::array<unsigned char, EVP_MAX_MD_SIZE> hash{};
  unsigned int length = 0;
  if (EVP_Digest(der->data(), der->size(), hash.data(), &length, digest, nullptr) != 1) {
    ERR_clear_error();
    return false;
  }
  return std::equal(hash.begin(), hash.begin() + length, usable.data.begin(), usable.data.end());
}

std::string subject_of(X509* certificate)
{
  std::string subject = summarize_certificate(certificate).subject;
  return subject.empty() ? std::string("(no subject)") : fmt::format("\"{}\"", subject);
}

struct ReferenceIdentifier
{
  std::string_view name;
  std::string_view role;
};

std::string joined(const std::vector<std::string>& items, std::string_view separator)
{
  std::string text;
  for (const std::string& item : items) {
    if (!text.empty()) {
      text += separator;
    }
    text += item;
  }
  return text;
}

// How far one DANE-TA(2) trust anchor got.
struct AnchorResult
{
  Failure failure = Failure::none;
  std::string why;          // the failure, as a phrase
  std::string matched_name; // the leaf SAN that matched
  std::string matched_role; // the reference identifier it matched, with its role
  int depth = -1;           // depth of the trust anchor in the verified chain
};

int rank(Failure failure)
{
  switch (failure) {
  case Failure::no_match:
    return 1;
  case Failure::chain_untrusted:
    return 2;
  case Failure::expired:
    return 3;
  case Failure::name_mismatch:
    return 4;
  case Failure::none:
  case Failure::no_certificate:
    break;
  }
  return 0;
}

// Verifies `chain` (leaf first) up to `anchor` as the only trusted certificate, then the dates of
// every verified certificate below the anchor (and of the anchor too when `date_anchor`, for a
// certificate signed by a bare trust-anchor key), then the leaf names. `anchor_name` names the
// anchor in the reasons ("the trust anchor ...").
AnchorResult verify_to_anchor(std::span<X509* const> chain, X509* anchor, bool date_anchor,
                              std::string_view anchor_name,
                              std::span<const ReferenceIdentifier> references)
{
  AnchorResult result;
  const X509StorePtr store(X509_STORE_new());
  const BorrowedX509StackPtr untrusted(sk_X509_new_null());
  const X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  bool ready = store && untrusted && ctx && X509_STORE_add_cert(store.get(), anchor) == 1;
  for (std::size_t i = 1; ready && i < chain.size(); ++i) {
    ready = sk_X509_push(untrusted.get(), chain[i]) > 0;
  }
  ready = ready && X509_STORE_CTX_init(ctx.get(), store.get(), chain[0], untrusted.get()) == 1 &&
          X509_STORE_CTX_set_default(ctx.get(), "ssl_server") == 1;
  if (ready) {
    X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx.get()),
                                X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_NO_CHECK_TIME);
  }
  if (!ready) {
    ERR_clear_error();
    result.failure = Failure::chain_untrusted;
    result.why = "OpenSSL could not set up the chain verification";
    return result;
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    const int error = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    result.failure = Failure::chain_untrusted;
    result.why = fmt::format("the chain from the leaf does not verify up to {}: {} at depth {}",
                             anchor_name, X509_verify_cert_error_string(error),
                             X509_STORE_CTX_get_error_depth(ctx.get()));
    return result;
  }

  const STACK_OF(X509)* verified = X509_STORE_CTX_get0_chain(ctx.get());
  const int count = verified == nullptr ? 0 : sk_X509_num(verified);
  result.depth = count - 1;
  std::time_t now = std::time(nullptr);
  for (int i = 0; i < (date_anchor ? count : count - 1); ++i) {
    X509* certificate = sk_X509_value(verified, i);
    const int starts = X509_cmp_time(X509_get0_notBefore(certificate), &now);
    const int ends = X509_cmp_time(X509_get0_notAfter(certificate), &now);
    if (starts == 0 || ends == 0 || starts > 0 || ends < 0) {
      ERR_clear_error();
      const CertificateSummary summary = summarize_certificate(certificate);
      const std::string subject = subject_of(certificate);
      result.failure = Failure::expired;
      result.why = starts == 0 || ends == 0
                       ? fmt::format("the certificate {} at depth {} has an unreadable validity "
                                     "period",
                                     subject, i)
                   : starts > 0
                       ? fmt::format("the certificate {} at depth {} is not valid before {}",
                                     subject, i, util::format_rfc3339_utc(summary.not_before))
                       : fmt::format("the certificate {} at depth {} expired at {}", subject, i,
                                     util::format_rfc3339_utc(summary.not_after));
      return result;
    }
  }

  const CertificateSummary leaf = summarize_certificate(chain[0]);
  std::vector<std::string> wanted;
  for (const ReferenceIdentifier& reference : references) {
    const core::IdentityResult identity =
        core::match_certificate_identity(leaf.san_dns_names, reference.name);
    if (identity.matched) {
      result.matched_name = identity.matched_name;
      result.matched_role = fmt::format("{} ({})", reference.name, reference.role);
      return result;
    }
    wanted.push_back(fmt::format("{} ({})", reference.name, reference.role));
  }
  result.failure = Failure::name_mismatch;
  result.why =
      fmt::format("the chain verifies up to {}, but {} of the leaf matches {}", anchor_name,
                  leaf.san_dns_names.empty() ? std::string("no subjectAltName dNSName")
                                             : fmt::format("no subjectAltName dNSName ({})",
                                                           joined(leaf.san_dns_names, ", ")),
                  wanted.empty() ? std::string("a reference identifier (none was given)")
                                 : joined(wanted, " or "));
  return result;
}

std::string_view selected_part(const TlsaRecord& record)
{
  return record.selector == k_selector_cert ? "certificate" : "public key";
}

} // namespace

std::string_view dane_verdict_name(DaneOutcome::Verdict verdict)
{
  switch (verdict) {
  case DaneOutcome::Verdict::no_usable_records:
    return "no-usable-records";
  case DaneOutcome::Verdict::verified:
    return "verified";
  case DaneOutcome::Verdict::failed:
    return "failed";
  }
  return "failed";
}

std::string_view dane_failure_name(DaneOutcome::Failure failure)
{
  switch (failure) {
  case Failure::none:
    return "none";
  case Failure::no_certificate:
    return "no-certificate";
  case Failure::no_match:
    return "no-match";
  case Failure::chain_untrusted:
    return "chain-untrusted";
  case Failure::expired:
    return "expired";
  case Failure::name_mismatch:
    return "name-mismatch";
  }
  return "none";
}

DaneOutcome verify_dane(std::span<const TlsaRecord> records, std::span<X509* const> presented,
                        std::string_view mx_host, std::string_view tlsa_base_domain)
{
  DaneOutcome outcome;
  std::vector<UsableRecord> usable;
  for (const TlsaRecord& record : records) {
    UsableRecord candidate;
    if (const std::optional<std::string> why = classify(record, candidate)) {
      outcome.unusable.push_back(listed(record, *why));
    } else {
      usable.push_back(std::move(candidate));
    }
  }
  apply_digest_agility(usable, outcome);
  if (usable.empty()) {
    outcome.verdict = DaneOutcome::Verdict::no_usable_records;
    outcome.detail =
        records.empty() ? "There are no TLSA records, so DANE does not authenticate this server."
        : records.size() == 1
            ? std::string("The only TLSA record is not usable for SMTP, so it authenticates "
                          "nothing (RFC 7672 §2.2).")
            : fmt::format("None of the {} TLSA records is usable for SMTP, so they authenticate "
                          "nothing (RFC 7672 §2.2).",
                          records.size());
    return outcome;
  }

  std::vector<X509*> chain;
  std::copy_if(presented.begin(), presented.end(), std::back_inserter(chain),
               [](X509* certificate) { return certificate != nullptr; });
  outcome.verdict = DaneOutcome::Verdict::failed;
  if (chain.empty()) {
    outcome.failure = Failure::no_certificate;
    outcome.detail = "The server presented no certificate, so no TLSA record can match it.";
    return outcome;
  }
  X509* const leaf = chain.front();

  const auto verified = [&outcome](const TlsaRecord& record, int depth, std::string detail) {
    outcome.verdict = DaneOutcome::Verdict::verified;
    outcome.failure = Failure::none;
    outcome.matched_record = record.to_string();
    outcome.matched_depth = depth;
    outcome.detail = std::move(detail);
    return outcome;
  };

  for (const UsableRecord& candidate : usable) {
    const TlsaRecord& record = *candidate.record;
    if (record.usage != k_usage_dane_ee) {
      continue;
    }
    if (matches(candidate, leaf)) {
      return verified(record, 0,
                      fmt::format("The leaf {} matches the DANE-EE(3) record {} {} {}; DANE-EE(3) "
                                  "does not check names or validity dates (RFC 7672 §3.1.1).",
                                  selected_part(record), record.usage, record.selector,
                                  record.matching_type));
    }
    outcome.rejected.push_back(
        listed(record, fmt::format("does not match the leaf {}", selected_part(record))));
  }

  std::vector<ReferenceIdentifier> references;
  if (!tlsa_base_domain.empty()) {
    references.push_back({tlsa_base_domain, "TLSA base domain"});
  }
  if (!mx_host.empty() && mx_host != tlsa_base_domain) {
    references.push_back({mx_host, "MX host"});
  }

  AnchorResult best{Failure::no_match, {}, {}, {}, -1};
  for (const UsableRecord& candidate : usable) {
    const TlsaRecord& record = *candidate.record;
    if (record.usage != k_usage_dane_ta) {
      continue;
    }
    // The trust anchors this record names.
    struct Anchor
    {
      X509* certificate; // the trusted certificate
      bool date_anchor;  // its dates are checked too: it was signed by a bare trust-anchor key
      std::string name;  // for reasons: "the trust anchor ..."
      std::string how;   // for the detail: how the record names it
    };
    std::vector<Anchor> anchors;
    for (std::size_t depth = 1; depth < chain.size(); ++depth) {
      if (matches(candidate, chain[depth])) {
        const std::string subject = subject_of(chain[depth]);
        anchors.push_back({chain[depth], false, fmt::format("the trust anchor {}", subject),
                           fmt::format("names the presented certificate {} at depth {} as trust "
                                       "anchor",
                                       subject, depth)});
      }
    }
    if (anchors.empty() && candidate.certificate &&
        X509_cmp(candidate.certificate.get(), leaf) != 0) {
      const std::string subject = subject_of(candidate.certificate.get());
      anchors.push_back({candidate.certificate.get(), false,
                         fmt::format("the trust anchor {} from the record", subject),
                         fmt::format("carries the trust-anchor certificate {} itself", subject)});
    }
    if (anchors.empty() && candidate.key) {
      for (std::size_t depth = 0; depth < chain.size(); ++depth) {
        if (X509_verify(chain[depth], candidate.key.get()) == 1) {
          const std::string subject = subject_of(chain[depth]);
          anchors.push_back(
              {chain[depth], true,
               fmt::format("the certificate {} signed by the trust-anchor key of the record",
                           subject),
               fmt::format("carries the trust-anchor key itself, which signed {}", subject)});
        }
      }
      ERR_clear_error();
    }
    if (anchors.empty()) {
      outcome.rejected.push_back(listed(
          record,
          matches(candidate, leaf)
              ? "matches only the leaf certificate; a DANE-TA(2) record names an issuer (a leaf "
                "is authenticated with DANE-EE(3))"
              : "matches no certificate the server presented above the leaf (a server relying on "
                "DANE-TA(2) must send the trust-anchor certificate, RFC 7672 §3.1.2)"));
      continue;
    }
    for (const Anchor& anchor : anchors) {
      AnchorResult result =
          verify_to_anchor(chain, anchor.certificate, anchor.date_anchor, anchor.name, references);
      if (result.failure == Failure::none) {
        outcome.matched_name = result.matched_name;
        return verified(
            record, result.depth,
            fmt::format("The DANE-TA(2) record {} {} {} {}; the chain verifies up to it and the "
                        "leaf name {} matches {}.",
                        record.usage, record.selector, record.matching_type, anchor.how,
                        result.matched_name, result.matched_role));
      }
      outcome.rejected.push_back(listed(record, result.why));
      if (rank(result.failure) > rank(best.failure)) {
        best = std::move(result);
      }
    }
  }

  outcome.failure = best.failure;
  if (best.failure == Failure::no_match) {
    outcome.detail = usable.size() == 1
                         ? std::string("The usable TLSA record does not match the certificate "
                                       "chain the server presented.")
                         : fmt::format("None of the {} usable TLSA records matches the "
                                       "certificate chain the server presented.",
                                       usable.size());
  } else {
    std::string why = std::move(best.why);
    if (why.front() >= 'a' && why.front() <= 'z') {
      why.front() = static_cast<char>(why.front() - 'a' + 'A');
    }
    outcome.detail = fmt::format("{}.", why);
  }
  return outcome;
}

DaneOutcome verify_dane(std::span<const TlsaRecord> records, SSL* ssl, std::string_view mx_host,
                        std::string_view tlsa_base_domain)
{
  std::vector<X509*> chain;
  if (X509* leaf = SSL_get0_peer_certificate(ssl)) {
    // On a client the peer chain starts with the leaf; after session resumption it is absent.
    const STACK_OF(X509)* peer_chain = SSL_get_peer_cert_chain(ssl);
    const int count = peer_chain == nullptr ? 0 : sk_X509_num(peer_chain);
    if (count == 0 || X509_cmp(sk_X509_value(peer_chain, 0), leaf) != 0) {
      chain.push_back(leaf);
    }
    for (int i = 0; i < count; ++i) {
      chain.push_back(sk_X509_value(peer_chain, i));
    }
  }
  return verify_dane(records, std::span<X509* const>(chain), mx_host, tlsa_base_domain);
}

std::optional<core::ResultType> dane_result_type(const DaneOutcome& outcome,
                                                 DnssecStatus tlsa_status)
{
  using core::ResultType;
  if (tlsa_status == DnssecStatus::bogus) {
    return ResultType::dnssec_invalid;
  }
  if (tlsa_status == DnssecStatus::insecure) {
    return std::nullopt;
  }
  switch (outcome.verdict) {
  case DaneOutcome::Verdict::verified:
    return std::nullopt;
  case DaneOutcome::Verdict::no_usable_records:
    return outcome.unusable.empty() ? std::nullopt : std::optional(ResultType::tlsa_invalid);
  case DaneOutcome::Verdict::failed:
    break;
  }
  switch (outcome.failure) {
  case Failure::chain_untrusted:
    return ResultType::certificate_not_trusted;
  case Failure::expired:
    return ResultType::certificate_expired;
  case Failure::name_mismatch:
    return ResultType::certificate_host_mismatch;
  case Failure::no_certificate:
    return ResultType::validation_failure;
  case Failure::no_match:
  case Failure::none:
    break;
  }
  return ResultType::tlsa_invalid;
}

} // namespace mtasts::net
