#!/usr/bin/env bash
# The server's load benchmark: 1, 4 and 16 closed-loop clients against
# `summarize serve` on 127.0.0.1, with dynamic batching and without, each
# for at most SECONDS seconds or 3,000 requests (it stops by itself; see
# serve_load.cpp). The documents are the committed held-out sample.
#
# The model is MODEL_DIR, by default build/bench-sized: the whole-model
# benchmarks' sizes (BiLSTM 256 a direction, decoder 512, embeddings 128,
# up to 20,000 summary words), trained for 4 minutes on the shared corpus
# (GENATTN_CORPUS, default ../shared/data/debian-descriptions) when it is
# missing, so that its summaries have a trained model's lengths. What
# batching gains depends on the model: a small one (the main job's) decodes
# a document in under a millisecond, and HTTP is then most of the work.
#
#   bash benchmarks/serve/run.sh [MODEL_DIR] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
model=${1:-build/bench-sized}
seconds=${2:-10}
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j "$(nproc)" --target summarize serve_load
if [ ! -f "$model/model.ckpt" ]; then
  [ "$model" = build/bench-sized ] || { echo "no model in $model" >&2; exit 1; }
  corpus=${GENATTN_CORPUS:-../shared/data/debian-descriptions}
  [ -f "$corpus/train.tsv" ] || { echo "no corpus in $corpus (set GENATTN_CORPUS)" >&2; exit 1; }
  rm -rf "$model"
  ./build/examples/summarize train --train "$corpus/train.tsv" --valid "$corpus/valid.tsv" --model "$model" \
    --hidden 256 --decoder-hidden 512 --embedding 128 --max-source 64 --target-vocab 20000 --valid-limit 200 \
    --max-minutes 4 --log-every 0 --no-progress
fi
echo "processor: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; model: $model"
./build/benchmarks/serve_load --summarize build/examples/summarize --model "$model" \
  --documents examples/summarize/data/test.tsv --clients 1,4,16 --seconds "$seconds" --requests 3000 \
  --work build
