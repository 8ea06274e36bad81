// One "tab" of the shared-ledger test: a client on a custom provider declared at 5 requests a
// minute, with a fake fetch that counts what it was sent. The test opens two of these pages.
// `?key=K` picks the credentials (so the ledger); `?unlimited` declares no limit.
import init, { FreeRouterClient } from "../../../pkg/free_router.js";

const enc = new TextEncoder();
const q = new URLSearchParams(location.search);
let sent = 0;
const chunk = (o) => `data: ${JSON.stringify(o)}\n\n`;
async function fakeFetch(url, init) {
  sent++;
  const model = JSON.parse(init.body).model;
  // Slow enough that the two tabs' requests overlap.
  await new Promise((r) => setTimeout(r, 30));
  const body =
    chunk({ id: "g", model, choices: [{ index: 0, delta: { content: "ok" } }] }) +
    chunk({ id: "g", model, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }) +
    "data: [DONE]\n\n";
  return new Response(enc.encode(body), { headers: { "content-type": "text/event-stream" } });
}

// The ledger's lock and channel share one name: note it as the client opens its channel.
let ledgerName = null;
const Real = globalThis.BroadcastChannel;
globalThis.BroadcastChannel = class extends Real {
  constructor(name) {
    super(name);
    if (String(name).startsWith("free-router:quota:")) ledgerName = String(name);
  }
};
await init();
const client = new FreeRouterClient({
  providers: [{ id: "lab", kind: "openai-compatible", baseUrl: "http://127.0.0.1:9/v1", apiKey: q.get("key") || "shared-key", models: ["m1"], limits: q.has("unlimited") ? undefined : { rpm: 5 } }],
  fetch: fakeFetch,
});
globalThis.BroadcastChannel = Real;

/** Fire `n` chats at once; report what happened in this tab. */
globalThis.fire = async (n) => {
  const settled = await Promise.allSettled(
    Array.from({ length: n }, (_, i) => client.chat({ model: "m1", messages: [{ role: "user", content: String(i) }] })),
  );
  return {
    ok: settled.filter((s) => s.status === "fulfilled").length,
    codes: settled.filter((s) => s.status === "rejected").map((s) => s.reason.code),
    sent,
  };
};
globalThis.used = () => client.quota().scopes.find((r) => r.provider === "lab" && r.window === "minute").used;
/** Hold the ledger's Web Lock for good, so only the page lifecycle can store the ledger. */
globalThis.holdLedgerLock = () =>
  new Promise((granted) => {
    navigator.locks.request(ledgerName, () => {
      granted(ledgerName);
      return new Promise(() => {});
    });
  });
document.getElementById("state").textContent = "ready";
document.documentElement.dataset.ready = "true";
