/*
 * What a record is, by its header alone (trace_type): the rule for
 * malformed records is in decode.h.  Called once per header a trace uses:
 * the accounting keeps the answers (kind_of in account.c).
 */
#include "decode.h"

/* The class field's bits Xen's classes use, and the event number's. */
#define CLASS_OF(ev) ((ev) >> TRC_CLS_SHIFT)
#define KNOWN_CLASSES CLASS_OF(TRC_GEN | TRC_SCHED | TRC_DOM0OP | TRC_HVM | \
			       TRC_MEM | TRC_PV | TRC_SHADOW | TRC_HW | TRC_GUEST)
#define EVENT_NUMBER(ev) ((ev) & 0xfffu)

static bool impossible(uint32_t ev)
{
	uint32_t cls = CLASS_OF(ev);
	return cls == 0 || (cls & ~(uint32_t)KNOWN_CLASSES) != 0 ||
	       (EVENT_NUMBER(ev) == 0 && cls != CLASS_OF(TRC_GUEST));
}

/* A layout the accounting reads, or malformed when the count fits none. */
static enum trace_type fits(bool ok, enum trace_type t)
{
	return ok ? t : TT_MALFORMED;
}

enum trace_type trace_type(uint32_t hdr)
{
	uint32_t ev = TRACE_HDR_EVENT(hdr), n = TRACE_HDR_NWORDS(hdr);

	if (impossible(ev))
		return TT_MALFORMED;
	switch (ev) {
	case TRC_SCHED_SWITCH:
		return TT_SWITCH;
	case TRC_SCHED_SWITCH_INFPREV:
		return fits(n == 3 || n == 2, TT_INFPREV);
	case TRC_SCHED_SWITCH_INFNEXT:
		return fits(n == 4 || n == 3, TT_INFNEXT);
	case TRC_SCHED_WAKE:
	case TRC_SCHED_SLEEP:
	case TRC_SCHED_BLOCK:
		return TT_WAKE_SLEEP_BLOCK;
	case TRC_SCHED_CONTINUE_RUNNING:
		return fits(n == 1, TT_CONTINUE);
	case TRC_SCHED_DOM_ADD:
		return fits(n >= 1, TT_DOM_ADD);
	case TRC_SCHED_DOM_REM:
		return fits(n >= 1, TT_DOM_REM);
	case TRC_MEM_PAGE_GRANT_MAP:
		return fits(n == 1, TT_GRANT_MAP);
	case TRC_MEM_PAGE_GRANT_TRANSFER:
		return fits(n == 1, TT_GRANT_TRANSFER);
	case TRC_LOST_RECORDS:
		return fits(n == 4, TT_LOST);
	case TRC_TRACE_WRAP_BUFFER:
		return TT_WRAP;
	case TRC_TRACE_CPU_CHANGE:
		return TT_MALFORMED;
	}
	if (TRACE_IS_RUNSTATE(ev))
		return fits(n == 1 && TRACE_RS_OLD(ev) <= RS_OFFLINE &&
			    TRACE_RS_NEW(ev) <= RS_OFFLINE, TT_RUNSTATE);
	switch (ev >> TRC_SUBCLS_SHIFT) {
	case TRC_SCHED_MIN >> TRC_SUBCLS_SHIFT:
	case TRC_SCHED_VERBOSE >> TRC_SUBCLS_SHIFT:
	case TRC_MEM >> TRC_SUBCLS_SHIFT:
		return TT_OTHER;
	}
	/* Other events of the general class (TRC_TRACE_IRQ, for one) are
	 * Xen's too, unused here. */
	return TT_UNUSED;
}
