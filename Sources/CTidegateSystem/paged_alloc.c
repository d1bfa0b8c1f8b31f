// An allocator for libraries that take one (nghttp2's nghttp2_mem), with one difference from
// malloc: a block of TG_PAGED_THRESHOLD bytes or more gets a mapping of its own, so the pages of
// it nothing writes are never resident. nghttp2 allocates a 16 KiB frame buffer when a session
// starts and an idle connection writes only its first page (SETTINGS); from the heap that buffer
// sits on pages earlier connections' TLS handshakes already touched, so all of it counted. 1,000
// idle HTTP/2 connections (Benchmarks/server/idle_tls.py) measured 37.0 KB of resident memory
// each with the heap, 28.2 KB each this way; a lower threshold (4 KiB) saved nothing more.
// Every block carries a 16-byte header (keeping malloc's alignment) that says where it came from.
#define _GNU_SOURCE
#include "CTidegateSystem.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum { HEADER = 16 };

// The header holds the mapping's length, 0 for a block from malloc.
static inline void *payload(void *block, size_t mapped) {
    *(size_t *)block = mapped;
    return (char *)block + HEADER;
}

static inline size_t mapped_length(void *ptr) { return *(size_t *)((char *)ptr - HEADER); }

// Sizes whose header and page rounding would overflow size_t.
static inline int too_large(size_t size) { return size > SIZE_MAX - HEADER - 65536; }

static void *map_block(size_t size) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t length = (size + HEADER + page - 1) / page * page;
    void *block = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return block == MAP_FAILED ? NULL : payload(block, length);
}

void *tg_paged_malloc(size_t size, void *context) {
    (void)context;
    if (too_large(size)) return NULL;
    if (size >= TG_PAGED_THRESHOLD) return map_block(size);
    void *block = malloc(size + HEADER);
    return block ? payload(block, 0) : NULL;
}

void *tg_paged_calloc(size_t count, size_t size, void *context) {
    (void)context;
    size_t total;
    if (__builtin_mul_overflow(count, size, &total) || too_large(total)) return NULL;
    if (total >= TG_PAGED_THRESHOLD) return map_block(total);  // fresh mappings read as zero
    void *block = calloc(1, total + HEADER);
    return block ? payload(block, 0) : NULL;
}

void tg_paged_free(void *ptr, void *context) {
    (void)context;
    if (ptr == NULL) return;
    void *block = (char *)ptr - HEADER;
    size_t mapped = mapped_length(ptr);
    if (mapped) munmap(block, mapped); else free(block);
}

size_t tg_paged_usable_size(const void *ptr) {
    void *block = (char *)ptr - HEADER;
    size_t mapped = mapped_length((void *)ptr);
    return (mapped ? mapped : malloc_usable_size(block)) - HEADER;
}

void *tg_paged_realloc(void *ptr, size_t size, void *context) {
    if (ptr == NULL) return tg_paged_malloc(size, context);
    if (size == 0) { tg_paged_free(ptr, context); return NULL; }
    if (too_large(size)) return NULL;
    if (mapped_length(ptr) == 0 && size < TG_PAGED_THRESHOLD) {
        void *block = realloc((char *)ptr - HEADER, size + HEADER);
        return block ? payload(block, 0) : NULL;
    }
    size_t old = tg_paged_usable_size(ptr);
    if (mapped_length(ptr) != 0 && size <= old && size >= TG_PAGED_THRESHOLD) return ptr;
    void *moved = tg_paged_malloc(size, context);
    if (moved == NULL) return NULL;  // the old block stays valid, as realloc's does
    memcpy(moved, ptr, old < size ? old : size);
    tg_paged_free(ptr, context);
    return moved;
}
