/*
 * What the stored figures mean, said once for every program that reads or
 * writes them.
 *
 * The per-second tables are a contract with users' SQL (001_init.sql), and
 * the daemon, the viewer, xenmon-export and the tests each read them.  A
 * rule that several of them apply, such as which seconds are incomplete,
 * lives here, so that a change to it is one change and no reader is left
 * behind (the malformed records of version 6 were first counted by the
 * daemon alone).
 */
#ifndef XENMON_METRICS_H
#define XENMON_METRICS_H

/*
 * The records a CPU-second (or a roll-up's CPU-step) misses, as a SQL
 * expression over a row of cpu_1s, cpu_1m or cpu_1h: those Xen lost, and
 * those damage to the trace made unreadable (006_malformed.sql).  A second,
 * step or window where it is not zero is incomplete: its figures are what
 * the records left tell.  %s is the malformed records' column as
 * schema_malformed_sql() gives it for the table: the readers open older
 * databases without migrating them.
 */
#define METRICS_MISSING_RECORDS_FMT "(lost_records + %s)"

#endif
