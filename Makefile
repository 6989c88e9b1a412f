# pg_xray - PGXS build of the PostgreSQL module (C++17).
#   make && make install          build and install into the server of pg_config
#   make installcheck             pg_regress suite (sql/, expected/) on a throwaway instance
#   make isolationcheck           isolation specs (test/isolation) on a throwaway instance
# The PG-free core's unit tests and benchmarks are built by CMakeLists.txt.

EXTENSION = pg_xray
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" pg_xray.control)
MODULE_big = pg_xray

CORE_SRCS = $(sort $(wildcard src/core/*.cpp))
PG_SRCS = $(sort $(wildcard src/pg/*.cpp src/pg/*/*.cpp))
OBJS = $(CORE_SRCS:.cpp=.o) $(PG_SRCS:.cpp=.o)

DATA_built = pg_xray--$(EXTVERSION).sql
# earlier versions' install scripts (frozen) and the upgrade path from each
DATA = $(wildcard src/sql/history/pg_xray--*.sql) $(wildcard src/sql/upgrade/pg_xray--*--*.sql)
EXTRA_CLEAN = pg_xray--$(EXTVERSION).sql tmp_check tmp_check_iso output_iso results regression.diffs regression.out

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
includedir_server := $(shell $(PG_CONFIG) --includedir-server)

PG_CPPFLAGS = -Isrc/core -Isrc/pg -isystem $(includedir_server)
PG_CXXFLAGS = -std=c++17 -fno-strict-aliasing -fvisibility=hidden -DXRAY_VERSION='"$(EXTVERSION)"' \
	-DPGDLLEXPORT='__attribute__((visibility("default")))' \
	-Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Werror
SHLIB_LINK += -lstdc++
# scripts/sanitize: make XRAY_SANITIZE=undefined (or address, against an ASan-built server)
ifdef XRAY_SANITIZE
PG_CXXFLAGS += -fsanitize=$(XRAY_SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
SHLIB_LINK += -fsanitize=$(XRAY_SANITIZE)
endif

# pg_regress on a throwaway instance with pg_xray preloaded (PGXS refuses make check)
# Outputs go to $(XRAY_TMP), writable by the postgres OS user the tests run as.
XRAY_TEST_PORT ?= 54329
XRAY_TMP ?= /tmp/pg_xray_run
REGRESS = xray_setup statements plans privileges errors texts index_health what_if index_advice predicates explain explain_option
REGRESS_OPTS = --inputdir=. --outputdir=$(XRAY_TMP)/regress --temp-instance=$(XRAY_TMP)/regress/tmp_check \
	--temp-config=test/regress.conf --port=$(XRAY_TEST_PORT)

# Debian's PostgreSQL is built with LLVM: PGXS would also compile every .cpp to
# bitcode with clang without our flags. pg_xray has nothing to JIT.
override with_llvm = no

include $(PGXS)

$(CORE_SRCS:.cpp=.o): override CPPFLAGS += -DXRAY_CORE_BUILD
# PGXS tracks no header dependencies here: rebuild on any header change
$(OBJS): $(wildcard src/core/*.hpp src/pg/*.hpp src/pg/*/*.hpp)

# the install script: the main file, then one file per view family
SQL_SRCS = src/sql/recorder.sql src/sql/fleet.sql src/sql/index_advice.sql src/sql/advice_outcomes.sql src/sql/locks.sql src/sql/maintenance.sql src/sql/monitoring.sql src/sql/alerts.sql src/sql/metrics.sql src/sql/diagnostics.sql src/sql/explain.sql
pg_xray--$(EXTVERSION).sql: $(SQL_SRCS) pg_xray.control
	cat $(SQL_SRCS) > $@

ISOLATION_SPECS = $(basename $(notdir $(wildcard test/isolation/specs/*.spec)))
isolationcheck:
	$(pg_isolation_regress_installcheck) --temp-instance=$(XRAY_TMP)/isolation/tmp_check \
		--temp-config=test/regress.conf --port=$(XRAY_TEST_PORT) \
		--inputdir=test/isolation --outputdir=$(XRAY_TMP)/isolation $(ISOLATION_SPECS)

.PHONY: isolationcheck
