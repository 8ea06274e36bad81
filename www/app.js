// Playground entry point: loads the wasm library, finishes "Sign in with OpenRouter" when the
// page is the OAuth callback, and wires the panels (chat, providers, quota, "use it", events,
// models). scripts/build-demo.mjs bundles this module and its imports (markdown, sanitiser,
// highlighter) into one file; the library itself stays ./pkg/free_router.js next to its wasm.
// No inline code: it runs under the strict CSP that scripts/serve.mjs --csp sends.
import init, { FreeRouterClient } from "../pkg/free_router.js";
import { createDemoFetch } from "./demo-fetch.js";
import { readSettings } from "./settings.js";
import { createStore } from "./store.js";
import { createProvidersPanel } from "./providers-panel.js";
import { createChatPanel } from "./chat-panel.js";
import { createModelsPanel } from "./models-panel.js";
import { createQuotaPanel } from "./quota-panel.js";
import { createTimeline } from "./timeline-panel.js";
import { createUsagePanel } from "./usage-panel.js";

const DEMO_BASE_URL = "https://demo.free-router.invalid/api/v1";

const settings = readSettings();
// ?log=1: the chat request bodies the fake received, for tests (window.demoRequests).
const demoRequests = settings.log ? (globalThis.demoRequests = []) : undefined;
// One fake server per page load, so its seeded sequence and its account window run across requests.
const demoFetch = createDemoFetch({
  log: demoRequests,
  seed: settings.seed,
  speed: settings.speed,
  faults: settings.faults,
  script: settings.script,
  tierResetMs: settings.tierResetMs,
});

const timeline = createTimeline();
const store = createStore();
let chat = null;
let models = null;
let quota = null;

function onEvent(e) {
  timeline.onEvent(e);
  chat?.onEvent(e);
  if (e?.type === "quota") quota?.update(e.snapshot);
  if (e?.type === "done" || e?.type === "model_evicted") models?.soon(300); // new TTFT, status
}

/** @type {{ key: string, handle: { client: any, mode: "demo" | "live", generation: number } } | null} */
let cached = null;
let generation = 0;

const providers = createProvidersPanel({
  faults: settings.faults,
  onChange: () => {
    cached = null; // new keys mean a new client
    clientChanged();
  },
  onSignIn: signIn,
  onRemember: (on) => chat?.setRemember(on),
});
if (providers.remembered()) store.setRemember(true);

/** Providers for the code sample: ids and endpoints only, never a key. */
function publicProviders() {
  const cfg = providers.config();
  if (cfg.mode !== "live") return [];
  return cfg.providers.map((p) => {
    if (p.id !== "custom") return { id: p.id };
    let baseUrl = "";
    try {
      const u = new URL(p.baseUrl);
      baseUrl = u.origin + u.pathname; // no user:password@, no query
    } catch {
      baseUrl = "https://your-endpoint.example/v1";
    }
    return { id: "custom", baseUrl, models: p.models };
  });
}
const usage = createUsagePanel({ getProviders: publicProviders });
let chatSettings = null;

function getClient() {
  const cfg = providers.config();
  const key = JSON.stringify(cfg);
  if (cached?.key === key) return cached.handle;
  const seeded = settings.seed !== undefined ? { seed: settings.seed } : {};
  let client;
  try {
    client =
      cfg.mode === "live"
        ? new FreeRouterClient({
            providers: cfg.providers,
            onEvent,
            app: { url: location.origin, title: "free-router playground" },
            ...seeded,
          })
        : new FreeRouterClient({
            providers: [{ id: "demo", kind: "openrouter", baseUrl: DEMO_BASE_URL, apiKey: "offline-demo" }],
            fetch: demoFetch,
            storage: "memory", // the fake server's quota must not mix with a real account's ledger
            onEvent,
            ...seeded,
          });
  } catch (e) {
    providers.render(e);
    throw e;
  }
  providers.render();
  cached = { key, handle: { client, mode: cfg.mode, generation: ++generation } };
  return cached.handle;
}

/** New client: everything that shows its state reloads, and live mode says if it can't connect. */
async function clientChanged() {
  chat?.clientChanged();
  usage.render(chatSettings ?? undefined);
  quota?.read();
  const [catalog, keyError] = await Promise.all([models?.reload(), quota?.refreshTier()]);
  const trouble = providers.health({ catalogError: catalog?.ok === false ? catalog.error : null, keyError });
  if (trouble) chat?.setStatus(trouble, "error");
  else chat?.ready();
}

async function signIn() {
  providers.setSignInBusy(true);
  providers.setSignInStatus("Opening OpenRouter…");
  try {
    // Back to this page, without the query (OpenRouter appends ?code=). The conversation and
    // the draft are in sessionStorage, so they are still here when the page comes back.
    const { url } = await FreeRouterClient.openRouterAuthUrl({
      callbackUrl: location.origin + location.pathname,
      keyLabel: "free-router playground",
    });
    location.assign(url);
  } catch (e) {
    providers.setSignInBusy(false);
    providers.setSignInStatus(`${e?.code ?? "error"}: ${e?.message ?? e}`, "error");
  }
}

/** On the OAuth callback (?code=…): exchange the code for a key, then clean the address bar. */
async function finishSignIn() {
  const url = new URL(location.href);
  if (!url.searchParams.has("code")) return;
  providers.setSignInStatus("Finishing sign-in with OpenRouter…");
  try {
    const key = await FreeRouterClient.completeOpenRouterAuth(location.href);
    if (key) {
      providers.setKey("openrouter", key);
      providers.setSignInStatus(
        "Signed in: OpenRouter created a key for this page; it is in the OpenRouter field (in memory unless you tick Remember).",
        "ok",
      );
    }
  } catch (e) {
    providers.setSignInStatus(`Sign-in failed. ${e?.code ?? "error"}: ${e?.message ?? e}`, "error");
  } finally {
    url.searchParams.delete("code");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
}

async function main() {
  const root = document.documentElement;
  chat = createChatPanel({
    getClient,
    store,
    initial: { model: settings.model, strategy: settings.seed !== undefined ? "seeded" : undefined },
    onSettings: (s) => {
      chatSettings = s;
      usage.render(s);
    },
    onQuotaChange: () => quota?.read(),
    // A chat request that can't reach the provider (or is refused) updates the notice too.
    onTrouble: (e) => providers.health({ catalogError: e }),
  });
  let wasm = null;
  try {
    await init();
  } catch (e) {
    wasm = e;
  }
  if (wasm) {
    chat.failed(`Could not load the library (pkg/free_router_bg.wasm): ${wasm?.message ?? wasm}`);
    root.dataset.ready = "error";
    return;
  }
  models = createModelsPanel({
    getClient,
    onUse: (id) => chat.useModel(id),
    onCatalog: (list) => chat.setModels(list),
  });
  quota = createQuotaPanel({ getClient });
  await finishSignIn();
  await clientChanged();
  root.dataset.ready = "true"; // tests wait for this
}

main();
