/* hash.c - SHA-256 of the files a plan was made from (nettle). */
#include "load_internal.h"

#include <errno.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>

static void hex_digest(struct sha256_ctx *ctx, char out[65])
{
    unsigned char digest[SHA256_DIGEST_SIZE];
    sha256_digest(ctx, sizeof digest, digest);
    for (size_t i = 0; i < sizeof digest; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

sp_status sp_file_sha256(const char *path, char out[65], sp_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return sp_fail(err, SP_ERR_IO, path, 0, 0, "file", "cannot open: %s", strerror(errno));
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    unsigned char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        sha256_update(&ctx, got, chunk);
    bool failed = ferror(f) != 0;
    fclose(f);
    if (failed)
        return sp_fail(err, SP_ERR_IO, path, 0, 0, "file", "read error");
    hex_digest(&ctx, out);
    return SP_OK;
}

void sp_text_sha256(const char *text, char out[65])
{
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, strlen(text), (const uint8_t *)text);
    hex_digest(&ctx, out);
}
