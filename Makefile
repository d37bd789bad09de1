# Benchtop: the two commands a new machine needs (see README.md).
#   make demo   set up, build, and run the main job on the built-in defaults (no network, no weights)
#   make test   set up, build, and run the whole test suite

SWIFT ?= swift

.PHONY: setup build demo test bench

setup:
	./scripts/setup.sh

build: setup
	$(SWIFT) build -c release --product benchtop
	$(SWIFT) build -c release --product benchtop-bench

demo: build
	.build/release/benchtop eval pick_cube --robot franka --policy builtin --episodes 10 --seed 0 --out out/eval

test:
	./scripts/setup.sh --test
	$(SWIFT) build --build-tests
	$(SWIFT) test

bench: build
	.build/release/benchtop bench physics
