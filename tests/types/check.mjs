// Type tests of the published package (pkg/, from `bash scripts/build.sh`):
//   node tests/types/check.mjs            check (TAP when piped, as in scripts/test.sh)
//   node tests/types/check.mjs --update   accept the current pkg/free_router.d.ts as the snapshot
//
// 0. pkg/ is not stale: it contains the current src/js/types.d.ts;
// 1. pkg/free_router.d.ts equals tests/types/free_router.d.ts.snapshot (the wasm-bindgen
//    InitOutput body, which lists raw wasm exports whose names change with any Rust edit, is
//    folded to one line first);
// 2. no `any` in it, comments aside;
// 3. tests/types/usage.ts compiles with `tsc --noEmit --strict` (lib ES2022, the .d.ts checked
//    too), and again with the strictest settings users turn on; its `@ts-expect-error` lines
//    must stay errors (tsc reports an unused one as TS2578).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "../..");
const DTS = path.join(REPO, "pkg/free_router.d.ts");
const SNAPSHOT = path.join(HERE, "free_router.d.ts.snapshot");
const TSC = path.join(REPO, "node_modules/.bin/tsc");
const UPDATE = "node tests/types/check.mjs --update";

/** The .d.ts as snapshotted: InitOutput's member list folded (internal, and unstable). */
export function normalise(dts) {
  return dts.replace(
    /^(export interface InitOutput \{\n)([\s\S]*?)(\n\}\n)/m,
    (_, open, _body, close) =>
      `${open}    // raw wasm exports (not snapshotted: their names change with any Rust edit)${close}`,
  );
}

function readDts() {
  if (!existsSync(DTS)) {
    throw new Error(`${path.relative(REPO, DTS)} is missing: run \`bash scripts/build.sh\` first`);
  }
  return readFileSync(DTS, "utf8");
}

/** A short unified-style diff: the first differing region with a little context. */
function diff(expected, actual) {
  const a = expected.split("\n");
  const b = actual.split("\n");
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let ea = a.length - 1;
  let eb = b.length - 1;
  while (ea >= start && eb >= start && a[ea] === b[eb]) {
    ea--;
    eb--;
  }
  const from = Math.max(0, start - 3);
  const out = [`first difference at line ${start + 1} (- snapshot, + pkg):`];
  for (let i = from; i < start; i++) out.push(`  ${a[i]}`);
  for (let i = start; i <= ea && i < start + 40; i++) out.push(`- ${a[i]}`);
  for (let i = start; i <= eb && i < start + 40; i++) out.push(`+ ${b[i]}`);
  for (let i = ea + 1; i < Math.min(a.length, ea + 4); i++) out.push(`  ${a[i]}`);
  return out.join("\n");
}

function tsc(project) {
  const r = spawnSync(TSC, ["-p", path.join(HERE, project), "--pretty", "false"], { encoding: "utf8", cwd: REPO });
  if (r.error) throw new Error(`could not run ${TSC} (npm ci first?): ${r.error.message}`);
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}`.trim() };
}

function explain(out) {
  const unused = out.split("\n").filter((l) => l.includes("TS2578"));
  if (!unused.length) return out;
  return `${out}\n\nTS2578 means a line marked \`// @ts-expect-error\` compiles now: the types got looser than the contract.`;
}

if (process.argv.includes("--update")) {
  writeFileSync(SNAPSHOT, normalise(readDts()));
  console.log(`updated ${path.relative(REPO, SNAPSHOT)}`);
} else {
  test("pkg/ was built from the current src/js/types.d.ts", () => {
    const squash = (s) =>
      s
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean)
        .join("\n");
    const custom = squash(readFileSync(path.join(REPO, "src/js/types.d.ts"), "utf8"));
    assert.ok(squash(readDts()).includes(custom), "pkg/ is stale: rebuild it with `bash scripts/build.sh`");
  });

  test("pkg/free_router.d.ts matches tests/types/free_router.d.ts.snapshot", () => {
    const actual = normalise(readDts());
    const expected = existsSync(SNAPSHOT) ? readFileSync(SNAPSHOT, "utf8") : "";
    if (actual !== expected) {
      assert.fail(
        `the generated TypeScript surface changed.\n${diff(expected, actual)}\n\n` +
          `If the change is intended (a new option, method or doc comment), accept it with:\n  ${UPDATE}\n` +
          `and commit tests/types/free_router.d.ts.snapshot with the change; otherwise fix src/js/types.d.ts, ` +
          `the #[wasm_bindgen] signatures, or scripts/postbuild.mjs.`,
      );
    }
  });

  test("no `any` in pkg/free_router.d.ts", () => {
    const code = readDts()
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\/\/.*$/gm, "");
    const lines = code.split("\n").filter((l) => /\bany\b/.test(l));
    assert.deepEqual(lines, [], "use a precise type, or `unknown`");
  });

  test("optional parameters are optional", () => {
    const dts = readDts();
    for (const sig of [
      "chat(request: ChatRequest, options?: CallOptions): Promise<ChatResult>;",
      "chatStream(request: ChatRequest, options?: CallOptions): Promise<ChatStream>;",
      "listModels(filter?: ModelFilter): Promise<ModelInfo[]>;",
      "getModel(id: string, provider?: string | null): Promise<ModelInfo | undefined>;",
      "batch(requests: ChatRequest[], options?: BatchOptions): Promise<BatchItem[]>;",
      "session(id?: string | null, options?: CallOptions): ChatSession;",
    ]) {
      assert.ok(dts.includes(sig), `expected \`${sig}\` in pkg/free_router.d.ts`);
    }
  });

  test("usage.ts compiles: tsc --noEmit --strict, lib ES2022, .d.ts checked", () => {
    const r = tsc("tsconfig.json");
    assert.ok(r.ok, explain(r.out));
  });

  test("usage.ts compiles: lib ESNext, exactOptionalPropertyTypes, noPropertyAccessFromIndexSignature", () => {
    const r = tsc("tsconfig.strictest.json");
    assert.ok(r.ok, explain(r.out));
  });

  test("usage.ts keeps its negative cases", () => {
    const n = readFileSync(path.join(HERE, "usage.ts"), "utf8").match(/\/\/ @ts-expect-error/g)?.length ?? 0;
    // Removing negative cases weakens the test; lower this only on purpose.
    assert.ok(n >= 35, `usage.ts has ${n} @ts-expect-error lines, expected at least 35`);
  });
}
