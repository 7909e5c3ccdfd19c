# Thin wrapper over CMake. `make run` and `make test` install what is missing first.
BUILD ?= build
SAN_BUILD ?= build-san
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
STACKPLAN = $(BUILD)/stackplan

.PHONY: all deps deps-test build-app build run test test-fast bench validate fuzz golden-regen clean web web-test install

all: build

MAKEFLAGS += --no-print-directory

deps:
	@bash scripts/install-deps.sh

deps-test:
	@bash scripts/install-deps.sh --test

# Quiet unless something fails: the plan is the first thing `make run` shows. `make run` builds
# only the library and the executable (what it installs is what they need); the tests, the
# validation report and the benchmark come with the test tools.
# A build directory that `make test` configured keeps its tests: switching them off here would leave
# the test binaries, the benchmark and the validation report in it stale beside a fresh library.
build-app: deps
	@grep -qs '^SP_TESTS:BOOL=ON' $(BUILD)/CMakeCache.txt || \
	  cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSP_TESTS=OFF >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) >$(BUILD)/build.log 2>&1 || { cat $(BUILD)/build.log; exit 1; }

build: deps deps-test
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSP_TESTS=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) >$(BUILD)/build.log 2>&1 || { cat $(BUILD)/build.log; exit 1; }

# Exit 3 is an answer: a profile misses its request (the seed's profile B has fewer hours than its
# data's FLOPs take), which the report says; make fails on 1 and 2 only.
run: build-app
	@$(STACKPLAN) plan examples/capstone.yaml; status=$$?; [ $$status -eq 0 ] || [ $$status -eq 3 ]

# Every test, then every test again under AddressSanitizer + UBSan.
test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSP_SANITIZE=ON >/dev/null
	@cmake --build $(SAN_BUILD) -j $(JOBS)
	@cd $(SAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

test-fast: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	@$(BUILD)/stackplan-bench $(CURDIR) $(STACKPLAN)

validate: build
	@$(BUILD)/stackplan-validate data tests/validation

# Each libFuzzer target for FUZZ_SECONDS (default 60) from its seed corpus; new inputs and
# crashes stay in build-fuzz/. A crash becomes a file in tests/fuzz/regressions/TARGET/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = profiles catalogs hf_config number request launch
fuzz: deps deps-test
	@cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DSP_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build-fuzz -j $(JOBS) >/dev/null
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p build-fuzz/corpus/$$t build-fuzz/crashes/$$t; \
	  build-fuzz/tests/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=build-fuzz/crashes/$$t/ \
	    -print_final_stats=1 build-fuzz/corpus/$$t tests/fuzz/corpus/$$t 2>&1 | grep -E "^(Done|stat::number_of_executed_units|==.*ERROR)" ; \
	done

# make install PREFIX=/opt/stackplan: the binary, libstackplan.so.0 and .a, stackplan.h, the data
# and stackplan.pc (default prefix /usr/local).
PREFIX ?= /usr/local
install: build-app
	@cmake --install $(BUILD) --prefix $(PREFIX)

# The browser calculator: the library compiled to WebAssembly with the catalogs, in build-web/site
# (open it with any static server: python3 -m http.server -d build-web/site). web-test drives it
# in headless Chromium and compares its answers with the native CLI's.
web:
	@bash scripts/install-deps.sh --web
	@bash web/build.sh . build-web/site

web-test: build web
	@/usr/bin/python3 tests/web/web_test.py build-web/site $(STACKPLAN) . build-web/web.png

golden-regen: build
	@REGEN=1 bash tests/golden/run.sh $(STACKPLAN) tests/golden .

clean:
	rm -rf $(BUILD) $(SAN_BUILD) build-fuzz build-web
