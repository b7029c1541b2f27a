// hiredis async <-> libuv, written for hiredis 0.14.1 and libuv 1.44 (see CRedisUV.h).
//
// Write path: hiredis asks for writability (addWrite) whenever a command lands in its output
// buffer. A connected context does not poll for that: the owner is asked to flush once at the end
// of the loop turn, so every command buffered during the turn goes out in one write(2). Only a
// partial write (or a connect in progress) arms UV_WRITABLE. The poll mask is changed only when
// it changes, so a steady-state round trip costs write + epoll_wait + read.

#include "CRedisUV.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hiredis/sds.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

struct credisuv_conn {
    uv_poll_t poll;               // first member: the handle's address is the adapter's
    redisAsyncContext *context;   // NULL once hiredis freed it (cleanup hook)
    void *owner;
    credisuv_hooks hooks;
    uint64_t *write_counter;
    int want_read;                // hiredis wants readability
    int want_write;               // hiredis has output pending
    int poll_write;               // ... and needs the poll for it (connecting / partial write)
    int poll_events;              // the mask libuv currently polls for
    int in_write;                 // inside redisAsyncHandleWrite called by us
    int flush_requested;
};

static void on_poll(uv_poll_t *handle, int status, int events);

static void copy_error(char *errbuf, size_t errlen, const char *message) {
    if (errbuf != NULL && errlen > 0) snprintf(errbuf, errlen, "%s", message);
}

static int is_connected(const credisuv_conn *conn) {
    return conn->context != NULL && (conn->context->c.flags & REDIS_CONNECTED) != 0;
}

// Applies the wanted poll mask, touching libuv only when it differs from the current one.
static void update_poll(credisuv_conn *conn) {
    if (conn->context == NULL || uv_is_closing((uv_handle_t *)&conn->poll)) return;
    int events = (conn->want_read ? UV_READABLE : 0) | (conn->poll_write ? UV_WRITABLE : 0);
    if (events == conn->poll_events) return;
    conn->poll_events = events;
    if (events == 0) {
        uv_poll_stop(&conn->poll);
    } else {
        uv_poll_start(&conn->poll, events, on_poll);
    }
}

// One redisAsyncHandleWrite: a connect check while connecting, else one write(2) of the buffer.
static void handle_write(credisuv_conn *conn) {
    redisAsyncContext *ac = conn->context;
    if (is_connected(conn) && ac->c.obuf != NULL && sdslen(ac->c.obuf) > 0 && conn->write_counter != NULL) {
        *conn->write_counter += 1;
    }
    conn->in_write = 1;
    redisAsyncHandleWrite(ac);
    // hiredis may have freed the context; the adapter itself lives until the close callback.
    conn->in_write = 0;
}

// MARK: - hiredis event hooks

static void hook_add_read(void *privdata) {
    credisuv_conn *conn = privdata;
    conn->want_read = 1;
    update_poll(conn);
}

static void hook_del_read(void *privdata) {
    credisuv_conn *conn = privdata;
    conn->want_read = 0;
    update_poll(conn);
}

static void hook_add_write(void *privdata) {
    credisuv_conn *conn = privdata;
    conn->want_write = 1;
    if (!is_connected(conn) || conn->in_write) {
        // Connect detection, or the kernel took only part of the buffer: wait for writability.
        conn->poll_write = 1;
        update_poll(conn);
    } else if (!conn->flush_requested) {
        conn->flush_requested = 1;
        conn->hooks.want_flush(conn->owner);
    }
}

static void hook_del_write(void *privdata) {
    credisuv_conn *conn = privdata;
    conn->want_write = 0;
    conn->poll_write = 0;
    update_poll(conn);
}

static void on_close(uv_handle_t *handle) {
    credisuv_conn *conn = handle->data;
    void *owner = conn->owner;
    void (*on_closed)(void *) = conn->hooks.on_closed;
    free(conn);
    on_closed(owner);
}

// Called once by hiredis right before it frees the context (every path).
static void hook_cleanup(void *privdata) {
    credisuv_conn *conn = privdata;
    if (conn->context == NULL) return;
    conn->context = NULL;
    conn->want_read = conn->want_write = conn->poll_write = 0;
    uv_close((uv_handle_t *)&conn->poll, on_close);
}

// MARK: - libuv poll callback

