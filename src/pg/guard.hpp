// guard.hpp - the one way C++ code is called from PostgreSQL entry points.
//
// XRAY_GUARD(code) runs code inside try/catch. A C++ exception never crosses
// into PostgreSQL frames: its message is copied into a fixed buffer inside the
// catch block, and the ERROR is raised only after the try/catch has ended, so
// no C++ object is alive when ereport longjmps.
//
// Today every core function the adapter calls is noexcept and allocates
// nothing (histogram, counters, index, texts), so the hooks need no guard on
// their hot path. Any core call that may throw (containers, std::string, fmt)
// must go through XRAY_GUARD, and must run before any PostgreSQL call that can
// raise an ERROR while its objects are alive.
#pragma once
#include <cstring>
#include <exception>
#include <new>

#include "pg_includes.hpp"

namespace xray::pg
{
struct GuardFailure
{
	bool failed = false;
	bool out_of_memory = false;
	int sqlerrcode = 0; // of a PostgreSQL error carried through C++ (PgErrorException)
	char message[256];
};

// PgErrorException carries a PostgreSQL error (caught in a subtransaction)
// through C++ frames, with its SQLSTATE, so that XRAY_GUARD raises it again
// as it was: a cancel stays a cancel, a user's error keeps its code.
struct PgErrorException : std::exception
{
	int sqlerrcode;
	char message[256];

	PgErrorException(int code, const char *msg) : sqlerrcode(code)
	{
		std::strncpy(message, msg ? msg : "error", sizeof(message) - 1);
		message[sizeof(message) - 1] = '\0';
	}
	const char *what() const noexcept override { return message; }
};

inline void
GuardCapture(GuardFailure &f, const char *what)
{
	f.failed = true;
	std::strncpy(f.message, what ? what : "unknown", sizeof(f.message) - 1);
	f.message[sizeof(f.message) - 1] = '\0';
}

// GuardAlloc is palloc for code inside XRAY_GUARD: it never raises a
// PostgreSQL error (which would longjmp over live C++ objects) but throws
// std::bad_alloc, which the guard turns into an ERROR once they are gone.
inline void *
GuardAlloc(size_t n)
{
	void *p = palloc_extended(n > 0 ? n : 1, MCXT_ALLOC_NO_OOM | MCXT_ALLOC_HUGE);
	if (p == NULL)
		throw std::bad_alloc();
	return p;
}

// GuardCopyString copies a C++ string into palloc'd memory, inside the guard.
inline char *
GuardCopyString(const char *s, size_t len)
{
	char *out = (char *) GuardAlloc(len + 1);
	std::memcpy(out, s, len);
	out[len] = '\0';
	return out;
}

// GuardRaise turns a captured failure into an ERROR; call it after the catch.
inline void
GuardRaise(const GuardFailure &f)
{
	if (!f.failed)
		return;
	if (f.out_of_memory)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory in pg_xray")));
	if (f.sqlerrcode != 0)
		ereport(ERROR, (errcode(f.sqlerrcode), errmsg("%s", f.message)));
	ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("pg_xray internal error: %s", f.message)));
}
// PgCall runs fn, PostgreSQL code that may raise an ERROR, in a subtransaction
// of its own: the one way C++ code calls such code while C++ objects are alive
// in its callers. The error is caught, the subtransaction rolled back, and the
// error returned (NULL when fn succeeded); memory fn allocated in the caller's
// context survives. The subtransaction is begun inside the guard too. fn must
// be noexcept (no C++ exception may leave a PG_TRY). Cancels, timeouts and
// shutdowns are never swallowed: PG-side callers re-raise them
// (RaiseIfInterrupt), guarded callers carry every error out with its SQLSTATE
// (ThrowIfFailed, then XRAY_GUARD raises it as it was).
template <typename Fn>
ErrorData *
PgCall(Fn fn)
{
	static_assert(noexcept(fn()), "PgCall runs PostgreSQL code only: declare the lambda noexcept");
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	ErrorData *volatile failure = NULL;
	volatile bool started = false;
	PG_TRY();
	{
		BeginInternalSubTransaction(NULL);
		started = true;
		MemoryContextSwitchTo(cxt);
		fn();
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		ErrorData *e = CopyErrorData();
		FlushErrorState();
		if (started)
			RollbackAndReleaseCurrentSubTransaction();
		if (e->message == NULL)
			e->message = pstrdup("error");
		failure = e;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	return failure;
}

// IsInterrupt: a caught error that must stop the whole call (cancel, timeout,
// shutdown, lock_timeout), or one is pending.
inline bool
IsInterrupt(const ErrorData *e)
{
	return e->sqlerrcode == ERRCODE_QUERY_CANCELED || e->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN ||
		   e->sqlerrcode == ERRCODE_CRASH_SHUTDOWN || e->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE || ProcDiePending ||
		   QueryCancelPending;
}

// RaiseIfInterrupt raises a caught cancel or shutdown again (PG side only: no
// C++ object may be alive in the caller).
inline void
RaiseIfInterrupt(ErrorData *e)
{
	if (e != NULL && IsInterrupt(e))
		ReThrowError(e);
}

// ThrowIfFailed turns a caught error into a C++ exception with its SQLSTATE
// (guarded side: XRAY_GUARD raises it again).
inline void
ThrowIfFailed(ErrorData *e)
{
	if (e != NULL)
		throw PgErrorException(e->sqlerrcode, e->message);
}
} // namespace xray::pg

#define XRAY_GUARD(code)                                                                                               \
	do                                                                                                                 \
	{                                                                                                                  \
		::xray::pg::GuardFailure xray_guard_failure_;                                                                  \
		try                                                                                                            \
		{                                                                                                              \
			code;                                                                                                      \
		}                                                                                                              \
		catch (const std::bad_alloc &)                                                                                 \
		{                                                                                                              \
			xray_guard_failure_.failed = true;                                                                         \
			xray_guard_failure_.out_of_memory = true;                                                                  \
		}                                                                                                              \
		catch (const ::xray::pg::PgErrorException &e)                                                                  \
		{                                                                                                              \
			::xray::pg::GuardCapture(xray_guard_failure_, e.what());                                                   \
			xray_guard_failure_.sqlerrcode = e.sqlerrcode;                                                             \
		}                                                                                                              \
		catch (const std::exception &e)                                                                                \
		{                                                                                                              \
			::xray::pg::GuardCapture(xray_guard_failure_, e.what());                                                   \
		}                                                                                                              \
		catch (...)                                                                                                    \
		{                                                                                                              \
			::xray::pg::GuardCapture(xray_guard_failure_, "unknown exception");                                        \
		}                                                                                                              \
		::xray::pg::GuardRaise(xray_guard_failure_);                                                                   \
	} while (0)
