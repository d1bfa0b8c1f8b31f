// The body of the structural skipper, compiled once per instruction set by scan.c, which
// defines SKIP_NAME, SKIP_TARGET, SKIP_CLASSIFY and SKIP_PREFIX_XOR before including it.
SKIP_TARGET static long SKIP_NAME(const uint8_t *p, size_t n, size_t start, int depth, int max_depth, size_t *error_at) {
    unsigned char stack[MAX_STACK];  // 0x20 = object, 0 = array (the bit that tells '{' from '[')
    int level = 0;
    int in_string = 0;
    size_t i = start;
    if (max_depth - depth >= MAX_STACK) max_depth = depth + MAX_STACK - 1;
    const int room = max_depth - depth;  // levels that may still open
    uint8_t tail[64];
    // An empty value is its own pair: answered here, so that pairs met later are always
    // nested in the value and cannot be where it ends.
    if (start + 1 < n && (p[start + 1] | 0x20) == '}' && ((p[start] ^ p[start + 1]) & 0x20) == 0) {
        if (room < 1) { *error_at = start; return TG_SCAN_TOO_DEEP; }
        return (long)(start + 2);
    }

    while (i < n) {
        size_t avail = n - i;
        const uint8_t *block = p + i;
        if (avail < 64) {
            // Spaces classify as nothing.
            memset(tail, ' ', sizeof tail);
            memcpy(tail, p + i, avail);
            block = tail;
        } else {
            avail = 64;
        }
        block_masks m = SKIP_CLASSIFY(block);

        // Backslashes are rare: resolve them one by one. `starts` are the ones that escape the
        // byte after them (a backslash escaped by another one does not).
        uint64_t escaped = 0, starts = 0;
        for (uint64_t bs = m.backslash; bs;) {
            uint64_t b = bs & (0 - bs);
            starts |= b;
            escaped |= b << 1;
            bs &= ~(b | (b << 1));
        }
        uint64_t inside = SKIP_PREFIX_XOR(m.quote & ~escaped) ^ (in_string ? ~(uint64_t)0 : 0);

        if ((starts & ~inside) == 0) {
            // Every backslash lies inside a string, so the escapes assumed above are exactly
            // the ones the byte-by-byte reading makes.
            uint64_t brackets = m.bracket & ~inside;
            // Empty pairs leave the level as it was, unless their opening would go too deep.
            if (level + __builtin_popcountll(m.open & ~inside) < room) {
                uint64_t pairs = m.empty_pair & ~inside;
                brackets &= ~(pairs | (pairs << 1));
            }
            while (brackets) {
                size_t at = i + (size_t)__builtin_ctzll(brackets);
                brackets &= brackets - 1;
                unsigned char c = p[at];
                unsigned char kind = c & 0x20;
                if (c & 0x02) {  // '{' or '['
                    if (level >= room) { *error_at = at; return TG_SCAN_TOO_DEEP; }
                    stack[level++] = kind;
                } else {
                    if (level == 0 || stack[level - 1] != kind) { *error_at = at; return TG_SCAN_MISMATCH; }
                    level -= 1;
                    if (level == 0) return (long)(at + 1);
                }
            }
            in_string = (int)(inside >> 63);
            uint64_t last = (uint64_t)1 << (avail - 1);
            i += avail;
            if (starts & last) {
                // The escaped byte is skipped whatever it is.
                if (i >= n) { *error_at = i - 1; return TG_SCAN_END_OF_INPUT; }
                i += 1;
            }
            continue;
        }

        // A backslash outside a string (a token error, not a structural one, and nothing
        // escapes after it): read this block byte by byte in order.
        uint64_t events = m.quote | m.backslash | m.bracket;
        size_t end = i + avail;
        size_t next_block = end;
        while (events) {
            size_t at = i + (size_t)__builtin_ctzll(events);
            events &= events - 1;
            unsigned char c = p[at];
            if (in_string) {
                if (c == '\\') {
                    size_t next = at + 1;
                    if (next >= n) { *error_at = at; return TG_SCAN_END_OF_INPUT; }
                    if (next < end) {
                        events &= ~((uint64_t)1 << (next - i));
                    } else {
                        next_block = next + 1;
                    }
                } else if (c == '"') {
                    in_string = 0;
                }
                continue;
            }
            if (c == '"') {
                in_string = 1;
            } else if (c == '\\') {
                // Outside a string: no escape.
            } else if (c & 0x02) {
                if (level >= room) { *error_at = at; return TG_SCAN_TOO_DEEP; }
                stack[level++] = c & 0x20;
            } else {
                unsigned char kind = c & 0x20;
                if (level == 0 || stack[level - 1] != kind) { *error_at = at; return TG_SCAN_MISMATCH; }
                level -= 1;
                if (level == 0) return (long)(at + 1);
            }
        }
        i = next_block;
    }
    *error_at = n;
    return TG_SCAN_END_OF_INPUT;
}
