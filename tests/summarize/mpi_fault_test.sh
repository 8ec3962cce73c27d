#!/usr/bin/env bash
# A rank killed (SIGKILL) in the middle of a two-rank `summarize train`: the
# job ends within 10 s with a line naming the lost rank (no hang), the last
# checkpoint loads, and --resume continues on two ranks to the end.
#   mpi_fault_test.sh SUMMARIZE DATA_DIR WORK_DIR MPIEXEC NUMPROC_FLAG
set -euo pipefail
summarize=$1 data=$2 work=$3 mpiexec=$4 np=$5
args=(--train "$data/train.tsv" --valid "$data/test.tsv" --embedding 16 --hidden 16 --max-source 40
      --source-vocab 2000 --target-vocab 1000 --batch-size 8 --patience 1000 --log-every 0 --threads 1
      --checkpoint-minutes 0.002 --model "$work/model")
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAILED: $*"; for f in "$work"/*.log; do echo "== $f"; cat "$f"; done; exit 1; }

"$mpiexec" "$np" 2 "$summarize" train "${args[@]}" --epochs 100000 > "$work/killed.log" 2>&1 &
job=$!
# mid-epoch: after a checkpoint of the first epoch, before its validation
for _ in $(seq 600); do
  [ -f "$work/model/last.ckpt" ] && break
  kill -0 "$job" 2>/dev/null || fail "the job ended before its first checkpoint"
  sleep 0.05
done
[ -f "$work/model/last.ckpt" ] || { kill -9 "$job"; fail "no checkpoint after 30 s"; }
rank1=""
for p in $(pgrep -P "$job"); do
  tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1' && rank1=$p
done
[ -n "$rank1" ] || { kill -9 "$job"; fail "no process of rank 1 among mpirun's children"; }
start=$(date +%s%N)
kill -9 "$rank1"
for _ in $(seq 200); do
  kill -0 "$job" 2>/dev/null || break
  sleep 0.05
done
if kill -0 "$job" 2>/dev/null; then
  kill -9 "$job"
  fail "the job still ran 10 s after rank 1 was killed"
fi
set +e
wait "$job"
rc=$?
set -e
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "the job ended ${ms} ms after rank 1 was killed, exit status $rc"
[ "$rc" != 0 ] || fail "the job's exit status was 0"
grep -q "rank 1 .*exited on signal 9" "$work/killed.log" || fail "no line names the lost rank"
for p in $(pgrep -f "$work/model"); do fail "a rank is still running: $p"; done

rm -f "$work"/model/*.tmp-*  # a save cut by the kill leaves its temporary file; the real files are whole
"$mpiexec" "$np" 2 "$summarize" train "${args[@]}" --epochs 2 --resume > "$work/resumed.log" 2>&1 ||
  fail "--resume after the kill"
grep -q '^resumed ' "$work/resumed.log" || fail "it did not resume"
grep -q '^done: ' "$work/resumed.log" || fail "the resumed run did not finish"
"$summarize" eval --model "$work/model" --data "$data/test.tsv" > /dev/null 2> "$work/eval.log" ||
  fail "the model does not load"
echo "killed rank 1; the job ended; resumed and finished"
