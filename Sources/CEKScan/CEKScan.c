#include "CEKScan.h"
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>

/// The masks of one 64-byte block that the scan needs: bit k for byte k.
typedef struct {
    uint64_t quote, backslash, open, close, control;
} block_masks;

/// SSE2 (every x86-64): four 16-byte compares per class.
static block_masks masks_sse2(const uint8_t *p) {
    const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), fold = _mm_set1_epi8(0x20);
    const __m128i open = _mm_set1_epi8(0x7B), close = _mm_set1_epi8(0x7D), ctl = _mm_set1_epi8(0x1F);
    block_masks m = {0, 0, 0, 0, 0};
    for (int j = 0; j < 4; j++) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * j));
        const __m128i folded = _mm_or_si128(v, fold);   // `[` → `{`, `]` → `}`
        const int shift = 16 * j;
        m.quote |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, q)) << shift;
        m.backslash |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, bs)) << shift;
        m.open |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(folded, open)) << shift;
        m.close |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(folded, close)) << shift;
        m.control |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl)) << shift;   // v <= 0x1F
    }
    return m;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define CEK_HAVE_AVX2 1
/// AVX2 where the processor has it (checked at run time): two 32-byte compares per class.
__attribute__((target("avx2"))) static block_masks masks_avx2(const uint8_t *p) {
    const __m256i q = _mm256_set1_epi8('"'), bs = _mm256_set1_epi8('\\'), fold = _mm256_set1_epi8(0x20);
    const __m256i open = _mm256_set1_epi8(0x7B), close = _mm256_set1_epi8(0x7D), ctl = _mm256_set1_epi8(0x1F);
    block_masks m = {0, 0, 0, 0, 0};
    for (int j = 0; j < 2; j++) {
        const __m256i v = _mm256_loadu_si256((const __m256i *)(p + 32 * j));
        const __m256i folded = _mm256_or_si256(v, fold);
        const int shift = 32 * j;
        m.quote |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, q)) << shift;
        m.backslash |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, bs)) << shift;
        m.open |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(folded, open)) << shift;
        m.close |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(folded, close)) << shift;
        m.control |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_max_epu8(v, ctl), ctl)) << shift;
    }
    return m;
}
#endif

/// Inclusive prefix XOR: bit k is the parity of bits 0…k.
static inline uint64_t prefix_xor(uint64_t x) {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}

long cek_skip_composite(const uint8_t *base, size_t start, size_t end) {
    if (start >= end) return -1;
    const uint8_t first = base[start];
    if (first != '{' && first != '[') return -1;
    long depth = 0;
    uint64_t inside_carry = 0;   // all ones when the previous block ended inside a string
    uint64_t escape_carry = 0;   // 1 when the previous block ended with a backslash that escapes the next byte
#ifdef CEK_HAVE_AVX2
    const int avx2 = __builtin_cpu_supports("avx2");
#endif
    for (size_t pos = start; pos < end; pos += 64) {
        size_t n = end - pos < 64 ? end - pos : 64;
        uint8_t buf[64];
        const uint8_t *p = base + pos;
        if (n < 64) {
            for (size_t k = 0; k < 64; k++) buf[k] = k < n ? base[pos + k] : 0x20;
            p = buf;
        }
#ifdef CEK_HAVE_AVX2
        const block_masks m = avx2 ? masks_avx2(p) : masks_sse2(p);
#else
        const block_masks m = masks_sse2(p);
#endif
        const uint64_t valid = n == 64 ? ~0ULL : ((1ULL << n) - 1);
        const uint64_t quote = m.quote & valid;
        const uint64_t backslash = m.backslash & valid;
        // Escaped bytes: each backslash that is not itself escaped escapes the next byte (in order).
        uint64_t escaped = escape_carry;
        escape_carry = 0;
        for (uint64_t b = backslash; b; b &= b - 1) {
            int k = __builtin_ctzll(b);
            if ((escaped >> k) & 1) continue;
            if (k == 63) escape_carry = 1; else escaped |= 1ULL << (k + 1);
        }
        const uint64_t inside = prefix_xor(quote & ~escaped) ^ inside_carry;   // opening quote and body
        inside_carry = (uint64_t)((int64_t)inside >> 63);
        // Backslashes outside strings, and control bytes (raw or escaped) inside them: the slow path decides.
        if (backslash & ~inside) return -1;
        if (m.control & inside & valid) return -1;
        uint64_t open = m.open & ~inside & valid;
        uint64_t close = m.close & ~inside & valid;
        uint64_t structural = open | close;
        while (structural) {
            int k = __builtin_ctzll(structural);
            structural &= structural - 1;
            if ((open >> k) & 1) {
                depth++;
            } else if (--depth == 0) {
                return (long)(pos + (size_t)k + 1);
            }
        }
    }
    return -1;
}
#else
long cek_skip_composite(const uint8_t *base, size_t start, size_t end) {
    (void)base; (void)start; (void)end;
    return -1;
}
#endif

