// pg_free.hpp - compile-time guard that keeps PostgreSQL headers out of src/core.
//
// Every header in src/core includes this file first. Both builds compile the
// core's own .cpp files with XRAY_CORE_BUILD defined; if a PostgreSQL header
// reaches one of them (c.h defines C_H, postgres.h defines POSTGRES_H), the
// build stops: the core must stay testable and benchmarkable without a server.
// The CMake build of the core has no PostgreSQL include path at all. Adapter
// files may include core headers in any order.
#pragma once

#if defined(XRAY_CORE_BUILD) && (defined(C_H) || defined(POSTGRES_H) || defined(PG_VERSION_NUM))
#error "src/core must not include PostgreSQL headers"
#endif
