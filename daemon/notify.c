/*
 * Readiness for systemd, the plain NOTIFY_SOCKET protocol (notify.h).
 *
 * Called from the writer thread after a commit: the once-flag is atomic so
 * that a second caller can never send twice.  The variable stays set (a
 * restart of the same process image is not a thing here), and the socket
 * is opened and closed per call since there is one.
 */
#include "notify.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static atomic_bool sent;

void notify_ready(const char *state)
{
	if (atomic_exchange(&sent, true))
		return;
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = path ? strlen(path) : 0;
	if (len < 2 || len >= sizeof sa.sun_path ||
	    (path[0] != '/' && path[0] != '@'))
		return;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = 0;  /* an abstract socket */
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	(void)sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		     (const struct sockaddr *)&sa,
		     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	close(fd);
}
