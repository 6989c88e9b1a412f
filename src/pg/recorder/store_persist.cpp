// store_persist.cpp - statistics survive a clean restart.
//
// At postmaster shutdown (on_shmem_exit in the postmaster, or at the end of a
// single-user session) the shared tables are written to pg_stat/pg_xray.stat
// through a temporary file and a rename. At startup the file is read, checked
// (magic, format version, entry sizes, CRC-32C of everything) and removed, so a
// crash never reloads stale statistics. A damaged or foreign file is skipped
// with a WARNING; loading never fails the startup. Texts longer than a smaller
// new text size are dropped (recaptured later); entries beyond the new capacity
// are dropped (counted).
//
// Locking: none. Both run in the postmaster (or the single-user backend) at
// start, before any other process attaches the store, and at shutdown, after
// every other process has exited (as pg_stat_statements' dump and load do).
#include <cstring>

#include "recorder/store_internal.hpp"

#include "compat.hpp"
#include "guc.hpp"

extern "C" {
#include "port/pg_crc32c.h"
}

namespace xray::pg
{
namespace
{
constexpr uint32 kFileMagic = 0x59415258; // "XRAY"
constexpr uint32 kFileVersion = 2;		  // 2: entries with a long-text slot (0.7.0)
const char *const kStatFile = PGSTAT_STAT_PERMANENT_DIRECTORY "/pg_xray.stat";
const char *const kStatTmp = PGSTAT_STAT_PERMANENT_DIRECTORY "/pg_xray.stat.tmp";

struct FileHeader
{
	uint32 magic;
	uint32 version;
	uint32 stmt_entry_size;
	uint32 plan_entry_size;
	uint32 hist_buckets;
	uint32 nstmts;
	uint32 nplans;
	uint32 pad;
	TimestampTz stats_reset;
};

struct Writer
{
	FILE *f;
	pg_crc32c crc;
	bool ok;

	void Put(const void *p, size_t n)
	{
		if (!ok)
			return;
		COMP_CRC32C(crc, p, n);
		if (fwrite(p, 1, n, f) != n)
			ok = false;
	}
};

// FileReader streams the saved file; every read is bounded by what remains.
struct FileReader
{
	FILE *f;
	uint64 remaining; // payload bytes left (the CRC excluded)

