#ifndef TIDEGATE_COPENSSL_SHIM_H
#define TIDEGATE_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/pem.h>
#endif
