/*
 * Test hooks: the few settings a test changes through the environment so
 * that it can play a host without Xen, without /run, or without waiting a
 * minute (XENMON_LOCK, XENMON_LOCK_LEGACY, XENMON_XEN_CAPS, XENBAKED,
 * XENBAKED_FULL_REPORT_S), or a week to see the past packed
 * (XENMON_PACK_AGE_S).
 *
 * They exist only in a build made with the meson option test_hooks (on
 * with -Dtests=enabled, as tests/run builds; off in tools/start's build and
 * any other): a binary someone installs reads none of them, so an
 * environment that sudo, a unit file or a login carries along cannot point
 * the root recorder at another lock or the viewer at another program.
 */
#ifndef XENMON_TEST_HOOK_H
#define XENMON_TEST_HOOK_H

#include <stdlib.h>

/* $NAME when the build has the hooks and it is set and not empty; NULL
 * otherwise. */
static inline const char *test_hook(const char *name)
{
#ifdef XENMON_TEST_HOOKS
	const char *v = getenv(name);
	return v && *v ? v : NULL;
#else
	(void)name;
	return NULL;
#endif
}

#endif
