/*
 * xenbaked's messages, ranked for the journal.
 *
 * Every message the daemon prints (errors, warnings such as a full disk
 * or records Xen lost, the start-up line) goes through here, to the
 * stream the caller was given (stderr, or a test's file).  Under systemd
 * that stream is a journal stream: systemd says which one in
 * $JOURNAL_STREAM ("device:inode"), and journald reads a leading "<N>" on
 * each line as the line's syslog priority, so "journalctl -p warning"
 * finds a full disk.  On a terminal, a file or a pipe the text stays as
 * it was, with no prefix: the check is that the stream itself is the
 * journal's, not merely that the variable is set (a shell started from a
 * service inherits it).
 *
 * Syslog's numbers, so that a reader of the journal can map them, but not
 * syslog.h's names, which a program that also logs through syslog would
 * clash with.
 */
#ifndef XENMON_LOG_H
#define XENMON_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

enum log_level {
	LOG_LEVEL_ERR = 3,        /* the run fails or an action failed */
	LOG_LEVEL_WARNING = 4,    /* data at risk or lost: full disk, lost
				     records, a fallback that costs */
	LOG_LEVEL_INFO = 6,       /* what it is doing */
};

/* "xenbaked: MESSAGE\n" on F; a MESSAGE of several lines gets the prefix
 * on each when F is the journal's stream. */
void log_msg(FILE *f, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void log_vmsg(FILE *f, enum log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Whether F is the stream $JOURNAL_STREAM names. */
bool log_is_journal(FILE *f);

#endif
