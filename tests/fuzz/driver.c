/*
 * Runs the fuzz target on files, without libFuzzer: every crash the fuzzer
 * ever found (regressions/) and the seeds stay in the ordinary test runs,
 * sanitizer build included.  It says which files it replayed; a crash is
 * its failure, and so is finding no file (the tests' TAP is tests/lib/
 * tap.py's: this is an exit-status test).
 *
 *   fuzz_driver DIR_OR_FILE...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			uint8_t *b = realloc(buf, cap);
			if (!b)
				abort();
			buf = b;
		}
		size_t k = fread(buf + n, 1, cap - n, f);
		if (k == 0)
			break;
		n += k;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	printf("replayed %s (%zu bytes)\n", path, n);
	return 0;
}

int main(int argc, char **argv)
{
	int files = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *e;
			while (d && (e = readdir(d))) {
				if (e->d_name[0] == '.')
					continue;
				char p[4096];
				snprintf(p, sizeof p, "%s/%s", argv[i], e->d_name);
				if (run_file(p) < 0)
					return 1;
				files++;
			}
			if (d)
				closedir(d);
		} else if (run_file(argv[i]) < 0) {
			return 1;
		} else {
			files++;
		}
	}
	printf("%d files replayed\n", files);
	return files ? 0 : 1;
}
