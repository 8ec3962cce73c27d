#!/usr/bin/env bash
# Builds genattn and runs its whole test suite (CTest): unit tests, gradient
# checks, PyTorch parity, the ODR test, the three consumer projects, the
# benchmark smoke run and the examples.
#
# Environment (all optional):
#   GENATTN_CXX        compiler (default g++)
#   GENATTN_SANITIZE   ON: AddressSanitizer + UndefinedBehaviorSanitizer, no
#                      recovery (consumer projects and benchmarks are skipped)
#   GENATTN_BUILD_DIR  build directory (default build)
#   GENATTN_STEP       build: configure and build only; test: run the tests of
#                      a build made before; all (default): both
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

cxx=${GENATTN_CXX:-g++}
sanitize=${GENATTN_SANITIZE:-OFF}
dir=${GENATTN_BUILD_DIR:-build}
jobs=$(nproc)

args=(-S . -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DGENATTN_SANITIZE="$sanitize")
ctest_args=(--test-dir "$dir" --output-on-failure -j "$jobs")
if [ "$sanitize" = ON ]; then
  # -O1 with line tables: the usual sanitizer build, a third faster to compile than -O2 -g.
  # Without column numbers: the reports still name file and line, and clang 14
  # compiles the library's instances 11% sooner (seq2seq_backward_float: 31.1 -> 27.7 s).
  # Consumer builds test packaging, not code. The long trainings (the two
  # overfit tests and the copy-task example) run thousands of updates of the
  # code paths the trainer, model and CLI tests (kill and resume, interrupt)
  # already train under the sanitizers, for minutes each: the g++ pass builds
  # and runs them, this one neither.
  # The tests' own units at -O0 (GENATTN_TEST_OPTIMIZATION, tests/CMakeLists.txt):
  # a quarter of -O1's compile time; the summarizer's own units too
  # (GENATTN_EXAMPLES_OPTIMIZATION: 155 -> 78 CPU-s). The library's
  # instances, which train and decode in the tests and the CLI tests, stay at
  # -O1, and their copies of the inline code they share with those units
  # are the ones linked (cmake/GenattnInstances.cmake: before that, the -O0
  # copies were, and the kill-and-resume test took 123 s instead of 44).
  # The summarizer links the tests' generic instances instead of compiling
  # -march=native ones of its own (GENATTN_EXAMPLES_NATIVE=OFF): on an AMD
  # EPYC, 125 CPU-s less compiling, 40 s more of CLI tests (kill-and-resume
  # 31 -> 50 s), the pass 40 s shorter. The native code is still checked
  # here: the kernels' native tests (core_kernels_native_test: the packed
  # products' AVX-512 panels, the exact square root's AVX-512 packets) build
  # -march=native in this pass too.
  args+=(-DCMAKE_BUILD_TYPE=None "-DCMAKE_CXX_FLAGS=-O1 -gline-tables-only -gno-column-info -DNDEBUG" -DGENATTN_BUILD_BENCHMARKS=OFF
         -DGENATTN_LONG_TESTS=OFF -DGENATTN_TEST_OPTIMIZATION=-O0 -DGENATTN_EXAMPLES_OPTIMIZATION=-O0
         -DGENATTN_EXAMPLES_NATIVE=OFF)
  ctest_args+=(-LE consumer)
  export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
else
  args+=(-DCMAKE_BUILD_TYPE=Release)
fi

step=${GENATTN_STEP:-all}
case $step in build | test | all) ;; *) echo "GENATTN_STEP=$step: build, test or all" >&2; exit 2 ;; esac
if [ "$step" != test ]; then
  cmake "${args[@]}"
  cmake --build "$dir" -j "$jobs"
fi
if [ "$step" != build ]; then
  ctest "${ctest_args[@]}"
fi
