#ifndef SWIFTASGI_CLIBUV_SHIM_H
#define SWIFTASGI_CLIBUV_SHIM_H
#include <uv.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#endif