	bool Get(void *p, size_t n)
	{
		if (n > remaining || fread(p, 1, n, f) != n)
			return false;
		remaining -= n;
		return true;
	}
	bool Skip(size_t n)
	{
		if (n > remaining || fseeko(f, (off_t) n, SEEK_CUR) != 0)
			return false;
		remaining -= n;
		return true;
	}
};

// FileChecksum computes the CRC-32C of the first len bytes of f, streaming.
bool
FileChecksum(FILE *f, uint64 len, pg_crc32c *out)
{
	char chunk[65536];
	pg_crc32c crc;
	INIT_CRC32C(crc);
	while (len > 0)
	{
		size_t want = len < sizeof(chunk) ? (size_t) len : sizeof(chunk);
		if (fread(chunk, 1, want, f) != want)
			return false;
		COMP_CRC32C(crc, chunk, want);
		len -= want;
	}
	FIN_CRC32C(crc);
	*out = crc;
	return true;
}

template <typename Entry>
void
DumpTable(Writer &w, const Table<Entry> &t)
{
	for (uint32 i = 0; i < t.st->max; i++)
		if (t.entries[i].in_use)
		{
			w.Put(&t.entries[i], sizeof(Entry));
			w.Put(t.Text(i), t.entries[i].text_len);
		}
}

// LoadTable inserts n saved entries (counters, histogram, times, text) into a
// table, counting those beyond its capacity in *skipped. False when truncated.
template <typename Entry, typename Key>
bool
LoadTable(FileReader &r, const Table<Entry> &t, uint32 n, int64 *skipped, uint64 (*hash_of)(const Key &))
{
	for (uint32 i = 0; i < n; i++)
	{
		Entry e;
		if (!r.Get(&e, sizeof(e)) || e.text_len > r.remaining)
			return false;
		if (t.st->count >= t.st->max)
		{
			(*skipped)++;
			if (!r.Skip(e.text_len))
				return false;
			continue;
		}
		bool inserted;
		int32 at = TableFindOrInsert(t, e.key, hash_of(e.key), e.first_seen, &inserted);
		if (at < 0 || !inserted)
		{
			if (!r.Skip(e.text_len))
				return false;
			continue;
		}
		Entry *ne = &t.entries[at];
		int32 next_free = ne->next_free;
		memcpy((void *) ne, &e, sizeof(Entry));
		ne->next_free = next_free;
		ne->in_use = true;
		ne->hash = hash_of(e.key);
		ne->long_text = -1; // (the saved one was another run's)
		// the postmaster knows no database encoding to cut safely: a text that
		// no longer fits is dropped and captured again on the next execution
		bool fits = e.text_len < t.st->short_size || (e.text_len < t.st->text_size && t.TakeLong((uint32) at));
		if (!(fits ? r.Get(t.Text(at), e.text_len) : r.Skip(e.text_len)))
		{
			ne->text_len = 0;
			t.Text(at)[0] = '\0';
			return false;
		}
		size_t len = fits ? e.text_len : 0;
		t.Text(at)[len] = '\0';
		ne->text_len = (uint32) len;
	}
	return true;
}

void
WarnDamaged(const char *why)
{
	ereport(WARNING,
			(errcode(ERRCODE_DATA_CORRUPTED), errmsg("pg_xray: skipping statistics file \"%s\": %s", kStatFile, why)));
}
} // namespace

void
StoreDumpFile(int code, Datum arg)
{
	if (code != 0 || !guc_save || !StoreReady())
		return;
	StoreHeader *h = store.hdr;
	FILE *f = AllocateFile(kStatTmp, PG_BINARY_W);
	if (f == NULL)
	{
		ereport(LOG, (errcode_for_file_access(), errmsg("pg_xray: could not write \"%s\": %m", kStatTmp)));
		return;
	}
	Writer w{f, 0, true};
	INIT_CRC32C(w.crc);
	FileHeader fh{kFileMagic,
				  kFileVersion,
				  (uint32) sizeof(StmtEntry),
				  (uint32) sizeof(PlanEntry),
				  (uint32) kHistBuckets,
				  h->stmt_table.count,
				  h->plan_table.count,
				  0,
				  h->stats_reset};
	w.Put(&fh, sizeof(fh));
	DumpTable(w, Stmts());
	DumpTable(w, Plans());
	FIN_CRC32C(w.crc);
	pg_crc32c crc = w.crc;
	if (w.ok && fwrite(&crc, 1, sizeof(crc), f) != sizeof(crc))
		w.ok = false;
	if (FreeFile(f) != 0)
		w.ok = false;
	if (!w.ok)
	{
		ereport(LOG, (errcode_for_file_access(), errmsg("pg_xray: could not write \"%s\": %m", kStatTmp)));
		unlink(kStatTmp);
		return;
	}
	(void) durable_rename(kStatTmp, kStatFile, LOG);
}

namespace
{
void
LoadStream(FILE *f)
{
	StoreHeader *h = store.hdr;
	if (fseeko(f, 0, SEEK_END) != 0)
		return WarnDamaged("cannot be read");
	off_t size = ftello(f);
	if (size < (off_t) (sizeof(FileHeader) + sizeof(pg_crc32c)))
		return WarnDamaged("file is too short");
	uint64 payload = (uint64) size - sizeof(pg_crc32c);
	FileHeader fh;
	pg_crc32c crc, stored;
	rewind(f);
	if (fread(&fh, 1, sizeof(fh), f) != sizeof(fh))
		return WarnDamaged("file is too short");
	if (fh.magic != kFileMagic)
		return WarnDamaged("not a pg_xray statistics file");
	if (fh.version != kFileVersion || fh.stmt_entry_size != sizeof(StmtEntry) ||
		fh.plan_entry_size != sizeof(PlanEntry) || fh.hist_buckets != (uint32) kHistBuckets)
		return WarnDamaged("written by another version of pg_xray");
	rewind(f);
	if (!FileChecksum(f, payload, &crc) || fread(&stored, 1, sizeof(stored), f) != sizeof(stored))
		return WarnDamaged("file is too short");
	if (!EQ_CRC32C(crc, stored))
		return WarnDamaged("checksum mismatch");

	// checked whole: now entry by entry
	rewind(f);
	FileReader r{f, payload};
	if (!r.Skip(sizeof(fh)))
		return WarnDamaged("file is too short");
	int64 skipped = 0;
	if (!LoadTable(r, Stmts(), fh.nstmts, &skipped, StmtKeyHash) ||
		!LoadTable(r, Plans(), fh.nplans, &skipped, PlanKeyHash))
		return WarnDamaged("truncated entry");
	h->stats_reset = fh.stats_reset;
	if (skipped > 0)
	{
		pg_atomic_fetch_add_u64(&h->dropped, skipped);
		ereport(LOG, (errmsg("pg_xray: %lld saved entries did not fit the configured capacity", (long long) skipped)));
	}
}
} // namespace

void
StoreLoadFile()
{
	FILE *f = AllocateFile(kStatFile, PG_BINARY_R);
	if (f == NULL)
	{
		if (errno != ENOENT)
			ereport(LOG, (errcode_for_file_access(), errmsg("pg_xray: could not read \"%s\": %m", kStatFile)));
		return;
	}
	// gone before anything is read: whatever happens next, the next start does not see it
	unlink(kStatFile);
	PG_TRY();
	{
		LoadStream(f);
	}
	PG_CATCH();
	{
		// never fail the start-up for saved statistics
		EmitErrorReport();
		FlushErrorState();
		WarnDamaged("could not be loaded");
	}
	PG_END_TRY();
	FreeFile(f);
}
} // namespace xray::pg
