#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* A scrape is one small GET: more connections than a few Prometheus
 * servers and a person with curl are refused, and a client that sends
 * nothing for a while is dropped. */
#define MAX_CONNECTIONS 8
#define IDLE_TIMEOUT_S 10
#define CONNECTION_MEMORY 16384

struct http_server {
	struct MHD_Daemon *d;
	struct exporter *e;
};

/* LISTEN as a socket address, loopback when no address is given. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss,
			char *err, size_t errlen)
{
	char host[256], port[16];
	const char *colon = strrchr(listen, ':');
	const char *h = HTTP_DEFAULT_ADDR, *p = listen;
	size_t hl = strlen(h);
	if (colon) {
		p = colon + 1;
		h = listen;
		hl = (size_t)(colon - listen);
		if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
			h++;
			hl -= 2;
		}
		if (hl == 0) {
			h = HTTP_DEFAULT_ADDR;
			hl = strlen(h);
		}
	}
	char *end;
	long n = strtol(p, &end, 10);
	if (!*p || *end || n < 1 || n > 65535 || hl >= sizeof host) {
		snprintf(err, errlen, "--metrics-listen: '%s' is not ADDR:PORT, "
			 ":PORT or PORT (a port from 1 to 65535)", listen);
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = 0;
	snprintf(port, sizeof port, "%ld", n);
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM }, *ai;
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		snprintf(err, errlen, "--metrics-listen: '%s' is not a numeric "
			 "IPv4 or IPv6 address: %s", host, gai_strerror(rc));
		return -1;
	}
	memset(ss, 0, sizeof *ss);
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	return 0;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
			     const char *type, char *body, size_t len,
			     enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	enum MHD_Result ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result plain(struct MHD_Connection *c, unsigned status,
			     const char *text)
{
	return reply(c, status, "text/plain; charset=utf-8", (char *)text,
		     strlen(text), MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **state)
{
	(void)version;
	(void)upload;
	struct http_server *h = cls;
	if (!*state) {
		/* The headers are in: refused before any body is read. */
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
			MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
			return plain(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				     "only GET and HEAD\n");
		if ((cl && strcmp(cl, "0") != 0) ||
		    MHD_lookup_connection_value(c, MHD_HEADER_KIND,
			MHD_HTTP_HEADER_TRANSFER_ENCODING))
			return plain(c, MHD_HTTP_CONTENT_TOO_LARGE,
				     "no body, please\n");
		*state = h;
		return MHD_YES;
	}
	if (*upload_size) {       /* not announced, so not expected: dropped */
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") != 0)
		return plain(c, MHD_HTTP_NOT_FOUND, "see /metrics\n");
	const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							 MHD_HTTP_HEADER_ACCEPT);
	bool om = exporter_wants_openmetrics(accept);
	char *body;
	size_t len;
	if (exporter_render(h->e, om, &body, &len) < 0)
		return plain(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	return reply(c, MHD_HTTP_OK, om ? EXPORTER_OPENMETRICS_TYPE :
		     EXPORTER_TEXT_TYPE, body, len, MHD_RESPMEM_MUST_FREE);
}

struct http_server *http_serve(struct exporter *e, const char *listen,
			       char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	if (parse_listen(listen, &ss, err, errlen) < 0)
		return NULL;
	struct http_server *h = calloc(1, sizeof *h);
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->e = e;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	uint16_t port = ss.ss_family == AF_INET6 ?
		ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) :
		ntohs(((struct sockaddr_in *)&ss)->sin_port);
	errno = 0;
	h->d = MHD_start_daemon(flags, port, NULL, NULL, handle, h,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
		MHD_OPTION_END);
	if (!h->d) {
		snprintf(err, errlen, "--metrics-listen: cannot listen on %s%s%s",
			 listen, errno ? ": " : "", errno ? strerror(errno) : "");
		free(h);
		return NULL;
	}
	return h;
}

void http_stop(struct http_server *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}
