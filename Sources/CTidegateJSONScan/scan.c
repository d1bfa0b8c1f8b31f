// Structural skipping of JSON values nothing reads: `oldObject` and `managedFields` are most
// of the bytes of a review. Measured on a 60 KB UPDATE review, a byte-at-a-time Swift loop
// spent ~10 instructions per skipped byte; looking at 16 bytes at a time with SSE2 for the
// only bytes that matter (quotes, backslashes, brackets) brings that to ~2. Everything else
// in the reader stays in Swift.
#include "CTidegateJSONScan.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define MAX_STACK 1024

long tg_json_skip_container(const uint8_t *p, size_t n, size_t start, int depth, int max_depth, size_t *error_at) {
    unsigned char stack[MAX_STACK];  // 1 = object, 0 = array
    int level = 0;
    int in_string = 0;
    size_t i = start;
    if (max_depth - depth >= MAX_STACK) max_depth = depth + MAX_STACK - 1;

    while (i < n) {
        uint32_t events;
        size_t base = i;
#if defined(__SSE2__)
        if (i + 16 <= n) {
            __m128i chunk = _mm_loadu_si128((const __m128i *)(p + i));
            __m128i folded = _mm_or_si128(chunk, _mm_set1_epi8(0x20));  // '[' -> '{', ']' -> '}'
            __m128i hits = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(chunk, _mm_set1_epi8('"')), _mm_cmpeq_epi8(chunk, _mm_set1_epi8('\\'))),
                _mm_or_si128(_mm_cmpeq_epi8(folded, _mm_set1_epi8('{')), _mm_cmpeq_epi8(folded, _mm_set1_epi8('}'))));
            events = (uint32_t)_mm_movemask_epi8(hits);
            i += 16;
        } else
#endif
        {
            unsigned char c = p[i];
            unsigned char f = c | 0x20;
            events = (c == '"' || c == '\\' || f == '{' || f == '}') ? 1u : 0u;
            i += 1;
        }
        while (events) {
            size_t at = base + (size_t)__builtin_ctz(events);
            events &= events - 1;
            unsigned char c = p[at];
            if (in_string) {
                if (c == '\\') {
                    // The escaped byte is skipped whatever it is.
                    size_t next = at + 1;
                    if (next >= n) { *error_at = at; return TG_SCAN_END_OF_INPUT; }
                    if (next < i) {
                        events &= ~(1u << (next - base));
                    } else {
                        i = next + 1;
                    }
                } else if (c == '"') {
                    in_string = 0;
                }
                continue;
            }
            if (c == '"') {
                in_string = 1;
            } else if (c == '\\') {
                // A backslash outside a string is a token error, not a structural one.
            } else if (c == '{' || c == '[') {
                if (depth + level + 1 > max_depth) { *error_at = at; return TG_SCAN_TOO_DEEP; }
                stack[level++] = (c == '{');
            } else {
                unsigned char is_object = (c == '}');
                if (level == 0 || stack[level - 1] != is_object) { *error_at = at; return TG_SCAN_MISMATCH; }
                level -= 1;
                if (level == 0) return (long)(at + 1);
            }
        }
    }
    *error_at = n;
    return TG_SCAN_END_OF_INPUT;
}
