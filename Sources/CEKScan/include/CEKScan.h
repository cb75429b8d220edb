#ifndef CEK_SCAN_H
#define CEK_SCAN_H

#include <stddef.h>
#include <stdint.h>

// The audit-log line fast path (the module's umbrella header is this one).
#include "CEKAuditLine.h"

/// Finds the end of the JSON object or array that starts at `base[start]` (a `{` or `[`), 64 bytes at a time with
/// SSE2: string bodies (with their backslash escapes) are masked out and the brackets outside them counted.
///
/// Returns the offset just past the matching closing bracket, or -1 when the fast path does not decide: the value
/// does not close before `end`, a string holds a raw control byte (below 0x20) or an escaped one, a backslash stands
/// outside a string, or the platform has no SSE2. On -1 the caller runs its byte-at-a-time scanner, which gives the
/// exact outcome and error; where this returns an offset, that scanner returns the same one (RFC 8259 strings; the
/// brackets are only counted, not matched by kind, as the caller does).
long cek_skip_composite(const uint8_t *base, size_t start, size_t end);

#endif
