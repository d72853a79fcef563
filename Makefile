# GradStyle-Swift. `make demo` and `make test` work on a fresh machine: each runs setup first.
SWIFT ?= swift
CONFIG ?= release
BIN = .build/$(CONFIG)/gradstyle

.PHONY: setup build test demo bench cuda clean

setup:
	@scripts/setup

build: setup
	$(SWIFT) build -c $(CONFIG) --product gradstyle

# XCTest only (the suite has no Swift Testing tests), as two shards at once (scripts/test says why); the run closes
# on one line summing both shards' "Executed N tests, with M failures". SHARDS=1 runs it in one process.
test: setup
	$(SWIFT) build --build-tests
	scripts/test

# demo-output is this target's own folder, replaced on every run (gradstyle refuses to mix two runs in one folder).
demo: build
	rm -rf demo-output
	$(BIN) demo
	@echo "Interactive editor (sliders per direction, upload your own face): $(BIN) serve, then open http://127.0.0.1:8080/"

bench: build
	$(BIN) bench engine

# gradstyle for a CUDA machine, built against PyPI's torch wheel (downloaded once into .build-cuda/) and packed
# into .build-cuda/gradstyle-cuda.tar.xz; see README "Building for a CUDA machine". Not needed by build or test.
cuda: setup
	scripts/build-cuda

clean:
	rm -rf .build demo-output
