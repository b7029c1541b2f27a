#ifndef SWIFTASGI_CCRYPTO_SHIM_H
#define SWIFTASGI_CCRYPTO_SHIM_H
/* OpenSSL's libcrypto (Debian's libssl-dev): SHA-1 for the WebSocket handshake. */
#include <openssl/sha.h>
#include <openssl/evp.h>
#endif
