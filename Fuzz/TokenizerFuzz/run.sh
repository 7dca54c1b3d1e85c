#!/usr/bin/env bash
# Builds the tokenizer fuzz target from the tokenizer sources and the JSON parser they use (not
# through SwiftPM: libFuzzer needs -sanitize=fuzzer on every file), then fuzzes for $1 seconds
# (default 300) starting from the committed tokenizer fixtures. New inputs go to .build/tokenizer-corpus
# (libFuzzer writes into its first corpus folder), never into the fixtures.
set -euo pipefail
cd "$(dirname "$0")/../.."
sources=$(ls Sources/Llama/Tokenizer/*.swift | grep -v TokenizerForModel.swift)
mkdir -p .build/tokenizer-corpus
# The first byte picks the parser (2: tokenizer.json), so the byte-level seeds carry one in front.
for name in tokenizer_bytelevel_tiny tokenizer_bytelevel_tiny_split; do
    { printf '\002'; cat "Tests/LlamaTests/Fixtures/$name.json"; } > ".build/tokenizer-corpus/seed-$name"
done
swiftc -O -sanitize=fuzzer,address -parse-as-library Fuzz/TokenizerFuzz/TokenizerFuzz.swift $sources \
    Sources/Llama/IO/OrderedJSON.swift Sources/Llama/IO/MappedFile.swift -o .build/tokenizer-fuzz
.build/tokenizer-fuzz -max_total_time="${1:-300}" -rss_limit_mb=4096 .build/tokenizer-corpus Tests/LlamaTests/Fixtures/
