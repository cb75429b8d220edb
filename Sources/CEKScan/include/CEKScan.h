#ifndef CEK_SCAN_H
#define CEK_SCAN_H

#include <stddef.h>
#include <stdint.h>

// The audit-log line fast path (the module's umbrella header is this one).
#include "CEKAuditLine.h"
#include "CEKCloudTrailRecord.h"

/// Finds the end of the JSON object or array that starts at `base[start]` (a `{` or `[`), 64 bytes at a time with
/// SSE2: string bodies (with their backslash escapes) are masked out and the brackets outside them counted.
///
/// Returns the offset just past the matching closing bracket, or -1 when the fast path does not decide: the value
/// does not close before `end`, a string holds a raw control byte (below 0x20) or an escaped one, a backslash stands
/// outside a string, or the platform has no SSE2. On -1 the caller runs its byte-at-a-time scanner, which gives the
/// exact outcome and error; where this returns an offset, that scanner returns the same one (RFC 8259 strings; the
/// brackets are only counted, not matched by kind, as the caller does).
long cek_skip_composite(const uint8_t *base, size_t start, size_t end);

/// The offset of the first occurrence of the `needle_count` bytes at `needle` in the `count` bytes at `haystack`, or
/// -1 when there is none (0 for an empty needle). Candidates are found 16 bytes at a time (SSE2; 32 with AVX2 where
/// the processor has it) by comparing the needle's first byte at each place and its last byte `needle_count - 1`
/// further at once, and only places matching both are compared whole: a common first byte (the `k` of
/// "kms.amazonaws.com" in every key ARN, the backslash of every escaped quote) costs no call per occurrence, as
/// `memchr` + `memcmp` did. Same result as a naive search; without SSE2, a byte loop.
long cek_find(const uint8_t *haystack, size_t count, const uint8_t *needle, size_t needle_count);

/// Whether either needle (`a`, `a_count` bytes; `b`, `b_count` bytes; both at least 2 bytes) occurs in the `count`
/// bytes at `haystack`: 1 or 0. One pass for both, with the filter of ``cek_find`` for each (a record that holds
/// neither is read once, not twice).
int cek_contains_either(const uint8_t *haystack, size_t count, const uint8_t *a, size_t a_count, const uint8_t *b, size_t b_count);

#endif
