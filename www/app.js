// Demo page entry point: loads the wasm library, then wires the providers panel
// (key / offline demo) and the chat panel. Plain ES modules, no build step, no
// inline code, so it runs under the strict CSP that scripts/serve.mjs --csp sends.
import init, { FreeRouterClient } from "../pkg/free_router.js";
import { createDemoFetch } from "./demo-fetch.js";
import { readSettings } from "./settings.js";
import { createProvidersPanel } from "./providers-panel.js";
import { createChatPanel } from "./chat-panel.js";

const DEMO_BASE_URL = "https://demo.free-router.invalid/api/v1";
const DEFAULT_MODEL = "openai/gpt-oss-20b:free";

const settings = readSettings();
// One fake server per page load, so its seeded sequence runs across requests.
const demoFetch = createDemoFetch({ seed: settings.seed, speed: settings.speed, faults: settings.faults });

let chat = null;
const onEvent = (e) => chat?.onEvent(e);

/** @type {{ key: string, handle: { client: any, mode: "demo" | "live" } } | null} */
let cached = null;

const providers = createProvidersPanel({
  faults: settings.faults,
  onChange: () => (cached = null), // a new key means a new client
});

function getClient() {
  const cfg = providers.config();
  const key = cfg.mode === "live" ? `live:${cfg.apiKey}` : "demo";
  if (cached?.key === key) return cached.handle;
  const seeded = settings.seed !== undefined ? { strategy: "seeded", seed: settings.seed } : {};
  const client =
    cfg.mode === "live"
      ? new FreeRouterClient({ providers: [{ id: "openrouter", apiKey: cfg.apiKey }], onEvent, ...seeded })
      : new FreeRouterClient({
          providers: [{ id: "demo", kind: "openrouter", baseUrl: DEMO_BASE_URL, apiKey: "offline-demo" }],
          fetch: demoFetch,
          storage: "memory", // the fake server's quota must not mix with a real account's ledger
          onEvent,
          ...seeded,
        });
  cached = { key, handle: { client, mode: cfg.mode } };
  return cached.handle;
}

async function freeModelIds() {
  // The datalist offers the demo catalog's free ids; the library itself reads the
  // catalog through its provider, this is only for typing help.
  try {
    const res = await fetch(new URL("./demo-catalog.json", import.meta.url));
    const { data } = await res.json();
    const free = data.map((m) => m.id).filter((id) => id.endsWith(":free")).sort();
    return ["auto", "openrouter/free", ...free];
  } catch {
    return ["auto", "openrouter/free", DEFAULT_MODEL];
  }
}

async function main() {
  const root = document.documentElement;
  const [ids, wasm] = await Promise.all([
    freeModelIds(),
    init().then(
      () => null,
      (e) => e,
    ),
  ]);
  chat = createChatPanel({ getClient, modelIds: ids, defaultModel: settings.model ?? DEFAULT_MODEL });
  if (wasm) {
    chat.failed(`Could not load the library (pkg/free_router_bg.wasm): ${wasm?.message ?? wasm}`);
    root.dataset.ready = "error";
    return;
  }
  chat.ready();
  root.dataset.ready = "true"; // tests wait for this
}

main();
