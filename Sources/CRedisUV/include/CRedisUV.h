#ifndef SWIFTASGI_CREDISUV_H
#define SWIFTASGI_CREDISUV_H

// Our libuv adapter for hiredis 0.14's async API (the bundled adapters/libuv.h drops poll errors
// and re-arms the poll on every event). One `credisuv_conn` per hiredis context.
//
// Lifetime: the adapter lives from `credisuv_connect` until libuv closed its poll handle, which
// happens after hiredis freed the context (every path: failed connect, error disconnect,
// `credisuv_close`). `on_closed` is its last call; the owner may release itself there.
// Everything here runs on the loop thread.

#include <stddef.h>
#include <stdint.h>
#include <uv.h>
#include <hiredis/hiredis.h>
#include <hiredis/async.h>

typedef struct credisuv_conn credisuv_conn;

/// Calls from the adapter to its owner (the Swift connection object).
typedef struct credisuv_hooks {
    /// A command was buffered: call `credisuv_flush` once, after this loop turn's work.
    void (*want_flush)(void *owner);
    /// The TCP/unix connect finished: status REDIS_OK or REDIS_ERR (then hiredis frees the context).
    void (*on_connect)(void *owner, int status, const char *errstr);
    /// A connected context went away: REDIS_ERR on a connection error, REDIS_OK after
    /// `credisuv_close`. Pending reply callbacks already ran (with a NULL reply).
    void (*on_disconnect)(void *owner, int status, const char *errstr);
    /// The poll handle is closed and the adapter freed: the last call with this owner.
    void (*on_closed)(void *owner);
} credisuv_hooks;

/// Starts a non-blocking connect to `ip:port` (numeric address) or, when `unix_path` is not NULL,
/// to a unix socket. `ac->data` is set to `owner`. Returns NULL when it failed at once (reason
/// copied into `errbuf`); then no hook is ever called.
credisuv_conn *credisuv_connect(uv_loop_t *loop, const char *ip, int port, const char *unix_path,
                                const credisuv_hooks *hooks, void *owner, uint64_t *write_counter,
                                char *errbuf, size_t errlen);

/// Buffers a command (binary-safe argv). REDIS_ERR when the context is gone or closing.
int credisuv_command(credisuv_conn *conn, redisCallbackFn *fn, void *privdata, int argc,
                     const char **argv, const size_t *argvlen);

/// Writes hiredis' output buffer (one write(2)); arms write polling only if the kernel took less.
void credisuv_flush(credisuv_conn *conn);

/// Frees the hiredis context now (pending callbacks get NULL, then `on_disconnect` if it was
/// connected). Never call it from inside a hiredis callback. No-op when already gone.
void credisuv_close(credisuv_conn *conn);

/// Turns on TCP keepalive on a connected TCP context (idle `idle_seconds`, then 3 probes
/// `idle_seconds / 3` apart), so a peer that vanished without a FIN is noticed by a connection that
/// sends nothing for long stretches (a subscriber). No-op for unix sockets or a dead context;
/// errors are ignored and never recorded on the context. Returns 0 when the options were set.
int credisuv_enable_keepalive(credisuv_conn *conn, int idle_seconds);

/// Whether hiredis still holds a context for this adapter.
int credisuv_is_alive(const credisuv_conn *conn);

/// The loop's cached time in milliseconds.
uint64_t credisuv_now(uv_loop_t *loop);

#endif