static void on_poll(uv_poll_t *handle, int status, int events) {
    credisuv_conn *conn = handle->data;
    if (conn->context == NULL) return;
    if (status < 0) {
        // libuv stopped the poll (POLLERR). Let hiredis find the error on the socket: the connect
        // check (SO_ERROR) while connecting, else a read that fails. The bundled adapter returns
        // here instead, so a refused connection never called back.
        conn->poll_events = 0;
        if (is_connected(conn)) {
            redisAsyncHandleRead(conn->context);
        } else {
            handle_write(conn);
        }
        update_poll(conn);  // re-arm if the context survived
        return;
    }
    if (events & UV_READABLE) redisAsyncHandleRead(conn->context);
    if (conn->context != NULL && (events & UV_WRITABLE)) handle_write(conn);
}

// MARK: - hiredis connection callbacks

static const char *context_error(const redisAsyncContext *ac) {
    return ac->c.err != 0 ? ac->c.errstr : NULL;
}

static void on_connect(const redisAsyncContext *ac, int status) {
    credisuv_conn *conn = ac->ev.data;
    conn->hooks.on_connect(conn->owner, status, context_error(ac));
}

static void on_disconnect(const redisAsyncContext *ac, int status) {
    credisuv_conn *conn = ac->ev.data;
    conn->hooks.on_disconnect(conn->owner, status, context_error(ac));
}

// MARK: - API

credisuv_conn *credisuv_connect(uv_loop_t *loop, const char *ip, int port, const char *unix_path,
                                const credisuv_hooks *hooks, void *owner, uint64_t *write_counter,
                                char *errbuf, size_t errlen) {
    redisAsyncContext *ac = unix_path != NULL ? redisAsyncConnectUnix(unix_path) : redisAsyncConnect(ip, port);
    if (ac == NULL) {
        copy_error(errbuf, errlen, "out of memory");
        return NULL;
    }
    if (ac->err != 0 || ac->c.err != 0) {
        // Failed synchronously (e.g. a missing unix socket): hiredis leaves the free to us.
        copy_error(errbuf, errlen, ac->c.errstr);
        redisAsyncFree(ac);
        return NULL;
    }
    credisuv_conn *conn = calloc(1, sizeof(*conn));
    if (conn == NULL) {
        copy_error(errbuf, errlen, "out of memory");
        redisAsyncFree(ac);
        return NULL;
    }
    int rc = uv_poll_init(loop, &conn->poll, ac->c.fd);
    if (rc != 0) {
        copy_error(errbuf, errlen, uv_strerror(rc));
        free(conn);
        redisAsyncFree(ac);
        return NULL;
    }
    conn->poll.data = conn;
    conn->context = ac;
    conn->owner = owner;
    conn->hooks = *hooks;
    conn->write_counter = write_counter;

    ac->data = owner;
    ac->ev.data = conn;
    ac->ev.addRead = hook_add_read;
    ac->ev.delRead = hook_del_read;
    ac->ev.addWrite = hook_add_write;
    ac->ev.delWrite = hook_del_write;
    ac->ev.cleanup = hook_cleanup;
    // Sets the connect callback and asks for writability (the connect completes): hooks first.
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    return conn;
}

int credisuv_command(credisuv_conn *conn, redisCallbackFn *fn, void *privdata, int argc,
                     const char **argv, const size_t *argvlen) {
    if (conn->context == NULL) return REDIS_ERR;
    return redisAsyncCommandArgv(conn->context, fn, privdata, argc, argv, argvlen);
}

void credisuv_flush(credisuv_conn *conn) {
    conn->flush_requested = 0;
    if (!is_connected(conn) || !conn->want_write || conn->poll_write) return;
    handle_write(conn);
}

void credisuv_close(credisuv_conn *conn) {
    redisAsyncContext *ac = conn->context;
    if (ac == NULL) return;
    redisAsyncFree(ac);
}

int credisuv_enable_keepalive(credisuv_conn *conn, int idle_seconds) {
    // hiredis' redisKeepAlive would record a failure in c->err, which later reads as the reason
    // of a lost connection: set the options here and keep errors to ourselves.
    if (!is_connected(conn) || conn->context->c.connection_type != REDIS_CONN_TCP) return -1;
    int fd = conn->context->c.fd;
    int on = 1;
    int idle = idle_seconds > 0 ? idle_seconds : 1;
    int interval = idle / 3 > 0 ? idle / 3 : 1;
    int count = 3;
    if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) != 0) return -1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) != 0) return -1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval)) != 0) return -1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count)) != 0) return -1;
    return 0;
}

int credisuv_is_alive(const credisuv_conn *conn) {
    return conn->context != NULL;
}

uint64_t credisuv_now(uv_loop_t *loop) {
    return uv_now(loop);
}
