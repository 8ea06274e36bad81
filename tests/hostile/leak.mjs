// The leak probe: for each way of ending a call, wasm memory and JS heap per call after GC.
// Run with `node --expose-gc tests/hostile/leak.mjs`; HOSTILE_LEAK_CALLS sets the calls per way
// (2,000 for the full count). Limits: 64 B of wasm memory and 512 B of JS heap per call, after
// one 64 KiB wasm page and 256 KiB of heap of slack (allocator and V8 noise that does not grow
// with the count). Prints one line per way; exits 1 if any is over.
import { loadPackage, fakeFetch, customOptions, sse, chunk, HI, LEAK_CALLS } from "./lib.mjs";

if (typeof globalThis.gc !== "function") {
  console.error("run with node --expose-gc");
  process.exit(2);
}

const WASM_PER_CALL = 64;
const HEAP_PER_CALL = 512;
const WASM_SLACK = 65536;
const HEAP_SLACK = 256 * 1024;

const mod = await loadPackage();
const { FreeRouterClient } = mod;
const memory = mod.__wasm ? mod.__wasm.memory : null;

// Eight deltas, so every early ending really is early.
const body = () =>
  sse([...["a", "b", "c", "d", "e", "f", "g", "h"].map((w) => chunk(w)), "data: [DONE]\n\n"]);

const client = new FreeRouterClient(customOptions(fakeFetch(body), { strategy: "ordered" }));

const WAYS = {
  "chat()": async () => {
    await client.chat(HI);
  },
  "read to the end": async () => {
    const s = await client.chatStream(HI);
    for await (const _ of s);
  },
  "text()": async () => {
    const s = await client.chatStream(HI);
    await s.text();
  },
  "for-await + break": async () => {
    const s = await client.chatStream(HI);
    for await (const _ of s) break;
  },
  "stream.abort()": async () => {
    const s = await client.chatStream(HI);
    const it = s[Symbol.asyncIterator]();
    await it.next();
    s.abort();
    try {
      while (!(await it.next()).done);
    } catch {
      /* aborted */
    }
  },
  "abort by signal": async () => {
    const ac = new AbortController();
    const s = await client.chatStream(HI, { signal: ac.signal });
    const it = s[Symbol.asyncIterator]();
    await it.next();
    ac.abort();
    try {
      while (!(await it.next()).done);
    } catch {
      /* aborted */
    }
  },
  "textStream cancel": async () => {
    const s = await client.chatStream(HI);
    const reader = s.textStream().getReader();
    await reader.read();
    await reader.cancel();
  },
};

async function settle() {
  // FinalizationRegistry callbacks (which free wasm handles) run in tasks after a GC.
  for (let i = 0; i < Number(process.env.HOSTILE_SETTLE ?? 6); i++) {
    globalThis.gc();
    await new Promise((r) => setTimeout(r, 20));
  }
}

const wasmBytes = () => (memory ? memory.buffer.byteLength : 0);

const only = process.env.HOSTILE_LEAK_WAY;
let failed = false;
for (const [name, end] of Object.entries(WAYS)) {
  if (only && name !== only) continue;
  // Warm up: caches, lazily built tables, the allocator's free lists.
  for (let i = 0; i < Math.min(100, LEAK_CALLS); i++) await end();
  await settle();
  const wasm0 = wasmBytes();
  const heap0 = process.memoryUsage().heapUsed;
  for (let i = 0; i < LEAK_CALLS; i++) await end();
  await settle();
  const wasmPer = Math.max(0, wasmBytes() - wasm0 - WASM_SLACK) / LEAK_CALLS;
  const heapPer = Math.max(0, process.memoryUsage().heapUsed - heap0 - HEAP_SLACK) / LEAK_CALLS;
  const ok = wasmPer <= WASM_PER_CALL && heapPer <= HEAP_PER_CALL;
  failed ||= !ok;
  console.log(
    `${ok ? "ok" : "LEAK"} ${name}: ${LEAK_CALLS} calls, wasm ${wasmPer.toFixed(1)} B/call, JS heap ${heapPer.toFixed(1)} B/call` +
      ` (wasm ${wasm0} -> ${wasmBytes()} B)`,
  );
}
process.exit(failed ? 1 : 0);
