# Benchtop: the two commands a new machine needs (see README.md).
#   make demo   set up, build, and run the main job: the shipped Benchtop ARM on pick_cube (no network, no GPU)
#   make test   set up, build, and run the whole test suite

SWIFT ?= swift

.PHONY: setup build demo test format-check bench fuzz

setup:
	./scripts/setup.sh

build: setup
	$(SWIFT) build -c release --product benchtop
	$(SWIFT) build -c release --product benchtop-bench

# The learned ARM (90 % on pick_cube over 100 seeded episodes, docs/arm.md) instead of the privileged built-in.
demo: build
	.build/release/benchtop eval pick_cube --robot franka --policy arm --episodes 10 --seed 0 --out out/eval

# scripts/test.sh: Debian packages, then the Python set-up in the background beside the format check and build.
test:
	SWIFT=$(SWIFT) ./scripts/test.sh

# swift format (.swift-format) and clang-format (.clang-format), as `make test` checks them.
format-check:
	./scripts/check-format.sh

bench: build
	.build/release/benchtop bench physics

# The long fuzz run (README, Reliability): BENCHTOP_FUZZ_CASES mutants per input kind, seed BENCHTOP_FUZZ_SEED.
fuzz:
	$(SWIFT) build --build-tests
	BENCHTOP_FUZZ_CASES=$${BENCHTOP_FUZZ_CASES:-500} BENCHTOP_FUZZ_SEED=$${BENCHTOP_FUZZ_SEED:-1} $(SWIFT) test --skip-build --filter FuzzTests
