#!/usr/bin/env bash
# The main job: builds and runs genattn's end-to-end example. Until the
# summarizer lands this is examples/copy_task: a Seq2Seq model with additive
# attention learns to copy token sequences, is saved, reloaded, and decodes
# held-out sequences.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$(nproc)" --target copy_task
./build/examples/copy_task --model build/copy_task.ckpt
