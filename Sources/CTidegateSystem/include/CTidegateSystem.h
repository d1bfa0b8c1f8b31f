#ifndef TIDEGATE_SYSTEM_H
#define TIDEGATE_SYSTEM_H
// Linux calls that Glibc's Swift overlay does not expose (epoll, eventfd, signalfd, accept4),
// plus small socket helpers that are clearer in C than through Swift's sockaddr casts.
// Every function returns -1 and leaves errno set on failure unless documented otherwise.
#include <stdint.h>
#include <stddef.h>

/// One readiness event, unpacked so Swift sees plain fields (the kernel's struct is packed).
typedef struct {
    uint32_t events;
    uint64_t data;
} tg_event;

// Readiness bits, mirrored from <sys/epoll.h>.
extern const uint32_t TG_EPOLLIN;
extern const uint32_t TG_EPOLLOUT;
extern const uint32_t TG_EPOLLERR;
extern const uint32_t TG_EPOLLHUP;
extern const uint32_t TG_EPOLLRDHUP;
extern const uint32_t TG_EPOLLET;
extern const uint32_t TG_EPOLLEXCLUSIVE;

int tg_epoll_create(void);
int tg_epoll_add(int epfd, int fd, uint32_t events, uint64_t data);
int tg_epoll_del(int epfd, int fd);
/// Waits up to `timeout_ms` (-1: forever). Retries EINTR internally by returning 0 events.
int tg_epoll_wait(int epfd, tg_event *events, int max_events, int timeout_ms);

int tg_eventfd_create(void);
int tg_eventfd_signal(int fd);
void tg_eventfd_drain(int fd);

/// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (threads created later inherit it),
/// so they are only ever seen through a signalfd.
int tg_block_lifecycle_signals(void);
/// A signalfd (non-blocking) for SIGTERM, SIGINT and SIGHUP; blocks them in the calling thread.
int tg_signalfd_create(void);
/// The signal number read from a signalfd, 0 if none was pending, -1 on error.
int tg_signalfd_read(int fd);
/// Sends `signo` to the thread `thread` (a pthread_t) so its signalfd sees it.
int tg_signal_thread(unsigned long thread, int signo);
void tg_ignore_sigpipe(void);

/// A non-blocking, close-on-exec listening TCP socket bound to host:port (numeric or name).
/// `host` "::" listens dual-stack. On failure returns -1 and stores errno in *error.
int tg_listen(const char *host, int port, int backlog, int *error);
/// The local port of a bound socket, or -1.
int tg_local_port(int fd);
/// accept4(SOCK_NONBLOCK|SOCK_CLOEXEC) with TCP_NODELAY set; writes "ip:port" ("[ip]:port" for IPv6)
/// into peer (may be NULL). Returns the fd or -1 with errno (EAGAIN when the queue is empty).
int tg_accept(int listen_fd, char *peer, size_t peer_len);

/// Raises RLIMIT_NOFILE's soft limit toward `wanted` (capped at the hard limit). Returns the new soft limit.
long tg_raise_nofile_limit(long wanted);
/// CPUs this process may run on (its affinity mask); at least 1.
int tg_allowed_cpus(void);
/// Monotonic clock in nanoseconds.
uint64_t tg_monotonic_ns(void);

// Deadline arithmetic on that clock, the one definition the transport and the HTTP codecs share:
// a deadline far off stays far off instead of wrapping into the past (which would time a
// connection out at once).

/// A duration given as Swift's `Duration.components` in whole nanoseconds: a negative one is 0,
/// one too long for 64 bits (centuries) is UINT64_MAX.
static inline uint64_t tg_duration_ns(int64_t seconds, int64_t attoseconds) {
    if (seconds < 0 || attoseconds < 0) return 0;
    uint64_t whole, total;
    if (__builtin_mul_overflow((uint64_t)seconds, 1000000000ull, &whole)) return UINT64_MAX;
    if (__builtin_add_overflow(whole, (uint64_t)(attoseconds / 1000000000), &total)) return UINT64_MAX;
    return total;
}

/// `a + b`, or UINT64_MAX where that would wrap.
static inline uint64_t tg_add_saturating(uint64_t a, uint64_t b) {
    uint64_t sum;
    return __builtin_add_overflow(a, b, &sum) ? UINT64_MAX : sum;
}

// An allocator with malloc's contract in nghttp2_mem's shape (`context` unused), except that
// blocks of TG_PAGED_THRESHOLD bytes or more are mappings of their own, whose untouched pages
// stay off the resident set (see paged_alloc.c). A block must go back through tg_paged_free.
enum { TG_PAGED_THRESHOLD = 16384 };
void *tg_paged_malloc(size_t size, void *context);
void *tg_paged_calloc(size_t count, size_t size, void *context);
void *tg_paged_realloc(void *ptr, size_t size, void *context);
void tg_paged_free(void *ptr, void *context);
/// The bytes usable at `ptr` (at least what was asked for).
size_t tg_paged_usable_size(const void *ptr);
int tg_errno(void);
#endif
