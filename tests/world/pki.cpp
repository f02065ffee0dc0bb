#include "pki.hpp"

#include <mtasts/net/openssl_handles.hpp>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <cstdio>

namespace mtasts::testworld {

namespace {

struct FileDeleter
{
  void operator()(FILE* file) const { std::fclose(file); }
};
using KeyPtr = net::EvpPkeyPtr;
using CertificatePtr = net::X509Ptr;

KeyPtr make_key()
{
  return KeyPtr(EVP_EC_gen("P-256"));
}

bool add_extension(X509* certificate, X509* issuer, int nid, const std::string& value)
{
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  const net::X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
  return extension && X509_add_ext(certificate, extension.get(), -1) == 1;
}

// A certificate for `subject_key`, signed by `signer_key` (issuer = `issuer`, or itself).
CertificatePtr make_certificate(const std::string& common_name, EVP_PKEY* subject_key, X509* issuer,
                                EVP_PKEY* signer_key, std::chrono::seconds from,
                                std::chrono::seconds until, const std::string& alt_names, bool ca)
{
  CertificatePtr certificate(X509_new());
  X509_set_version(certificate.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* number = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate.get()));
  BN_free(number);
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), static_cast<long>(from.count()));
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), static_cast<long>(until.count()));
  X509_NAME* name = X509_get_subject_name(certificate.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(certificate.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(certificate.get(), subject_key);
  X509* issuer_or_self = issuer != nullptr ? issuer : certificate.get();
  bool ok = add_extension(certificate.get(), issuer_or_self, NID_basic_constraints,
                          ca ? "critical,CA:TRUE" : "CA:FALSE");
  ok = ok && add_extension(certificate.get(), issuer_or_self, NID_key_usage,
                           ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  if (!ca) {
    ok = ok && add_extension(certificate.get(), issuer_or_self, NID_ext_key_usage,
                             "serverAuth,clientAuth");
  }
  if (!alt_names.empty()) {
    ok = ok && add_extension(certificate.get(), issuer_or_self, NID_subject_alt_name, alt_names);
  }
  if (!ok || X509_sign(certificate.get(), signer_key, EVP_sha256()) == 0) {
    return nullptr;
  }
  return certificate;
}

bool write_pem(const std::filesystem::path& path, X509* certificate, EVP_PKEY* key)
{
  const std::unique_ptr<FILE, FileDeleter> file(std::fopen(path.c_str(), "w"));
  if (!file) {
    return false;
  }
  if (certificate != nullptr) {
    return PEM_write_X509(file.get(), certificate) == 1;
  }
  return PEM_write_PrivateKey(file.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
}

} // namespace

struct TestCa::State
{
  KeyPtr key;
  CertificatePtr certificate;
};

TestCa::TestCa(std::filesystem::path directory, std::filesystem::path ca_file,
               std::unique_ptr<State> state)
    : m_directory(std::move(directory)), m_ca_file(std::move(ca_file)), m_state(std::move(state))
{}
TestCa::TestCa(TestCa&&) noexcept = default;
TestCa& TestCa::operator=(TestCa&&) noexcept = default;
TestCa::~TestCa() = default;

util::Expected<TestCa, std::string> TestCa::create(const std::filesystem::path& directory,
                                                   const std::string& name)
{
  std::filesystem::create_directories(directory);
  auto state = std::make_unique<State>();
  state->key = make_key();
  if (!state->key) {
    return util::Unexpected(std::string("cannot generate the CA key"));
  }
  state->certificate =
      make_certificate(name, state->key.get(), nullptr, state->key.get(), -std::chrono::hours(24),
                       std::chrono::hours(24 * 3650), "", true);
  const auto ca_file = directory / "ca.pem";
  if (!state->certificate || !write_pem(ca_file, state->certificate.get(), nullptr)) {
    return util::Unexpected(std::string("cannot create the test CA"));
  }
  return TestCa(directory, ca_file, std::move(state));
}

util::Expected<CertificateFiles, std::string> TestCa::issue(const std::string& file_stem,
                                                            const CertificateRequest& request) const
{
  const KeyPtr key = make_key();
  std::string alt_names;
  for (const auto& dns_name : request.dns_names) {
    alt_names += (alt_names.empty() ? "DNS:" : ",DNS:") + dns_name;
  }
  for (const auto& address : request.ip_addresses) {
    alt_names += (alt_names.empty() ? "IP:" : ",IP:") + address;
  }
  const auto certificate =
      request.self_signed
          ? make_certificate(request.common_name, key.get(), nullptr, key.get(), request.valid_from,
                             request.valid_until, alt_names, false)
          : make_certificate(request.common_name, key.get(), m_state->certificate.get(),
                             m_state->key.get(), request.valid_from, request.valid_until, alt_names,
                             false);
  CertificateFiles files{m_directory / (file_stem + ".pem"), m_directory / (file_stem + ".key")};
  if (!certificate || !write_pem(files.certificate, certificate.get(), nullptr) ||
      !write_pem(files.key, nullptr, key.get())) {
    return util::Unexpected(fmt::format("cannot issue a certificate for {}", request.common_name));
  }
  return files;
}

util::Expected<std::string, std::string> spki_sha256_hex(const std::filesystem::path& pem)
{
  const std::unique_ptr<FILE, FileDeleter> file(std::fopen(pem.c_str(), "r"));
  if (!file) {
    return util::Unexpected("cannot read " + pem.string());
  }
  const CertificatePtr certificate(PEM_read_X509(file.get(), nullptr, nullptr, nullptr));
  if (!certificate) {
    return util::Unexpected("no PEM certificate in " + pem.string());
  }
  unsigned char* der = nullptr;
  const int length = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(certificate.get()), &der);
  if (length <= 0) {
    return util::Unexpected("cannot encode the public key of " + pem.string());
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_length = 0;
  const bool hashed = EVP_Digest(der, static_cast<std::size_t>(length), digest.data(),
                                 &digest_length, EVP_sha256(), nullptr) == 1;
  OPENSSL_free(der);
  if (!hashed) {
    return util::Unexpected("SHA-256 failed");
  }
  std::string hex;
  for (unsigned int i = 0; i < digest_length; ++i) {
    hex += fmt::format("{:02x}", digest[i]);
  }
  return hex;
}

} // namespace mtasts::testworld
