# ctorch - the two commands for new users:
#   make run    set up, build, and run the main job
#   make test   set up, build, and run every test
# Other targets: make (build), make sanitize, make valgrind, make bench, make bench-accuracy,
# make install PREFIX=/usr/local, make clean.

PREFIX ?= /usr/local
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
CTEST_FLAGS ?= --output-on-failure

.PHONY: all build deps test parity sanitize valgrind bench bench-accuracy install run clean

all: build

deps:
	@scripts/deps.sh build

$(BUILD)/Makefile:
	@scripts/deps.sh build
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

test:
	@scripts/deps.sh build test
	@$(MAKE) --no-print-directory build
	cd $(BUILD) && ctest $(CTEST_FLAGS) -j $(JOBS)

# Every op against PyTorch 1.13 (python3-torch): generate the cases, replay them in ctorch.
# (Also part of `make test`, as the parity/* CTest tests.)
parity:
	@scripts/deps.sh build test
	@$(MAKE) --no-print-directory build
	/usr/bin/python3 tests/parity/gen.py $(BUILD)/tests/parity_cases
	$(BUILD)/tests/parity_runner $(BUILD)/tests/parity_cases

# The tests under AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer included).
# allocator_may_return_null: out-of-memory tests expect NULL from malloc, as without ASan.
sanitize:
	@scripts/deps.sh build test
	cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DCT_SANITIZE=ON -DCT_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build build-sanitize -j $(JOBS)
	cd build-sanitize && ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    ctest $(CTEST_FLAGS) -j $(JOBS)

# The scope/memory tests under valgrind: zero bytes lost.
valgrind:
	@scripts/deps.sh build check
	@$(MAKE) --no-print-directory build
	valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	    $(BUILD)/tests/core_test_scope

# ctorch vs PyTorch on the same workloads (W1-W5, threads 1 and 2), one table;
# writes bench/results/results.json and results.md (bench/run.py says how).
bench:
	@scripts/deps.sh build test check data
	@$(MAKE) --no-print-directory build
	/usr/bin/python3 bench/run.py --build $(BUILD)

# The MLP and CNN test accuracies after 3 epochs, ctorch beside PyTorch (several minutes).
bench-accuracy:
	@scripts/deps.sh build test data
	@$(MAKE) --no-print-directory build
	/usr/bin/python3 bench/run.py --build $(BUILD) --accuracy

# The prefix is set at configure time too, so ctorch.pc names the right directories.
install:
	@scripts/deps.sh build
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)
	cmake --install $(BUILD)

# The main job: train the default CNN on Fashion-MNIST and evaluate it
# (installs the data set, dataset-fashion-mnist, when missing). Outputs go to
# out/fashion-mnist-cnn/. RUN_ARGS (make variable or environment) adds options
# of `ctorch train`, e.g. make run RUN_ARGS="--epochs 1 --max-batches 50".
RUN_ARGS ?=
# OMP_WAIT_POLICY=PASSIVE (unless set): idle OpenMP workers sleep instead of
# spinning, which costs little on a quiet machine and keeps a busy one from
# slowing the run down several times over (libgomp reads it only at start-up).
run:
	@scripts/deps.sh build data
	@$(MAKE) --no-print-directory build
	OMP_WAIT_POLICY=$${OMP_WAIT_POLICY:-PASSIVE} $(BUILD)/tools/ctorch train $(RUN_ARGS)

clean:
	rm -rf $(BUILD) build-sanitize
