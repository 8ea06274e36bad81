// Providers panel: the optional OpenRouter key (memory only) and the notice that
// says which mode the page is in. A later playground adds more providers here.

/**
 * @param {{ faults: boolean|object, onChange?: () => void }} opts
 * @returns {{ config: () => ({ mode: "demo" } | { mode: "live", apiKey: string }) }}
 */
export function createProvidersPanel({ faults, onChange }) {
  const keyInput = /** @type {HTMLInputElement} */ (document.getElementById("key"));
  const toggle = /** @type {HTMLButtonElement} */ (document.getElementById("key-toggle"));
  const notice = document.getElementById("mode-notice");
  const title = document.getElementById("mode-title");
  const body = document.getElementById("mode-body");

  // The key lives only in this closure and the input; never in storage or the URL.
  const currentKey = () => keyInput.value.trim();

  const render = () => {
    if (currentKey()) {
      notice.dataset.mode = "live";
      title.textContent = "Live: requests go straight from this browser to openrouter.ai with your key.";
      body.textContent =
        "Only free models are used (the budget is 0 USD). All free models share one account-wide budget: 20 requests per minute and 50 per day (1000 once you have bought 10 credits).";
    } else {
      notice.dataset.mode = "demo";
      title.textContent = "Offline demo: no key, no network; answers are canned.";
      body.textContent = faults
        ? "The real library runs against a built-in fake of the OpenRouter API. It also injects occasional failures (429, 404, broken streams) so you can watch fallback and typed errors."
        : "The real library runs against a built-in fake of the OpenRouter API. Fault injection is off.";
    }
  };

  // Enter in the key field must not reload the page.
  document.getElementById("key-form").addEventListener("submit", (ev) => ev.preventDefault());
  toggle.addEventListener("click", () => {
    const show = keyInput.type === "password";
    keyInput.type = show ? "text" : "password";
    toggle.textContent = show ? "Hide" : "Show";
    toggle.setAttribute("aria-pressed", String(show));
  });
  keyInput.addEventListener("input", () => {
    render();
    onChange?.();
  });
  render();

  return {
    config: () => {
      const apiKey = currentKey();
      return apiKey ? { mode: "live", apiKey } : { mode: "demo" };
    },
  };
}
