# Ippyo - one non-recursive Makefile.
#
#   make demo      install what is missing, build, run the demo
#   make check     install what is missing, build, run every test
#   make sanitize  the unit tests under ASan + UBSan
#   make bench     the performance figures (BENCH name=... lines)
#
# Each folder in MODULES builds one static library from its .c files
# (a folder's module.mk may set <module>_SRCS, <module>_BINS).  A file
# named <name>_main.c is a program: bin/ippyo-<name> (ippyo_main.c is
# bin/ippyo).  tests/unit/<dir>/ builds one test program per folder.

MODULES := core crypto db audit registry ballot tally gate web

BUILD ?= build
BIN ?= bin
CC ?= cc
SAN ?=
# V=1 shows the full command lines.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

# Debian packages the project needs; `make deps` installs missing ones.
DEB_PACKAGES := build-essential pkg-config libssl-dev libsodium-dev \
	libgcrypt20-dev libmicrohttpd-dev libpq-dev libjansson-dev \
	libpcsclite-dev pcscd vsmartcard-vpcd opensc postgresql \
	openssl procps psmisc
-include $(wildcard */deps.mk)

PKGS := openssl libsodium libpq jansson libmicrohttpd libpcsclite libgcrypt
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Wformat=2 -Wformat-nonliteral -Wshadow -Wvla \
	-Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
	-Wcast-qual -Wwrite-strings -Wimplicit-fallthrough -Werror
HARDEN := -fstack-protector-strong -fstack-clash-protection \
	-fcf-protection -ftrivial-auto-var-init=zero \
	-fzero-call-used-regs=used -fPIE
ifeq ($(SAN),1)
OPT := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
SANLD := -fsanitize=address,undefined
else
OPT := -O2 -g -D_FORTIFY_SOURCE=2
SANLD :=
endif

CPPFLAGS := -I. -D_DEFAULT_SOURCE $(PKG_CFLAGS)
CFLAGS := -std=c11 $(OPT) $(WARN) $(HARDEN) -MMD -MP $(EXTRA_CFLAGS)
LDFLAGS := -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack $(SANLD)
LDLIBS := $(PKG_LIBS) -lpthread -lm

# ---- modules ----------------------------------------------------------

define module_template
$(1)_SRCS ?= $$(filter-out %_main.c,$$(wildcard $(1)/*.c $(1)/*/*.c))
$(1)_OBJS := $$(patsubst %.c,$(BUILD)/obj/%.o,$$($(1)_SRCS))
$(1)_LIB := $$(if $$($(1)_OBJS),$(BUILD)/lib/libippyo_$(1).a)
$(BUILD)/lib/libippyo_$(1).a: $$($(1)_OBJS)
	@mkdir -p $$(@D)
	@rm -f $$@
	$$(call say,AR,$$@)
	$(Q)ar rcs $$@ $$^
endef

-include $(wildcard $(addsuffix /module.mk,$(MODULES)))
$(foreach m,$(MODULES),$(eval $(call module_template,$(m))))

# Link order: highest layer first, so each library finds those below.
LIBS := $(strip $(foreach m,web gate tally ballot registry audit db crypto core,$($(m)_LIB)))

# ---- programs ---------------------------------------------------------

MAINS := $(wildcard $(addsuffix /*_main.c,$(MODULES)) $(addsuffix /*/*_main.c,$(MODULES)))
bin_name = $(if $(filter ippyo,$(1)),ippyo,ippyo-$(1))
PROGRAMS := $(foreach f,$(MAINS),$(BIN)/$(call bin_name,$(patsubst %_main,%,$(basename $(notdir $(f))))))

define program_template
$(BIN)/$(call bin_name,$(patsubst %_main,%,$(basename $(notdir $(1))))): $(BUILD)/obj/$(1:.c=.o) $$(LIBS)
	@mkdir -p $$(@D)
	$$(call say,LD,$$@)
	$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$< $$(LIBS) $$(LDLIBS)
endef
$(foreach f,$(MAINS),$(eval $(call program_template,$(f))))

# ---- tests ------------------------------------------------------------

