/* SHA-256 of 0..300 bytes by tgt's patched sha256.c, one hex line each
 * (tests/unit/realboot/test_tgt_chap.py compares them with hashlib). */
#include <stdio.h>
#include "sha256.h"
int main(void)
{
	static uint8_t data[300];
	struct sha256_ctx ctx;
	uint8_t out[SHA256_DIGEST_SIZE];
	int len, i;

	for (i = 0; i < (int)sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	for (len = 0; len <= (int)sizeof(data); len++) {
		sha256_init(&ctx);
		/* in two pieces, to cross block borders inside an update */
		sha256_update(&ctx, data, len / 3);
		sha256_update(&ctx, data + len / 3, len - len / 3);
		sha256_final(&ctx, out);
		for (i = 0; i < SHA256_DIGEST_SIZE; i++)
			printf("%02x", out[i]);
		printf("\n");
	}
	return 0;
}
