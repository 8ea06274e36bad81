// Page side of the benchmarks (loaded into bench/page/index.html, driven by bench/run.mjs).
// Every function times variants in this one page, interleaved run by run, checks every
// variant's output against the expected text, and returns raw times; run.mjs does the stats.

import { makeTranscript, makeLargeEvent, makeCatalog, cut } from "./gen.js";
import * as cjs from "./catalog-js.js";

const now = () => performance.now();
const tick = () => new Promise((r) => setTimeout(r, 0));
const MiB = 1024 * 1024;

let FR; // the free-router module (pkg, bundled)
let wasm; // its wasm exports (init() resolves to them): memory is among them
let A; // anchors bundle: createParser (eventsource-parser), Stream/Stream7 (openai 6/7 core/streaming), OpenAI/OpenAI7,
// streamText and createOpenAICompatible (AI SDK 7)

export async function setup({ pkgUrl, anchorsUrl }) {
  FR = await import(pkgUrl);
  wasm = await FR.default();
  A = await import(anchorsUrl);
  return { crossOriginIsolated: globalThis.crossOriginIsolated === true, userAgent: navigator.userAgent };
}

class Mismatch extends Error {}

function check(cond, what) {
  if (!cond) throw new Mismatch(`output mismatch: ${what}`);
}

function firstDiff(a, b) {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `lengths ${a.length} vs ${b.length}, first difference at ${i}: ${JSON.stringify(a.slice(i, i + 40))} vs ${JSON.stringify(b.slice(i, i + 40))}`;
}

// ---------------------------------------------------------------------------------------------
// Bodies: a fake fetch whose Response body yields exactly the given pieces, one per read.

function bodyOf(pieces) {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i < pieces.length) c.enqueue(pieces[i++]);
      else c.close();
    },
  });
}

const sseResponse = (pieces) =>
  new Response(bodyOf(pieces), { status: 200, headers: { "content-type": "text/event-stream" } });

/** What the fake fetch will answer next (every variant gets the same pieces the same way). */
let nextPieces = [];
const fakeFetch = () => Promise.resolve(sseResponse(nextPieces));

const BASE_URL = "http://127.0.0.1:9/v1";
const MODEL = "bench-model";
const MESSAGES = [{ role: "user", content: "Write a long answer." }];

/** A free-router client on one openai-compatible provider with a pinned model: no catalog and
 * no documented quota in the way, so the time is the request and the body decoding. */
function streamClient(fetch) {
  return new FR.FreeRouterClient({
    providers: [{ id: "bench", kind: "openai-compatible", baseUrl: BASE_URL, models: [MODEL], free: true }],
    strategy: "ordered",
    fetch,
  });
}

/** How many reads the Response body really takes (the fake must not re-chunk). */
async function countReads(pieces) {
  nextPieces = pieces;
  const r = (await fakeFetch()).body.getReader();
  let n = 0;
  for (;;) {
    const { done } = await r.read();
    if (done) return n;
    n++;
  }
}

// ---------------------------------------------------------------------------------------------
// Streaming decode consumers: bytes in, content out.

function makeDecoders(client) {
  return {
    async "free-router"(pieces) {
      nextPieces = pieces;
      const s = await client.chatStream({ model: MODEL, messages: MESSAGES });
      let out = "";
      for await (const d of s) if (d.content !== undefined) out += d.content;
      return out;
    },
    async "eventsource-parser"(pieces) {
      nextPieces = pieces;
      const res = await fakeFetch();
      let out = "";
      const parser = A.createParser({
        onEvent(ev) {
          if (ev.data === "[DONE]") return;
          const c = JSON.parse(ev.data).choices?.[0]?.delta?.content;
          if (c) out += c;
        },
      });
      const reader = res.body.getReader();
      const dec = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(dec.decode(value, { stream: true }));
      }
      parser.feed(dec.decode());
      return out;
    },
    async openai(pieces) {
      nextPieces = pieces;
      const res = await fakeFetch();
      const s = A.Stream.fromSSEResponse(res, new AbortController());
      let out = "";
      for await (const chunk of s) {
        const c = chunk.choices?.[0]?.delta?.content;
        if (c) out += c;
      }
      return out;
    },
    async openai7(pieces) {
      nextPieces = pieces;
      const res = await fakeFetch();
      const s = A.Stream7.fromSSEResponse(res, new AbortController());
      let out = "";
      for await (const chunk of s) {
        const c = chunk.choices?.[0]?.delta?.content;
        if (c) out += c;
      }
      return out;
    },
    /** The floor: the same body read and UTF-8 decoded, nothing else. Returns the char count. */
    async floor(pieces) {
      nextPieces = pieces;
      const res = await fakeFetch();
      const reader = res.body.getReader();
      const dec = new TextDecoder();
      let n = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        n += dec.decode(value, { stream: true }).length;
      }
      return n + dec.decode().length;
    },
  };
}

