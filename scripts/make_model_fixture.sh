#!/usr/bin/env bash
# Writes tests/fixtures/model: a small trained summarizer (16-wide
# embeddings and LSTMs, 800 document and 400 summary words: 215 KB) from the
# corpus sample in examples/summarize/data, for the tests that need a real
# model directory (the server's, the consumer's). One thread and a fixed
# seed; the file depends on the processor's rounding, so it is made once and
# committed, not remade by the tests.
# Usage: scripts/make_model_fixture.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=tests/fixtures/model
data=examples/summarize/data
rm -rf "$out"
"$build/examples/summarize" train --train "$data/train.tsv" --valid "$data/valid.tsv" --model "$out" \
  --embedding 16 --hidden 16 --source-vocab 800 --target-vocab 400 --max-source 48 --max-target 16 --min-count 2 \
  --epochs 30 --patience 30 --lr 4e-3 --dropout 0.1 --threads 1 --seed 1 --log-every 0 --no-progress
rm -f "$out/last.ckpt" "$out/train.lock"  # the network and its vocabularies are the model
ls -l "$out"
