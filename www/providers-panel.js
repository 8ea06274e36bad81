// Providers panel: "Sign in with OpenRouter", API keys for the free tiers and a custom
// OpenAI-compatible endpoint, and the notice that says which mode the page is in.
// Keys live in this module's inputs (memory) unless "Remember on this device" is ticked.

const REMEMBER_KEY = "free-router-playground:keys";
const WELL_KNOWN = ["openrouter", "groq", "gemini", "mistral", "cerebras"];
const NAMES = { openrouter: "OpenRouter", groq: "Groq", gemini: "Gemini", mistral: "Mistral", cerebras: "Cerebras" };

/**
 * @typedef {{ mode: "demo" } | { mode: "live", providers: object[], names: string[] }} ProvidersConfig
 * @param {{ faults: boolean|object, onChange: () => void, onSignIn: () => void, onRemember?: (on: boolean) => void }} opts
 */
export function createProvidersPanel({ faults, onChange, onSignIn, onRemember }) {
  const $ = (id) => document.getElementById(id);
  const form = $("key-form");
  const keyInputs = /** @type {HTMLInputElement[]} */ ([...form.querySelectorAll("input.key")]);
  const customUrl = /** @type {HTMLInputElement} */ ($("custom-url"));
  const customModels = /** @type {HTMLInputElement} */ ($("custom-models"));
  const showKeys = /** @type {HTMLInputElement} */ ($("show-keys"));
  const remember = /** @type {HTMLInputElement} */ ($("remember"));
  const more = /** @type {HTMLDetailsElement} */ ($("more-providers"));
  const notice = $("mode-notice");
  const title = $("mode-title");
  const body = $("mode-body");
  const signIn = /** @type {HTMLButtonElement} */ ($("signin"));
  const signInStatus = $("signin-status");
  const pill = $("mode-pill");

  const input = (provider) => keyInputs.find((i) => i.dataset.provider === provider);
  const value = (provider) => input(provider)?.value.trim() ?? "";

  /** @returns {ProvidersConfig} */
  function config() {
    const providers = [];
    const names = [];
    for (const id of WELL_KNOWN) {
      const apiKey = value(id);
      if (apiKey) {
        providers.push({ id, apiKey });
        names.push(NAMES[id]);
      }
    }
    const baseUrl = customUrl.value.trim();
    if (baseUrl) {
      const p = { id: "custom", kind: "openai-compatible", baseUrl, free: true };
      const apiKey = value("custom");
      if (apiKey) p.apiKey = apiKey;
      const models = customModels.value
        .split(",")
        .map((m) => m.trim())
        .filter(Boolean);
      if (models.length) p.models = models;
      providers.push(p);
      names.push(hostOf(baseUrl));
    }
    return providers.length ? { mode: "live", providers, names } : { mode: "demo" };
  }

  function setMode(mode, pillText) {
    notice.dataset.mode = mode;
    pill.dataset.mode = mode;
    pill.textContent = pillText;
  }

  function render(error) {
    const cfg = config();
    if (error) {
      setMode("error", "Settings don't work");
      title.textContent = "These provider settings don't work.";
      body.textContent = `${error.code ?? "error"}: ${error.message ?? String(error)}`;
      return;
    }
    if (cfg.mode === "live") {
      setMode("live", "Live");
      title.textContent = `Live: requests go straight from this browser to ${cfg.names.join(", ")}.`;
      body.textContent = cfg.names.includes("OpenRouter")
        ? "Only free models are used (the budget is 0 USD). OpenRouter's free models share one account-wide budget: 20 requests per minute and 50 per day (1000 once you have bought 10 credits)."
        : "Only free models are used (the budget is 0 USD). Each provider's free tier has its own limits.";
    } else {
      setMode("demo", "Offline demo");
      title.textContent = "Offline demo: no key, no network; answers are canned.";
      body.textContent = faults
        ? "The real library runs against a built-in fake of the OpenRouter API. Now and then one model answers 429 or 404, or breaks its stream, so you can watch the library fall back (open an answer's badge). The free tier's limits, 20 requests a minute and 50 a day, apply only when you really send that many."
        : "The real library runs against a built-in fake of the OpenRouter API. Random faults are off.";
    }
  }

  /**
   * What loading the catalog and the key info showed. Live mode says in words when the
   * providers can't be reached or refuse the key, and what to do; it never stays "Live".
   * @returns {string|null} a short status for the chat, or null when all is well
   */
  function health({ catalogError = null, keyError = null } = {}) {
    const cfg = config();
    if (cfg.mode !== "live") return null;
    const names = cfg.names.join(", ");
    const problem = catalogError ?? keyError;
    if (!problem) {
      render();
      return null;
    }
    const code = problem?.code ?? "error";
    const detail = `${code}: ${problem?.message ?? problem}`;
    if (code === "auth" || code === "forbidden" || code === "payment_required") {
      setMode("trouble", "Key refused");
      title.textContent = `${names} refused the key.`;
      body.textContent = `Check the key or sign in again; press Forget keys to go back to the offline demo. (${detail})`;
      return `${names} refused the key: see Providers.`;
    }
    setMode("trouble", "Can't connect");
    title.textContent = `Live, but ${names} can't be reached from this page.`;
    body.textContent =
      `The ${catalogError ? "model catalog" : "key information"} did not load, so chat requests will fail too. ` +
      "Check the internet connection; a privacy or ad blocker, a firewall or a proxy may be stopping requests " +
      `to the provider. Press Forget keys to go back to the offline demo. (Details: ${detail})`;
    return `Can't reach ${names}: see Providers for what to check.`;
  }

  // ---------------------------------------------------------------- remember on this device

  function saveRemembered() {
    try {
      if (!remember.checked) {
        localStorage.removeItem(REMEMBER_KEY);
        return;
      }
      const data = { customUrl: customUrl.value.trim(), customModels: customModels.value.trim() };
      for (const i of keyInputs) data[i.dataset.provider] = i.value.trim();
      localStorage.setItem(REMEMBER_KEY, JSON.stringify(data));
    } catch {
      /* storage disabled or full: keys stay in memory */
    }
  }

  function loadRemembered() {
    let data = null;
    try {
      data = JSON.parse(localStorage.getItem(REMEMBER_KEY) ?? "null");
    } catch {
      data = null;
    }
    if (!data || typeof data !== "object") return;
    remember.checked = true;
    for (const i of keyInputs) if (typeof data[i.dataset.provider] === "string") i.value = data[i.dataset.provider];
    if (typeof data.customUrl === "string") customUrl.value = data.customUrl;
    if (typeof data.customModels === "string") customModels.value = data.customModels;
    if (data.customUrl || WELL_KNOWN.slice(1).some((id) => data[id]) || data.custom) more.open = true;
  }

  // ---------------------------------------------------------------- wiring

  let last = JSON.stringify(config());
  function changed() {
    saveRemembered();
    const now = JSON.stringify(config());
    if (now === last) return;
    last = now;
    render();
    onChange();
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault(); // Enter in a key field applies, never reloads
    changed();
  });
  for (const el of [...keyInputs, customUrl, customModels]) el.addEventListener("change", changed);
  $("apply-keys").addEventListener("click", changed);
  $("clear-keys").addEventListener("click", () => {
    for (const i of keyInputs) i.value = "";
    customUrl.value = "";
    customModels.value = "";
    remember.checked = false;
    changed();
    onRemember?.(false);
    setSignInStatus("Keys forgotten. The page is back on the offline demo.", "info");
  });
  showKeys.addEventListener("change", () => {
    for (const i of keyInputs) i.type = showKeys.checked ? "text" : "password";
  });
  remember.addEventListener("change", () => {
    saveRemembered();
    onRemember?.(remember.checked);
  });
  signIn.addEventListener("click", () => onSignIn());

  function setSignInStatus(text, kind = "info") {
    signInStatus.textContent = text;
    signInStatus.dataset.kind = kind;
  }

  loadRemembered();
  last = JSON.stringify(config());
  render();

  return {
    config,
    render,
    health,
    remembered: () => remember.checked,
    /** A key from "Sign in with OpenRouter": into the field, then the client is rebuilt. */
    setKey(provider, key) {
      const i = input(provider);
      if (!i) return;
      i.value = key;
      changed();
    },
    setSignInStatus,
    setSignInBusy(on) {
      signIn.disabled = on;
      signIn.setAttribute("aria-busy", String(on));
    },
  };
}

function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
