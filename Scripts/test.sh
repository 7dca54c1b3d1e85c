#!/usr/bin/env bash
# The project's test command (README and CI): one optimised build with testing enabled (the tests
# use @testable imports), then every test, the hostile command lines of Scripts/bad_input.sh, the
# page of `qlora serve` in headless Chromium (where installed), then the consumer example that imports the libraries
# the way a user's package does, and the 4-bit kernel tests once per kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(-c release -Xswiftc -enable-testing)
swift build "${flags[@]}" --build-tests
swift test "${flags[@]}" --skip-build
bash Scripts/bad_input.sh
bash Scripts/browser_test.sh
swift build -c release --package-path Examples/Consumer

# The one build carries every 4-bit GEMV kernel. The Quant tests (a second or two) run again under
# each EXPLAININGHATE_KERNEL; the dispatcher caps the request at what this CPU runs, so a kernel the
# CPU lacks repeats the next one down rather than failing.
for kernel in portable avx2 avx512; do
    echo "Quant tests with EXPLAININGHATE_KERNEL=$kernel"
    EXPLAININGHATE_KERNEL=$kernel swift test "${flags[@]}" --skip-build --filter LlamaTests.Quant
done
