// Unit tests of scripts/serve.mjs:  node --test tests/node/
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, mkdir, writeFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createServer, CSP } from "../../scripts/serve.mjs";

const SERVE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../scripts/serve.mjs");
let root;
let outside;
let plain;
let strict;

async function listen(server) {
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${server.address().port}`;
}

/** Raw GET so paths like /../x reach the server unnormalised. */
function get(base, rawPath, method = "GET") {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: rawPath, method }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

before(async () => {
  const tmp = await mkdtemp(path.join(tmpdir(), "serve-test-"));
  root = path.join(tmp, "root");
  outside = path.join(tmp, "secret.txt");
  await mkdir(path.join(root, "www"), { recursive: true });
  await mkdir(path.join(root, "pkg"), { recursive: true });
  await writeFile(outside, "do not serve");
  await writeFile(path.join(root, "www/index.html"), "<!doctype html><title>x</title>");
  await writeFile(path.join(root, "www/app.js"), "export {};");
  await writeFile(path.join(root, "www/a.mjs"), "export {};");
  await writeFile(path.join(root, "www/s.css"), "body{}");
  await writeFile(path.join(root, "www/d.json"), "{}");
  await writeFile(path.join(root, "www/i.svg"), "<svg/>");
  await writeFile(path.join(root, "www/i.png"), "png");
  await writeFile(path.join(root, "pkg/x_bg.wasm"), Buffer.from([0, 97, 115, 109]));
  plain = createServer({ root, csp: false });
  strict = createServer({ root, csp: true });
  plain.base = await listen(plain);
  strict.base = await listen(strict);
});

after(async () => {
  plain.close();
  strict.close();
  await rm(path.dirname(root), { recursive: true, force: true });
});

test("MIME types, no-store, no CSP unless asked", async () => {
  const cases = {
    "/www/index.html": "text/html",
    "/www/app.js": "text/javascript",
    "/www/a.mjs": "text/javascript",
    "/www/s.css": "text/css",
    "/www/d.json": "application/json",
    "/www/i.svg": "image/svg+xml",
    "/www/i.png": "image/png",
    "/pkg/x_bg.wasm": "application/wasm",
  };
  for (const [p, type] of Object.entries(cases)) {
    const res = await get(plain.base, p);
    assert.equal(res.status, 200, p);
    assert.equal(res.headers["content-type"].split(";")[0], type, p);
    assert.equal(res.headers["cache-control"], "no-store");
    assert.equal(res.headers["content-security-policy"], undefined);
  }
  const head = await get(plain.base, "/pkg/x_bg.wasm", "HEAD");
  assert.equal(head.headers["content-length"], "4");
  assert.equal(head.body, "");
});

test("/ redirects to /www/, directories serve index.html", async () => {
  const root = await get(plain.base, "/");
  assert.equal(root.status, 302);
  assert.equal(root.headers.location, "/www/");
  const noSlash = await get(plain.base, "/www?seed=1");
  assert.equal(noSlash.status, 301);
  assert.equal(noSlash.headers.location, "/www/?seed=1");
  const dir = await get(plain.base, "/www/?seed=1");
  assert.equal(dir.status, 200);
  assert.match(dir.body, /<title>x<\/title>/);
});

test("no way out of the root", async () => {
  for (const p of ["/../secret.txt", "/www/../../secret.txt", "/%2e%2e/secret.txt", "/www/%2e%2e%2f%2e%2e%2fsecret.txt", "/..%5csecret.txt"]) {
    const res = await get(plain.base, p);
    assert.notEqual(res.status, 200, p);
    assert.ok(!res.body.includes("do not serve"), p);
  }
  assert.equal((await get(plain.base, "/www/missing.js")).status, 404);
  assert.equal((await get(plain.base, "/www/app.js", "POST")).status, 405);
});

test("--csp sends the strict policy on every response", async () => {
  for (const p of ["/www/", "/www/app.js", "/pkg/x_bg.wasm", "/nope"]) {
    const res = await get(strict.base, p);
    assert.equal(res.headers["content-security-policy"], CSP, p);
  }
  assert.match(CSP, /script-src 'self' 'wasm-unsafe-eval'/);
});

test("the CLI prints its URL and exits cleanly on SIGTERM and SIGINT", async () => {
  for (const sig of ["SIGTERM", "SIGINT"]) {
    const child = spawn(process.execPath, [SERVE, "--port", "0", "--root", root, "--csp"], { stdio: ["ignore", "pipe", "pipe"] });
    const url = await new Promise((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (b) => {
        out += b;
        const m = out.match(/^Serving (http:\/\/127\.0\.0\.1:\d+\/www\/)$/m);
        if (m) resolve(m[1]);
      });
      child.on("exit", () => reject(new Error(out)));
    });
    const res = await get(new URL(url).origin, "/www/");
    assert.equal(res.status, 200);
    child.kill(sig);
    const code = await new Promise((r) => child.on("exit", r));
    assert.equal(code, 0, sig);
  }
});
