#!/usr/bin/env bash
# Runs the tools on the bad input of issue 17 and checks that each case fails cleanly: a non-zero
# exit with an error line, never a trap (132 SIGILL, 134 SIGABRT, 139 SIGSEGV) or a hang (timeout).
# Two cases must now succeed: a default --max_seq_length above the model's context, and `qlora logits
# --ids` on a llama2.c checkpoint without a tokenizer (with the adapter the first one trains). Cases whose
# ../shared asset is absent are skipped. Builds with the flags of Scripts/test.sh so the build is shared.
set -uo pipefail
cd "$(dirname "$0")/.."
swift build -c release -Xswiftc -enable-testing >/dev/null || exit 1
bin=.build/release
shared=${EXPLAININGHATE_SHARED:-../shared}
stories=$shared/models/stories260K/stories260K.bin
tok512=$shared/models/stories260K/tok512.bin
llama2tok=$shared/models/llama2-tokenizer/tokenizer.model
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failures=0

# expect NAME fail|pass NEEDED-FILE... -- COMMAND...
expect() {
    local name=$1 want=$2; shift 2
    while [[ $1 != -- ]]; do
        if [[ ! -e $1 ]]; then echo "skip  $name (no $1)"; shift $#; return; fi
        shift
    done
    shift
    timeout 30 "$@" >"$scratch/out" 2>"$scratch/err" </dev/null
    local rc=$?
    local line
    line=$(grep -m1 -i "error" "$scratch/err" || true)
    local ok=1
    case $rc in
        124) echo "FAIL  $name: hung (timeout)"; ok=0 ;;
        132|134|139) echo "FAIL  $name: trapped (exit $rc)"; tail -3 "$scratch/err"; ok=0 ;;
    esac
    if ((ok)); then
        if [[ $want == fail ]] && { ((rc == 0)) || [[ -z $line ]]; }; then
            echo "FAIL  $name: exit $rc, expected a non-zero exit with an error line"; tail -3 "$scratch/err"; ok=0
        elif [[ $want == pass ]] && ((rc != 0)); then
            echo "FAIL  $name: exit $rc, expected success"; tail -3 "$scratch/err"; ok=0
        fi
    fi
    if ((ok)); then echo "ok    $name (exit $rc${line:+: $line})"; else failures=$((failures + 1)); fi
}

data=$scratch/data.jsonl
long=$scratch/long.jsonl
for i in 1 2 3 4; do echo "{\"text\": \"Once upon a time there was a cat number $i.\"}"; done >"$data"
printf '{"text": "%s"}\n' "$(printf 'Once upon a time there was a cat. %.0s' $(seq 120))" >"$long"
head -c 3000 "$tok512" >"$scratch/tok-truncated.bin" 2>/dev/null || true
# The first 300 whole entries of tok512.bin: a valid tokenizer smaller than the model.
python3 - "$tok512" "$scratch/tok300.bin" <<'PY' 2>/dev/null || true
import struct, sys
data = open(sys.argv[1], "rb").read()
position = 4
for _ in range(300):
    position += 8 + struct.unpack_from("<i", data, position + 4)[0]
open(sys.argv[2], "wb").write(data[:position])
PY
mkfifo "$scratch/fifo.bin"
ids600=$(printf '1%.0s,' $(seq 600)); ids600=${ids600%,}
train=("$bin/qlora" train --model "$stories" --tokenizer "$tok512" --data_path "$data" --output_dir "$scratch/out-train" --max_steps 1 --quantize none)

expect "llama generate: tokenizer larger than the model" fail "$stories" "$llama2tok" -- \
    "$bin/llama" generate --model "$stories" --tokenizer "$llama2tok" --prompt "Once upon a time" --max-new-tokens 4
expect "llama perplexity: tokenizer larger than the model" fail "$stories" "$llama2tok" -- \
    "$bin/llama" perplexity --model "$stories" --tokenizer "$llama2tok" --text-file "$data"
expect "llama generate: truncated tokenizer" fail "$stories" "$tok512" -- \
    "$bin/llama" generate --model "$stories" --tokenizer "$scratch/tok-truncated.bin" --prompt "Once upon a time" --max-new-tokens 4
expect "llama generate: tokenizer smaller than the model" fail "$stories" "$scratch/tok300.bin" -- \
    "$bin/llama" generate --model "$stories" --tokenizer "$scratch/tok300.bin" --prompt "Once upon a time" --max-new-tokens 4
