// The pure parts of the ACME client: base64url (RFC 4648 §5, no padding), the JWK and its
// RFC 7638 thumbprint, key authorizations, CSRs and the tls-alpn-01 certificate (RFC 8737).
#include <mtasts/net/acme.hpp>

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace {

using namespace mtasts;

TEST(NetAcme, Base64urlHasNoPaddingAndTheUrlAlphabet)
{
  EXPECT_EQ(net::base64url(""), "");
  EXPECT_EQ(net::base64url("f"), "Zg");
  EXPECT_EQ(net::base64url("fo"), "Zm8");
  EXPECT_EQ(net::base64url("foo"), "Zm9v");
  EXPECT_EQ(net::base64url("foob"), "Zm9vYg");
  EXPECT_EQ(net::base64url("\xfb\xff\xbf"), "-_-_");
}

TEST(NetAcme, JwkIsCanonicalAndItsThumbprintIsStable)
{
  const auto key = net::generate_p256_key();
  ASSERT_TRUE(key);
  const auto jwk = net::ec_jwk(key.get());
  ASSERT_TRUE(jwk) << jwk.error();
  EXPECT_TRUE(jwk->starts_with(R"({"crv":"P-256","kty":"EC","x":")")) << *jwk;
  EXPECT_EQ(jwk->size(), std::string(R"({"crv":"P-256","kty":"EC","x":"","y":""})").size() + 86);
  const auto thumbprint = net::jwk_thumbprint(*jwk);
  EXPECT_EQ(thumbprint.size(), 43U); // 32 octets
  EXPECT_EQ(net::key_authorization("tok", thumbprint), "tok." + thumbprint);
  // The key survives PEM.
  const auto again = net::read_private_key_pem(net::private_key_pem(key.get()));
  ASSERT_TRUE(again);
  EXPECT_EQ(net::ec_jwk(again->get()).value(), *jwk);
}

TEST(NetAcme, TlsAlpnCertificateCarriesTheNameAndTheCriticalAcmeIdentifier)
{
  const auto context = net::tls_alpn_challenge_context("mta-sts.example.test", "tok.print");
  ASSERT_TRUE(context) << context.error();
  X509* certificate = SSL_CTX_get0_certificate(context->get());
  ASSERT_NE(certificate, nullptr);
  std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> oid(
      OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1), &ASN1_OBJECT_free);
  const int index = X509_get_ext_by_OBJ(certificate, oid.get(), -1);
  ASSERT_GE(index, 0);
  X509_EXTENSION* extension = X509_get_ext(certificate, index);
  EXPECT_EQ(X509_EXTENSION_get_critical(extension), 1);
  // An OCTET STRING (04 20) of the 32-octet SHA-256 digest.
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(extension);
  ASSERT_EQ(ASN1_STRING_length(data), 34);
  EXPECT_EQ(ASN1_STRING_get0_data(data)[0], 0x04);
  EXPECT_EQ(ASN1_STRING_get0_data(data)[1], 0x20);
  EXPECT_EQ(X509_check_host(certificate, "mta-sts.example.test", 0, 0, nullptr), 1);
}

TEST(NetAcme, CsrNamesTheHost)
{
  const auto key = net::generate_p256_key();
  const auto der = net::make_csr(key.get(), "mta-sts.example.test");
  ASSERT_TRUE(der) << der.error();
  const auto* cursor = reinterpret_cast<const unsigned char*>(der->data());
  X509_REQ* request = d2i_X509_REQ(nullptr, &cursor, static_cast<long>(der->size()));
  ASSERT_NE(request, nullptr);
  EXPECT_EQ(X509_REQ_verify(request, key.get()), 1);
  X509_REQ_free(request);
}

} // namespace
