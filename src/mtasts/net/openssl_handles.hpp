// Owned OpenSSL handles: std::unique_ptr with the library's own free function, one alias per
// handle type, used by net/ and by the tests (STYLE: wrap every C handle in RAII, once).
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace mtasts::net {

template <auto free_function>
struct OpensslFree
{
  template <typename Handle>
  void operator()(Handle* handle) const
  {
    free_function(handle);
  }
};

using BioPtr = std::unique_ptr<BIO, OpensslFree<&BIO_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpensslFree<&EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpensslFree<&EVP_PKEY_CTX_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpensslFree<&GENERAL_NAMES_free>>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, OpensslFree<&SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, OpensslFree<&SSL_free>>;
using X509Ptr = std::unique_ptr<X509, OpensslFree<&X509_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpensslFree<&X509_EXTENSION_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OpensslFree<&X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpensslFree<&X509_STORE_CTX_free>>;

} // namespace mtasts::net