/** Run `variants` (objects { key, run() -> output, expect(output) -> bool }) interleaved. */
async function interleave(variants, runs, warmup) {
  const times = Object.fromEntries(variants.map((v) => [v.key, []]));
  for (let w = 0; w < warmup; w++) {
    for (const v of variants) {
      const out = await v.run();
      check(v.expect(out), `${v.key} (warm-up): ${v.describe ? v.describe(out) : ""}`);
      await tick();
    }
  }
  for (let r = 0; r < runs; r++) {
    // Rotate the order every run so no variant always follows the same one.
    const order = variants.map((_, i) => variants[(i + r) % variants.length]);
    for (const v of order) {
      const t0 = now();
      const out = await v.run();
      const dt = now() - t0;
      check(v.expect(out), `${v.key} (run ${r}): ${v.describe ? v.describe(out) : ""}`);
      times[v.key].push(dt);
      await tick();
    }
  }
  return times;
}

/** 1. Streaming decode of a ~10 MiB transcript in 1 KiB and 64 KiB pieces. */
export async function decode({ runs = 7, warmup = 1, bytes = 10 * MiB, sizes = [1024, 65536], only = null } = {}) {
  const t = makeTranscript(bytes, 1);
  const chars = new TextDecoder().decode(t.bytes).length;
  const client = streamClient(fakeFetch);
  const dec = makeDecoders(client);
  const reads = {};
  const variants = [];
  for (const size of sizes) {
    const pieces = cut(t.bytes, size);
    reads[size] = { pieces: pieces.length, reads: await countReads(pieces) };
    check(reads[size].reads === pieces.length, `the fake body re-chunked ${pieces.length} pieces into ${reads[size].reads} reads`);
    for (const name of Object.keys(dec)) {
      if (only && !only.includes(name)) continue;
      const isFloor = name === "floor";
      variants.push({
        key: `${name}@${size}`,
        run: () => dec[name](pieces),
        expect: (out) => (isFloor ? out === chars : out === t.text),
        describe: (out) => (isFloor ? `${out} chars, expected ${chars}` : firstDiff(out, t.text)),
      });
    }
  }
  const times = await interleave(variants, runs, warmup);
  return { times, meta: { bytes: t.bytes.length, chunks: t.chunks, contentChars: t.text.length, reads } };
}

/** 6. One ~8 MiB data line in 1,460-byte pieces against the TextDecoder floor. */
export async function large({ runs = 7, warmup = 1, bytes = 8 * MiB, piece = 1460 } = {}) {
  const L = makeLargeEvent(bytes, 7);
  const chars = new TextDecoder().decode(L.bytes).length;
  const pieces = cut(L.bytes, piece);
  const client = streamClient(fakeFetch);
  const dec = makeDecoders(client);
  const variants = [
    { key: "free-router", run: () => dec["free-router"](pieces), expect: (o) => o === L.text, describe: (o) => firstDiff(o, L.text) },
    { key: "floor", run: () => dec.floor(pieces), expect: (o) => o === chars, describe: (o) => `${o} chars, expected ${chars}` },
  ];
  const times = await interleave(variants, runs, warmup);
  return { times, meta: { bytes: L.bytes.length, lineBytes: L.lineBytes, pieces: pieces.length } };
}

