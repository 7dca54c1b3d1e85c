#!/usr/bin/env bash
# The project's test command (README and CI): one optimised build with testing enabled (the tests
# use @testable imports), then every test, the hostile command lines of Scripts/bad_input.sh, then the consumer example that imports the libraries
# the way a user's package does. The AVX-512 and AVX2 GEMV kernels are compiled in only under their
# flags, so the Llama tests run again under each of those builds this CPU can execute.
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(-c release -Xswiftc -enable-testing)
swift build "${flags[@]}" --build-tests
swift test "${flags[@]}" --skip-build
bash Scripts/bad_input.sh
swift build -c release --package-path Examples/Consumer

cpu=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
has() { [[ " $cpu " == *" $1 "* ]]; }
vendor=$(grep -m1 '^vendor_id' /proc/cpuinfo 2>/dev/null || true)
if has avx512f && has avx512bw && has avx512vl && has avx512vbmi && has avx512_vnni; then
    target=icelake-server
    [[ $vendor == *AuthenticAMD* ]] && target=znver4
    swift test "${flags[@]}" --scratch-path .build/avx512 -Xswiftc -target-cpu -Xswiftc "$target" \
        -Xswiftc -DQUANT_AVX512 --filter LlamaTests
fi
if has avx2 && has fma && has bmi2; then
    swift test "${flags[@]}" --scratch-path .build/avx2 -Xswiftc -target-cpu -Xswiftc haswell \
        -Xswiftc -DQUANT_AVX2 --filter LlamaTests
fi
