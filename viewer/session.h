/*
 * A recorder for the session, as the original xenmon did: on a Xen host
 * (dom0) where no xenbaked is recording, start one writing to the viewer's
 * database, and stop it when the viewer exits.  A xenbaked run by the
 * service manager holds the live lock and is left alone; off Xen nothing
 * is started.
 */
#ifndef XENMON_SESSION_H
#define XENMON_SESSION_H

#include <stddef.h>
#include <sys/types.h>

struct session {
	pid_t pid;      /* 0: none started */
};

/* 1: started one (MSG says so), 0: none needed, -1: could not (MSG). */
int session_start(struct session *s, const char *db, char *msg, size_t n);

/* Stop the recorder we started, if any: SIGTERM, then SIGKILL after 3 s. */
void session_stop(struct session *s);

#endif
