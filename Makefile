# Thin wrapper over CMake. `make run` and `make test` install what is missing first.
BUILD ?= build
SAN_BUILD ?= build-san
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
STACKPLAN = $(BUILD)/stackplan

.PHONY: all deps build run test test-fast bench validate golden-regen clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	$(STACKPLAN) plan examples/capstone.yaml

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
	@$(BUILD)/stackplan-bench data $(STACKPLAN)

validate: build
	@$(BUILD)/stackplan-validate data tests/validation

golden-regen: build
	@REGEN=1 bash tests/golden/run.sh $(STACKPLAN) tests/golden .

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
