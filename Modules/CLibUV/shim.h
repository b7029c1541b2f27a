#ifndef SWIFTASGI_CLIBUV_SHIM_H
#define SWIFTASGI_CLIBUV_SHIM_H
#include <uv.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>

/* accept4(2) is declared only under _GNU_SOURCE, which the C library module is not built with. */
extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
#endif