expect "llama generate: token id out of range" fail "$stories" -- "$bin/llama" generate --model "$stories" --ids 1,512 --max-new-tokens 4
expect "llama generate: prompt longer than the context" fail "$stories" -- "$bin/llama" generate --model "$stories" --ids "$ids600" --max-new-tokens 4
expect "llama generate: FIFO as the model" fail -- "$bin/llama" generate --model "$scratch/fifo.bin" --ids 1 --max-new-tokens 4
expect "llama generate: valid prompt" pass "$stories" "$tok512" -- \
    "$bin/llama" generate --model "$stories" --tokenizer "$tok512" --prompt "Once upon a time" --max-new-tokens 4
expect "qlora train: tokenizer larger than the model" fail "$stories" "$llama2tok" -- \
    "$bin/qlora" train --model "$stories" --tokenizer "$llama2tok" --data_path "$data" --output_dir "$scratch/out-tok" --max_steps 1
expect "qlora train: --lora_dropout 1" fail "$stories" "$tok512" -- "${train[@]}" --lora_dropout 1
expect "qlora train: --lora_dropout 2" fail "$stories" "$tok512" -- "${train[@]}" --lora_dropout 2
expect "qlora train: --num_train_epochs nan" fail "$stories" "$tok512" -- "${train[@]}" --num_train_epochs nan
expect "qlora train: --optimizer_memory_budget 99999999999999999999G" fail "$stories" "$tok512" -- "${train[@]}" --optimizer_memory_budget 99999999999999999999G
expect "qlora train: --learning_rate nan" fail "$stories" "$tok512" -- "${train[@]}" --learning_rate nan
expect "qlora train: --learning_rate inf" fail "$stories" "$tok512" -- "${train[@]}" --learning_rate inf
expect "qlora train: --target_modules bogus" fail "$stories" "$tok512" -- "${train[@]}" --target_modules bogus
expect "qlora train: --lora_r 100000" fail "$stories" "$tok512" -- "${train[@]}" --lora_r 100000
expect "qlora train: --lora_r 100 (above the layers)" fail "$stories" "$tok512" -- "${train[@]}" --lora_r 100
expect "qlora train: FIFO as the data" fail "$stories" "$tok512" -- \
    "$bin/qlora" train --model "$stories" --tokenizer "$tok512" --data_path "$scratch/fifo.bin" --output_dir "$scratch/out-fifo" --max_steps 1
expect "qlora train: default --max_seq_length on a 512-position model, long example (clamped)" pass "$stories" "$tok512" -- \
    "$bin/qlora" train --model "$stories" --tokenizer "$tok512" --data_path "$long" --validation_path "$long" --output_dir "$scratch/out-long" \
    --max_steps 1 --quantize none --lora_r 4
expect "qlora logits: --ids without a tokenizer (none needed)" pass "$stories" -- \
    "$bin/qlora" logits --model "$stories" --adapter "a=$scratch/out-long" --ids 1,2,3 --out "$scratch/logits.safetensors"
expect "qlora infer: empty statement" fail -- "$bin/qlora" infer --eval_str ""
expect "qlora infer: whitespace statement" fail -- "$bin/qlora" infer --eval_str "   "
expect "qlora serve: port 0" fail -- "$bin/qlora" serve --port 0
expect "qlora serve: port 70000" fail -- "$bin/qlora" serve --port 70000
expect "qlora serve: max_batch 0" fail -- "$bin/qlora" serve --max_batch 0
expect "qlora serve: timeout nan" fail -- "$bin/qlora" serve --timeout_s nan
expect "qlora serve: more statements than the queue" fail -- "$bin/qlora" serve --max_queue 4 --max_statements 5
expect "qlora serve: adapter without model" fail -- "$bin/qlora" serve --adapter a=b
expect "holistic-bias score: tokenizer larger than the model" fail "$stories" "$llama2tok" -- \
    "$bin/holistic-bias" score --model "$stories" --tokenizer "$llama2tok" --dataset-dir "$scratch" --out "$scratch/scores.csv"
expect "holistic-bias score: --batch-size 0" fail "$stories" "$tok512" -- \
    "$bin/holistic-bias" score --model "$stories" --tokenizer "$tok512" --dataset-dir "$scratch" --out "$scratch/scores.csv" --batch-size 0

if ((failures > 0)); then echo "$failures case(s) failed"; exit 1; fi
echo "all cases failed cleanly or passed as expected"