/** 4. From the call to the first delta, with a fetch that answers at once. */
export async function overhead({ runs = 7, warmup = 1, perRun = 40 } = {}) {
  const enc = new TextEncoder();
  const chunk = (content, extra = "") =>
    `data: {"id":"gen-1786000002-Overhead","object":"chat.completion.chunk","created":1786000002,"model":"openai/gpt-4o-mini","provider":"OpenAI","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)},"role":"assistant"},"finish_reason":${extra ? '"stop"' : "null"},"native_finish_reason":null}]}\n\n`;
  const body = enc.encode(
    ": OPENROUTER PROCESSING\n\n" + chunk("Hello") + chunk(" world") + chunk("", "stop") + "data: [DONE]\n\n",
  );
  const instant = () => Promise.resolve(sseResponse([body]));
  const client = streamClient(instant);
  // Diagnosis only (no target): the same call without the shared quota ledger (storage: memory).
  const memClient = new FR.FreeRouterClient({
    providers: [{ id: "bench", kind: "openai-compatible", baseUrl: BASE_URL, models: [MODEL], free: true }],
    strategy: "ordered",
    storage: "memory",
    fetch: instant,
  });
  const oa = new A.OpenAI({ apiKey: "sk-bench", baseURL: BASE_URL, dangerouslyAllowBrowser: true, fetch: instant, maxRetries: 0 });
  const oa7 = new A.OpenAI7({ apiKey: "sk-bench", baseURL: BASE_URL, dangerouslyAllowBrowser: true, fetch: instant, maxRetries: 0 });
  const aiModel = A.createOpenAICompatible({ name: "bench", baseURL: BASE_URL, fetch: instant })(MODEL);
  const req = { model: MODEL, messages: MESSAGES };
  const openaiFirst = async (client) => {
    const t0 = now();
    const s = await client.chat.completions.create({ ...req, stream: true });
    const it = s[Symbol.asyncIterator]();
    let got;
    while (got === undefined) {
      const { done, value } = await it.next();
      if (done) break;
      const c = value.choices?.[0]?.delta?.content;
      if (c) got = c;
    }
    const dt = now() - t0;
    while (!(await it.next()).done);
    return [dt, got];
  };

  const frFirst = async (c) => {
    const t0 = now();
    const s = await c.chatStream(req);
    const it = s[Symbol.asyncIterator]();
    const { value } = await it.next();
    const dt = now() - t0;
    while (!(await it.next()).done);
    return [dt, value && value.content];
  };
  const first = {
    "free-router": () => frFirst(client),
    "free-router/memory": () => frFirst(memClient),
    async "fetch+split"() {
      const t0 = now();
      const res = await instant(`${BASE_URL}/chat/completions`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: "Bearer sk-bench" },
        body: JSON.stringify({ ...req, stream: true }),
      });
      const reader = res.body.getReader();
      const dec = new TextDecoder();
      let buf = "";
      let got;
      while (got === undefined) {
        const { done, value } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        const blocks = buf.split("\n\n");
        buf = blocks.pop();
        for (const b of blocks) {
          if (!b.startsWith("data: ")) continue;
          const d = b.slice(6);
          if (d === "[DONE]") continue;
          const c = JSON.parse(d).choices?.[0]?.delta?.content;
          if (c) {
            got = c;
            break;
          }
        }
      }
      const dt = now() - t0;
      reader.cancel();
      return [dt, got];
    },
    openai: () => openaiFirst(oa),
    openai7: () => openaiFirst(oa7),
    async ai() {
      const t0 = now();
      const it = A.streamText({ model: aiModel, messages: MESSAGES, maxRetries: 0 }).textStream[Symbol.asyncIterator]();
      let got;
      while (got === undefined) {
        const { done, value } = await it.next();
        if (done) break;
        if (value) got = value;
      }
      const dt = now() - t0;
      while (!(await it.next()).done);
      return [dt, got];
    },
  };
  // free-router coalesces the text deltas that arrive in one body piece: "Hello world".
  const firstOk = (got) => got === "Hello" || got === "Hello world";
  const names = Object.keys(first);
  for (let w = 0; w < warmup * 5; w++) {
    for (const n of names) {
      const got = (await first[n]())[1];
      check(firstOk(got), `${n} (warm-up) first delta was ${JSON.stringify(got)}`);
    }
  }
  const times = Object.fromEntries(names.map((n) => [n, []]));
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < runs; r++) {
    const sum = Object.fromEntries(names.map((n) => [n, 0]));
    for (let k = 0; k < perRun; k++) {
      for (let j = 0; j < names.length; j++) {
        const n = names[(j + k + r) % names.length];
        const [dt, got] = await first[n]();
        check(firstOk(got), `${n} (run ${r}) first delta was ${JSON.stringify(got)}`);
        sum[n] += dt;
        samples[n].push(dt);
      }
    }
    for (const n of names) times[n].push(sum[n] / perRun);
    await tick();
  }
  return { times, samples, meta: { perRun, bodyBytes: body.length } };
}

