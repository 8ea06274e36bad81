// free-router benchmarks (issue #8): node bench/run.mjs [options]; normally via bash bench/run.sh.
//
//   --pages N      fresh pages per in-page suite (default 3)
//   --runs N       timed runs per page (default 7)
//   --only a,b     suites: decode,large,overhead,sdk,catalog,memory,startup,size (default all)
//   --pkg DIR      the built package to measure (default: $FREE_ROUTER_PKG or <repo>/pkg)
//   --profile CASE CPU-profile one case (decode|decode64|large|overhead|catalog|refilter) instead of the
//                  suite; with --prof-pkg DIR (a build with wasm names, see prof-build.sh)
//   --quick        1 page x 3 runs, smaller start-up sample (a smoke test, not a result)
//
// Writes bench/out/results.json and bench/out/report.md, prints the table. Exits 1 if any
// variant's output did not match the expected text (a failed run), 0 otherwise: missed targets
// are reported, not fatal.
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { mkdir, copyFile, readFile, writeFile } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "./server.mjs";

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(BENCH, "..");
const OUT = path.join(BENCH, "out");
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--disable-quic",
];

// ---------------------------------------------------------------------------------------------
// Options

function parseArgs(argv) {
  const o = { pages: 3, runs: 7, only: null, pkg: process.env.FREE_ROUTER_PKG || path.join(REPO, "pkg"), profile: null, profPkg: null, quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--pages") o.pages = +val();
    else if (a === "--runs") o.runs = +val();
    else if (a === "--only") o.only = val().split(",");
    else if (a === "--pkg") o.pkg = path.resolve(val());
    else if (a === "--profile") o.profile = val();
    else if (a === "--prof-pkg") o.profPkg = path.resolve(val());
    else if (a === "--quick") o.quick = true;
    else throw new Error(`unknown option ${a} (see the top of bench/run.mjs)`);
  }
  if (o.quick) {
    o.pages = 1;
    o.runs = 3;
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const want = (s) => !opts.only || opts.only.includes(s);

// ---------------------------------------------------------------------------------------------
// Stats

const sorted = (a) => [...a].sort((x, y) => x - y);
function quantile(a, q) {
  const s = sorted(a);
  if (!s.length) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
const median = (a) => quantile(a, 0.5);

/** Per-page arrays of per-run times -> median of the paired (same page, same run) ratios a/b. */
function pairedRatio(pagesA, pagesB) {
  const r = [];
  pagesA.forEach((ta, p) => ta.forEach((t, i) => r.push(t / pagesB[p][i])));
  return { median: median(r), min: Math.min(...r), max: Math.max(...r), n: r.length };
}

const flat = (pages) => pages.flat();
const fmtMs = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const fmtX = (x) => `${x.toFixed(2)}x`;

// ---------------------------------------------------------------------------------------------
// Build: the package and the anchors, bundled and minified the same way

async function bundle(entry, outfile) {
  await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    outfile,
    logLevel: "error",
  });
  return readFileSync(outfile);
}

async function prepare(pkgDir) {
  for (const f of ["free_router.js", "free_router_bg.wasm"]) {
    if (!existsSync(path.join(pkgDir, f))) {
      throw new Error(`${path.join(pkgDir, f)} is missing: build it with bash scripts/build.sh (bench/run.sh does)`);
    }
  }
  await mkdir(path.join(OUT, "fr"), { recursive: true });
  // Ours as an app would ship it: glue bundled and minified, the wasm next to it.
  const glue = await bundle(path.join(pkgDir, "free_router.js"), path.join(OUT, "fr/free_router.js"));
  await copyFile(path.join(pkgDir, "free_router_bg.wasm"), path.join(OUT, "fr/free_router_bg.wasm"));
  await bundle(path.join(BENCH, "page/anchors.js"), path.join(OUT, "anchors.js"));
  const openai = await bundle(path.join(BENCH, "page/openai-client.js"), path.join(OUT, "openai-client.min.js"));
  const openaiStream = await bundle(path.join(BENCH, "page/openai-stream.js"), path.join(OUT, "openai-stream.min.js"));
  const esp = await bundle(path.join(BENCH, "page/esp.js"), path.join(OUT, "esp.min.js"));
  const openai7 = await bundle(path.join(BENCH, "page/openai7-client.js"), path.join(OUT, "openai7-client.min.js"));
  const ai = await bundle(path.join(BENCH, "page/ai-client.js"), path.join(OUT, "ai-client.min.js"));
  const wasm = readFileSync(path.join(pkgDir, "free_router_bg.wasm"));
  const gz = (b) => gzipSync(b, { level: 9 }).length;
  return {
    wasm: { raw: wasm.length, gzip: gz(wasm) },
    glue: { raw: glue.length, gzip: gz(glue) },
    ours: gz(wasm) + gz(glue),
    openai: { raw: openai.length, gzip: gz(openai) },
    openaiStream: { raw: openaiStream.length, gzip: gz(openaiStream) },
    esp: { raw: esp.length, gzip: gz(esp) },
    openai7: { raw: openai7.length, gzip: gz(openai7) },
    ai: { raw: ai.length, gzip: gz(ai) },
  };
}

// ---------------------------------------------------------------------------------------------
// Browser

let browser;
let base;

async function freshPage(page = "index.html") {
  const context = await browser.newContext();
  const p = await context.newPage();
  const errors = [];
  p.on("pageerror", (e) => errors.push(String(e)));
  p.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  await p.goto(`${base}/bench/page/${page}`);
  if (page === "index.html") {
    await p.waitForFunction(() => document.documentElement.dataset.ready === "true", null, { timeout: 30_000 });
  }
  return { page: p, context, errors };
}

async function inPage(fn, args, pkgUrl = "/bench/out/fr/free_router.js") {
  const { page, context, errors } = await freshPage();
  try {
    const env = await page.evaluate((a) => window.suite.setup(a), { pkgUrl, anchorsUrl: "/bench/out/anchors.js" });
    if (!env.crossOriginIsolated) throw new Error("the bench page is not cross-origin isolated: timer resolution would be 100 us");
    const r = await page.evaluate(([f, a]) => window.suite[f](a), [fn, args]);
    return { ...r, env };
  } catch (e) {
    throw new Error(`${fn}: ${e.message}${errors.length ? `\npage errors:\n${errors.join("\n")}` : ""}`);
  } finally {
    await context.close();
  }
}

/** Run an in-page suite on `pages` fresh pages; collect per-page time arrays by key. */
async function pagesOf(name, fn, args) {
  const perPage = [];
  for (let p = 0; p < opts.pages; p++) {
    const t0 = Date.now();
    perPage.push(await inPage(fn, args));
    log(`  ${name}: page ${p + 1}/${opts.pages} done in ${((Date.now() - t0) / 1000).toFixed(1)} s (load ${os.loadavg()[0].toFixed(2)})`);
  }
  const times = {};
  const samples = {};
  for (const r of perPage) {
    for (const [k, v] of Object.entries(r.times)) (times[k] ??= []).push(v);
    for (const [k, v] of Object.entries(r.samples ?? {})) (samples[k] ??= []).push(...v);
  }
  return { times, samples, meta: perPage[0].meta, env: perPage[0].env };
}

async function startup(n) {
  const variants = [
    { key: "free-router", url: "/bench/out/fr/free_router.js", init: true },
    { key: "openai", url: "/bench/out/openai-client.min.js", init: false },
    { key: "openai7", url: "/bench/out/openai7-client.min.js", init: false },
    { key: "ai", url: "/bench/out/ai-client.min.js", init: false },
  ];
  const times = Object.fromEntries(variants.map((v) => [v.key, []]));
  for (let i = 0; i < n; i++) {
    const order = variants.map((_, j) => variants[(i + j) % variants.length]);
    for (const v of order) {
      const { page, context, errors } = await freshPage("blank.html");
      try {
        const dt = await page.evaluate(async ({ url, init }) => {
          const t0 = performance.now();
          const m = await import(url);
          if (init) await m.default();
          const dt = performance.now() - t0;
          // Not timed: prove the module works.
          if (init) new m.FreeRouterClient({ providers: [{ id: "openrouter" }], storage: "memory" });
          else if (typeof m.OpenAI !== "function" && typeof m.streamText !== "function") throw new Error("no OpenAI or streamText export");
          return dt;
        }, v);
        times[v.key].push(dt);
      } catch (e) {
        throw new Error(`startup ${v.key}: ${e.message}\n${errors.join("\n")}`);
      } finally {
        await context.close();
      }
    }
  }
  // Diagnosis (no target): where our start-up goes, step by step, in fresh contexts too.
  const parts = { importGlue: [], fetchWasm: [], compile: [], instantiate: [], shipped: [] };
  for (let i = 0; i < Math.min(n, 7); i++) {
    const { page, context } = await freshPage("blank.html");
    try {
      const r = await page.evaluate(async (url) => {
        const t0 = performance.now();
        const m = await import(url);
        const t1 = performance.now();
        const bytes = await (await fetch(new URL("free_router_bg.wasm", new URL(url, location.href)))).arrayBuffer();
        const t2 = performance.now();
        const mod = await WebAssembly.compile(bytes);
        const t3 = performance.now();
        await m.default({ module_or_path: mod });
        const t4 = performance.now();
        return { importGlue: t1 - t0, fetchWasm: t2 - t1, compile: t3 - t2, instantiate: t4 - t3 };
      }, variants[0].url);
      for (const k of Object.keys(r)) parts[k].push(r[k]);
    } finally {
      await context.close();
    }
    // pkg/ as shipped, loaded by a page with no bundler (no target: the app-bundled row above is it).
    const fresh = await freshPage("blank.html");
    try {
      const dt = await fresh.page.evaluate(async (url) => {
        const t0 = performance.now();
        await (await import(url)).default();
        return performance.now() - t0;
      }, "/shipped/free_router.js");
      parts.shipped.push(dt);
    } finally {
      await fresh.context.close();
    }
  }
  times.parts = parts;
  return times;
}

// ---------------------------------------------------------------------------------------------
// Profiling

/** Legacy Rust symbol demangling (`_ZN..E`), enough to read a profile. */
function demangle(s) {
  const m = /^_ZN(.*)E$/.exec(s.replace(/^\$/, ""));
  if (!m) return s;
  let rest = m[1];
  const parts = [];
  while (rest.length) {
    const d = /^(\d+)/.exec(rest);
    if (!d) break;
    const n = +d[1];
    parts.push(rest.slice(d[1].length, d[1].length + n));
    rest = rest.slice(d[1].length + n);
  }
  if (parts.length && /^h[0-9a-f]{16}$/.test(parts[parts.length - 1])) parts.pop();
  return parts
    .join("::")
    .replace(/\$LT\$/g, "<")
    .replace(/\$GT\$/g, ">")
    .replace(/\$RF\$/g, "&")
    .replace(/\$u20\$/g, " ")
    .replace(/\$u27\$/g, "'")
    .replace(/\$u5b\$/g, "[")
    .replace(/\$u5d\$/g, "]")
    .replace(/\$u7b\$/g, "{")
    .replace(/\$u7d\$/g, "}")
    .replace(/\$C\$/g, ",")
    .replace(/\$BP\$/g, "*")
    .replace(/\.\./g, "::");
}

function frameKey(cf) {
  const name = demangle(cf.functionName.replace(/::h[0-9a-f]{16}$/, "")) || "(anonymous)";
  const file = cf.url ? cf.url.split("/").pop() : "";
  return `${name}${file ? ` [${file}${cf.lineNumber >= 0 && !file.endsWith(".wasm") ? `:${cf.lineNumber + 1}` : ""}]` : ""}`;
}

/** Top functions by self time, and by inclusive time (each sample counted once per function
 * on its stack), from a CDP Profiler profile. */
function summarise(profile, top = 40) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const incl = new Map();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0;
    let id = profile.samples[i];
    const key = frameKey(byId.get(id).callFrame);
    self.set(key, (self.get(key) ?? 0) + dt);
    const seen = new Set();
    while (id !== undefined) {
      const k = frameKey(byId.get(id).callFrame);
      if (!seen.has(k)) {
        seen.add(k);
        incl.set(k, (incl.get(k) ?? 0) + dt);
      }
      id = parent.get(id);
    }
    total += dt;
  }
  const rows = (m) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => ({ fn: k, ms: us / 1000, pct: (100 * us) / total }));
  const skip = /^\((root|program|idle|garbage collector)\)$/;
  return { totalMs: total / 1000, self: rows(self), inclusive: rows(new Map([...incl].filter(([k]) => !skip.test(k)))) };
}

