/*
 * Where the rows go: standard output, or -o FILE (output.c).
 */
#ifndef XENMON_EXPORT_OUTPUT_H
#define XENMON_EXPORT_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

struct out {
	FILE *f;
	bool whole;               /* FILE appears complete or not at all */
	char *tmp;                /* the temporary file, renamed to final */
	char *final;              /* the file FILE names, links followed */
	const char *path;         /* FILE as given */
};

/* If PATH names a descriptor this process inherited (/dev/fd/N,
 * /dev/stdout...), take it now, before anything else opens one.  0, or -1
 * reported on standard error. */
int out_claim_fd(struct out *out, const char *path);

/* Open PATH (NULL: standard output) for the rows, unless out_claim_fd()
 * did.  0, or -1 reported on standard error. */
int out_open(struct out *out, const char *path);

/* The rows so far are complete: flush them, and put a whole file in
 * place.  Later rows (--follow) are appended.  0, or -1 reported. */
int out_commit(struct out *out);

/* Close, removing the temporary file of an output never committed. */
void out_close(struct out *out);

#endif
