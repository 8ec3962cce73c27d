#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang++ with ASan and UBSan) and
# runs each from its seed corpus for SECONDS (default 60), as many at once as
# there are cores. A crash, sanitizer report, timeout (10 s on one input) or
# memory blow-up (2 GB) fails the run; the input is left in build-fuzz/ as
# crash-* / timeout-* / oom-*: make it a regression test, then fix the cause.
#
#   bash scripts/run-fuzzers.sh [SECONDS]        e.g. 3600 for a long run
# GENATTN_STEP: build, test (run the fuzzers) or all (default), as in
# scripts/run-tests.sh; check: only check SECONDS (.ci/run does, before its
# builds, so that a bad value stops CI at once, not after the other passes).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
step=${GENATTN_STEP:-all}
case $step in build | test | all | check) ;; *) echo "GENATTN_STEP=$step: build, test, all or check" >&2; exit 2 ;; esac
# libFuzzer reads -max_total_time with atoi: "abc" or "1.5m" would be 0, no limit
[[ $seconds =~ ^[1-9][0-9]{0,6}$ ]] || { echo "run-fuzzers.sh: SECONDS is a whole number from 1, not '$seconds'" >&2; exit 2; }
[ "$step" = check ] && exit 0
bash scripts/install-deps.sh
if [ "$step" != test ]; then
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=None \
        -DGENATTN_FUZZ=ON -DGENATTN_BUILD_TESTS=OFF -DGENATTN_BUILD_BENCHMARKS=OFF -DGENATTN_BUILD_EXAMPLES=OFF
  cmake --build build-fuzz -j "$(nproc)"
fi
[ "$step" = build ] && exit 0
names=(checkpoint vocabulary tokenizer corpus_tsv translation_index command_line request)
run() {
  local name=$1 work=build-fuzz/corpus-$1
  mkdir -p "$work"  # new inputs go here; the committed seeds stay as they are
  (cd build-fuzz && ./tests/fuzz/fuzz_"$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -malloc_limit_mb=1024 -print_final_stats=1 "corpus-$name" "../tests/fuzz/corpus/$name" \
      > "fuzz_$name.log" 2>&1) && echo "fuzz_$name: ok ($(grep -o 'stat::number_of_executed_units: *[0-9]*' \
      "build-fuzz/fuzz_$name.log" | grep -o '[0-9]*$') inputs in ${seconds} s)" || {
    echo "fuzz_$name: FAILED"; tail -n 40 "build-fuzz/fuzz_$name.log"; return 1; }
}
export -f run
export seconds
printf '%s\n' "${names[@]}" | xargs -P "$(nproc)" -I{} bash -c 'run {}'