// ---------------------------------------------------------------------------------------------
// 8. The SDKs over client.fetch (issue 17) against the same SDKs on the injected fetch directly.

/** The SDK consumers, each on `fetch`: content out, and the time to the first content. */
function sdkConsumers(fetch) {
  const oa6 = new A.OpenAI({ apiKey: "sk-bench", baseURL: BASE_URL, dangerouslyAllowBrowser: true, fetch, maxRetries: 0 });
  const oa7 = new A.OpenAI7({ apiKey: "sk-bench", baseURL: BASE_URL, dangerouslyAllowBrowser: true, fetch, maxRetries: 0 });
  const provider = A.createOpenAICompatible({ name: "bench", baseURL: BASE_URL, fetch });
  const openai = (oa) => async () => {
    const t0 = now();
    let first = 0;
    let out = "";
    const s = await oa.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true });
    for await (const chunk of s) {
      const c = chunk.choices?.[0]?.delta?.content;
      if (c) {
        if (!out) first = now() - t0;
        out += c;
      }
    }
    return [first, out];
  };
  return {
    openai6: openai(oa6),
    openai7: openai(oa7),
    async ai() {
      const t0 = now();
      let first = 0;
      let out = "";
      const r = A.streamText({ model: provider(MODEL), messages: MESSAGES, maxRetries: 0 });
      for await (const c of r.textStream) {
        if (c && !out) first = now() - t0;
        out += c;
      }
      return [first, out];
    },
  };
}

/** Each SDK over client.fetch (a client on the fake fetch) and on the fake fetch directly:
 * `decode` times a whole ~2 MiB stream, `first` the call to the first content (instant body). */
export async function sdk({ runs = 7, warmup = 1, bytes = 2 * MiB, piece = 65536, perRun = 20 } = {}) {
  const t = makeTranscript(bytes, 2);
  const pieces = cut(t.bytes, piece);
  const enc = new TextEncoder();
  const short = enc.encode(
    `data: {"id":"gen-1","object":"chat.completion.chunk","created":1786000002,"model":"openai/gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hello","role":"assistant"},"finish_reason":null}]}\n\n` +
      `data: {"id":"gen-1","object":"chat.completion.chunk","created":1786000002,"model":"openai/gpt-4o-mini","choices":[{"index":0,"delta":{"content":""},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n`,
  );
  let body = pieces;
  const fake = () => Promise.resolve(sseResponse(body));
  const direct = sdkConsumers(fake);
  const via = sdkConsumers(streamClient(fake).fetch);
  const variants = [];
  for (const name of Object.keys(direct)) {
    variants.push({ key: `${name}/direct`, run: direct[name] }, { key: `${name}/client.fetch`, run: via[name] });
  }
  // Decode: whole streams, interleaved, outputs checked.
  const decodeTimes = await interleave(
    variants.map((v) => ({
      key: `decode:${v.key}`,
      run: async () => (await v.run())[1],
      expect: (o) => o === t.text,
      describe: (o) => firstDiff(o, t.text),
    })),
    runs,
    warmup,
  );
  // Per request: call -> first content, a short body answered at once; `perRun` calls averaged.
  body = [short];
  const times = { ...decodeTimes };
  for (const v of variants) times[`first:${v.key}`] = [];
  for (let w = 0; w < warmup * 5; w++) for (const v of variants) check((await v.run())[1] === "Hello", `${v.key} (warm-up)`);
  for (let r = 0; r < runs; r++) {
    const sum = Object.fromEntries(variants.map((v) => [v.key, 0]));
    for (let k = 0; k < perRun; k++) {
      for (let j = 0; j < variants.length; j++) {
        const v = variants[(j + k + r) % variants.length];
        const [dt, out] = await v.run();
        check(out === "Hello", `${v.key} (run ${r}) answered ${JSON.stringify(out)}`);
        sum[v.key] += dt;
      }
    }
    for (const v of variants) times[`first:${v.key}`].push(sum[v.key] / perRun);
    await tick();
  }
  return { times, meta: { bytes: t.bytes.length, chunks: t.chunks, pieces: pieces.length, perRun } };
}

