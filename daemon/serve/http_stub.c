/* A build without libmicrohttpd: --metrics-listen is refused. */
#include "http.h"

#include <stdio.h>

struct http_server *http_serve(struct exporter *e, const char *listen,
			       char *err, size_t errlen)
{
	(void)e;
	(void)listen;
	snprintf(err, errlen, "--metrics-listen is not built in (xenbaked was "
		 "built without libmicrohttpd)");
	return NULL;
}

void http_stop(struct http_server *h)
{
	(void)h;
}
