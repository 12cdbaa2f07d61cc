#include "crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"
#include "rc.h"

int ff_crypto_init(void)
{
	return sodium_init() < 0 ? FF_EPERM : FF_OK;
}

void ff_random(void *out, size_t n)
{
	randombytes_buf(out, n);
}

void ff_hex(const void *in, size_t n, char *out)
{
	sodium_bin2hex(out, n * 2 + 1, in, n);
}

void ff_sha256_hex(const void *in, size_t n, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, in, n);
	ff_hex(h, sizeof(h), out);
}

void ff_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n, uint8_t out[32])
{
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, msg, n);
	crypto_auth_hmacsha256_final(&st, out);
}

bool ff_str_ct_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return false;
	return sodium_memcmp(a, b, la) == 0;
}

char *ff_token_new(const char *prefix)
{
	unsigned char raw[32];
	char b64[64];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return xasprintf("%s%s", prefix, b64);
}

char *ff_password_new(void)
{
	static const char alpha[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	char *p = xmalloc(21);
	for (int i = 0; i < 20; i++)
		p[i] = alpha[randombytes_uniform(sizeof(alpha) - 1)];
	p[20] = '\0';
	return p;
}

int ff_password_hash(const char *password, char out[128])
{
	/* interactive limits: ~64 MiB, fast enough for a login */
	if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return FF_EPERM;
	return FF_OK;
}

bool ff_password_verify(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

int ff_key_load(const char *path, uint8_t key[32], char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		uint8_t k[32];
		randombytes_buf(k, sizeof(k));
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			snprintf(err, errlen, "could not create key file %s: %s", path, strerror(errno));
			return FF_EPERM;
		}
		if (write(fd, k, sizeof(k)) != (ssize_t)sizeof(k)) {
			snprintf(err, errlen, "could not write key file %s: %s", path, strerror(errno));
			close(fd);
			return FF_EPERM;
		}
		close(fd);
		memcpy(key, k, 32);
		sodium_memzero(k, sizeof(k));
		return FF_OK;
	}
	if (fd < 0) {
		snprintf(err, errlen, "could not open key file %s: %s", path, strerror(errno));
		return FF_EPERM;
	}
	ssize_t n = read(fd, key, 32);
	close(fd);
	if (n != 32) {
		snprintf(err, errlen, "key file %s: expected 32 bytes", path);
		return FF_EPERM;
	}
	return FF_OK;
}

char *ff_secret_seal(const uint8_t key[32], const char *plain)
{
	size_t n = strlen(plain);
	size_t rawlen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
	uint8_t *raw = xmalloc(rawlen);
	randombytes_buf(raw, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(raw + crypto_secretbox_NONCEBYTES, (const uint8_t *)plain, n, raw, key);
	size_t blen = sodium_base64_ENCODED_LEN(rawlen, sodium_base64_VARIANT_ORIGINAL);
	char *out = xmalloc(blen + 3);
	memcpy(out, "v1:", 3);
	sodium_bin2base64(out + 3, blen, raw, rawlen, sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(raw, rawlen);
	free(raw);
	return out;
}

char *ff_secret_open(const uint8_t key[32], const char *sealed)
{
	if (!sealed || strncmp(sealed, "v1:", 3) != 0)
		return NULL;
	size_t slen = strlen(sealed + 3);
	uint8_t *raw = xmalloc(slen + 1);
	size_t rawlen = 0;
	char *plain = NULL;
	if (sodium_base642bin(raw, slen + 1, sealed + 3, slen, NULL, &rawlen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    rawlen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
		goto out;
	size_t n = rawlen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
	plain = xmalloc(n + 1);
	if (crypto_secretbox_open_easy((uint8_t *)plain, raw + crypto_secretbox_NONCEBYTES,
				       rawlen - crypto_secretbox_NONCEBYTES, raw, key) != 0) {
		free(plain);
		plain = NULL;
		goto out;
	}
	plain[n] = '\0';
out:
	free(raw);
	return plain;
}

void ff_base64(char *out, size_t outlen, const void *in, size_t n)
{
	sodium_bin2base64(out, outlen, in, n, sodium_base64_VARIANT_ORIGINAL);
}
