#ifndef TIDEGATE_SYSTEM_H
#define TIDEGATE_SYSTEM_H
// Linux calls that Glibc's Swift overlay does not expose (epoll, eventfd, signalfd, accept4).
int tidegate_placeholder(void);
#endif
