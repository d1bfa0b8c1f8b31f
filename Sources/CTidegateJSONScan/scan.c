// Structural skipping of JSON values nothing reads: `oldObject` and `managedFields` are most
// of the bytes of a review. Everything else in the reader stays in Swift.
//
// The input is classified 64 bytes at a time into bit masks of quotes, backslashes and
// brackets. Which bytes lie inside strings follows from the unescaped quotes by a prefix XOR, so
// quotes cost nothing per occurrence and only brackets outside strings are visited one by one
// (their kinds must match). Measured on the 60 KB UPDATE review (callgrind, instructions per
// review): ~300k for the previous 16-byte loop that visited every quote and bracket, ~185k for
// this with SSE2, ~130k with AVX2 and carry-less multiplication where the CPU has them.
// Dropping empty `{}` pairs from the one-by-one visit (below): 60 KB skipped whole, 141k -> 129k
// instructions, and 19.9 -> 17.7 us with the branch predictor cold, as it is between requests
// (a variant with no open/close branch at all measured slower, 20.9 us: the dependency through
// the level costs more than the mispredictions it saves). Matching a block's brackets as a
// whole (PEXT-packed, adjacent pairs removed level by level) measured slower too: 60 KB
// skipped whole 10.0 -> 12.1 us hot, 18.6 -> 21.4 us mean with the predictor disturbed.
#include "CTidegateJSONScan.h"
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TG_X86 1
#endif

#define MAX_STACK (TG_SCAN_MAX_OPEN_LEVELS + 1)

typedef struct {
    uint64_t quote, backslash, bracket;
    // Of the brackets: the opening ones, and the empty pairs `{}` / `[]` (bit k: an opening
    // bracket at k, its closing twin at k + 1).
    uint64_t open, empty_pair;
} block_masks;

// managedFields is half empty objects (`"f:app":{}`): a pair that opens and closes at once
// changes nothing, so both brackets are dropped from the one-by-one visit. Same-kind only: a
// `[}` stays and is reported.
static inline uint64_t empty_pairs(uint64_t open, uint64_t close, uint64_t object) {
    return open & (close >> 1) & ~(object ^ (object >> 1));
}

static inline block_masks classify_portable(const uint8_t *p) {
    block_masks m = {0, 0, 0, 0, 0};
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    const __m128i fold = _mm_set1_epi8(0x20), open = _mm_set1_epi8('{'), close = _mm_set1_epi8('}');
    uint64_t closing = 0, object = 0;
    for (int k = 0; k < 4; k++) {
        __m128i chunk = _mm_loadu_si128((const __m128i *)(p + 16 * k));
        __m128i folded = _mm_or_si128(chunk, fold);  // '[' -> '{', ']' -> '}'
        uint64_t q = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, quote));
        uint64_t b = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, backslash));
        uint64_t o = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(folded, open));
        uint64_t c = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(folded, close));
        uint64_t obj = (uint32_t)_mm_movemask_epi8(_mm_slli_epi16(chunk, 2));  // bit 5: '{' '}' vs '[' ']'
        m.quote |= q << (16 * k);
        m.backslash |= b << (16 * k);
        m.open |= o << (16 * k);
        closing |= c << (16 * k);
        object |= obj << (16 * k);
    }
#else
    uint64_t closing = 0, object = 0;
    for (int k = 0; k < 64; k++) {
        unsigned char c = p[k];
        unsigned char f = c | 0x20;
        m.quote |= (uint64_t)(c == '"') << k;
        m.backslash |= (uint64_t)(c == '\\') << k;
        m.open |= (uint64_t)(f == '{') << k;
        closing |= (uint64_t)(f == '}') << k;
        object |= (uint64_t)((c >> 5) & 1) << k;
    }
#endif
    m.bracket = m.open | closing;
    m.empty_pair = empty_pairs(m.open, closing, object);
    return m;
}

// Bit k set when an odd number of bits 0...k are set.
static inline uint64_t prefix_xor_portable(uint64_t x) {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}

#define SKIP_NAME skip_portable
#define SKIP_TARGET
#define SKIP_CLASSIFY classify_portable
#define SKIP_PREFIX_XOR prefix_xor_portable
#include "skip_body.h"
#undef SKIP_NAME
#undef SKIP_TARGET
#undef SKIP_CLASSIFY
#undef SKIP_PREFIX_XOR

#if TG_X86
#define TG_AVX2 __attribute__((target("avx2,pclmul")))

TG_AVX2 static inline block_masks classify_avx2(const uint8_t *p) {
    const __m256i quote = _mm256_set1_epi8('"'), backslash = _mm256_set1_epi8('\\');
    const __m256i fold = _mm256_set1_epi8(0x20), open = _mm256_set1_epi8('{'), close = _mm256_set1_epi8('}');
    __m256i lo = _mm256_loadu_si256((const __m256i *)p);
    __m256i hi = _mm256_loadu_si256((const __m256i *)(p + 32));
    __m256i flo = _mm256_or_si256(lo, fold), fhi = _mm256_or_si256(hi, fold);
#define TG_MASK64(LO, HI) ((uint64_t)(uint32_t)_mm256_movemask_epi8(LO) | (uint64_t)(uint32_t)_mm256_movemask_epi8(HI) << 32)
    block_masks m;
    m.quote = TG_MASK64(_mm256_cmpeq_epi8(lo, quote), _mm256_cmpeq_epi8(hi, quote));
    m.backslash = TG_MASK64(_mm256_cmpeq_epi8(lo, backslash), _mm256_cmpeq_epi8(hi, backslash));
    m.open = TG_MASK64(_mm256_cmpeq_epi8(flo, open), _mm256_cmpeq_epi8(fhi, open));
    uint64_t closing = TG_MASK64(_mm256_cmpeq_epi8(flo, close), _mm256_cmpeq_epi8(fhi, close));
    uint64_t object = TG_MASK64(_mm256_slli_epi16(lo, 2), _mm256_slli_epi16(hi, 2));  // bit 5 of each byte
    m.bracket = m.open | closing;
    m.empty_pair = empty_pairs(m.open, closing, object);
#undef TG_MASK64
    return m;
}

// Carry-less multiplication by all ones is the prefix XOR.
TG_AVX2 static inline uint64_t prefix_xor_clmul(uint64_t x) {
    __m128i product = _mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)x), _mm_set1_epi8((char)0xFF), 0);
    return (uint64_t)_mm_cvtsi128_si64(product);
}

#define SKIP_NAME skip_avx2
#define SKIP_TARGET TG_AVX2
#define SKIP_CLASSIFY classify_avx2
#define SKIP_PREFIX_XOR prefix_xor_clmul
#include "skip_body.h"
#undef SKIP_NAME
#undef SKIP_TARGET
#undef SKIP_CLASSIFY
#undef SKIP_PREFIX_XOR
#endif

long tg_json_skip_container(const uint8_t *p, size_t n, size_t start, int depth, int max_depth, size_t *error_at) {
#if TG_X86
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("pclmul")) {
        return skip_avx2(p, n, start, depth, max_depth, error_at);
    }
#endif
    return skip_portable(p, n, start, depth, max_depth, error_at);
}
