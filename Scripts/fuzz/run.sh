#!/bin/sh
# Fuzzes the safetensors, GGUF and llama2.c parsers with libFuzzer.
# Usage: Scripts/fuzz/run.sh [seconds]   (corpus in .build/fuzz/corpus, crashes in .build/fuzz/)
# The modules are built here with swiftc, not SwiftPM, because every file needs -sanitize=fuzzer.
set -e
cd "$(dirname "$0")/../.."
out=.build/fuzz
mkdir -p "$out/corpus" "$out/modules"
flags="-O -sanitize=fuzzer,address -parse-as-library -enable-testing -I $out/modules -I Sources/CBLAS -I Sources/CLAPACKE"
module() {  # name, sources...
    name=$1; shift
    swiftc $flags -emit-library -static -emit-module -module-name "$name" "$@" \
        -emit-module-path "$out/modules/$name.swiftmodule" -o "$out/modules/lib$name.a"
}
module Tensor Sources/Tensor/*.swift
module Autograd Sources/Autograd/*.swift
module Llama $(find Sources/Llama -name '*.swift')
swiftc $flags -module-name LoaderFuzz Scripts/fuzz/LoaderFuzz.swift \
    "$out/modules/libLlama.a" "$out/modules/libAutograd.a" "$out/modules/libTensor.a" -lopenblas -llapacke -o "$out/loader-fuzz"
# Seeds: small valid files of each format.
cp Tests/LlamaTests/Fixtures/reference.safetensors "$out/corpus/" 2>/dev/null || true
head -c 4096 ../shared/models/stories260K/derived/gguf/stories260K-f32.gguf > "$out/corpus/gguf-head" 2>/dev/null || true
head -c 2048 ../shared/models/stories260K/stories260K.bin > "$out/corpus/llama2c-head" 2>/dev/null || true
cd "$out" && ./loader-fuzz -max_total_time="${1:-60}" -max_len=65536 corpus
