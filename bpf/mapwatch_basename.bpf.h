/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Basenames: the hash the kernel files an inode under, from a user path an
 * unlink, rename or truncate names, or from the dentry a file was mapped
 * through; and the name itself for the record of a newly filed file.
 */
#ifndef MAPWATCH_BASENAME_BPF_H
#define MAPWATCH_BASENAME_BPF_H

#include "mapwatch_helpers.bpf.h"

/* NAME_MAX: the longest path component a filesystem takes. */
#define MW_NAME_MAX 255

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
 * mw_name_hash of the last component of the string in path_scratch that
 * ends before end ("a/b/" -> "b"): a word at a time from the end, up to the
 * slash before it or the start. Unaligned loads are fine on x86 (and the
 * verifier allows them there). 0 when no name of at most NAME_MAX bytes ends
 * there. Global, so the verifier checks the loop once.
 */
__noinline __u64 mw_scratch_basename_hash(long end)
{
	struct mw_path_buffer *buffer;
	__u64 hash = MW_NAME_HASH_INIT, length = 0;
	__u32 zero = 0;

	buffer = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!buffer)
		return 0;
	for (int i = 0; i < 16 && end > 0; i++) {
		if (buffer->bytes[(end - 1) & (MW_PATH_READ_MAX - 1)] != '/')
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
		if (at > MW_PATH_READ_MAX - 8)
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

/* mw_name_hash of the last component of a user path; 0 when it cannot be read (a fault). */
static __always_inline __u64 mw_user_path_basename_hash(__u64 user_path)
{
	struct mw_path_buffer *buffer;
	__u32 zero = 0;
	long length;

	buffer = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!buffer)
		return 0;
	length = bpf_probe_read_user_str(buffer->bytes, sizeof(buffer->bytes),
					 (const void *)user_path);
	if (length <= 1)
		return 0;
	return mw_scratch_basename_hash(length - 1);
}

/* mw_name_hash of a dentry's current name; 0 when it cannot be read. */
static __always_inline __u64 mw_dentry_name_hash(__u64 dentry_address)
{
	struct mw_path_buffer *buffer;
	__u32 zero = 0;
	long length;

	buffer = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!buffer || !dentry_address)
		return 0;
	length = bpf_probe_read_kernel_str(buffer->bytes, MW_NAME_MAX + 1,
					   mw_cast(dentry, dentry_address)->d_name.name);
	if (length <= 1)
		return 0;
	return mw_scratch_basename_hash(length - 1);
}

/* Copies a dentry's name into name[MW_NAME_LEN]; true when it had to be cut. */
static __always_inline bool mw_copy_dentry_name(struct dentry *dentry, char *name)
{
	bpf_probe_read_kernel_str(name, MW_NAME_LEN, dentry->d_name.name);
	return dentry->d_name.len >= MW_NAME_LEN;
}

#endif /* MAPWATCH_BASENAME_BPF_H */
