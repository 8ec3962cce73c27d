#!/usr/bin/env bash
# Every numeric option of every command that has them, at 0, -1, the smallest
# normal and subnormal doubles, 1e308, inf, nan and 2^64+1: the command works
# (exit 0) or refuses in one line on stderr (exit 1, or CLI11's 100-120), and
# never dies of a signal or hangs. The options come from each command's
# --help, which CLI11 writes from its own option table: an option added
# tomorrow is walked tomorrow.
#   numeric_options_test.sh SUMMARIZE MODEL_DIR DATA_DIR WORK_DIR
set -uo pipefail
summarize=$1 model=$2 data=$3 work=$4/numeric-options
rm -rf "$work"
mkdir -p "$work"
head -4 "$data/valid.tsv" > "$work/train.tsv"
head -2 "$data/test.tsv" > "$work/valid.tsv"
printf 'library for parsing JSON documents in C++\ncommand-line tool to convert images between formats\n' > "$work/docs.txt"
values=(0 -1 2.2250738585072014e-308 4.9406564584124654e-324 1e308 inf nan 18446744073709551617)
base_train=(--train "$work/train.tsv" --valid "$work/valid.tsv" --embedding 8 --hidden 8 --max-source 20
            --source-vocab 200 --target-vocab 100 --epochs 1 --log-every 0 --threads 1 --valid-limit 2)
runs=0 worked=0 refused=0 failed=0
for sub in train eval summarize; do
  opts=$("$summarize" "$sub" --help | sed -nE 's/^  (-[a-zA-Z],)?(--[a-z0-9-]+) (INT|UINT|FLOAT).*/\2/p')
  [ -n "$opts" ] || { echo "FAILED: no numeric options in '$sub --help'"; exit 1; }
  echo "$sub: $(echo $opts)"
  for opt in $opts; do
    for v in "${values[@]}"; do
      case $sub in
        train) args=(train "${base_train[@]}" --model "$work/model-$runs") ;;
        eval) args=(eval --model "$model" --data "$work/valid.tsv") ;;
        summarize) args=(summarize --model "$model" --input "$work/docs.txt") ;;
      esac
      runs=$((runs + 1))
      timeout 120 "$summarize" "${args[@]}" "$opt" "$v" > "$work/stdout" 2> "$work/stderr"
      status=$?
      lines=$(wc -l < "$work/stderr")
      if [ "$status" -eq 0 ]; then
        worked=$((worked + 1))
      elif { [ "$status" -eq 1 ] || { [ "$status" -ge 100 ] && [ "$status" -le 120 ]; }; } && [ "$lines" -eq 1 ]; then
        refused=$((refused + 1))
      else
        failed=$((failed + 1))
        echo "FAILED: $sub $opt $v: exit $status (124: timeout, >128: signal), $lines stderr lines:"
        head -5 "$work/stderr"
      fi
      rm -rf "$work/model-$((runs - 1))"
    done
  done
done
echo "$runs runs: $worked worked, $refused refused in one line, $failed failed"
[ "$failed" -eq 0 ]