/** 2. Catalog: bytes in -> listModels(filter) out, and re-filtering the parsed catalog. */
export const PARSE_FILTER = { tools: true, minContext: 32000, sort: "context" };
export const REFILTERS = [
  { vision: true, sort: "newest" },
  { free: null, maxPromptPrice: 1, sort: "price", limit: 25 },
  { search: "instruct", reasoning: true },
  { structuredOutputs: true, sort: "id" },
];

export async function catalog({ runs = 7, warmup = 1, sizes = [400, 1000], parseReps = 5, refilterReps = 40, fixtureUrl }) {
  const fixture = await (await fetch(fixtureUrl)).json();
  const out = { times: {}, samples: {}, meta: {} };
  for (const n of sizes) {
    const text = makeCatalog(fixture, n, 3);
    const catFetch = () =>
      Promise.resolve(new Response(text, { status: 200, headers: { "content-type": "application/json" } }));
    const fresh = () => new FR.FreeRouterClient({ providers: [{ id: "openrouter" }], storage: "memory", fetch: catFetch });
    const jsParse = async () => {
      const res = await catFetch("https://openrouter.ai/api/v1/models");
      return cjs.parseCatalog(await res.text());
    };

    // Both sides must produce the same ModelInfo objects, field by field.
    const loaded = fresh();
    const models = await jsParse();
    for (const f of [PARSE_FILTER, ...REFILTERS]) {
      const a = JSON.stringify(await loaded.listModels(f));
      const b = JSON.stringify(cjs.query(models, f));
      check(a === b, `catalog ${n} filter ${JSON.stringify(f)}: listModels vs JS: ${firstDiff(a, b)}`);
    }
    const expectIds = cjs.query(models, PARSE_FILTER).map((m) => m.id).join(",");
    const refIds = REFILTERS.map((f) => cjs.query(models, f).map((m) => m.id).join(","));
    out.meta[n] = { bytes: text.length, hits: cjs.query(models, PARSE_FILTER).length, refilterHits: REFILTERS.map((f) => cjs.query(models, f).length) };

    const ids = (list) => list.map((m) => m.id).join(",");
    const parseVariants = [
      // Timed in interleaveParse with its clients built before the clock starts.
      { key: `free-router/parse@${n}`, expect: (o) => o === expectIds },
      {
        key: `js/parse@${n}`,
        async run() {
          let last;
          for (let k = 0; k < parseReps; k++) last = cjs.query(await jsParse(), PARSE_FILTER);
          return ids(last);
        },
        expect: (o) => o === expectIds,
      },
    ];
    // Client construction is outside the timing: only the first listModels (fetch + parse +
    // filter) of each fresh client is timed.
    const t = await interleaveParse(parseVariants, runs, warmup, parseReps, fresh);
    Object.assign(out.times, t);

    // Re-filter: the catalog is loaded; time each call, cycle through the filters.
    const frKey = `free-router/refilter@${n}`;
    const jsKey = `js/refilter@${n}`;
    out.times[frKey] = [];
    out.times[jsKey] = [];
    out.samples[frKey] = [];
    out.samples[jsKey] = [];
    for (let w = 0; w < warmup * 20; w++) {
      const f = REFILTERS[w % REFILTERS.length];
      await loaded.listModels(f);
      cjs.query(models, f);
    }
    for (let r = 0; r < runs; r++) {
      const fr = [];
      const js = [];
      for (let k = 0; k < refilterReps; k++) {
        const i = (k + r) % REFILTERS.length;
        const f = REFILTERS[i];
        const jsFirst = k % 2 === 1;
        if (jsFirst) {
          const t0 = now();
          const b = cjs.query(models, f);
          js.push(now() - t0);
          check(ids(b) === refIds[i], `js refilter ${i}`);
        }
        const t0 = now();
        const a = await loaded.listModels(f);
        fr.push(now() - t0);
        check(ids(a) === refIds[i], `listModels refilter ${i}`);
        if (!jsFirst) {
          const t1 = now();
          const b = cjs.query(models, f);
          js.push(now() - t1);
          check(ids(b) === refIds[i], `js refilter ${i}`);
        }
      }
      out.samples[frKey].push(...fr);
      out.samples[jsKey].push(...js);
      out.times[frKey].push(fr.reduce((a, b) => a + b, 0) / fr.length);
      out.times[jsKey].push(js.reduce((a, b) => a + b, 0) / js.length);
      await tick();
    }
  }
  return out;
}

