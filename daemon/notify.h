/*
 * Readiness for systemd (Type=notify): "READY=1" on the datagram socket
 * $NOTIFY_SOCKET names, once the first second is in the database, so that
 * "systemctl start xenbaked" returns when the recorder records, and a
 * unit ordered after it finds a database with a second in it.
 *
 * The protocol itself (sd_notify(3): one datagram of NAME=value lines to
 * a Unix socket, a path or, with a leading '@', an abstract name) rather
 * than libsystemd: it is a dozen lines, stable since systemd 1, and keeps
 * xenbaked free of a library that a dom0 without systemd would still have
 * to carry.  Without $NOTIFY_SOCKET (a terminal, a replay by hand) it does
 * nothing.
 */
#ifndef XENMON_NOTIFY_H
#define XENMON_NOTIFY_H

/* Sends STATE ("READY=1\nSTATUS=...") once; later calls do nothing.
 * Failure is not an error: systemd then times the start out itself. */
void notify_ready(const char *state);

#endif
