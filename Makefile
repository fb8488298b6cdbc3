# pcibackd - top-level build.
#
#   make            build the library, tests and tools (gcc, warnings are errors)
#   make check      every test: gcc, then clang, then under ASan/UBSan
#   make fuzz       each libFuzzer target for FUZZ_SECONDS (clang)
#   make coverage   line coverage of lib/ (gcovr)
#   make deps       install the Debian packages the build needs (root)
#   make install    DESTDIR=... PREFIX=...
#
# Objects go to $(B) (default build/gcc), so variants never mix.

CC		?= cc
B		?= build/gcc
PREFIX		?= /usr/local
DESTDIR		?=
FUZZ_SECONDS	?= 30

WARNINGS	 = -Wall -Wextra -Wformat=2 -Wwrite-strings -Wshadow \
		   -Wmissing-prototypes -Wstrict-prototypes -Wpointer-arith \
		   -Wcast-qual -Wundef -Werror
CFLAGS		?= -O2 -g
ALL_CFLAGS	 = -std=c11 -D_GNU_SOURCE $(WARNINGS) $(CFLAGS) $(EXTRA_CFLAGS) -Ilib
ALL_LDFLAGS	 = $(LDFLAGS) $(EXTRA_LDFLAGS)

CMOCKA_LIBS	:= $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

LIB_SRCS	:= $(sort $(wildcard lib/*.c))
LIB_OBJS	:= $(LIB_SRCS:%.c=$(B)/%.o)
LIB		:= $(B)/libpcibackd.a

SUPPORT_SRCS	:= $(sort $(wildcard tests/support/*.c))
SUPPORT_OBJS	:= $(SUPPORT_SRCS:%.c=$(B)/%.o)

UNIT_SRCS	:= $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS	:= $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)

FUZZ_SRCS	:= $(sort $(wildcard tests/fuzz/fuzz_*.c))

.PHONY: all check check-gcc check-clang check-asan unit fuzz coverage \
	deps install clean demo

all: $(LIB) $(UNIT_BINS)

$(B)/%.o: %.c $(wildcard lib/*.h tests/support/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/support -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(B)/tests/test_%: tests/unit/test_%.c $(SUPPORT_OBJS) $(LIB) $(wildcard lib/*.h tests/support/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/support -o $@ $< $(SUPPORT_OBJS) $(LIB) \
	    $(ALL_LDFLAGS) $(CMOCKA_LIBS)

# Run every unit test binary; tests/run-unit prints one summary line.
unit: all
	@sh tests/run-unit $(UNIT_BINS)

# The README's test command.  Each variant is a separate object tree.
check: deps
	$(MAKE) check-gcc
	$(MAKE) check-clang
	$(MAKE) check-asan
	@echo "make check: all variants passed"

check-gcc:
	$(MAKE) unit CC=gcc B=build/gcc

check-clang:
	$(MAKE) unit CC=clang B=build/clang

check-asan:
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	$(MAKE) unit CC=clang B=build/asan CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	    EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" \
	    EXTRA_LDFLAGS="-fsanitize=address,undefined"

# libFuzzer targets link the library sources directly, instrumented.
fuzz:
	@mkdir -p build/fuzz
	@set -e; for f in $(FUZZ_SRCS); do \
	    n=$$(basename $$f .c); \
	    echo "fuzz: building $$n"; \
	    clang -std=c11 -D_GNU_SOURCE -g -O1 -Ilib -Itests/support \
	        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	        -o build/fuzz/$$n $$f $(LIB_SRCS) $(SUPPORT_SRCS); \
	    mkdir -p build/fuzz/corpus-$$n; \
	    echo "fuzz: running $$n for $(FUZZ_SECONDS)s"; \
	    build/fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        build/fuzz/corpus-$$n tests/fuzz/corpus/$$n 2>build/fuzz/$$n.log \
	        || { tail -40 build/fuzz/$$n.log; exit 1; }; \
	    grep -E 'stat::number_of_executed_units' build/fuzz/$$n.log | \
	        sed "s/^/fuzz: $$n: /"; \
	done

coverage:
	rm -rf build/cov
	$(MAKE) unit CC=gcc B=build/cov CFLAGS="-O0 -g --coverage" \
	    EXTRA_LDFLAGS="--coverage"
	gcovr -r . --object-directory build/cov --filter 'lib/' \
	    --exclude-unreachable-branches --print-summary \
	    --html-details -o build/cov/index.html | tail -n 40

deps:
	@sh build-aux/deps.sh

install: all
	@echo "install: nothing to install yet (the daemon comes with the daemon issue)"

clean:
	rm -rf build
