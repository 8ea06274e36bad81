// Finishes pkg/ after wasm-pack: exports FreeRouterError from the entry module, makes calls made
// before init() fail with a clear error, bundles the entry and its snippets into one module, and
// writes the package.json fields npm users rely on.
import { readFileSync, writeFileSync, readdirSync, existsSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { leb as lebBytes } from "./wasm-order.mjs";

const pkg = new URL("../pkg/", import.meta.url);
const read = (f) => readFileSync(new URL(f, pkg), "utf8");
const write = (f, s) => writeFileSync(new URL(f, pkg), s);

function replaceOnce(src, from, to, what) {
  const i = src.indexOf(from);
  if (i < 0 || src.indexOf(from, i + from.length) >= 0) {
    throw new Error(`postbuild: expected exactly one "${what}" in free_router.js (wasm-bindgen output changed?)`);
  }
  return src.slice(0, i) + to + src.slice(i + from.length);
}

// Marks the bundled entry, so a second run leaves it alone.
const BUNDLED = "/* free-router: bundled by scripts/postbuild.mjs */";
let js = read("free_router.js");
if (!js.startsWith(BUNDLED)) {
  const snippetDir = existsSync(new URL("snippets/", pkg)) && readdirSync(new URL("snippets/", pkg)).find((d) => d.startsWith("free-router-"));
  if (!snippetDir) throw new Error("postbuild: no snippets/free-router-* directory in pkg/");
  const glue = `./snippets/${snippetDir}/src/js/glue.js`;

  if (!js.includes("__notReady")) {
    js = replaceOnce(
      js,
      "let wasmModule, wasmInstance, wasm;",
      `import { FreeRouterError as __FRE } from "${glue}";
// Until init() runs, any use of the module throws a clear error instead of a TypeError.
const __notReady = new Proxy({}, {
  get() {
    throw new __FRE("invalid_argument", "free-router is not initialised: call \`await init()\` (or \`initSync({ module })\`) before using it");
  },
});
let wasmModule, wasmInstance, wasm = __notReady;`,
      "wasm declaration",
    );
    js = js.split("if (wasm !== undefined) return wasm;").join("if (wasm !== __notReady) return wasm;");
    js = replaceOnce(
      js,
      "export { initSync, __wbg_init as default };",
      `export { initSync, __wbg_init as default };\nexport { FreeRouterError } from "${glue}";`,
      "export line",
    );
    write("free_router.js", js);
  }

  // wasm-bindgen names each import of its own glue `__wbg_<name>_<16 hex digits>`, once in the
  // wasm and once in the JS: ~75 hashes that gzip cannot shrink. Both sides get short names.
  js = shortenImports(js);
  write("free_router.js", js);

  // One module instead of three: without a bundler (a plain module page, a module Worker, a CDN)
  // each import was another sequential round trip before the wasm fetch could even start.
  // Whitespace and syntax minified (75 KB -> 43 KB, gzip 16 KB -> 10 KB; the .d.ts carries the
  // docs), identifiers kept so class names and stack traces stay readable. `new
  // URL("free_router_bg.wasm", import.meta.url)` survives verbatim: bundlers still emit the wasm.
  const result = await build({
    entryPoints: [fileURLToPath(new URL("free_router.js", pkg))],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: "none",
    banner: { js: BUNDLED },
    write: false,
    metafile: true,
    // wasm-bindgen's import object repeats the snippet key once per import; harmless.
    logOverride: { "duplicate-object-key": "silent" },
    logLevel: "warning",
  });
  const bundled = result.outputFiles[0].text;
  if (!/new URL\("free_router_bg\.wasm",\s*import\.meta\.url\)/.test(bundled)) {
    throw new Error("postbuild: the bundle lost `new URL(\"free_router_bg.wasm\", import.meta.url)` (bundlers need it)");
  }
  const left = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
  if (left.length) throw new Error(`postbuild: the bundle still imports ${left.join(", ")}`);
  write("free_router.js", bundled);
  rmSync(new URL("snippets/", pkg), { recursive: true });
}

const cargo = readFileSync(new URL("../Cargo.toml", import.meta.url), "utf8");
const version = /^version = "([^"]+)"/m.exec(cargo)[1];
const meta = JSON.parse(read("package.json"));
const out = {
  name: "free-router",
  version,
  description:
    "Free LLM models from the browser: live free-model catalog, routing and fallback across OpenRouter, Groq, Gemini, Mistral and Cerebras free tiers, a quota ledger shared by tabs, streaming with abort. Rust compiled to WebAssembly.",
  license: meta.license,
  repository: meta.repository,
  keywords: ["llm", "openrouter", "free-models", "groq", "gemini", "mistral", "cerebras", "openai", "streaming", "wasm", "browser", "fallback", "rate-limit"],
  type: "module",
  main: "./free_router.js",
  module: "./free_router.js",
  types: "./free_router.d.ts",
  exports: {
    ".": { types: "./free_router.d.ts", default: "./free_router.js" },
    "./free_router_bg.wasm": "./free_router_bg.wasm",
    "./package.json": "./package.json",
  },
  files: ["free_router_bg.wasm", "free_router.js", "free_router.d.ts", "free_router_bg.wasm.d.ts", "README.md", "LICENSE"],
  sideEffects: false,
  engines: { node: ">=20" },
};
write("package.json", JSON.stringify(out, null, 2) + "\n");

