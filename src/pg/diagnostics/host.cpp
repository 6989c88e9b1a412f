// host.cpp - what xray.settings_advice needs to know about the machine:
// xray.cpu_count(), xray.memory_bytes() and xray.data_on_ssd() (Linux sysfs).
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "compat.hpp"

extern "C" {
#include "storage/fd.h"

PG_FUNCTION_INFO_V1(xray_cpu_count);
PG_FUNCTION_INFO_V1(xray_memory_bytes);
PG_FUNCTION_INFO_V1(xray_data_on_ssd);
PGDLLEXPORT Datum xray_cpu_count(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum xray_memory_bytes(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum xray_data_on_ssd(PG_FUNCTION_ARGS);
}

// xray.cpu_count(): processors online on the server (for pool sizing).
Datum
xray_cpu_count(PG_FUNCTION_ARGS)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	PG_RETURN_INT32(n > 0 ? (int32) n : 1);
}

// xray.memory_bytes(): physical memory of the server (NULL when unknown).
Datum
xray_memory_bytes(PG_FUNCTION_ARGS)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	if (pages <= 0 || size <= 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64((int64) pages * size);
}

// xray.data_on_ssd(): whether the block device holding the data directory is
// non-rotational (Linux sysfs), NULL when it cannot be told.
Datum
xray_data_on_ssd(PG_FUNCTION_ARGS)
{
	struct stat st;
	if (stat(DataDir, &st) != 0)
		PG_RETURN_NULL();
	unsigned maj = major(st.st_dev), min = minor(st.st_dev);
	// a partition's queue is its disk's: try the device, then its parent
	const char *paths[] = {"/sys/dev/block/%u:%u/queue/rotational", "/sys/dev/block/%u:%u/../queue/rotational"};
	for (const char *fmt : paths)
	{
		char path[128];
		snprintf(path, sizeof(path), fmt, maj, min);
		FILE *f = AllocateFile(path, "r");
		if (f == NULL)
			continue;
		int c = fgetc(f);
		FreeFile(f);
		if (c == '0' || c == '1')
			PG_RETURN_BOOL(c == '0');
	}
	PG_RETURN_NULL();
}
