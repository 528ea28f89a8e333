/*
 * The HTTP side of --metrics-listen: libmicrohttpd serving GET /metrics
 * from its own thread, so that nothing a client does reaches the writer
 * (exporter.h publishes the figures under a lock the writer never waits
 * for).  Read-only, few connections at once, small requests, a timeout:
 * a slow or hostile client costs a connection slot, not the recorder.
 *
 * A build without Debian's libmicrohttpd-dev has http_stub.c instead,
 * whose http_serve() says the option is not built in.
 */
#ifndef XENMON_SERVE_HTTP_H
#define XENMON_SERVE_HTTP_H

#include <stddef.h>

#include "exporter.h"

/* Loopback unless an address is given: "PORT", ":PORT", "ADDR:PORT",
 * "[ADDR6]:PORT". */
#define HTTP_DEFAULT_ADDR "127.0.0.1"

struct http_server;

/* Listen on LISTEN and serve E's figures until http_stop().  NULL with
 * the reason in ERR. */
struct http_server *http_serve(struct exporter *e, const char *listen,
			       char *err, size_t errlen);
void http_stop(struct http_server *h);

#endif
