// Event timeline: what the library does as it happens (attempts, fallbacks, cooldowns,
// evictions, waits, resumes, repins), from onEvent, plus a small SVG chart of time to first
// token per model from `first_token` events.

const MAX_ENTRIES = 200;
const MAX_BARS = 8;
const SVG = "http://www.w3.org/2000/svg";

export function createTimeline() {
  const $ = (id) => document.getElementById(id);
  const list = $("events");
  const chart = $("ttft-chart");
  const caption = $("ttft-caption");
  /** model -> ttft samples (ms), in arrival order. */
  const samples = new Map();

  function describe(e) {
    const s = (x) => (typeof x === "string" ? x : x === undefined || x === null ? "?" : String(x));
    const secs = (ms) => `${(Math.max(0, Number(ms) || 0) / 1000).toFixed(1)} s`;
    switch (e.type) {
      case "catalog":
        return `catalog: ${e.count} models from the ${s(e.source)}${e.stale ? " (stale)" : ""}${e.provider ? ` · ${e.provider}` : ""}`;
      case "attempt":
        return `attempt ${e.n}: ${s(e.model)} via ${s(e.provider)}`;
      case "first_token":
        return `first token from ${s(e.model)} after ${Math.round(e.ttftMs)} ms`;
      case "fallback":
        return `fallback: ${s(e.from)} → ${s(e.to)} (${s(e.reason)})`;
      case "cooldown": {
        const until = Number(e.untilMs);
        const left = until > 1e12 ? until - (Number(e.at) || Date.now()) : until;
        return `cooldown: ${s(e.model)} rests ${secs(left)} (${s(e.reason)})`;
      }
      case "rate_limited":
        return `rate limited: ${s(e.model)}${Number.isFinite(e.retryAfterMs) ? `, retry after ${secs(e.retryAfterMs)}` : ""}`;
      case "waiting":
        return `waiting ${secs(e.ms)} for a quota window${e.scope ? ` (${e.scope})` : ""}`;
      case "model_evicted":
        return `evicted: ${s(e.model)} (${s(e.reason)})`;
      case "repin":
        return `repin: session moves ${s(e.from)} → ${s(e.to)}`;
      case "resume":
        return `resume: ${s(e.from)} broke after ${e.partialLength} chars; ${s(e.to)} continues`;
      case "done": {
        const r = e.route ?? {};
        const n = Array.isArray(r.attempts) ? r.attempts.length : 1;
        return `done: ${s(r.model)} answered after ${n} attempt${n === 1 ? "" : "s"} in ${Math.round(Number(r.latencyMs) || 0)} ms`;
      }
      case "error":
        return `error ${s(e.code)}: ${s(e.message)}`;
      default:
        return null; // quota and usage are shown elsewhere
    }
  }

  function add(e) {
    const text = describe(e);
    if (!text) return;
    const li = document.createElement("li");
    li.className = "event";
    li.dataset.type = e.type;
    const time = document.createElement("time");
    const at = Number(e.at) || Date.now();
    time.dateTime = new Date(at).toISOString();
    time.textContent = new Date(at).toLocaleTimeString([], { hour12: false });
    const tag = document.createElement("span");
    tag.className = "event-type";
    tag.textContent = e.type.replace("_", " ");
    const body = document.createElement("span");
    body.className = "event-text";
    body.textContent = text;
    li.append(time, tag, body);
    const box = list.parentElement ?? list; // the scrolling wrapper
    const stick = box.scrollHeight - box.scrollTop - box.clientHeight < 24;
    list.append(li);
    while (list.childElementCount > MAX_ENTRIES) list.firstElementChild.remove();
    if (stick) box.scrollTop = box.scrollHeight;
  }

  function median(xs) {
    const a = [...xs].sort((x, y) => x - y);
    const m = a.length >> 1;
    return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
  }

  function draw() {
    const rows = [...samples.entries()]
      .map(([model, xs]) => ({ model, ms: median(xs), n: xs.length }))
      .slice(-MAX_BARS);
    const rowH = 22;
    const labelW = 150;
    const width = 320;
    const height = Math.max(1, rows.length) * rowH + 4;
    chart.setAttribute("viewBox", `0 0 ${width} ${height}`);
    chart.setAttribute("height", String(height));
    const max = Math.max(1, ...rows.map((r) => r.ms));
    const nodes = [];
    rows.forEach((r, i) => {
      const y = i * rowH + 2;
      const label = document.createElementNS(SVG, "text");
      label.setAttribute("x", "0");
      label.setAttribute("y", String(y + 14));
      label.setAttribute("class", "chart-label");
      label.textContent = short(r.model);
      const w = Math.max(2, ((width - labelW - 58) * r.ms) / max);
      const rect = document.createElementNS(SVG, "rect");
      rect.setAttribute("x", String(labelW));
      rect.setAttribute("y", String(y + 3));
      rect.setAttribute("width", w.toFixed(1));
      rect.setAttribute("height", String(rowH - 8));
      rect.setAttribute("rx", "3");
      rect.setAttribute("class", "chart-bar");
      const value = document.createElementNS(SVG, "text");
      value.setAttribute("x", String(labelW + w + 4));
      value.setAttribute("y", String(y + 14));
      value.setAttribute("class", "chart-value");
      value.textContent = `${Math.round(r.ms)} ms`;
      const tip = document.createElementNS(SVG, "title");
      tip.textContent = `${r.model}: median ${Math.round(r.ms)} ms over ${r.n} answer${r.n === 1 ? "" : "s"}`;
      const g = document.createElementNS(SVG, "g");
      g.append(tip, label, rect, value);
      nodes.push(g);
    });
    chart.replaceChildren(...nodes);
    caption.textContent = rows.length
      ? `Time to first token per model (median): ${rows.map((r) => `${short(r.model)} ${Math.round(r.ms)} ms`).join(", ")}.`
      : "Time to first token per model: no answers yet.";
  }

  $("clear-events").addEventListener("click", () => {
    list.replaceChildren();
    samples.clear();
    draw();
  });

  return {
    onEvent(e) {
      if (!e || typeof e !== "object" || typeof e.type !== "string") return;
      add(e);
      if (e.type === "first_token" && typeof e.model === "string" && Number.isFinite(e.ttftMs)) {
        const xs = samples.get(e.model) ?? [];
        xs.push(e.ttftMs);
        if (xs.length > 50) xs.shift();
        samples.delete(e.model); // most recent models last
        samples.set(e.model, xs);
        draw();
      }
    },
  };
}

/** "nvidia/nemotron-nano-9b-v2:free" -> "nemotron-nano-9b-v2:free", at most 22 chars. */
function short(id) {
  const s = String(id).split("/").pop();
  return s.length > 22 ? `${s.slice(0, 21)}…` : s;
}
