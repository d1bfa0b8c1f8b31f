#ifndef TIDEGATE_JSON_SCAN_H
#define TIDEGATE_JSON_SCAN_H
#include <stddef.h>
#include <stdint.h>

// Result codes of tg_json_skip_container (negative: error).
enum {
    TG_SCAN_END_OF_INPUT = -1,   // input ended inside the value (or inside a string)
    TG_SCAN_MISMATCH = -2,       // a closing bracket of the wrong kind
    TG_SCAN_TOO_DEEP = -3,       // nesting beyond max_depth
};

// The most levels the scanner keeps open inside one value (its own stack); a caller allowing
// deeper nesting checks that nesting itself.
enum { TG_SCAN_MAX_OPEN_LEVELS = 1023 };

// Skips the object or array that starts at p[start] ('{' or '['), checking only what decides
// where it ends: strings (with escapes) and bracket balance and kinds. Returns the offset just
// past the closing bracket, or a negative TG_SCAN_* code with *error_at set to the offending
// offset. max_depth counts the levels already open outside the value.
long tg_json_skip_container(const uint8_t *p, size_t n, size_t start, int depth, int max_depth, size_t *error_at);

#endif
