/*
 * Live capture in a build without Xen's control libraries: only replay
 * works, and live mode says why it cannot run.
 */
#include "live.h"
#include "log.h"

int live_run(const struct live_opts *o, FILE *out, FILE *err)
{
	(void)o;
	(void)out;
	log_msg(err, LOG_LEVEL_ERR, "live capture is not available: this "
		"xenbaked was built without Xen support (libxenctrl, "
		"libxenforeignmemory, libxenevtchn, libxenstore and libxentoollog "
		"were not found at build time); replay a xentrace recording with "
		"--input FILE");
	return 1;
}
