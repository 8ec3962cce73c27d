#!/usr/bin/env bash
# Two `summarize train` runs into one model directory, started together, on
# different data: one trains, the other refuses at once through the
# directory's lock; the model left is the winner's, and it loads. Then a
# --resume while a run is writing refuses too, and after a run killed with
# SIGKILL the lock is free again.   two_writers_test.sh SUMMARIZE DATA_DIR WORK_DIR
set -uo pipefail
summarize=$1 data=$2 work=$3
model=$work/two-writers
rm -rf "$model"
common=(--model "$model" --embedding 16 --hidden 16 --max-source 40 --log-every 0 --threads 1 --epochs 2)
"$summarize" train --train "$data/valid.tsv" --valid "$data/test.tsv" "${common[@]}" > "$work/writer_a.log" 2>&1 &
a=$!
"$summarize" train --train "$data/test.tsv" --valid "$data/valid.tsv" "${common[@]}" > "$work/writer_b.log" 2>&1 &
b=$!
sa=0 sb=0
wait "$a" || sa=$?
wait "$b" || sb=$?
echo "--- run A (exit $sa)"; cat "$work/writer_a.log"
echo "--- run B (exit $sb)"; cat "$work/writer_b.log"
fail() { echo "FAILED: $*"; exit 1; }
# the winner's data: a resume must name the same files (train checks them)
if [ "$sa" -eq 0 ] && [ "$sb" -eq 1 ]; then loser=$work/writer_b.log train=valid.tsv valid=test.tsv
elif [ "$sa" -eq 1 ] && [ "$sb" -eq 0 ]; then loser=$work/writer_a.log train=test.tsv valid=valid.tsv
else fail "expected one run to succeed and one to exit 1"; fi
echo "--- the winner trained on $train"
[ "$(wc -l < "$loser")" -eq 1 ] || fail "the refusal is not one line"
grep -q "another train run is writing into .*two-writers (it holds .*train.lock)" "$loser" || fail "not the lock's refusal"
head -1 "$data/valid.tsv" | cut -f3 | "$summarize" summarize --model "$model" > /dev/null || fail "the model left does not load"

# a --resume while a run is writing: refused the same way. The writer must
# not end by itself first: with the default --patience 3 it stopped early
# after three epochs without a ROUGE-L gain (in CI it had, and the second
# --resume then rightly took the free lock).
"$summarize" train --train "$data/$train" --valid "$data/$valid" "${common[@]}" --resume \
  --epochs 1000000 --patience 1000000 > "$work/writer_c.log" 2>&1 &
c=$!
for _ in $(seq 300); do grep -q "resumed" "$work/writer_c.log" 2> /dev/null && break; sleep 0.1; done
out=$("$summarize" train --train "$data/$train" --valid "$data/$valid" "${common[@]}" --resume 2>&1)
status=$?
echo "--- resume while a run writes (exit $status): $out"
kill -0 "$c" 2> /dev/null || { cat "$work/writer_c.log"; fail "the writing run ended before the second --resume was tried"; }
[ "$status" -eq 1 ] || fail "a second --resume was not refused"
grep -q "another train run is writing into" <<< "$out" || fail "not the lock's refusal"
# SIGKILL: the kernel drops the lock with the process
kill -KILL "$c"
wait "$c" 2> /dev/null
out=$("$summarize" train --train "$data/$train" --valid "$data/$valid" "${common[@]}" --resume --epochs 1 2>&1)
status=$?
echo "--- resume after SIGKILL (exit $status)"; echo "$out"
[ "$status" -eq 0 ] || fail "the lock outlived a killed run"
echo "two writers: ok"
