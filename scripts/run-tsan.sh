#!/usr/bin/env bash
# The concurrent code under ThreadSanitizer (clang++): one const model decoding
# on 8 threads, the trainer's data-parallel shards, the summarizer training
# and decoding on all cores, and its server under concurrent clients. Any
# report fails the run. Line tables without columns, as in the ASan build
# (scripts/run-tests.sh). GENATTN_STEP: build, test or all (default), as in
# scripts/run-tests.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
dir=${GENATTN_TSAN_DIR:-build-tsan}
step=${GENATTN_STEP:-all}
case $step in build | test | all) ;; *) echo "GENATTN_STEP=$step: build, test or all" >&2; exit 2 ;; esac
if [ "$step" != test ]; then
  cmake -S . -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=None \
        "-DCMAKE_CXX_FLAGS=-O1 -gline-tables-only -gno-column-info -DNDEBUG" \
        -DGENATTN_SANITIZE=thread -DGENATTN_BUILD_BENCHMARKS=OFF -DGENATTN_TEST_OPTIMIZATION=-O0 \
        -DGENATTN_EXAMPLES_OPTIMIZATION=-O0
  cmake --build "$dir" -j "$(nproc)" --target threads_test seq2seq_packed_decoding_test summarize summarize_serve_test
fi
[ "$step" = build ] && exit 0
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
# one const model decoding on 8 threads; the encoder's directions on two
# threads; the trainer's shards; the thread pool
"$dir/tests/threads_test" --gtest_filter='ConcurrentDecode.*:Lstm.*:LstmTyped/*:Trainer.*:ParallelFor.*:ParallelRanges.*'
"$dir/tests/seq2seq_packed_decoding_test"  # a step's hypotheses and the output layer's rows on threads
data=examples/summarize/data
rm -rf "$dir/tsan-model"
"$dir/examples/summarize" train --train "$data/valid.tsv" --valid "$data/test.tsv" --model "$dir/tsan-model" \
  --embedding 16 --hidden 16 --max-source 40 --epochs 1 --threads 2 --log-every 0
"$dir/examples/summarize" eval --model "$dir/tsan-model" --data "$data/test.tsv" --beam 3 --threads 2 > /dev/null
# one document: one decoder, its step split between the two threads
head -1 "$data/test.tsv" | cut -f3 | "$dir/examples/summarize" summarize --model "$dir/tsan-model" --threads 2 --beam 3 > /dev/null
rm -rf "$dir/tsan-pointer"  # the pointer-generator, both phases
"$dir/examples/summarize" train --train "$data/valid.tsv" --valid "$data/test.tsv" --model "$dir/tsan-pointer" \
  --embedding 16 --hidden 16 --max-source 40 --epochs 1 --threads 2 --log-every 0 --copy --coverage-steps 3
"$dir/examples/summarize" eval --model "$dir/tsan-pointer" --data "$data/test.tsv" --beam 3 --threads 2 > /dev/null
# the server: its handlers, the dynamic batcher and the drain, with 16
# clients at once and SIGTERM under load (each server inherits TSAN_OPTIONS)
TSAN_OPTIONS="$TSAN_OPTIONS:suppressions=$PWD/tests/summarize/tsan_httplib.supp" \
  "$dir/tests/summarize_serve_test" --gtest_filter='Serve.*'
echo "ThreadSanitizer: no reports"