// The .d.ts: wasm-bindgen cannot express generic methods. Each rewrite is exact and counted, so
// a change in wasm-bindgen's output fails the build here instead of shipping loose types.
function rewriteAll(src, from, to, count, what) {
  const n = src.split(from).length - 1;
  if (n === 0 && src.includes(to)) return src; // already rewritten (postbuild ran twice)
  if (n !== count) {
    throw new Error(
      `postbuild: expected ${count} × "${from}" in free_router.d.ts (${what}), found ${n}; wasm-bindgen output or a Rust signature changed`,
    );
  }
  return src.split(from).join(to);
}

let dts = read("free_router.d.ts");
const optional = [
  // Listeners get the event of the type they asked for.
  [
    'addEventListener(kind: FreeRouterEvent["type"], listener: (event: FreeRouterEvent) => void): void;',
    "addEventListener<K extends FreeRouterEventType>(kind: K, listener: (event: FreeRouterEventOf<K>) => void): void;",
    1,
    "addEventListener",
  ],
  [
    'removeEventListener(kind: FreeRouterEvent["type"], listener: (event: FreeRouterEvent) => void): void;',
    "removeEventListener<K extends FreeRouterEventType>(kind: K, listener: (event: FreeRouterEventOf<K>) => void): void;",
    1,
    "removeEventListener",
  ],
];
for (const [from, to, count, what] of optional) dts = rewriteAll(dts, from, to, count, what);

// init() and initSync() return InitOutput, the raw wasm exports, typed with `any`; nobody should
// call them, but `any` must not leak into user code through them.
const io = /^export interface InitOutput \{\n[\s\S]*?\n\}\n/m.exec(dts);
if (!io) throw new Error("postbuild: no `export interface InitOutput { ... }` in free_router.d.ts");
dts = dts.slice(0, io.index) + io[0].replace(/\bany\b/g, "unknown") + dts.slice(io.index + io[0].length);

// wasm-bindgen declares `[Symbol.dispose]()` on every class; without this reference a project
// whose `lib` stops at ES2022 (and does not skip lib checks) fails on our .d.ts.
const disposeRef = '/// <reference lib="esnext.disposable" />\n';
if (dts.includes("[Symbol.dispose]") && !dts.includes(disposeRef)) dts = disposeRef + dts;

// The public surface has no `any` (comments aside).
const code = dts.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
const leak = code.split("\n").find((l) => /\bany\b/.test(l));
if (leak) throw new Error(`postbuild: \`any\` in free_router.d.ts: ${leak.trim()}`);
write("free_router.d.ts", dts);

