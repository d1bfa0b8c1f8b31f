#define _GNU_SOURCE
#include "CTidegateSystem.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

const uint32_t TG_EPOLLIN = EPOLLIN;
const uint32_t TG_EPOLLOUT = EPOLLOUT;
const uint32_t TG_EPOLLERR = EPOLLERR;
const uint32_t TG_EPOLLHUP = EPOLLHUP;
const uint32_t TG_EPOLLRDHUP = EPOLLRDHUP;
const uint32_t TG_EPOLLET = EPOLLET;
const uint32_t TG_EPOLLEXCLUSIVE = EPOLLEXCLUSIVE;

int tg_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int tg_epoll_add(int epfd, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev = {.events = events, .data.u64 = data};
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int tg_epoll_del(int epfd, int fd) {
    struct epoll_event ev = {0};
    return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &ev);
}

int tg_epoll_wait(int epfd, tg_event *events, int max_events, int timeout_ms) {
    struct epoll_event raw[256];
    if (max_events > 256) max_events = 256;
    int n = epoll_wait(epfd, raw, max_events, timeout_ms);
    if (n < 0) return errno == EINTR ? 0 : -1;
    for (int i = 0; i < n; i++) {
        events[i].events = raw[i].events;
        events[i].data = raw[i].data.u64;
    }
    return n;
}

int tg_eventfd_create(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int tg_eventfd_signal(int fd) {
    uint64_t one = 1;
    // EAGAIN means the counter is saturated: the loop is already going to wake up.
    return write(fd, &one, sizeof one) == sizeof one || errno == EAGAIN ? 0 : -1;
}

void tg_eventfd_drain(int fd) {
    uint64_t value;
    while (read(fd, &value, sizeof value) == sizeof value) {}
}

static void lifecycle_set(sigset_t *set) {
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
}

int tg_block_lifecycle_signals(void) {
    sigset_t set;
    lifecycle_set(&set);
    int rc = pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (rc != 0) { errno = rc; return -1; }
    return 0;
}

int tg_signalfd_create(void) {
    sigset_t set;
    lifecycle_set(&set);
    if (tg_block_lifecycle_signals() != 0) return -1;
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int tg_signalfd_read(int fd) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    if (n == sizeof info) return (int)info.ssi_signo;
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    return -1;
}

int tg_signal_thread(unsigned long thread, int signo) {
    int rc = pthread_kill((pthread_t)thread, signo);
    if (rc != 0) { errno = rc; return -1; }
    return 0;
}

void tg_ignore_sigpipe(void) { signal(SIGPIPE, SIG_IGN); }

int tg_listen(const char *host, int port, int backlog, int *error) {
    struct addrinfo hints = {0}, *found = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    int gai = getaddrinfo(host, service, &hints, &found);
    if (gai != 0) { *error = EADDRNOTAVAIL; return -1; }
    int fd = -1;
    for (struct addrinfo *ai = found; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) { *error = errno; continue; }
        int on = 1, off = 0;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        if (ai->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, backlog) == 0) break;
        *error = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(found);
    return fd;
}

int tg_local_port(int fd) {
    struct sockaddr_storage addr;
    socklen_t len = sizeof addr;
    if (getsockname(fd, (struct sockaddr *)&addr, &len) != 0) return -1;
    if (addr.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&addr)->sin_port);
    if (addr.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&addr)->sin6_port);
    return -1;
}

int tg_accept(int listen_fd, char *peer, size_t peer_len) {
    struct sockaddr_storage addr;
    socklen_t len = sizeof addr;
    int fd = accept4(listen_fd, (struct sockaddr *)&addr, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return -1;
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    if (peer != NULL && peer_len > 0) {
        char ip[INET6_ADDRSTRLEN] = "?";
        if (addr.ss_family == AF_INET) {
            struct sockaddr_in *in = (struct sockaddr_in *)&addr;
            inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
            snprintf(peer, peer_len, "%s:%d", ip, ntohs(in->sin_port));
        } else if (addr.ss_family == AF_INET6) {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&addr;
            inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
            snprintf(peer, peer_len, "[%s]:%d", ip, ntohs(in6->sin6_port));
        } else {
            snprintf(peer, peer_len, "unknown");
        }
    }
    return fd;
}

long tg_raise_nofile_limit(long wanted) {
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return -1;
    rlim_t target = (rlim_t)wanted;
    if (lim.rlim_max != RLIM_INFINITY && target > lim.rlim_max) target = lim.rlim_max;
    if (target > lim.rlim_cur) {
        lim.rlim_cur = target;
        if (setrlimit(RLIMIT_NOFILE, &lim) != 0) return -1;
    }
    return (long)lim.rlim_cur;
}

uint64_t tg_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int tg_errno(void) { return errno; }

int tg_allowed_cpus(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
    int n = CPU_COUNT(&set);
    return n > 0 ? n : 1;
}
