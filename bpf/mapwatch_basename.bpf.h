/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Basenames: the hash the programs file an inode under, taken from the end of
 * a path (one an unlink, rename or truncate names, or the name of the dentry
 * a file was mapped through) a word at a time. No maps: the path is read into
 * a buffer by the caller (mapwatch.bpf.c).
 */
#ifndef MAPWATCH_BASENAME_BPF_H
#define MAPWATCH_BASENAME_BPF_H

#include "mapwatch_kernel.bpf.h"

/* Room for one path, too big for the 512-byte BPF stack: a per-CPU map value holds it. */
struct mw_path_buffer {
	char bytes[MW_PATH_MAX];
};

#define MW_WORD_HIGHS 0x8080808080808080ULL
#define MW_WORD_SLASHES 0x2f2f2f2f2f2f2f2fULL

/* 0x80 in each byte of word that is '/', nothing elsewhere (exact, no carries across bytes). */
static __always_inline __u64 mw_slash_bytes(__u64 word)
{
	__u64 x = word ^ MW_WORD_SLASHES;

	return ~(((x & ~MW_WORD_HIGHS) + ~MW_WORD_HIGHS) | x | ~MW_WORD_HIGHS);
}

/* Index (0..7, by address) of the highest-addressed byte flagged in bytes. */
static __always_inline int mw_highest_flagged_byte(__u64 bytes)
{
	int index = 0;

	if (bytes >> 32) {
		index += 4;
		bytes >>= 32;
	}
	if (bytes >> 16) {
		index += 2;
		bytes >>= 16;
	}
	if (bytes >> 8)
		index += 1;
	return index;
}

/*
 * mw_name_hash of the last component of the string in buffer that ends
 * before end ("a/b/" -> "b"): a word at a time from the end, up to the slash
 * before it or the start. Unaligned loads are fine on x86 (and the verifier
 * allows them there). 0 when no name of at most NAME_MAX bytes ends there.
 * Meant to be inlined into one global function, so the verifier checks the
 * loop once.
 */
static __always_inline __u64 mw_path_basename_hash(const struct mw_path_buffer *buffer, long end)
{
	__u64 hash = MW_NAME_HASH_INIT, length = 0;

	for (int i = 0; i < 16 && end > 0; i++) {
		if (buffer->bytes[(end - 1) & (MW_PATH_MAX - 1)] != '/')
			break;
		end--;
	}
	for (int i = 0; i <= MW_NAME_MAX / 8 + 1; i++) {
		long at = end - 8;
		int shift = 0;
		__u64 word, slashes;

		if (end <= 0)
			return length ? mw_name_hash_mix(hash, length) : 0;
		if (at < 0) {
			/* the path's first bytes: load from the start, zero what comes before */
			shift = (int)(8 - end) * 8;
			at = 0;
		}
		if (at > MW_PATH_MAX - 8)
			return 0;
		word = *(__u64 *)&buffer->bytes[at];
		word <<= shift;
		slashes = mw_slash_bytes(word);
		if (slashes) {
			int slash = mw_highest_flagged_byte(slashes);

			if (slash < 7) {
				hash = mw_name_hash_mix(hash, word & (~0ULL << (8 * (slash + 1))));
				length += 7 - slash;
			}
			return length ? mw_name_hash_mix(hash, length) : 0;
		}
		hash = mw_name_hash_mix(hash, word);
		length += shift ? (__u64)end : 8;
		end -= 8;
	}
	return 0;
}

#endif /* MAPWATCH_BASENAME_BPF_H */
