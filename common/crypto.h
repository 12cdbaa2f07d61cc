/* common/crypto.h - the few crypto operations FlawFix needs, over libsodium.
 * ff_crypto_init() must be called once before any other function here. */
#ifndef FF_COMMON_CRYPTO_H
#define FF_COMMON_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int ff_crypto_init(void);
void ff_random(void *out, size_t n);
/* ff_hex writes 2n+1 bytes (lower-case hex and NUL) to out. */
void ff_hex(const void *in, size_t n, char *out);
/* ff_sha256_hex: out has 65 bytes. */
void ff_sha256_hex(const void *in, size_t n, char out[65]);
/* ff_hmac_sha256: out has 32 bytes; key any length. */
void ff_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n, uint8_t out[32]);
/* constant-time equality of two strings (length leaks, content does not) */
bool ff_str_ct_equal(const char *a, const char *b);
/* ff_base64 writes the standard base64 (with padding) of in[0..n) into
 * out, NUL-terminated; outlen must be at least 4 * ((n + 2) / 3) + 1. */
void ff_base64(char *out, size_t outlen, const void *in, size_t n);
/* ff_token_new returns a new random API token "fft_<43 base64url chars>";
 * the caller frees it. */
char *ff_token_new(const char *prefix);
/* ff_password_new returns a random 20-character password; caller frees. */
char *ff_password_new(void);
/* Argon2id password hashing: hash is a NUL-terminated string of at most
 * 128 bytes. Returns FF_OK or FF_EPERM. */
int ff_password_hash(const char *password, char out[128]);
bool ff_password_verify(const char *hash, const char *password);
/* ff_key_load reads a 32-byte key from path, creating it (mode 0600) when
 * missing. Returns FF_OK or FF_EPERM with errno-style message in err. */
int ff_key_load(const char *path, uint8_t key[32], char *err, size_t errlen);

/* Secrets at rest: XSalsa20-Poly1305 (libsodium secretbox) under a 32-byte
 * key from ff_key_load. ff_secret_seal returns "v1:" + base64(nonce ||
 * ciphertext) (caller frees). ff_secret_open returns the plaintext
 * (caller frees) or NULL when the text is not ours or was tampered with. */
char *ff_secret_seal(const uint8_t key[32], const char *plain);
char *ff_secret_open(const uint8_t key[32], const char *sealed);

#endif
