// pg_free.hpp - compile-time guard that keeps PostgreSQL headers out of src/core.
//
// Every header in src/core includes this file first. If a PostgreSQL header was
// included before it (c.h defines C_H, postgres.h defines POSTGRES_H), the build
// stops: the core must stay testable and benchmarkable without a server. The
// CMake build of the core also has no PostgreSQL include path at all.
#pragma once

#if defined(C_H) || defined(POSTGRES_H) || defined(PG_VERSION_NUM)
#error "src/core must not include PostgreSQL headers"
#endif
