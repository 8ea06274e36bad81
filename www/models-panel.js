// Model browser: the live catalog from client.listModels (sorted by the library) as a table,
// with filter chips, a minimum-context slider, a sort order and a word search across id, name
// and capabilities; when filters hide search matches it says which.

const CONTEXT_STEPS = [0, 8192, 16384, 32768, 65536, 131072, 200000, 262144, 1000000];
const CONTEXT_LABELS = ["any", "8k", "16k", "32k", "64k", "128k", "200k", "256k", "1M"];
const CAPS = [
  ["tools", "tools"],
  ["vision", "vision"],
  ["structuredOutputs", "structured"],
  ["jsonMode", "json"],
  ["reasoning", "reasoning"],
];

const FILTER_WORDS = {
  free: "free",
  vision: "vision",
  tools: "tools",
  structuredOutputs: "structured outputs",
  reasoning: "reasoning",
  minContext: "min context",
};

/** Lower-case words of a model: id, name, provider, capabilities, free or paid. */
function haystack(m) {
  const caps = CAPS.filter(([k]) => m.capabilities?.[k]).map(([, label]) => label);
  if (m.capabilities?.structuredOutputs) caps.push("structured outputs");
  return normalize([m.id, m.name, m.provider, ...caps, m.free ? "free" : "paid"].join(" "));
}
const normalize = (s) => ` ${String(s ?? "").toLowerCase().replace(/[^\p{L}\p{N}.]+/gu, " ")} `;

/** Every word of the query appears somewhere ("gpt oss" finds gpt-oss-20b). */
export function matchesWords(m, words) {
  if (!words.length) return true;
  const hay = haystack(m);
  return words.every((w) => hay.includes(w));
}

/** The active filters a model fails, by name. */
function failedFilters(m, f) {
  const out = [];
  if (f.free && !m.free) out.push("free");
  for (const k of ["vision", "tools", "structuredOutputs", "reasoning"]) if (f[k] && !m.capabilities?.[k]) out.push(k);
  if (f.minContext && !(Number(m.contextLength) >= f.minContext)) out.push("minContext");
  return out;
}

/**
 * @param {{ getClient: () => { client: any }, onUse: (id: string) => void, onCatalog?: (models: any[]) => void }} opts
 */