/// Whether the `count` bytes at `p` and at `q` are equal (short: an inline loop beats a `memcmp` call).
static inline int cek_equal(const uint8_t *p, const uint8_t *q, size_t count) {
    for (size_t k = 0; k < count; k++) if (p[k] != q[k]) return 0;
    return 1;
}

/// The tail of ``cek_find`` and its fallback: a byte loop from `i`.
static long cek_find_bytes(const uint8_t *h, size_t n, const uint8_t *nd, size_t m, size_t i) {
    for (; i + m <= n; i++) if (h[i] == nd[0] && cek_equal(h + i, nd, m)) return (long)i;
    return -1;
}

#if defined(__SSE2__)
#ifdef CEK_HAVE_AVX2
__attribute__((target("avx2"))) static long cek_find_avx2(const uint8_t *h, size_t n, const uint8_t *nd, size_t m) {
    const __m256i first = _mm256_set1_epi8((char)nd[0]), last = _mm256_set1_epi8((char)nd[m - 1]);
    size_t i = 0;
    for (; i + (m - 1) + 32 <= n; i += 32) {
        const __m256i a = _mm256_loadu_si256((const __m256i *)(h + i));
        const __m256i b = _mm256_loadu_si256((const __m256i *)(h + i + m - 1));
        uint32_t mask = (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpeq_epi8(a, first), _mm256_cmpeq_epi8(b, last)));
        while (mask) {
            const unsigned k = (unsigned)__builtin_ctz(mask);
            if (cek_equal(h + i + k + 1, nd + 1, m - 2)) return (long)(i + k);
            mask &= mask - 1;
        }
    }
    return cek_find_bytes(h, n, nd, m, i);
}
#endif

static long cek_find_sse2(const uint8_t *h, size_t n, const uint8_t *nd, size_t m) {
    const __m128i first = _mm_set1_epi8((char)nd[0]), last = _mm_set1_epi8((char)nd[m - 1]);
    size_t i = 0;
    for (; i + (m - 1) + 16 <= n; i += 16) {
        const __m128i a = _mm_loadu_si128((const __m128i *)(h + i));
        const __m128i b = _mm_loadu_si128((const __m128i *)(h + i + m - 1));
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last)));
        while (mask) {
            const unsigned k = (unsigned)__builtin_ctz(mask);
            if (cek_equal(h + i + k + 1, nd + 1, m - 2)) return (long)(i + k);
            mask &= mask - 1;
        }
    }
    return cek_find_bytes(h, n, nd, m, i);
}
#endif

long cek_find(const uint8_t *haystack, size_t count, const uint8_t *needle, size_t needle_count) {
    if (needle_count == 0) return 0;
    if (count < needle_count) return -1;
    if (needle_count == 1) {
        const void *hit = memchr(haystack, needle[0], count);
        return hit ? (long)((const uint8_t *)hit - haystack) : -1;
    }
#if defined(__SSE2__)
#ifdef CEK_HAVE_AVX2
    if (__builtin_cpu_supports("avx2")) return cek_find_avx2(haystack, count, needle, needle_count);
#endif
    return cek_find_sse2(haystack, count, needle, needle_count);
#else
    return cek_find_bytes(haystack, count, needle, needle_count, 0);
#endif
}