HARNESS_SRCS := $(wildcard tests/harness/*.c)
# progkit.o stands in for test.c in programs that are not suites
# (benchmarks, tools); only the test kit's archive has it.
HARNESS_OBJS := $(filter-out %/progkit.o,$(patsubst %.c,$(BUILD)/obj/%.o,$(HARNESS_SRCS)))
UNIT_DIRS := $(sort $(patsubst %/,%,$(dir $(wildcard tests/unit/*/*.c))))
UNIT_TESTS := $(foreach d,$(UNIT_DIRS),$(BUILD)/tests/unit-$(notdir $(d)))
INTEG_DIRS := $(sort $(patsubst %/,%,$(dir $(wildcard tests/integration/*/*.c))))
INTEG_TESTS := $(foreach d,$(INTEG_DIRS),$(BUILD)/tests/integ-$(notdir $(d)))
LINT := $(BUILD)/tests/lint

define test_template
$(BUILD)/tests/$(2)-$(notdir $(1)): $$(patsubst %.c,$(BUILD)/obj/%.o,$$(wildcard $(1)/*.c)) $$(HARNESS_OBJS) $$(LIBS)
	@mkdir -p $$(@D)
	$$(call say,LD,$$@)
	$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $$(LIBS) $$(LDLIBS)
endef
$(foreach d,$(UNIT_DIRS),$(eval $(call test_template,$(d),unit)))
$(foreach d,$(INTEG_DIRS),$(eval $(call test_template,$(d),integ)))

$(LINT): tests/lint/lint.c
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) -std=c11 -O1 -g $(WARN) -D_DEFAULT_SOURCE -o $@ $<

# Benchmarks may use the harness's helpers (test PKI, databases, HTTP
# client) from an archive, so each links only what it uses; a benchmark
# that does supplies its own test_fail() and friends.
TESTKIT_OBJS := $(filter-out %/test.o %/mutate.o,$(HARNESS_OBJS)) \
    $(BUILD)/obj/tests/harness/progkit.o
TESTKIT := $(BUILD)/lib/libippyo_testkit.a
$(TESTKIT): $(TESTKIT_OBJS)
	@mkdir -p $(@D)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^

BENCH_SRCS := $(wildcard tests/bench/bench_*.c)
BENCHES := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))
$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(TESTKIT) $(LIBS)
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(TESTKIT) $(LIBS) $(LDLIBS)

# Test tools: tests/tools/<name>.c is the program $(BUILD)/tests/<name>,
# linked like a benchmark (testkit and the libraries).
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tests/%,$(TOOL_SRCS))
$(TOOLS): $(BUILD)/tests/%: $(BUILD)/obj/tests/tools/%.o $(TESTKIT) $(LIBS)
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(TESTKIT) $(LIBS) $(LDLIBS)

# ---- objects ----------------------------------------------------------

# Test code (everything under tests/) is the test kit: it sees the test
# kit's declarations in module headers (crypto/rand.h: rand_test_seed).
# Module objects never get IPPYO_TESTKIT; the test kit's definitions are
# only in tests/harness/ (libippyo_testkit.a and test programs).
$(BUILD)/obj/tests/%.o: CPPFLAGS += -DIPPYO_TESTKIT

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

ALL_OBJS := $(foreach m,$(MODULES),$($(m)_OBJS)) $(HARNESS_OBJS)
-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ---- targets ----------------------------------------------------------

.PHONY: all build tests deps deps-deb deps-js check check-only sanitize sanitize-only \
	bench bench-only demo demo-only demo-stop lint clean distclean

# Keep objects of programs and benches between runs (no "rm" after builds).
.SECONDARY:

.DEFAULT_GOAL := all
all: build
build: $(PROGRAMS) $(LIBS)
tests: build $(UNIT_TESTS) $(INTEG_TESTS) $(LINT) $(BENCHES) $(TOOLS)

# Installs missing Debian packages when root; otherwise prints the command.
# Nothing touches the network when every package is already installed.
# A folder's deps.mk may add steps after it (deps: deps-x, deps-x: deps-deb).
deps: deps-deb
deps-deb:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | \
	    grep -q '^install ok installed$$' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "deps: installing:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing \
	    >/dev/null || { echo "deps: apt-get failed" >&2; exit 1; }; \
	else \
	  echo "deps: missing Debian packages:$$missing" >&2; \
	  echo "deps: run: sudo apt-get install -y$$missing" >&2; exit 1; \
	fi

check: deps
	@$(MAKE) --no-print-directory check-only
check-only: tests
	@BUILD=$(BUILD) BIN=$(BIN) tests/run

sanitize: deps
	@$(MAKE) --no-print-directory BUILD=build/san BIN=build/san/bin SAN=1 sanitize-only
sanitize-only: tests
	@BUILD=$(BUILD) BIN=$(BIN) tests/run --unit-only

bench: deps
	@$(MAKE) --no-print-directory bench-only
bench-only: tests
	@BUILD=$(BUILD) BIN=$(BIN) tests/run --bench

demo: deps
	@$(MAKE) --no-print-directory demo-only
demo-only: build
	@BIN=$(BIN) web/demo.sh start

demo-stop:
	@web/demo.sh stop

lint: $(LINT)
	@$(LINT) --tree .

clean:
	rm -rf $(BUILD) $(BIN)

distclean: clean demo-stop
	rm -rf var
