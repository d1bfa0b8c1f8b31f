#ifndef TIDEGATE_COPENSSL_SHIM_H
#define TIDEGATE_COPENSSL_SHIM_H
// OpenSSL 3 headers plus one-line wrappers for the macros Swift cannot import.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

static inline int tg_ssl_ctx_set_min_proto_version(SSL_CTX *ctx, int version) { return (int)SSL_CTX_set_min_proto_version(ctx, version); }
static inline int tg_ssl_ctx_set_max_proto_version(SSL_CTX *ctx, int version) { return (int)SSL_CTX_set_max_proto_version(ctx, version); }
static inline long tg_ssl_ctx_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
static inline long tg_ssl_ctx_set_session_cache_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_session_cache_mode(ctx, mode); }
static inline long tg_ssl_ctx_sess_set_cache_size(SSL_CTX *ctx, long size) { return SSL_CTX_sess_set_cache_size(ctx, size); }
static inline int tg_ssl_ctx_set1_groups_list(SSL_CTX *ctx, const char *groups) { return (int)SSL_CTX_set1_groups_list(ctx, groups); }
static inline void tg_ssl_ctx_set_read_ahead(SSL_CTX *ctx, int on) { SSL_CTX_set_read_ahead(ctx, on); }
static inline long tg_ssl_session_reused(SSL *ssl) { return SSL_session_reused(ssl); }
static inline size_t tg_bio_pending(BIO *bio) { return (size_t)BIO_pending(bio); }
static inline long tg_bio_get_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }
static inline EVP_PKEY *tg_evp_ec_gen(const char *curve) { return EVP_EC_gen(curve); }
static inline void tg_x509v3_set_ctx_nodb(X509V3_CTX *ctx) { X509V3_set_ctx_nodb(ctx); }

static const uint64_t TG_SSL_OP_NO_COMPRESSION = SSL_OP_NO_COMPRESSION;
static const uint64_t TG_SSL_OP_NO_RENEGOTIATION = SSL_OP_NO_RENEGOTIATION;
static const uint64_t TG_SSL_OP_CIPHER_SERVER_PREFERENCE = SSL_OP_CIPHER_SERVER_PREFERENCE;
static const uint64_t TG_SSL_OP_IGNORE_UNEXPECTED_EOF = SSL_OP_IGNORE_UNEXPECTED_EOF;
static const uint64_t TG_SSL_OP_NO_TICKET = SSL_OP_NO_TICKET;
static const long TG_SSL_MODE_ENABLE_PARTIAL_WRITE = SSL_MODE_ENABLE_PARTIAL_WRITE;
static const long TG_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER = SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER;
static const long TG_SSL_MODE_RELEASE_BUFFERS = SSL_MODE_RELEASE_BUFFERS;
static const long TG_SSL_SESS_CACHE_SERVER = SSL_SESS_CACHE_SERVER;
static const int TG_TLS1_2_VERSION = TLS1_2_VERSION;
static const int TG_TLS1_3_VERSION = TLS1_3_VERSION;
static const unsigned long TG_XN_FLAG_RFC2253 = XN_FLAG_RFC2253;
static const int TG_SSL_VERIFY_NONE = SSL_VERIFY_NONE;
static const int TG_SSL_VERIFY_PEER = SSL_VERIFY_PEER;
static const int TG_SSL_VERIFY_FAIL_IF_NO_PEER_CERT = SSL_VERIFY_FAIL_IF_NO_PEER_CERT;

/// Socket-BIO callback recording in the int at its callback argument whether the BIO's last read
/// from the kernel drained the socket: 1 after a short read or EAGAIN, 0 after a read that filled
/// the request (more may be waiting). With read-ahead OpenSSL asks for a whole buffer, so a short
/// read means the socket is empty, as for a plain read(2); the event loop then skips the read that
/// would only return EAGAIN.
static long tg_bio_note_drain(BIO *bio, int oper, const char *argp, size_t len, int argi, long argl,
                              int ret, size_t *processed) {
    (void)argp; (void)argi; (void)argl;
    if (oper == (BIO_CB_READ | BIO_CB_RETURN)) {
        int *drained = (int *)BIO_get_callback_arg(bio);
        if (drained != NULL) {
            if (ret > 0) *drained = processed != NULL && *processed < len;
            else *drained = BIO_should_retry(bio) ? 1 : 0;
        }
    }
    return ret;
}

/// SSL_set_fd with the reading and the writing side on separate socket BIOs (neither closes
/// the fd), the reading one noting drains in *drained: a callback on a shared BIO also ran for
/// every write and control call, about 1,400 instructions per request.
static inline int tg_ssl_set_socket(SSL *ssl, int fd, int *drained) {
    BIO *rbio = BIO_new_socket(fd, BIO_NOCLOSE);
    BIO *wbio = BIO_new_socket(fd, BIO_NOCLOSE);
    if (rbio == NULL || wbio == NULL) {
        BIO_free(rbio);
        BIO_free(wbio);
        return 0;
    }
    BIO_set_callback_arg(rbio, (char *)drained);
    BIO_set_callback_ex(rbio, tg_bio_note_drain);
    SSL_set_bio(ssl, rbio, wbio);
    return 1;
}

/// ALPN protocols in server preference order, in wire format (length-prefixed names).
typedef struct {
    unsigned int length;
    unsigned char wire[256];
} tg_alpn_preference;

// Picks the first server-preferred protocol the client offered; without overlap the handshake
// continues without ALPN (NOACK) so such clients are served HTTP/1.1 rather than refused.
static int tg_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                          const unsigned char *in, unsigned int inlen, void *arg) {
    (void)ssl;
    const tg_alpn_preference *pref = (const tg_alpn_preference *)arg;
    for (unsigned int s = 0; s < pref->length;) {
        unsigned int slen = pref->wire[s];
        if (s + 1 + slen > pref->length) break;
        for (unsigned int c = 0; c < inlen;) {
            unsigned int clen = in[c];
            if (c + 1 + clen > inlen) break;
            if (clen == slen && memcmp(in + c + 1, pref->wire + s + 1, slen) == 0) {
                *out = in + c + 1;
                *outlen = (unsigned char)clen;
                return SSL_TLSEXT_ERR_OK;
            }
            c += 1 + clen;
        }
        s += 1 + slen;
    }
    return SSL_TLSEXT_ERR_NOACK;
}

static inline void tg_ssl_ctx_set_alpn_preference(SSL_CTX *ctx, tg_alpn_preference *pref) {
    SSL_CTX_set_alpn_select_cb(ctx, tg_alpn_select, pref);
}
#endif
