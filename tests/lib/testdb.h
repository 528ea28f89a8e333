/*
 * The unit tests' scratch databases: a WAL database is three files.
 */
#ifndef XENMON_TESTDB_H
#define XENMON_TESTDB_H

#include <stdio.h>
#include <unistd.h>

/* PATH and its -wal and -shm removed. */
static inline void testdb_remove(const char *path)
{
	char side[4096];
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
}

#endif
