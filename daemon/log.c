/*
 * xenbaked's messages, ranked for the journal (log.h).
 *
 * The message is formatted whole first and written line by line: journald
 * takes each line as an entry of its own, so each needs the priority
 * prefix, and a continuation line ("Try 'xenbaked --help'.") must not
 * fall back to the default priority.  The journal check is made per
 * message, not cached: messages are rare, fstat() is cheap, and a test can
 * point the variable elsewhere between two calls.
 */
#include "log.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PROGRAM "xenbaked"

bool log_is_journal(FILE *f)
{
	const char *v = getenv("JOURNAL_STREAM");
	uintmax_t dev, ino;
	char end;
	struct stat st;

	if (!v || sscanf(v, "%ju:%ju%c", &dev, &ino, &end) != 2)
		return false;
	if (fstat(fileno(f), &st) < 0)
		return false;
	return (uintmax_t)st.st_dev == dev && (uintmax_t)st.st_ino == ino;
}

void log_vmsg(FILE *f, enum log_level level, const char *fmt, va_list ap)
{
	char text[2048];
	char prefix[8] = "";

	vsnprintf(text, sizeof text, fmt, ap);
	if (log_is_journal(f))
		snprintf(prefix, sizeof prefix, "<%d>", (int)level);
	const char *line = text;
	for (bool first = true;; first = false) {
		const char *nl = strchr(line, '\n');
		int len = nl ? (int)(nl - line) : (int)strlen(line);
		fprintf(f, "%s%s%.*s\n", prefix, first ? PROGRAM ": " : "", len,
			line);
		if (!nl || !nl[1])
			break;
		line = nl + 1;
	}
	fflush(f);
}

void log_msg(FILE *f, enum log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(f, level, fmt, ap);
	va_end(ap);
}
