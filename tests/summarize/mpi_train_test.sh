#!/usr/bin/env bash
# `mpirun -np 2 summarize train`, one thread a rank, against one process of
# two threads: the same training state (parameters, optimizer moments, step)
# and the same model.ckpt, bit for bit, with dropout, over two epochs. Then
# each run resumes the other's way (single process <-> two ranks) for a
# third epoch and they are still the same; rank 0 alone printed; the ranks'
# model loads in one process; ranks given other settings are refused in one
# line naming the setting.
#   mpi_train_test.sh SUMMARIZE SAME_TRAINING_STATE DATA_DIR WORK_DIR MPIEXEC NUMPROC_FLAG
set -euo pipefail
summarize=$1 same=$2 data=$3 work=$4 mpiexec=$5 np=$6
mpirun=("$mpiexec" "$np" 2)
args=(--train "$data/valid.tsv" --valid "$data/test.tsv" --embedding 16 --hidden 16 --max-source 40
      --source-vocab 2000 --target-vocab 1000 --batch-size 8 --dropout 0.3 --patience 10 --log-every 0)
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAILED: $*"; for f in "$work"/*.log; do echo "== $f"; cat "$f"; done; exit 1; }

"$summarize" train "${args[@]}" --epochs 2 --threads 2 --model "$work/threads" > "$work/threads.log" 2>&1 ||
  fail "the single-process run"
"${mpirun[@]}" "$summarize" train "${args[@]}" --epochs 2 --threads 1 --model "$work/ranks" > "$work/ranks.log" 2>&1 ||
  fail "the two-rank run"
grep -q "threads: 1 on each of 2 ranks" "$work/ranks.log" || fail "the run did not say it trained on 2 ranks"
[ "$(grep -c '^epoch ' "$work/ranks.log")" = 2 ] || fail "not rank 0 alone printed the epochs"
"$same" "$work/threads/last.ckpt" "$work/ranks/last.ckpt" || fail "two ranks trained otherwise than two threads"
cmp "$work/threads/model.ckpt" "$work/ranks/model.ckpt" || fail "model.ckpt differs"

# a checkpoint of two ranks resumed by one process, and the other way round
"$summarize" train "${args[@]}" --epochs 3 --threads 2 --model "$work/ranks" --resume > "$work/ranks_resumed.log" 2>&1 ||
  fail "resuming the ranks' run in one process"
"${mpirun[@]}" "$summarize" train "${args[@]}" --epochs 3 --threads 1 --model "$work/threads" --resume \
  > "$work/threads_resumed.log" 2>&1 || fail "resuming the single process's run on two ranks"
grep -q '^resumed' "$work/threads_resumed.log" || fail "the two ranks did not resume"
"$same" "$work/threads/last.ckpt" "$work/ranks/last.ckpt" || fail "the resumed runs differ"
"$summarize" eval --model "$work/ranks" --data "$data/test.tsv" > "$work/eval.json" 2> "$work/eval.log" ||
  fail "the ranks' model does not load in one process"
grep -q '"rougeL"' "$work/eval.json" || fail "eval printed no ROUGE-L"

# ranks that would train different models: refused, one line naming what differs
set +e
"$mpiexec" "$np" 1 "$summarize" train "${args[@]}" --epochs 1 --threads 1 --model "$work/differ" --seed 1 : \
  "$np" 1 "$summarize" train "${args[@]}" --epochs 1 --threads 1 --model "$work/differ" --seed 2 > "$work/differ.log" 2>&1
rc=$?
set -e
[ "$rc" != 0 ] || fail "ranks with different seeds were not refused"
[ "$(grep -c '^summarize: ' "$work/differ.log")" = 1 ] || fail "not one line of refusal"
grep -q "^summarize: the ranks differ: rank 1's --seed is 2, rank 0's is 1$" "$work/differ.log" ||
  fail "the refusal does not name the seed"
echo "two ranks = two threads, bit for bit; resumed both ways; refused different seeds"