// Short names for what wasm-bindgen names at length, on both sides of the boundary:
// - the imports of its own glue (module "./free_router_bg.js"), `__wbg_<name>_<16 hex digits>`
//   (hashes gzip cannot shrink) and `__wbindgen_*`, once in the wasm and once as a key of the JS
//   import object;
// - the modules: "./free_router_bg.js" (75 times in the wasm) and the snippet modules
//   ("./snippets/free-router-<hash>/src/js/glue.js"), once per import in the wasm and once per
//   import group in the JS;
// - the exports (`freerouterclient_listModels`, `__wbindgen_export3`, ...), read as `wasm.NAME`
//   in the JS and listed in the .d.ts files (InitOutput, free_router_bg.wasm.d.ts); `memory`
//   keeps its name.
// Every rename must find its JS site(s), or the build fails here.
function shortenImports(src) {
  const wasmUrl = new URL("free_router_bg.wasm", pkg);
  const bytes = readFileSync(wasmUrl);
  let p = 8;
  const leb = () => {
    let n = 0, shift = 0, x;
    do {
      x = bytes[p++];
      n += (x & 127) * 2 ** shift;
      shift += 7;
    } while (x & 128);
    return n;
  };
  const encode = lebBytes;
  const name = () => {
    const n = leb();
    const s = bytes.subarray(p, p + n).toString();
    p += n;
    return s;
  };
  const nameBytes = (s) => [...encode(Buffer.byteLength(s)), ...Buffer.from(s)];
  const fail = (what) => {
    throw new Error(`postbuild: ${what} in free_router.js (wasm-bindgen output changed?)`);
  };
  const replaceExactlyOnce = (from, to) => {
    const at = src.indexOf(from);
    if (at < 0 || src.indexOf(from, at + from.length) >= 0) fail(`expected exactly one "${from}"`);
    src = src.slice(0, at) + to + src.slice(at + from.length);
  };
  const modules = new Map();
  const exported = [];
  const parts = [bytes.subarray(0, 8)];
  let renamed = 0;
  while (p < bytes.length) {
    const start = p;
    const id = bytes[p++];
    const size = leb();
    const end = p + size;
    if (id !== 2 && id !== 7) {
      parts.push(bytes.subarray(start, end));
      p = end;
      continue;
    }
    const body = [...encode(leb())];
    while (p < end) {
      let module = id === 2 ? name() : "";
      let field = name();
      const descStart = p;
      const kind = bytes[p++];
      if (id === 7 || kind === 0) leb();
      else if (kind === 1 || kind === 2) {
        if (kind === 1) p++;
        const flags = bytes[p++];
        leb();
        if (flags & 1) leb();
      } else if (kind === 3) p += 2;
      else if (kind === 4) {
        p++;
        leb();
      } else throw new Error(`postbuild: unknown import kind ${kind} in free_router_bg.wasm`);
      if (id === 7) {
        if (field !== "memory") {
          const short = `$${exported.length.toString(36)}`;
          exported.push([field, short]);
          field = short;
        }
        body.push(...nameBytes(field), ...bytes.subarray(descStart, p));
        continue;
      }
      if (module === "./free_router_bg.js") {
        const short = `$${(renamed++).toString(36)}`;
        replaceExactlyOnce(`${field}: function`, `${short}: function`);
        field = short;
        module = "_";
      } else if (module.startsWith("./snippets/")) {
        if (!modules.has(module)) modules.set(module, [`$${modules.size.toString(36)}`, new Set()]);
        modules.get(module)[1].add(field);
        module = modules.get(module)[0];
      }
      body.push(...nameBytes(module), ...nameBytes(field), ...bytes.subarray(descStart, p));
    }
    parts.push(Buffer.from([id, ...encode(body.length), ...body]));
  }
  replaceExactlyOnce(`"./free_router_bg.js": import0,`, `"_": import0,`);
  // The exported classes keep their wasm pointer in `__wbg_ptr` (~44 sites) and have
  // `__wrap`/`__destroy_into_raw` helpers: property names, so the minifier keeps them; nothing
  // outside this module uses them.
  for (const [from, to] of [["__wbg_ptr", "$p"], ["__wrap", "$w"], ["__destroy_into_raw", "$d"]]) {
    if (!src.includes(`.${from}`)) fail(`no ".${from}"`);
    src = src.replace(new RegExp(`\\b${from}\\b`, "g"), () => to);
  }
  // The snippet modules come in as namespace objects (`import * as import1`), which keeps every
  // export of glue.js by name in the bundle; named imports of just what the wasm uses instead.
  let k = 0;
  for (const [module, [short, fields]] of modules) {
    const namespaces = new RegExp(`^import \\* as import\\d+ from ${JSON.stringify(module).replace(/[.$]/g, "\\$&")};?\\n`, "gm");
    if (!namespaces.test(src)) fail(`no namespace import of ${module}`);
    src = src.replace(namespaces, "");
    const local = (f) => `__snippet${k}_${f}`;
    const list = [...fields];
    const decl =
      `import { ${list.map((f) => `${f} as ${local(f)}`).join(", ")} } from ${JSON.stringify(module)};\n` +
      `const __snippet${k} = { ${list.map((f) => `${f}: ${local(f)}`).join(", ")} };\n`;
    src = decl + src;
    const key = new RegExp(`${JSON.stringify(module).replace(/[.$]/g, "\\$&")}: import\\d+,?\\n`, "g");
    if (!key.test(src)) fail(`no "${module}: importN" key`);
    let first = true;
    src = src.replace(key, () => (first ? ((first = false), `"${short}": __snippet${k},\n`) : ""));
    k++;
  }
  let dts = read("free_router.d.ts");
  let wasmDts = read("free_router_bg.wasm.d.ts");
  for (const [field, short] of exported) {
    src = src.replace(new RegExp(`\\bwasm\\.${field}\\b`, "g"), () => `wasm.${short}`);
    // The JS has same-named local wrappers for the closure exports; any other use is a miss.
    // (Named by index, or by symbol when the build keeps symbols: scripts/wasm-abort.mjs.)
    const local = /^(__wasm_bindgen_func_elem_|wasm_bindgen__convert__closures_____invoke__)/.test(field);
    if (!local && new RegExp(`\\b${field}\\b`).test(src)) fail(`"${field}" used other than as wasm.${field}`);
    dts = dts.replace(new RegExp(`^    readonly ${field}:`, "m"), () => `    readonly ${short}:`);
    wasmDts = wasmDts.replace(new RegExp(`^export const ${field}:`, "m"), () => `export const ${short}:`);
  }
  write("free_router.d.ts", dts);
  write("free_router_bg.wasm.d.ts", wasmDts);
  writeFileSync(wasmUrl, Buffer.concat(parts));
  return src;
}