#if defined(__SSE2__) && defined(CEK_HAVE_AVX2)
/// ``cek_contains_either`` 32 places at a time; returns 1, 0, or -1 with `*from` set where the byte loop goes on.
__attribute__((target("avx2"))) static int cek_either_avx2(const uint8_t *h, size_t n, const uint8_t *a, size_t am,
                                                            const uint8_t *b, size_t bm, size_t *from) {
    const size_t reach = (am > bm ? am : bm) - 1;
    const __m256i af = _mm256_set1_epi8((char)a[0]), al = _mm256_set1_epi8((char)a[am - 1]);
    const __m256i bf = _mm256_set1_epi8((char)b[0]), bl = _mm256_set1_epi8((char)b[bm - 1]);
    size_t i = 0;
    for (; i + reach + 32 <= n; i += 32) {
        const __m256i v = _mm256_loadu_si256((const __m256i *)(h + i));
        const __m256i va = _mm256_loadu_si256((const __m256i *)(h + i + am - 1));
        const __m256i vb = _mm256_loadu_si256((const __m256i *)(h + i + bm - 1));
        uint32_t ma = (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpeq_epi8(v, af), _mm256_cmpeq_epi8(va, al)));
        uint32_t mb = (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpeq_epi8(v, bf), _mm256_cmpeq_epi8(vb, bl)));
        while (ma) {
            const unsigned k = (unsigned)__builtin_ctz(ma);
            if (cek_equal(h + i + k + 1, a + 1, am - 2)) return 1;
            ma &= ma - 1;
        }
        while (mb) {
            const unsigned k = (unsigned)__builtin_ctz(mb);
            if (cek_equal(h + i + k + 1, b + 1, bm - 2)) return 1;
            mb &= mb - 1;
        }
    }
    *from = i;
    return -1;
}
#endif

int cek_contains_either(const uint8_t *h, size_t n, const uint8_t *a, size_t am, const uint8_t *b, size_t bm) {
    if (am < 2 || bm < 2) return cek_find(h, n, a, am) >= 0 || cek_find(h, n, b, bm) >= 0;
    const size_t reach = (am > bm ? am : bm) - 1;   // the farthest last byte from a place
    size_t i = 0;
#if defined(__SSE2__) && defined(CEK_HAVE_AVX2)
    if (__builtin_cpu_supports("avx2")) {
        const int found = cek_either_avx2(h, n, a, am, b, bm, &i);
        if (found >= 0) return found;
    }
#endif
#if defined(__SSE2__)
    const __m128i af = _mm_set1_epi8((char)a[0]), al = _mm_set1_epi8((char)a[am - 1]);
    const __m128i bf = _mm_set1_epi8((char)b[0]), bl = _mm_set1_epi8((char)b[bm - 1]);
    for (; i + reach + 16 <= n; i += 16) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(h + i));
        const __m128i va = _mm_loadu_si128((const __m128i *)(h + i + am - 1));
        const __m128i vb = _mm_loadu_si128((const __m128i *)(h + i + bm - 1));
        unsigned ma = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(v, af), _mm_cmpeq_epi8(va, al)));
        unsigned mb = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(v, bf), _mm_cmpeq_epi8(vb, bl)));
        while (ma) {
            const unsigned k = (unsigned)__builtin_ctz(ma);
            if (cek_equal(h + i + k + 1, a + 1, am - 2)) return 1;
            ma &= ma - 1;
        }
        while (mb) {
            const unsigned k = (unsigned)__builtin_ctz(mb);
            if (cek_equal(h + i + k + 1, b + 1, bm - 2)) return 1;
            mb &= mb - 1;
        }
    }
#endif
    // The last places (and every place without SSE2): each needle from `i` on.
    return cek_find_bytes(h, n, a, am, i) >= 0 || cek_find_bytes(h, n, b, bm, i) >= 0;
}
