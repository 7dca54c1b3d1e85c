/// The page `GET /` serves: paste a statement, see the label, the label probabilities and the
/// router's gates as bars, and the harmful words marked in the statement; `/?text=...` opens with
/// that statement classified (a link to share, and how the browser test drives it). Self-contained (no
/// external scripts, styles or fonts); the statement is inserted as text nodes, never as HTML.
enum ModerationPage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ExplainingHate detector</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
textarea { width: 100%; min-height: 6rem; font: inherit; padding: .5rem; box-sizing: border-box; }
button { font: inherit; padding: .4rem 1.2rem; margin-top: .5rem; }
#label { font-size: 1.4rem; font-weight: 600; }
.neutral { color: #17663a; } .offensive { color: #9a5b00; } .hate { color: #a11; }
.bar { display: flex; align-items: center; gap: .5rem; margin: .2rem 0; }
.bar span:first-child { width: 7rem; }
.bar .track { flex: 1; background: #eee; height: .9rem; border-radius: .2rem; }
.bar .fill { background: #4a6fa5; height: 100%; border-radius: .2rem; }
mark { background: #ffd5d5; }
#statement, #reason { white-space: pre-wrap; }
#error { color: #a11; }
</style>
</head>
<body>
<h1>ExplainingHate detector</h1>
<form id="form">
<label for="text">Statement</label>
<textarea id="text" name="text" required></textarea>
<button id="submit" type="submit">Classify</button>
</form>
<p id="error"></p>
<section id="result" hidden>
<p>Label: <span id="label"></span></p>
<h2>Label probabilities</h2><div id="probabilities"></div>
<h2>Router gates</h2><div id="gates"></div>
<h2>Statement, harmful words marked</h2><p id="statement"></p>
<p>Affected groups: <span id="groups"></span></p>
<p>Explanation: <span id="explanation"></span></p>
<p id="reasonLine">Reason: <span id="reason"></span></p>
</section>
<script>
function bars(id, values, order) {
  const box = document.getElementById(id);
  box.replaceChildren();
  const names = (order || Object.keys(values || {})).filter((n) => n in (values || {}));
  for (const name of names) {
    const p = values[name];
    const row = document.createElement("div"); row.className = "bar";
    const label = document.createElement("span"); label.textContent = name;
    const track = document.createElement("span"); track.className = "track";
    const fill = document.createElement("span"); fill.className = "fill"; fill.style.display = "block";
    fill.style.width = (100 * p).toFixed(1) + "%"; track.appendChild(fill);
    const value = document.createElement("span"); value.textContent = p.toFixed(3);
    row.append(label, track, value); box.appendChild(row);
  }
}
function marked(text, words) {
  const box = document.getElementById("statement");
  box.replaceChildren();
  const lower = text.toLowerCase(), spans = [];
  for (const w of words || []) {
    if (!w) continue;
    for (let i = lower.indexOf(w.toLowerCase()); i >= 0; i = lower.indexOf(w.toLowerCase(), i + w.length)) spans.push([i, i + w.length]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [s, e] of spans) {
    if (s < at) continue;
    box.append(document.createTextNode(text.slice(at, s)));
    const m = document.createElement("mark"); m.textContent = text.slice(s, e); box.append(m); at = e;
  }
  box.append(document.createTextNode(text.slice(at)));
}
async function classify() {
  const text = document.getElementById("text").value;
  const error = document.getElementById("error");
  error.textContent = "classifying…";
  try {
    const reply = await fetch("/v1/classify", { method: "POST", headers: { "Content-Type": "application/json" },
                                                body: JSON.stringify({ statements: [text], explain: true }) });
    const body = await reply.json();
    if (!reply.ok) { error.textContent = body.error ? body.error.message : reply.statusText; return; }
    const r = body.results[0];
    error.textContent = (r.warnings || []).join(" ");
    const label = document.getElementById("label");
    label.textContent = r.label || "unparsed"; label.className = r.label || "";
    bars("probabilities", r.label_probabilities, ["neutral", "offensive", "hate"]);
    bars("gates", r.gates);
    marked(text, r.harmful_words);
    document.getElementById("groups").textContent = (r.groups || []).join(", ") || "none";
    document.getElementById("explanation").textContent = r.explanation || "";
    document.getElementById("reason").textContent = r.reason || "";
    document.getElementById("reasonLine").hidden = !r.reason;
    document.getElementById("result").hidden = false;
  } catch (e) { error.textContent = String(e); }
}
document.getElementById("form").addEventListener("submit", (event) => { event.preventDefault(); classify(); });
// A link /?text=... opens with that statement classified.
const asked = new URLSearchParams(location.search).get("text");
if (asked) { document.getElementById("text").value = asked; classify(); }
</script>
</body>
</html>
"""#
}
