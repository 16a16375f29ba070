# wfauth — PGXS build.  The version comes from wfauth.control only.
EXTENSION  = wfauth
EXTVERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big = wfauth
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# One base script (1.0) and an upgrade step per release, as pg_stat_statements
# keeps them: CREATE EXTENSION runs the base and the steps to the current
# version.  A release adds a step and changes no script before it.
DATA = $(wildcard sql/$(EXTENSION)--*.sql)

# pg_regress inputs, in order (sql/NAME.sql, expected/NAME.out)
REGRESS = setup principal accounts service_accounts groups roles permissions defaults \
	audit errors tokens login invitations attacks acl_type protect product_example \
	orphans explain parallel security owner_attacks dbowner_attacks lockdown lockdown_state directory names require_principal context_cache admin listing tenants reinvite owner_code borrowed_principal directory_decisions token_policy attacks_round3 super_admin_mode grants_in_time acl_in_time attacks_round4 attacks_round5 attacks_round6 attacks_round7 attacks_round8 attacks_round9 attacks_round10 attacks_round11 attacks_round12 attacks_round13 stats give_away
ISOLATION = $(basename $(notdir $(sort $(wildcard test/isolation/specs/*.spec))))
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=$(EXTENSION)
# installcheck is ours (below): it leaves nothing behind on the server
NO_INSTALLCHECK = 1

EXTRA_CLEAN = test/fuzz/build test/out META.json $(EXTENSION)-*.zip

SHLIB_LINK += -lsodium -licui18n -licuuc
PG_CFLAGS += -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers $(WFAUTH_WERROR)

PG_CONFIG ?= $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) pg_config)
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(PGXS),)
include $(PGXS)

# pg_regress and the isolation tester against a running server, then the
# databases and roles they made are dropped, pass or fail: run it twice in a
# row against one server and nothing is left behind.
installcheck: submake $(REGRESS_PREP)
	@status=0; \
	$(if $(REGRESS),$(pg_regress_installcheck) $(REGRESS_OPTS) $(REGRESS) || status=1;) \
	$(if $(ISOLATION),$(pg_isolation_regress_installcheck) $(ISOLATION_OPTS) $(ISOLATION) || status=1;) \
	$(bindir)/psql -X -q -v ON_ERROR_STOP=1 -d postgres -f test/installcheck_cleanup.sql || status=1; \
	exit $$status
else
all install installcheck:
	@echo "pg_config not found: run 'make test' or 'make demo' (they install what is missing), or set PG_CONFIG" >&2; exit 1
endif

# PGXN: META.json and the release archive take the version from wfauth.control
# too (as semver: 1.1 -> 1.1.0).
PGXN_VERSION = $(shell echo $(EXTVERSION) | sed 's/^\([0-9]*\.[0-9]*\)$$/\1.0/')
# The release status follows the CHANGELOG: "testing" while the version's
# entry says "unreleased", "stable" once it carries its release date.
RELEASE_STATUS = $(shell grep -q '^\#\# $(EXTVERSION) — unreleased' CHANGELOG.md && echo testing || echo stable)
META.json: META.json.in $(EXTENSION).control CHANGELOG.md
	sed -e 's/@PGXN_VERSION@/$(PGXN_VERSION)/g' -e 's/@RELEASE_STATUS@/$(RELEASE_STATUS)/' $< > $@
dist: META.json
	git archive --format zip --prefix=$(EXTENSION)-$(PGXN_VERSION)/ \
		--add-file=META.json -o $(EXTENSION)-$(PGXN_VERSION).zip HEAD

# every C file includes the shared header (PGXS tracks no header dependencies)
$(OBJS): src/wfauth.h

# The two commands of the README: both install what is missing, build,
# install, and run a throwaway cluster as an unprivileged user.
# Fuzz the parsers for FUZZ_SECONDS each (default 60); see test/fuzz/Makefile.
.PHONY: test demo bench fuzz dist valgrind citus citus-valgrind citus-bench
fuzz:
	@$(MAKE) -s -C test/fuzz run
test:
	@test/harness test
demo:
	@test/harness demo
bench:
	@test/harness bench
valgrind:
	@test/harness valgrind
# The three-node Citus suites (test/citus); skipped when Citus is not installed.
citus:
	@test/harness citus
# The same with every node under valgrind memcheck (slow: 70 minutes on 2 busy cores).
citus-valgrind:
	@test/harness citus-valgrind
citus-bench:
	@test/harness citus-bench
