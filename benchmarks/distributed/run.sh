#!/usr/bin/env bash
# The training step alone, on 2 threads, and on 2 MPI ranks of 1 thread
# (bench_mpi_train_step), then the multi-node scaling model from those
# figures (scaling_model.py). Run from the repository after a Release build:
#   bash benchmarks/distributed/run.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
bench="$build/benchmarks/bench_mpi_train_step"
[ -x "$bench" ] || { echo "no $bench: build genattn with MPI (libopenmpi-dev) and Google Benchmark"; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# root and 2 ranks on 2 cores are refused unless allowed; thread counts fixed
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
reps=(--benchmark_repetitions=3 --benchmark_report_aggregates_only=true --benchmark_format=json)
# one process, unbound (mpiexec binds each rank to one core: its 2 threads would share it)
OMPI_MCA_hwloc_base_binding_policy=none mpiexec -n 1 "$bench" "${reps[@]}" > "$out/one.json"
mpiexec -n 2 "$bench" "${reps[@]}" --benchmark_filter='threads:1|Allreduce' > "$out/two.json"
python3 "$(dirname "$0")/scaling_model.py" "$out/one.json" "$out/two.json"