export function createModelsPanel({ getClient, onUse, onCatalog }) {
  const $ = (id) => document.getElementById(id);
  const chips = /** @type {HTMLButtonElement[]} */ ([...document.querySelectorAll("#models .chip")]);
  const slider = /** @type {HTMLInputElement} */ ($("min-context"));
  const sliderOut = $("min-context-out");
  const search = /** @type {HTMLInputElement} */ ($("model-search"));
  const sortSel = /** @type {HTMLSelectElement} */ ($("model-sort"));
  const rows = $("model-rows");
  const count = $("models-count");

  let seq = 0;
  let col = 0;
  let timer = 0;

  function filter() {
    const f = {};
    for (const c of chips) if (c.getAttribute("aria-pressed") === "true") f[c.dataset.filter] = true;
    const min = CONTEXT_STEPS[Number(slider.value)] ?? 0;
    if (min > 0) f.minContext = min;
    return f;
  }
  const words = () => normalize(search.value).trim().split(/\s+/).filter(Boolean);

  function showSlider() {
    const i = Number(slider.value);
    const text = i > 0 ? `≥ ${CONTEXT_LABELS[i]} tokens` : "any";
    sliderOut.textContent = text;
    slider.setAttribute("aria-valuetext", text);
  }

  function fail(e) {
    count.textContent = `The catalog can't load: ${e?.code ?? "error"}: ${e?.message ?? e}`;
    count.dataset.kind = "error";
    rows.replaceChildren();
  }

  async function reload() {
    const my = ++seq;
    let handle;
    try {
      handle = getClient();
    } catch (e) {
      fail(e);
      return { ok: false, error: e };
    }
    let all;
    try {
      // Free and paid, sorted by the library; filters and word search are applied here so the
      // page can say which filter hides a match.
      const sort = sortSel.value || undefined;
      all = await handle.client.listModels(sort ? { free: null, sort } : { free: null });
    } catch (e) {
      if (my === seq) fail(e);
      return { ok: false, error: e };
    }
    if (my !== seq) return { ok: true };
    onCatalog?.(all);
    if (!sortSel.value) all = [...all].sort((a, b) => String(a.name || a.id).localeCompare(String(b.name || b.id)));
    const f = filter();
    const w = words();
    const found = all.filter((m) => matchesWords(m, w));
    const shown = found.filter((m) => failedFilters(m, f).length === 0);
    render(shown);
    count.dataset.kind = "info";
    let text = `${shown.length} model${shown.length === 1 ? "" : "s"} match.`;
    const hidden = found.length - shown.length;
    if (w.length && hidden > 0) {
      const by = new Map();
      for (const m of found) for (const k of failedFilters(m, f)) by.set(k, (by.get(k) ?? 0) + 1);
      const list = [...by].map(([k, n]) => `${FILTER_WORDS[k] ?? k} (${n})`).join(", ");
      text += ` ${hidden} more match “${search.value.trim()}” but are hidden by: ${list}.`;
      count.dataset.kind = "warn";
    }
    count.textContent = text;
    return { ok: true };
  }

  /** Re-filter soon (typing, dragging): one query per pause. */
  function soon(ms = 120) {
    clearTimeout(timer);
    timer = setTimeout(reload, ms);
  }

  const labels = [...document.querySelectorAll("#model-table thead th")].map((th) => th.textContent.trim());
  function cell(text, cls) {
    const td = document.createElement("td");
    if (cls) td.className = cls;
    td.dataset.col = String(col++);
    if (text !== undefined) td.textContent = text;
    return td;
  }

  function render(models) {
    const out = [];
    for (const m of models) {
      col = 0;
      const tr = document.createElement("tr");
      tr.dataset.id = m.id;

      const name = cell(undefined, "name");
      const strong = document.createElement("span");
      strong.className = "model-name";
      strong.textContent = m.name || m.id;
      const id = document.createElement("code");
      id.className = "model-id";
      id.textContent = m.id;
      name.append(strong, id);
      if (m.status && m.status !== "available") {
        const s = document.createElement("span");
        s.className = `tag tag-${m.status}`;
        s.textContent = m.status === "cooling_down" ? "cooling down" : m.status;
        name.append(s);
      }
      tr.append(name);

      tr.append(cell(m.provider));
      tr.append(cell(m.contextLength ? tokens(m.contextLength) : "—", "num"));

      const caps = cell(undefined, "caps");
      for (const [k, label] of CAPS) {
        if (!m.capabilities?.[k]) continue;
        const t = document.createElement("span");
        t.className = "tag";
        t.textContent = label;
        caps.append(t);
      }
      if (!caps.childNodes.length) caps.textContent = "text only";
      tr.append(caps);

      tr.append(cell(m.free ? "free" : price(m.pricing), m.free ? "free" : "paid"));
      tr.append(cell(m.expiresAt ? String(m.expiresAt).slice(0, 10) : "—"));
      const ttft = m.stats?.ttftMsP50;
      tr.append(cell(Number.isFinite(ttft) ? `${Math.round(ttft)} ms` : "—", "num"));

      const use = cell(undefined, "use");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "button ghost small";
      b.textContent = "Use";
      b.setAttribute("aria-label", `Use ${m.name || m.id} in the chat`);
      b.addEventListener("click", () => onUse(m.id));
      use.append(b);
      tr.append(use);
      out.push(tr);
    }
    // Small screens show each row as a card: every cell carries its column's name.
    for (const tr of out) for (const td of tr.children) td.dataset.label = labels[Number(td.dataset.col)] ?? "";
    rows.replaceChildren(...out);
  }

  for (const c of chips) {
    c.addEventListener("click", () => {
      c.setAttribute("aria-pressed", String(c.getAttribute("aria-pressed") !== "true"));
      reload();
    });
  }
  slider.addEventListener("input", () => {
    showSlider();
    soon();
  });
  search.addEventListener("input", () => soon());
  sortSel.addEventListener("change", () => reload());
  $("refresh-models").addEventListener("click", async () => {
    count.textContent = "Refreshing the catalog…";
    try {
      await getClient().client.refreshCatalog();
    } catch (e) {
      count.textContent = `Refresh failed: ${e?.code ?? "error"}: ${e?.message ?? e}`;
      count.dataset.kind = "error";
      return;
    }
    reload();
  });
  showSlider();

  return { reload, soon };
}

function tokens(n) {
  if (n >= 1_000_000) return `${+(n / 1_000_000).toFixed(1)}M`;
  if (n >= 1000) return `${Math.round(n / 1000)}k`;
  return String(n);
}

function price(p) {
  const a = Number(p?.promptPerMTok);
  const b = Number(p?.completionPerMTok);
  if (!Number.isFinite(a) && !Number.isFinite(b)) return "paid";
  return `$${fmt(a)} / $${fmt(b)} per M`;
}

function fmt(x) {
  if (!Number.isFinite(x)) return "?";
  return x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toPrecision(2);
}
