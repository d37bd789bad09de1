# Benchtop: the two commands a new machine needs (see README.md).
#   make demo   set up, build, and run the main job on the built-in defaults (no network, no weights)
#   make test   set up, build, and run the whole test suite

SWIFT ?= swift

.PHONY: setup build demo test bench

setup:
	./scripts/setup.sh

build: setup
	$(SWIFT) build -c release --product benchtop

demo: build
	.build/release/benchtop scene check pick_cube
	.build/release/benchtop sim pick_cube --steps 2400 --seed 0

test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test

bench: build
	.build/release/benchtop bench physics
