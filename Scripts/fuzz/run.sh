#!/bin/sh
# Fuzzes the safetensors, GGUF and llama2.c parsers with libFuzzer.
# Usage: Scripts/fuzz/run.sh [seconds]   (corpus in .build/fuzz/corpus, crashes in .build/fuzz/)
set -e
cd "$(dirname "$0")/../.."
out=.build/fuzz
mkdir -p "$out/corpus" "$out/tensor"
swiftc -O -sanitize=fuzzer,address -parse-as-library -emit-library -static -emit-module -module-name Tensor \
    -I Sources/CBLAS -I Sources/CLAPACKE Sources/Tensor/*.swift -emit-module-path "$out/tensor/Tensor.swiftmodule" -o "$out/tensor/libTensor.a"
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name LlamaFuzz -I "$out/tensor" -I Sources/CBLAS -I Sources/CLAPACKE \
    Sources/Llama/IO/MappedFile.swift Sources/Llama/IO/SafeTensors.swift Sources/Llama/Loaders/*.swift \
    Sources/Llama/Model/LlamaConfig.swift Scripts/fuzz/LoaderFuzz.swift "$out/tensor/libTensor.a" -lopenblas -llapacke -o "$out/loader-fuzz"
# Seeds: small valid files of each format.
cp Tests/LlamaTests/Fixtures/reference.safetensors "$out/corpus/" 2>/dev/null || true
head -c 4096 ../shared/models/stories260K/derived/gguf/stories260K-f32.gguf > "$out/corpus/gguf-head" 2>/dev/null || true
head -c 2048 ../shared/models/stories260K/stories260K.bin > "$out/corpus/llama2c-head" 2>/dev/null || true
cd "$out" && ./loader-fuzz -max_total_time="${1:-60}" -max_len=65536 corpus
