#!/usr/bin/env bash
# The main job: builds the summarizer, trains a small pointer-generator
# (--copy: package names are rarely in a 2,000-pair vocabulary, and copying
# them doubles ROUGE-L, 18.7 to about 36) on the corpus sample committed in
# examples/summarize/data (2,000 training and 200 validation pairs of Debian
# package descriptions) on all cores until validation ROUGE-L stops improving
# (at most 3 minutes; about 25 s of the 105-170 s a fresh clone takes on 2
# cores, build included), then summarizes held-out descriptions and prints
# each beside its real synopsis, with ROUGE and BLEU over the held-out sample.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$(nproc)" --target summarize
data=examples/summarize/data
model=build/summarizer-sample
rm -rf "$model"
./build/examples/summarize train --train "$data/train.tsv" --valid "$data/valid.tsv" --model "$model" \
  --embedding 64 --hidden 64 --max-source 64 --min-count 2 --dropout 0.3 --lr 2e-3 --epochs 40 --patience 6 \
  --max-minutes 3 --copy
./build/examples/summarize eval --model "$model" --data "$data/test.tsv" --beam 4 --unknown replace \
  --block-ngram 2 --show 8