async function profileCase(what) {
  const pkgUrl = opts.profPkg ? "/prof-pkg/free_router.js" : "/bench/out/fr/free_router.js";
  const { page, context } = await freshPage();
  try {
    await page.evaluate((a) => window.suite.setup(a), { pkgUrl, anchorsUrl: "/bench/out/anchors.js" });
    const args = { what: what.replace(/64$/, ""), times: what.startsWith("decode") ? 4 : 5, size: what === "decode64" ? 65536 : 1024 };
    // Inputs first and one warm-up run, neither profiled.
    await page.evaluate((a) => window.suite.prepareCase(a), args);
    await page.evaluate(() => window.suite.repeat({ times: 1 }));
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
    await cdp.send("Profiler.start");
    await page.evaluate((a) => window.suite.repeat(a), args);
    const { profile } = await cdp.send("Profiler.stop");
    await writeFile(path.join(OUT, `profile-${what}.cpuprofile`), JSON.stringify(profile));
    return summarise(profile);
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Main

const logs = [];
function log(s) {
  logs.push(s);
  console.log(s);
}

async function main() {
  await mkdir(OUT, { recursive: true });
  const started = Date.now();
  const load0 = os.loadavg();
  log(`free-router bench: pkg ${opts.pkg}; ${opts.pages} pages x ${opts.runs} runs; load ${load0.map((x) => x.toFixed(2)).join(" ")}`);
  const sizes = await prepare(opts.pkg);
  const mounts = { "/shipped/": opts.pkg, ...(opts.profPkg ? { "/prof-pkg/": opts.profPkg } : {}) };
  const server = await serve(REPO, mounts);
  base = server.url;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  const chromiumVersion = browser.version();
  const res = { sizes };
  let failed = null;
  try {
    if (opts.profile) {
      const s = await profileCase(opts.profile);
      log(`\nCPU profile of ${opts.profile} (${s.totalMs.toFixed(0)} ms sampled; bench/out/profile-${opts.profile}.cpuprofile):`);
      log("self time:");
      for (const r of s.self) log(`  ${r.pct.toFixed(1).padStart(5)}%  ${r.ms.toFixed(1).padStart(8)} ms  ${r.fn}`);
      log("inclusive time:");
      for (const r of s.inclusive) log(`  ${r.pct.toFixed(1).padStart(5)}%  ${r.ms.toFixed(1).padStart(8)} ms  ${r.fn}`);
      await writeFile(path.join(OUT, `profile-${opts.profile}.txt`), logs.join("\n") + "\n");
      return 0;
    }
    const R = opts.runs;
    if (want("decode")) {
      log("decode: 10 MiB transcript, 1 KiB and 64 KiB pieces");
      res.decode = await pagesOf("decode", "decode", { runs: R, warmup: 1 });
    }
    if (want("large")) {
      log("large: one 8 MiB data line in 1,460-byte pieces");
      res.large = await pagesOf("large", "large", { runs: R, warmup: 1 });
    }
    if (want("overhead")) {
      log("overhead: call -> first delta, instant fetch");
      res.overhead = await pagesOf("overhead", "overhead", { runs: R, warmup: 1, perRun: 40 });
    }
    if (want("sdk")) {
      log("sdk: openai 6, openai 7 and AI SDK 7 over client.fetch vs on the fetch directly");
      res.sdk = await pagesOf("sdk", "sdk", { runs: R, warmup: 1 });
    }
    if (want("catalog")) {
      log("catalog: 400 and 1,000 models");
      res.catalog = await pagesOf("catalog", "catalog", { runs: R, warmup: 1, fixtureUrl: "/tests/fixtures/models_2026-08.json" });
    }
    if (want("memory")) {
      log("memory: 100 completions of 100 KB");
      res.memory = [];
      for (let p = 0; p < opts.pages; p++) res.memory.push(await inPage("memory", {}));
    }
    if (want("startup")) {
      const n = opts.quick ? 4 : opts.pages * R;
      log(`startup: ${n} cold imports each, fresh context every time`);
      res.startup = await startup(n);
    }
  } catch (e) {
    failed = e;
  } finally {
    await browser.close();
    await server.close();
  }
  res.env = {
    load: { before: load0, after: os.loadavg() },
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    memGiB: os.totalmem() / 2 ** 30,
    chromium: chromiumVersion,
    node: process.version,
    seconds: (Date.now() - started) / 1000,
    pages: opts.pages,
    runs: opts.runs,
    page: res.decode?.env ?? res.catalog?.env,
  };
  if (failed) {
    log(`\nFAILED: ${failed.message}`);
    await writeFile(path.join(OUT, "results.json"), JSON.stringify({ ...res, failed: failed.message }, null, 1));
    return 1;
  }
  const report = evaluate(res);
  await writeFile(path.join(OUT, "results.json"), JSON.stringify({ ...res, report }, null, 1));
  await writeFile(path.join(OUT, "report.md"), report.md);
  log("\n" + report.md);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Targets

function evaluate(res) {
  const rows = [];
  const row = (id, what, value, target, pass, note = "") => rows.push({ id, what, value, target, pass, note });
  const lines = [];
  const d = res.decode;
  if (d) {
    const T = d.times;
    lines.push(`### Streaming decode (${(d.meta.bytes / 2 ** 20).toFixed(2)} MiB, ${d.meta.chunks} chunks, median ms)`);
    lines.push("", "| variant | 1 KiB pieces | 64 KiB pieces |", "| --- | --- | --- |");
    for (const v of ["free-router", "eventsource-parser", "openai", "openai7", "floor"]) {
      lines.push(`| ${v} | ${fmtMs(median(flat(T[`${v}@1024`])))} | ${fmtMs(median(flat(T[`${v}@65536`])))} |`);
    }
    lines.push("");
    for (const s of [1024, 65536]) {
      const label = s === 1024 ? "1 KiB" : "64 KiB";
      const fr = T[`free-router@${s}`];
      const esp = pairedRatio(T[`eventsource-parser@${s}`], fr);
      row(`decode-esp-${s}`, `decode vs eventsource-parser, ${label}`, fmtX(esp.median), ">= 1.5x (goal 2.5x)", esp.median >= 1.5, esp.median >= 2.5 ? "goal met" : "");
      const floor = pairedRatio(fr, T[`floor@${s}`]);
      const fl = s === 1024 ? 5 : 4;
      row(`decode-floor-${s}`, `decode / TextDecoder floor, ${label}`, fmtX(floor.median), `<= ${fl}x`, floor.median <= fl);
      const oa = pairedRatio(T[`openai@${s}`], fr);
      const ot = s === 1024 ? 5 : 20;
      row(`decode-openai-${s}`, `decode vs openai Stream, ${label}`, fmtX(oa.median), `>= ${ot}x`, oa.median >= ot);
      const oa7 = pairedRatio(T[`openai7@${s}`], fr);
      row(`decode-openai7-${s}`, `decode vs openai 7 Stream, ${label}`, fmtX(oa7.median), `>= ${ot}x`, oa7.median >= ot);
    }
    const pb = pairedRatio(T["free-router@65536"], T["free-router@1024"]);
    row("decode-64k-vs-1k", "64 KiB time / 1 KiB time (same bytes)", fmtX(pb.median), "<= 1.2x", pb.median <= 1.2);
  }
  if (res.sizes) {
    const z = res.sizes;
    row("size", "wasm + minified glue, gzip -9", `${z.ours} B`, "<= 78,000 B (goal 36,000 B)", z.ours <= 78_000, z.ours <= 36_000 ? "goal met" : `openai client ${z.openai.gzip} B (${fmtX(z.ours / z.openai.gzip)})`);
    lines.push(
      "### Size (gzip -9, bytes)",
      "",
      "| what | raw | gzip |",
      "| --- | --- | --- |",
      `| free-router wasm (pkg, after wasm-opt) | ${z.wasm.raw} | ${z.wasm.gzip} |`,
      `| free-router glue (esbuild --minify bundle) | ${z.glue.raw} | ${z.glue.gzip} |`,
      `| **free-router total** | ${z.wasm.raw + z.glue.raw} | **${z.ours}** |`,
      `| openai 6.49.0 client (esbuild --minify) | ${z.openai.raw} | ${z.openai.gzip} |`,
      `| openai 6.49.0 Stream only | ${z.openaiStream.raw} | ${z.openaiStream.gzip} |`,
      `| eventsource-parser 3.1.1 | ${z.esp.raw} | ${z.esp.gzip} |`,
      `| openai 7.60.0 client (esbuild --minify) | ${z.openai7.raw} | ${z.openai7.gzip} |`,
      `| ai 7.0.185 streamText + @ai-sdk/openai-compatible 3.0.97 (esbuild --minify) | ${z.ai.raw} | ${z.ai.gzip} |`,
      "",
    );
  }
  if (res.startup) {
    const s = res.startup;
    for (const [k, name] of [["openai", "openai"], ["openai7", "openai 7"], ["ai", "AI SDK 7"]]) {
      const m = median(s["free-router"].map((t, i) => t / s[k][i]));
      row(k === "openai" ? "startup" : `startup-${k}`, `start-up (fetch+compile+init) / ${name} cold import()`, fmtX(m), "<= 1.0x", m <= 1.0, `${fmtMs(median(s["free-router"]))} ms vs ${fmtMs(median(s[k]))} ms`);
    }
    if (s.parts) {
      const P = s.parts;
      lines.push(
        "### Start-up (median ms, cold, fresh context each)",
        "",
        "| free-router import()+init() | openai import() | ours step by step: import glue | fetch wasm | WebAssembly.compile | instantiate + start | pkg as shipped, no bundler: import()+init() |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        `| ${fmtMs(median(s["free-router"]))} | ${fmtMs(median(s.openai))} | ${fmtMs(median(P.importGlue))} | ${fmtMs(median(P.fetchWasm))} | ${fmtMs(median(P.compile))} | ${fmtMs(median(P.instantiate))} | ${P.shipped?.length ? fmtMs(median(P.shipped)) : "-"} |`,
        "",
      );
    }
  }
  const c = res.catalog;
  if (c) {
    const T = c.times;
    lines.push("### Catalog (median ms per call; re-filter p50/p90 over all calls)", "", "| models | listModels parse+filter | JS parse+filter | listModels re-filter p50 / p90 | JS re-filter p50 / p90 |", "| --- | --- | --- | --- | --- |");
    for (const n of [400, 1000]) {
      const fr = c.samples[`free-router/refilter@${n}`];
      const js = c.samples[`js/refilter@${n}`];
      lines.push(
        `| ${n} (${(c.meta[n].bytes / 1e6).toFixed(2)} MB) | ${fmtMs(median(flat(T[`free-router/parse@${n}`])))} | ${fmtMs(median(flat(T[`js/parse@${n}`])))} | ${fmtMs(median(fr))} / ${fmtMs(quantile(fr, 0.9))} | ${fmtMs(median(js))} / ${fmtMs(quantile(js, 0.9))} |`,
      );
      const p = pairedRatio(T[`free-router/parse@${n}`], T[`js/parse@${n}`]);
      row(`catalog-parse-${n}`, `catalog parse+filter / JS, ${n} models`, fmtX(p.median), "<= 1.3x", p.median <= 1.3);
      const rf = pairedRatio(T[`free-router/refilter@${n}`], T[`js/refilter@${n}`]);
      row(`catalog-refilter-${n}`, `catalog re-filter / JS, ${n} models`, fmtX(rf.median), "<= 2x", rf.median <= 2);
      if (n === 400) {
        const p90 = quantile(fr, 0.9);
        row("catalog-refilter-p90-400", "re-filter p90, 400 models", `${p90.toFixed(3)} ms`, "<= 0.25 ms", p90 <= 0.25, `p50 ${median(fr).toFixed(3)} ms`);
      }
    }
    lines.push("");
  }
  const o = res.overhead;
  if (o) {
    const T = o.times;
    const r = pairedRatio(T["free-router"], T.openai);
    row("overhead", "call -> first delta / openai", fmtX(r.median), "<= 1.0x", r.median <= 1.0, `${fmtMs(median(flat(T["free-router"])))} ms vs ${fmtMs(median(flat(T.openai)))} ms; fetch+split ${fmtMs(median(flat(T["fetch+split"])))} ms`);
    for (const [k, name] of [["openai7", "openai 7"], ["ai", "AI SDK 7 streamText"]]) {
      const rk = pairedRatio(T["free-router"], T[k]);
      row(`overhead-${k}`, `call -> first delta / ${name}`, fmtX(rk.median), "<= 1.0x", rk.median <= 1.0, `${fmtMs(median(flat(T["free-router"])))} ms vs ${fmtMs(median(flat(T[k])))} ms`);
    }
    const rm = pairedRatio(T["free-router/memory"], T.openai);
    lines.push(
      "### Per-request overhead (median ms from the call to the first delta)",
      "",
      "| free-router (default storage) | free-router (storage: memory, no shared ledger) | fetch + split | openai | openai 7 | AI SDK 7 streamText |",
      "| --- | --- | --- | --- | --- | --- |",
      `| ${fmtMs(median(flat(T["free-router"])))} | ${fmtMs(median(flat(T["free-router/memory"])))} (${fmtX(rm.median)} openai) | ${fmtMs(median(flat(T["fetch+split"])))} | ${fmtMs(median(flat(T.openai)))} | ${fmtMs(median(flat(T.openai7)))} | ${fmtMs(median(flat(T.ai)))} |`,
      "",
    );
  }
  const k = res.sdk;
  if (k) {
    const T = k.times;
    lines.push(
      `### The SDKs over client.fetch vs on the fetch directly (median ms; decode: ${(k.meta.bytes / 2 ** 20).toFixed(2)} MiB, ${k.meta.chunks} chunks, ${k.meta.pieces} pieces; first: call -> first content)`,
      "",
      "| SDK | decode direct | decode over client.fetch | first direct | first over client.fetch |",
      "| --- | --- | --- | --- | --- |",
    );
    for (const [sdk, name] of [["openai6", "openai 6.49.0"], ["openai7", "openai 7.60.0"], ["ai", "AI SDK 7 streamText"]]) {
      const m = (key) => fmtMs(median(flat(T[key])));
      lines.push(`| ${name} | ${m(`decode:${sdk}/direct`)} | ${m(`decode:${sdk}/client.fetch`)} | ${m(`first:${sdk}/direct`)} | ${m(`first:${sdk}/client.fetch`)} |`);
      const per = pairedRatio(T[`first:${sdk}/client.fetch`], T[`first:${sdk}/direct`]);
      row(`fetch-overhead-${sdk}`, `${name} over client.fetch / direct, per request`, fmtX(per.median), "<= 1.2x", per.median <= 1.2);
      const thr = pairedRatio(T[`decode:${sdk}/direct`], T[`decode:${sdk}/client.fetch`]);
      row(`fetch-decode-${sdk}`, `${name} decode throughput over client.fetch / direct`, fmtX(thr.median), ">= 0.8x", thr.median >= 0.8);
    }
    lines.push("");
  }
  const l = res.large;
  if (l) {
    const r = pairedRatio(l.times["free-router"], l.times.floor);
    row("large-event", "8 MiB event / TextDecoder floor", fmtX(r.median), "<= 2x", r.median <= 2, `${fmtMs(median(flat(l.times["free-router"])))} ms vs ${fmtMs(median(flat(l.times.floor)))} ms`);
  }
  if (res.memory) {
    const g = Math.max(...res.memory.map((m) => m.growth));
    const m0 = res.memory[0];
    row("memory", "wasm memory growth, 100 x 100 KB streams", `${(g / 2 ** 20).toFixed(2)} MiB`, "<= 2 MiB", g <= 2 * 2 ** 20, `init ${(m0.atInit / 2 ** 20).toFixed(2)} MiB, after 1st ${(m0.afterFirst / 2 ** 20).toFixed(2)} MiB, after 100th ${(m0.afterLast / 2 ** 20).toFixed(2)} MiB`);
  }
  const table = [
    "| target | value | wanted | result | note |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map((r) => `| ${r.what} | ${r.value} | ${r.target} | ${r.pass ? "PASS" : "**MISS**"} | ${r.note} |`),
  ];
  const e = res.env;
  const md = [
    `## Results (${e.pages} pages x ${e.runs} runs, ratios = median of same-page same-run pairs)`,
    "",
    `Machine: ${e.cpus} x ${e.cpu}, ${e.memGiB.toFixed(0)} GiB; Chromium ${e.chromium}; Node ${e.node}; load average ${e.load.before.map((x) => x.toFixed(2)).join(" ")} before, ${e.load.after.map((x) => x.toFixed(2)).join(" ")} after; ${e.seconds.toFixed(0)} s.`,
    "",
    ...table,
    "",
    ...lines,
  ].join("\n");
  return { rows, md };
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
