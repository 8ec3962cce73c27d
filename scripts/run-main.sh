#!/usr/bin/env bash
# The main job: builds and runs genattn's end-to-end example. Until the
# summarizer lands this is examples/tagger (embedding -> BiLSTM -> linear,
# trained with SGD on the flat parameter buffer).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$(nproc)" --target tagger
./build/examples/tagger
