#!/usr/bin/env bash
# genattn beside PyTorch, one table (see compare.py). Installs Debian's
# python3-torch and OpenBLAS: without libopenblas0 Debian's torch multiplies
# matrices with the reference BLAS (BLAS_INFO=generic, about 5 GFLOP/s here),
# which is not PyTorch's fastest setting.
#   bash benchmarks/compare/run.sh [compare.py options]
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/install-deps.sh python3-torch python3-numpy libopenblas0-pthread
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$(nproc)" --target bench_gemm bench_lstm bench_search bench_train_step
/usr/bin/python3 benchmarks/compare/compare.py --build build "$@"
