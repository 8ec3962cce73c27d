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
  # The summarizer stays -march=native, as users build it, though it then
  # compiles instances of its own: built generic, sharing the tests', it
  # saved 145 CPU-s of compiling but its CLI tests ran twice as long
  # (kill-and-resume 32 -> 65 s), which left the pass no shorter.
  args+=(-DCMAKE_BUILD_TYPE=None "-DCMAKE_CXX_FLAGS=-O1 -gline-tables-only -gno-column-info -DNDEBUG" -DGENATTN_BUILD_BENCHMARKS=OFF
         -DGENATTN_LONG_TESTS=OFF -DGENATTN_TEST_OPTIMIZATION=-O0 -DGENATTN_EXAMPLES_OPTIMIZATION=-O0)
  ctest_args+=(-LE consumer)
  export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
else
  args+=(-DCMAKE_BUILD_TYPE=Release)
fi

cmake "${args[@]}"
cmake --build "$dir" -j "$jobs"
ctest "${ctest_args[@]}"
