#!/usr/bin/env bash
# Load test of `qlora serve` on loopback with wrk (Debian: apt-get install wrk): statements/s and
# p50/p99 latency at 1, 8 and 64 concurrent clients, batched (--max_batch 16) against --max_batch 1
# in the same run, one statement per request; then a soak at 8 clients with the server's resident
# memory read every 10 s. Only 127.0.0.1 is ever addressed, and every wrk run is bounded in time.
#
#   Scripts/bench/serve_load.sh [SECONDS_PER_RUN=20] [SOAK_SECONDS=300] [PATH=/v1/classify]
#   EXPLAIN=0 ...    label only (the default for /v1/moderations; /v1/classify explains unless told)
set -euo pipefail
cd "$(dirname "$0")/../.."
run_s="${1:-20}" soak_s="${2:-300}" path="${3:-/v1/classify}"
[[ "$path" == /v1/classify ]] && export EXPLAIN="${EXPLAIN:-1}" || export EXPLAIN=0
command -v wrk >/dev/null || { echo "serve_load.sh: needs wrk (apt-get install wrk)" >&2; exit 1; }
qlora="${QLORA:-.build/release/qlora}"
[[ -x "$qlora" ]] || { echo "serve_load.sh: build first (swift build -c release), or set QLORA" >&2; exit 1; }
port=18931
server=""
stop() { [[ -n "$server" ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; server=""; }
trap stop EXIT

start() { # max_batch
    "$qlora" serve --port $port --max_batch "$1" --max_queue 256 2>/tmp/serve_load.$$.log &
    server=$!
    for _ in $(seq 600); do
        curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return
        kill -0 "$server" 2>/dev/null || { cat /tmp/serve_load.$$.log >&2; exit 1; }
        sleep 0.5
    done
    echo "serve_load.sh: the server did not come up" >&2; exit 1
}

# Prints: statements/s p50 p99 errors (latencies in ms; errors = non-2xx + socket errors).
load() { # clients seconds
    local threads=$(( $1 < 2 ? 1 : 2 ))
    wrk -t$threads -c"$1" -d"${2}s" --timeout 60s --latency -s Scripts/bench/serve_load.lua "http://127.0.0.1:$port$path" | awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /m$/) return v * 60000; return v * 1000 }
        /Requests\/sec/ { rps = $2 }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        /Non-2xx/ { err += $NF }
        /Socket errors/ { gsub(",", ""); err += $4 + $6 + $8 + $10 }
        END { printf "%.2f %.0f %.0f %d\n", rps, p50, p99, err }'
}

declare -A result
for batch in 16 1; do
    start $batch
    load 1 3 >/dev/null   # warm-up: caches, first batches
    for clients in 1 8 64; do result[$batch,$clients]=$(load $clients "$run_s"); done
    stop
done

printf '%s (explain %s), %s s per run, one statement per request\n' "$path" "$EXPLAIN" "$run_s"
printf '%-8s %-12s %12s %9s %9s %7s\n' clients server statements/s p50_ms p99_ms errors
for clients in 1 8 64; do
    for batch in 16 1; do
        read -r rps p50 p99 err <<<"${result[$batch,$clients]}"
        printf '%-8s %-12s %12s %9s %9s %7s\n' $clients "max_batch=$batch" "$rps" "$p50" "$p99" "$err"
    done
done
read -r b64 _ <<<"${result[16,64]}"; read -r u64 _ <<<"${result[1,64]}"
read -r _ single _ <<<"${result[16,1]}"; read -r _ _ p99_8 _ <<<"${result[16,8]}"
awk -v b="$b64" -v u="$u64" -v s="$single" -v p="$p99_8" 'BEGIN {
    printf "batched / unbatched throughput at 64 clients: %.2fx (goal >= 3)\n", b / u
    printf "p99 at 8 clients / single-request p50: %.2fx (goal <= 2)\n", p / s }'

if (( soak_s > 0 )); then
    start 16
    load 8 3 >/dev/null
    rss() { awk '/VmRSS/ { print $2 }' /proc/$server/status; }
    samples=("$(rss)")
    ( for _ in $(seq $(( soak_s / 10 ))); do sleep 10; rss; done ) > /tmp/serve_load_rss.$$ &
    sampler=$!
    read -r rps p50 p99 err <<<"$(load 8 "$soak_s")"
    wait $sampler || true
    mapfile -t -O 1 samples < /tmp/serve_load_rss.$$
    samples[0]=${samples[0]:-0}
    rm -f /tmp/serve_load_rss.$$
    printf 'soak: %s s at 8 clients: %s statements/s, p50 %s ms, p99 %s ms, %s errors\n' "$soak_s" "$rps" "$p50" "$p99" "$err"
    printf 'soak: resident memory (MB) every 10 s: %s\n' "$(printf '%s\n' "${samples[@]}" | awk 'NF { printf "%s%.0f", (n++ ? " " : ""), $1 / 1024 }')"
    stop
fi
