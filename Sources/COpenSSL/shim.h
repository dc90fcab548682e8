// Functions that OpenSSL defines as macros, which Swift cannot import, as inline wrappers.
#ifndef VIGIL_COPENSSL_SHIM_H
#define VIGIL_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/rand.h>

static inline long vigil_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}
static inline long vigil_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}
static inline long vigil_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}
static inline long vigil_BIO_pending(BIO *bio) {
    return (long)BIO_pending(bio);
}
static inline int vigil_TLS1_2_VERSION(void) { return TLS1_2_VERSION; }
static inline unsigned long vigil_XN_FLAG_RFC2253(void) { return XN_FLAG_RFC2253; }
static inline void vigil_OPENSSL_free(void *pointer) { OPENSSL_free(pointer); }
#endif
