// A throw-away PKI for the test world: a root CA and leaf certificates with any names and
// validity window (including already expired ones), written as PEM files for real servers
// (nginx, SMTP receivers) and as the trust file for the client under test.
#pragma once

#include <mtasts/util/expected.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace mtasts::testworld {

struct CertificateRequest
{
  std::string common_name;
  std::vector<std::string> dns_names;    // subjectAltName dNSName entries (none = CN-only)
  std::vector<std::string> ip_addresses; // subjectAltName iPAddress entries
  std::chrono::seconds valid_from{-std::chrono::hours(1)}; // relative to now
  std::chrono::seconds valid_until{std::chrono::hours(24 * 30)};
  bool self_signed = false; // signed by its own key instead of the CA
};

struct CertificateFiles
{
  std::filesystem::path certificate; // leaf PEM (followed by nothing: the root is the anchor)
  std::filesystem::path key;         // private key PEM
};

class TestCa
{
public:
  // Writes <directory>/ca.pem and keeps the CA key in memory.
  static util::Expected<TestCa, std::string> create(const std::filesystem::path& directory,
                                                    const std::string& name = "Test World Root CA");
  TestCa(TestCa&&) noexcept;
  TestCa& operator=(TestCa&&) noexcept;
  ~TestCa();

  const std::filesystem::path& ca_file() const { return m_ca_file; }
  // Writes <directory>/<file_stem>.pem and .key.
  util::Expected<CertificateFiles, std::string> issue(const std::string& file_stem,
                                                      const CertificateRequest& request) const;

private:
  struct State;
  TestCa(std::filesystem::path directory, std::filesystem::path ca_file,
         std::unique_ptr<State> state);
  std::filesystem::path m_directory;
  std::filesystem::path m_ca_file;
  std::unique_ptr<State> m_state;
};

// SHA-256 of the DER SubjectPublicKeyInfo of the first certificate in the PEM file `pem`, as
// lowercase hex: the association data of a "3 1 1" TLSA record for it (RFC 6698 §2.1, RFC 7671
// §5.1). Errors: the file is unreadable or holds no certificate.
util::Expected<std::string, std::string> spki_sha256_hex(const std::filesystem::path& pem);

} // namespace mtasts::testworld
