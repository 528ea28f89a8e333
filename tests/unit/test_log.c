/*
 * The log module (daemon/log.h): the priority prefix on every line when
 * the stream is the journal's ($JOURNAL_STREAM names its device and
 * inode), the text untouched otherwise.  The daemon's real runs are in
 * tests/cli/test_journal.py; here the levels no replay reaches (the
 * live start-up line is information).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "log.h"

static void read_back(FILE *f, char *buf, size_t n)
{
	rewind(f);
	size_t k = fread(buf, 1, n - 1, f);
	buf[k] = 0;
}

static void point_journal_at(FILE *f)
{
	struct stat st;
	assert_int_equal(fstat(fileno(f), &st), 0);
	char v[64];
	snprintf(v, sizeof v, "%ju:%ju", (uintmax_t)st.st_dev,
		 (uintmax_t)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
}

static void every_level_ranked(void **state)
{
	(void)state;
	FILE *f = tmpfile();
	char buf[512];
	point_journal_at(f);
	assert_true(log_is_journal(f));
	log_msg(f, LOG_LEVEL_INFO, "recording %s", "Xen");
	log_msg(f, LOG_LEVEL_WARNING, "disk full");
	log_msg(f, LOG_LEVEL_ERR, "bad\nTry 'xenbaked --help'.");
	read_back(f, buf, sizeof buf);
	assert_string_equal(buf, "<6>xenbaked: recording Xen\n"
			    "<4>xenbaked: disk full\n"
			    "<3>xenbaked: bad\n<3>Try 'xenbaked --help'.\n");
	fclose(f);
}

static void plain_elsewhere(void **state)
{
	(void)state;
	FILE *f = tmpfile();
	char buf[512];
	unsetenv("JOURNAL_STREAM");
	log_msg(f, LOG_LEVEL_WARNING, "disk full");
	setenv("JOURNAL_STREAM", "1:1", 1);
	log_msg(f, LOG_LEVEL_INFO, "two\nlines\n");
	setenv("JOURNAL_STREAM", "garbage", 1);
	log_msg(f, LOG_LEVEL_ERR, "three");
	read_back(f, buf, sizeof buf);
	assert_string_equal(buf, "xenbaked: disk full\nxenbaked: two\nlines\n"
			    "xenbaked: three\n");
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_level_ranked),
		cmocka_unit_test(plain_elsewhere),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
