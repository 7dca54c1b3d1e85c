#!/usr/bin/env bash
# The page of `qlora serve` in a real browser: headless Chromium opens /?text=..., the page posts
# the statement to /v1/classify and shows the answer, and the DOM after the answer must hold a label,
# the probability bars and the statement. The screenshot is kept in .build/browser-test/page.png
# (a test artifact, not committed). Then SIGTERM while a request is in flight: the request must
# still be answered and the server exit 0. Skipped, saying so, where Chromium is not installed
# (Debian: apt-get install chromium). Only 127.0.0.1 is addressed.
set -euo pipefail
cd "$(dirname "$0")/.."
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $browser ]]; then echo "browser test skipped: chromium is not installed (apt-get install chromium)"; exit 0; fi
qlora=${QLORA:-.build/release/qlora}
[[ -x $qlora ]] || { echo "browser test: build first (swift build -c release)" >&2; exit 1; }
shared=${EXPLAININGHATE_SHARED:-../shared}
gguf=$shared/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf
out=.build/browser-test
mkdir -p "$out"
# The base from ../shared where it is, as the other tests read it; otherwise the tool fetches it.
if [[ -e $gguf && -z ${EXPLAININGHATE_CACHE:-} ]]; then
    export EXPLAININGHATE_CACHE=$out/cache
    mkdir -p "$EXPLAININGHATE_CACHE"
    ln -sf "$(realpath "$gguf")" "$EXPLAININGHATE_CACHE/"
fi
port=18941
"$qlora" serve --port $port 2>"$out/serve.log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null' EXIT
for _ in $(seq 600); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    kill -0 $server 2>/dev/null || { cat "$out/serve.log" >&2; exit 1; }
    sleep 0.5
done
url="http://127.0.0.1:$port/?text=go%20back%20to%20your%20country%2C%20you%20filthy%20animals"
flags=(--headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$out/profile" --virtual-time-budget=60000)
timeout 180 "$browser" "${flags[@]}" --dump-dom "$url" >"$out/dom.html" 2>"$out/browser.log"
timeout 180 "$browser" "${flags[@]}" --window-size=900,1200 --screenshot="$out/page.png" "$url" >/dev/null 2>>"$out/browser.log"
fail() { echo "browser test FAILED: $1 (DOM in $out/dom.html, screenshot $out/page.png)" >&2; exit 1; }
grep -Eq 'id="label" class="(neutral|offensive|hate)">(neutral|offensive|hate)<' "$out/dom.html" || fail "no label shown"
grep -q '<section id="result">' "$out/dom.html" || fail "the result section is still hidden"
grep -Eq 'class="bar"><span>hate</span>' "$out/dom.html" || fail "no probability bars"
grep -q 'go back to your country' "$out/dom.html" || fail "the statement is not shown"
[[ -s $out/page.png ]] || fail "no screenshot"
label=$(grep -Eo 'id="label" class="[a-z]+">[a-z]+<' "$out/dom.html" | head -1)

curl -s -o "$out/inflight.json" -w '%{http_code}' "http://127.0.0.1:$port/v1/classify" \
    -d '{"statements": ["I hate all of them", "see you tomorrow"], "explain": true}' >"$out/inflight.status" &
client=$!
sleep 0.3
kill -TERM $server
wait $server && rc=0 || rc=$?
wait $client || true
trap - EXIT
[[ $rc == 0 ]] || fail "the server exited $rc on SIGTERM"
[[ $(cat "$out/inflight.status") == 200 ]] || fail "the request in flight at SIGTERM got $(cat "$out/inflight.status")"
grep -q '"results"' "$out/inflight.json" || fail "the request in flight at SIGTERM got no results"
echo "browser test passed: $label, screenshot $out/page.png; SIGTERM finished the request in flight"
