// A Vite app's entry, written the way the README tells users: the bare specifier "free-router",
// `await init()` with no arguments (Vite emits the wasm as an asset), then the client.
import init, { FreeRouterClient, FreeRouterError } from "free-router";
import { preInitCheck, runScenario } from "./scenario.js";

function inWorker() {
  return new Promise((resolve) => {
    const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    worker.onmessage = (e) => resolve(e.data);
    worker.onerror = (e) => resolve({ error: `worker error: ${e.message}` });
  });
}

async function main() {
  const preInit = preInitCheck({ FreeRouterClient, FreeRouterError });
  await init();
  const out = await runScenario({ FreeRouterClient, FreeRouterError });
  return { preInit, ...out, worker: await inWorker() };
}

main().then(
  (r) => {
    document.getElementById("out").textContent = JSON.stringify(r, null, 2);
    window.__result = r;
  },
  (e) => {
    window.__result = { error: String((e && e.stack) || e) };
  },
);