/** Like interleave(), but the free-router side gets clients built before the clock starts. */
async function interleaveParse(variants, runs, warmup, reps, fresh) {
  const times = Object.fromEntries(variants.map((v) => [v.key, []]));
  const [fr, js] = variants;
  const frRun = async () => {
    const clients = Array.from({ length: reps }, fresh);
    const t0 = now();
    let last;
    for (const c of clients) last = await c.listModels(PARSE_FILTER);
    return [(now() - t0) / reps, last.map((m) => m.id).join(",")];
  };
  const jsRun = async () => {
    const t0 = now();
    const out = await js.run();
    return [(now() - t0) / reps, out];
  };
  const fns = [
    [fr.key, frRun, fr.expect],
    [js.key, jsRun, js.expect],
  ];
  for (let w = 0; w < warmup; w++) for (const [k, f, e] of fns) check(e((await f())[1]), `${k} (warm-up)`);
  for (let r = 0; r < runs; r++) {
    const order = r % 2 ? [fns[1], fns[0]] : fns;
    for (const [k, f, e] of order) {
      const [dt, o] = await f();
      check(e(o), `${k} (run ${r})`);
      times[k].push(dt);
      await tick();
    }
  }
  return times;
}

/** 7. Wasm linear memory after 100 streamed completions of ~100 KB vs after the first. */
export async function memory({ completions = 100, bytes = 100 * 1000, piece = 1460 } = {}) {
  const mem = wasm.memory;
  check(mem instanceof WebAssembly.Memory, "the pkg's init() did not expose its memory");
  const client = streamClient(fakeFetch);
  const dec = makeDecoders(client);
  const atInit = mem.buffer.byteLength;
  const after = [];
  for (let i = 0; i < completions; i++) {
    const t = makeTranscript(bytes, 100 + i);
    const out = await dec["free-router"](cut(t.bytes, piece));
    check(out === t.text, `completion ${i}: ${firstDiff(out, t.text)}`);
    after.push(mem.buffer.byteLength);
    if (i % 10 === 9) await tick();
  }
  return { atInit, afterFirst: after[0], afterLast: after[after.length - 1], growth: after[after.length - 1] - after[0], curve: after };
}

/** For the profiler: build the case's inputs first (not profiled), then `repeat` runs it. */
let prepared = null;
export async function prepareCase({ what, size = 1024 }) {
  if (what === "decode") {
    const t = makeTranscript(10 * MiB, 1);
    prepared = { what, pieces: cut(t.bytes, size), text: t.text };
  } else if (what === "large") {
    const L = makeLargeEvent(8 * MiB, 7);
    prepared = { what, pieces: cut(L.bytes, 1460), text: L.text };
  } else if (what === "refilter") {
    const fixture = await (await fetch("/tests/fixtures/models_2026-08.json")).json();
    const text = makeCatalog(fixture, 400, 3);
    const client = new FR.FreeRouterClient({
      providers: [{ id: "openrouter" }],
      storage: "memory",
      fetch: () => Promise.resolve(new Response(text, { status: 200, headers: { "content-type": "application/json" } })),
    });
    await client.listModels(PARSE_FILTER);
    prepared = { what, client };
  } else if (what === "overhead" || what === "catalog") {
    prepared = { what };
  } else throw new Error(`unknown case ${what}`);
  return true;
}

/** Run the prepared case `times` times (outputs checked). */
export async function repeat({ times = 5 }) {
  const { what } = prepared;
  if (what === "decode" || what === "large") {
    const d = makeDecoders(streamClient(fakeFetch));
    for (let i = 0; i < times; i++) check((await d["free-router"](prepared.pieces)) === prepared.text, what);
  } else if (what === "refilter") {
    for (let i = 0; i < times * 400; i++) await prepared.client.listModels(REFILTERS[i % REFILTERS.length]);
  } else if (what === "overhead") {
    await overhead({ runs: times, warmup: 0, perRun: 40 });
  } else if (what === "catalog") {
    await catalog({ runs: times, warmup: 0, sizes: [400], fixtureUrl: "/tests/fixtures/models_2026-08.json" });
  }
  return true;
}
