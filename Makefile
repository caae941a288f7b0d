# lwm2m-rig: two commands do everything on a fresh machine.
#   make demo   boots the rig and tells the story end to end
#   make test   sets up, builds all firmware and runs every test (C, pytest, Robot);
#               PYTEST_ARGS="-n auto" runs the pytest part in parallel (pytest-xdist)
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BUILD := build
APT_PACKAGES := gcc-arm-none-eabi libnewlib-arm-none-eabi clang tshark gdb-multiarch
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# A hang guard for CI, not a speed target: the longest test takes under a minute (pytest-timeout)
TEST_TIMEOUT ?= 600
# make test-long: one power-cut sweep takes minutes
TEST_LONG_TIMEOUT ?= 3600

.PHONY: help setup toolchain firmware test test-c test-py test-robot test-long fuzz bench demo footprint coverage lint clean

help:
	@echo "make demo       run the rig end to end (node boots, registers, is managed and updated)"
	@echo "make test       set up and run every test (C unit tests, fuzz smoke, pytest, Robot)"
	@echo "make setup      only the set-up: .venv, Python packages, cross toolchain"
	@echo "make bench      benchmarks -> $(BUILD)/bench/results.json and results.md"
	@echo "make footprint  footprint reports for every firmware image -> $(BUILD)/footprint/"
	@echo "make test-robot only the Robot suites of robot/ -> $(BUILD)/robot/log.html, artifacts/"
	@echo "make test-long  the long sweeps (every power-cut point)"
	@echo "make fuzz       longer fuzz runs of the firmware parsers"
	@echo "make coverage   firmware line/function coverage of the pytest suite (builtin emulator)"

setup: $(STAMP) toolchain

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

# The Debian cross toolchain (and clang for fuzzing, tshark as a pcap oracle, gdb-multiarch for
# the GDB server's test with a real GDB).
toolchain:
	@missing=""; \
	command -v arm-none-eabi-gcc >/dev/null || missing="$$missing gcc-arm-none-eabi"; \
	test -e /usr/lib/arm-none-eabi/newlib/thumb/v7-m/nofp/libc_nano.a || test -e /usr/lib/arm-none-eabi/lib/thumb/v7-m/nofp/libc.a || missing="$$missing libnewlib-arm-none-eabi"; \
	command -v clang >/dev/null || missing="$$missing clang"; \
	command -v tshark >/dev/null || missing="$$missing tshark"; \
	command -v gdb-multiarch >/dev/null || missing="$$missing gdb-multiarch"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	  else \
	    echo "missing:$$missing"; \
	    echo "run: sudo apt-get install -y $(APT_PACKAGES)"; exit 1; \
	  fi; \
	fi

firmware: setup
	$(MAKE) -C firmware-c -j$(JOBS) all native fota-images

test-c: firmware
	$(MAKE) -C firmware-c test

test-py: firmware
	$(PY) -m pytest -q -p no:cacheprovider --timeout=$(TEST_TIMEOUT) --junitxml=$(BUILD)/test/junit.xml \
	  --stack-report $(BUILD)/test/stack.json $(PYTEST_ARGS)

test-robot: firmware
	@mkdir -p $(BUILD)/robot
	@if ls robot/*.robot >/dev/null 2>&1; then \
	  $(VENV)/bin/robot --outputdir $(BUILD)/robot --exclude renode --variable TEST_TIMEOUT:$(TEST_TIMEOUT) robot/; \
	else echo "no Robot suites yet"; fi

# All three parts run even when one fails (CI gets every report: build/test/junit.xml, build/robot/);
# the exit status is the first failure's.
test: setup
	@start=$$(date +%s); rc=0; failed=; \
	$(MAKE) firmware || { echo "make test: FAILED: the firmware build (no test ran)"; exit 1; }; \
	for part in test-c test-py test-robot; do \
	  $(MAKE) $$part; status=$$?; \
	  if [ $$status -ne 0 ]; then failed="$$failed $$part"; [ $$rc -ne 0 ] || rc=$$status; fi; \
	done; \
	mkdir -p $(BUILD)/bench; echo "$$(( $$(date +%s) - start ))" > $(BUILD)/bench/test_suite_wall_s.txt; \
	if [ -n "$$failed" ]; then echo "make test: FAILED:$$failed"; fi; \
	exit $$rc

test-long: firmware
	$(PY) -m pytest -q -p no:cacheprovider -m slow --run-slow --timeout=$(TEST_LONG_TIMEOUT)

# Which firmware lines the pytest suite ran (lcov tracefiles per image and a per-component summary)
coverage: firmware
	$(PY) -m pytest -q -p no:cacheprovider --firmware-coverage $(BUILD)/coverage
	@echo "lcov tracefiles: $(BUILD)/coverage/*.info  summary: $(BUILD)/coverage/summary.md"

fuzz: firmware
	$(MAKE) -C firmware-c fuzz FUZZ_SECONDS=$${FUZZ_SECONDS:-300}

bench: firmware
	$(PY) -m rig.bench --output $(BUILD)/bench/results.json

footprint: firmware
	$(PY) -m rig footprint-all --check --output-dir $(BUILD)/footprint --stack $(BUILD)/test/stack.json

demo: firmware
	$(MAKE) -C firmware-c -j$(JOBS) fota-images
	$(PY) -m rig demo --artifacts $(BUILD)/demo

lint: setup
	$(VENV)/bin/ruff check rig tests
	$(VENV)/bin/mypy rig

clean:
	rm -rf $(BUILD) firmware-c/build
