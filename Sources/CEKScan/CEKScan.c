#include "CEKScan.h"

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
