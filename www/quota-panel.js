// Quota meters from client.quota(): a bar per provider, scope and window (per minute, per
// day…), time to reset counting down, spend against the budget, and the OpenRouter tier from
// client.refreshKeyInfo(). Refreshed on `quota` events and once a second.

const PROVIDER_NAMES = { demo: "Offline demo", openrouter: "OpenRouter", groq: "Groq", gemini: "Gemini", mistral: "Mistral", cerebras: "Cerebras" };
const WINDOW = { minute: "per minute", hour: "per hour", day: "per day", custom: "in a learned window" };

/** @param {{ getClient: () => { client: any, mode: string } }} opts */
export function createQuotaPanel({ getClient }) {
  const $ = (id) => document.getElementById(id);
  const list = $("meters");
  const spend = $("spend");
  const tier = $("quota-tier");
  /** li per scope key, reused so the bars animate and nothing flickers. */
  const items = new Map();
  let snapshot = null;

  function read() {
    try {
      snapshot = getClient().client.quota();
    } catch {
      snapshot = null;
    }
    render();
  }

  function item(key) {
    let it = items.get(key);
    if (it) return it;
    const li = document.createElement("li");
    li.className = "meter-item";
    const label = document.createElement("p");
    label.className = "meter-label";
    const bar = document.createElement("div");
    bar.className = "meter";
    bar.setAttribute("role", "meter");
    bar.setAttribute("aria-valuemin", "0");
    const fill = document.createElement("div");
    fill.className = "meter-fill";
    bar.append(fill);
    const text = document.createElement("p");
    text.className = "meter-text";
    li.append(label, bar, text);
    it = { li, label, bar, fill, text };
    items.set(key, it);
    return it;
  }

  function render() {
    const scopes = Array.isArray(snapshot?.scopes) ? snapshot.scopes : [];
    const now = Date.now();
    const seen = new Set();
    const order = [];
    for (const s of scopes) {
      if (!Number.isFinite(s.limit) || s.limit <= 0) continue;
      const key = `${s.provider}|${s.scope}|${s.window}|${s.unit}`;
      seen.add(key);
      const it = item(key);
      const used = Math.max(0, Math.min(s.limit, Number(s.used) || 0));
      const unit = s.unit === "tokens" ? "tokens" : "requests";
      const who = PROVIDER_NAMES[s.provider] ?? s.provider;
      const what = s.scope === "free" ? "free models" : s.scope;
      const name = `${who} · ${what}: ${unit} ${WINDOW[s.window] ?? s.window}`;
      if (it.label.textContent !== name) it.label.textContent = name;
      const id = `meter-${items.size}-${key.replace(/[^a-z0-9]+/gi, "-")}`;
      if (!it.label.id) it.label.id = id;
      it.bar.setAttribute("aria-labelledby", it.label.id);
      it.bar.setAttribute("aria-valuemax", String(s.limit));
      it.bar.setAttribute("aria-valuenow", String(used));
      const reset = Number(s.resetsAt) > now ? `resets in ${countdown(s.resetsAt - now)}` : "window open";
      const text = `${used} of ${s.limit} used · ${Math.max(0, s.limit - used)} left · ${reset}`;
      it.bar.setAttribute("aria-valuetext", text);
      it.fill.style.width = `${(100 * used) / s.limit}%`; // CSSOM: allowed under style-src 'self'
      const ratio = used / s.limit;
      it.li.dataset.level = ratio >= 1 ? "full" : ratio >= 0.75 ? "high" : "ok";
      it.li.dataset.used = String(used);
      it.li.dataset.source = s.source ?? "";
      if (it.text.textContent !== text) it.text.textContent = text;
      order.push(it.li);
    }
    for (const [key, it] of items) {
      if (!seen.has(key)) {
        it.li.remove();
        items.delete(key);
      }
    }
    // Append in snapshot order (moves existing nodes, keeps them).
    for (const li of order) if (li.parentNode !== list || list.lastElementChild !== li) list.append(li);
    if (!order.length) {
      if (!list.querySelector(".meters-empty")) {
        const p = document.createElement("li");
        p.className = "meters-empty";
        p.textContent = "No quota windows known yet: they appear with the first request.";
        list.replaceChildren(p);
      }
    } else {
      list.querySelector(".meters-empty")?.remove();
    }

    if (snapshot) {
      const spent = Number(snapshot.spentUsd) || 0;
      const budget = Number(snapshot.budgetUsd) || 0;
      spend.textContent =
        budget > 0
          ? `Spent $${spent.toFixed(4)} of a $${budget.toFixed(2)} budget this ${snapshot.period}.`
          : `Spent $${spent.toFixed(2)}: the budget is $0, so paid models are never used.`;
    } else {
      spend.textContent = "";
    }
  }

  async function refreshTier() {
    let handle;
    try {
      handle = getClient();
    } catch {
      tier.textContent = "";
      return null;
    }
    tier.textContent = "";
    try {
      const info = await handle.client.refreshKeyInfo();
      tier.textContent = info.isFreeTier
        ? `OpenRouter free tier${handle.mode === "demo" ? " (offline demo)" : ""}: ${info.freeRequestsPerDay} free requests a day; buying 10 credits once raises it to 1000.`
        : `OpenRouter: credits bought, ${info.freeRequestsPerDay} free requests a day.`;
      read();
      return null;
    } catch (e) {
      // No OpenRouter key (only other providers) is normal: say nothing alarming.
      if (e?.code === "invalid_argument") {
        tier.textContent = "";
        return null;
      }
      tier.textContent = `Key info unavailable: ${e?.code ?? "error"}: ${e?.message ?? e}`;
      return e;
    }
  }

  setInterval(read, 1000);
  return {
    read,
    refreshTier,
    /** From a `quota` event. */
    update(snap) {
      if (snap && typeof snap === "object") {
        snapshot = snap;
        render();
      } else read();
    },
  };
}

function countdown(ms) {
  const s = Math.ceil(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h} h ${m} min`;
}
