#!/usr/bin/env node
// Writes the playground as a self-contained static folder (default dist/playground/):
// index.html, style.css, the page's modules bundled into app.js (markdown, sanitiser and
// highlighter from node_modules included), the offline demo's catalog, and the package's JS and
// wasm under pkg/. Every path inside is relative, so any static host serves it as is
// (GitHub Pages, `python3 -m http.server`, no custom headers needed).
//
//   node scripts/build-demo.mjs [--out dist/playground]
import { build } from "esbuild";
import { cp, mkdir, readdir, rm, writeFile, access } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const STATIC = ["index.html", "style.css", "favicon.svg", "demo-catalog.json"];

export async function buildDemo(out = path.join(REPO, "dist/playground")) {
  const pkg = path.join(REPO, "pkg");
  for (const f of ["free_router.js", "free_router_bg.wasm"]) {
    await access(path.join(pkg, f)).catch(() => {
      throw new Error(`pkg/${f} is missing: run bash scripts/build.sh first`);
    });
  }
  await rm(out, { recursive: true, force: true });
  await mkdir(path.join(out, "pkg"), { recursive: true });
  await build({
    entryPoints: [path.join(REPO, "www/app.js")],
    bundle: true,
    format: "esm",
    target: "es2022",
    minify: true,
    sourcemap: false,
    legalComments: "eof",
    outfile: path.join(out, "app.js"),
    logLevel: "warning",
    external: ["node:*"], // demo-fetch.js reads its catalog from disk only under Node
    plugins: [
      {
        // The library stays a separate module next to its wasm, as an app would load it.
        name: "pkg-external",
        setup(b) {
          b.onResolve({ filter: /\/pkg\/free_router\.js$/ }, () => ({ path: "./pkg/free_router.js", external: true }));
        },
      },
    ],
  });
  for (const f of STATIC) await cp(path.join(REPO, "www", f), path.join(out, f));
  // The package's JS, wasm and any wasm-bindgen snippets; not its package.json or types.
  for (const entry of await readdir(pkg, { withFileTypes: true })) {
    const keep = entry.isDirectory() ? entry.name === "snippets" : /\.(js|wasm)$/.test(entry.name);
    if (keep) await cp(path.join(pkg, entry.name), path.join(out, "pkg", entry.name), { recursive: true });
  }
  await writeFile(path.join(out, ".nojekyll"), ""); // GitHub Pages: serve files as they are
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const i = process.argv.indexOf("--out");
  const out = i > 0 ? path.resolve(process.argv[i + 1]) : undefined;
  buildDemo(out)
    .then((dir) => console.log(`wrote ${path.relative(process.cwd(), dir) || "."}/ (static playground)`))
    .catch((e) => {
      console.error(`build-demo: ${e.message}`);
      process.exit(1);
    });
}
