#!/usr/bin/env bash
# Rebuilds the default detector from ../shared: SmolLM2-135M-Instruct as the frozen NF4 base (double
# quantization), one QLoRA adapter per data source trained on its real train split, and the router.
# Seeded, so the same inputs give the same adapters; resumable: every stage that finished is skipped,
# and a killed training run continues from its last checkpoint (--resume). About two hours on 2 cores.
#
#   Scripts/build_default_bundle.sh [WORK_DIR]      (default .build/default-bundle)
#
# Sources: microblogs = Davidson (at most 1,000 tweets per label), forums = Stormfront (at most 1,000
# sentences per label, split by post), hatexplain = HateXplain (its published validation posts, the
# only training posts it has; its test posts stay for the evaluation). Class balance comes from the
# per-label cap; the true train-split label counts are recorded for the prior correction.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-.build/default-bundle}"
shared="${EXPLAININGHATE_SHARED:-../shared}"
model="$shared/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf"
seed=4761
mkdir -p "$work/data"
swift build -c release --product qlora
qlora=.build/release/qlora

export_split() { # dataset split file [flags...]
    local dataset=$1 split=$2 file=$3; shift 3
    [[ -s "$file" ]] || "$qlora" data --dataset "$dataset" --split "$split" --shared "$shared" --out "$file" "$@"
}
declare -A dataset=([microblogs]=davidson [forums]=stormfront [hatexplain]=hatexplain)
for source in microblogs forums hatexplain; do
    d=${dataset[$source]}
    export_split "$d" train "$work/data/$source-train.jsonl" --max_per_class 1000
    export_split "$d" train "$work/data/$source-train-full.jsonl"
    export_split "$d" validation "$work/data/$source-validation.jsonl" --limit 200
done

# The router learns which source a statement resembles from the base model's mean-pooled hidden
# states: 600 training statements per source (the first by id hash), labelled with their source.
if [[ ! -s "$work/router.safetensors" ]]; then
    for source in microblogs forums hatexplain; do head -n 600 "$work/data/$source-train.jsonl"; done > "$work/data/router-train.jsonl"
    nice -n 10 "$qlora" router train --model "$model" --data_path "$work/data/router-train.jsonl" \
        --sources microblogs,forums,hatexplain --seed $seed --out "$work/router.safetensors"
fi

for source in microblogs forums hatexplain; do
    out="$work/adapters/$source"
    [[ -s "$out/adapter_model.safetensors" && -s "$out/training_log.jsonl" && ! -d "$out/best" ]] && continue
    nice -n 10 "$qlora" train --model "$model" --data_path "$work/data/$source-train.jsonl" \
        --validation_path "$work/data/$source-validation.jsonl" --output_dir "$out" --prompt_style chat --completion_only \
        --lora_r 8 --lora_alpha 16 --lora_dropout 0.05 --learning_rate 5e-4 --lr_scheduler_type cosine --warmup_ratio 0.03 \
        --per_device_train_batch_size 8 --num_train_epochs 1 --max_seq_length 192 \
        --eval_steps 60 --early_stopping_patience 3 --save_steps 20 --logging_steps 5 --seed $seed --resume
done
