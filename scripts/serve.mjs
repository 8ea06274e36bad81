#!/usr/bin/env node
// A tiny static server for the demo (no dependencies):
//
//   node scripts/serve.mjs [--port 8080] [--host 127.0.0.1] [--root .] [--csp]
//
// Serves a folder: the static playground that scripts/build-demo.mjs writes (dist/playground,
// what scripts/demo.sh serves), or any root with a www/ folder, to which `/` then redirects.
// --port 0 picks a free port; the "Serving …" line always shows the real one
// (tests read it). --csp adds the strict Content-Security-Policy the demo must
// survive in production.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

export const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
  "connect-src 'self' https:; img-src 'self' data: blob:";

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm", // instantiateStreaming insists on this exact type
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
};

function parseArgs(argv) {
  const opts = { port: 8080, host: "127.0.0.1", root: ".", csp: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes("=") ? a.split(/=(.*)/s, 2) : [a, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === "--port") opts.port = Number(value());
    else if (flag === "--host") opts.host = value();
    else if (flag === "--root") opts.root = value();
    else if (flag === "--csp") opts.csp = true;
    else if (flag === "--help" || flag === "-h") {
      console.log("usage: node scripts/serve.mjs [--port 8080] [--host 127.0.0.1] [--root .] [--csp]");
      process.exit(0);
    } else {
      console.error(`serve: unknown argument ${a}`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    console.error("serve: --port must be an integer 0-65535");
    process.exit(2);
  }
  return opts;
}

function send(res, status, headers, body) {
  res.writeHead(status, headers);
  res.end(body);
}

export function createServer({ root, csp }) {
  const rootAbs = path.resolve(root);
  const hasWww = fs.existsSync(path.join(rootAbs, "www"));
  const base = { "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" };
  if (csp) base["Content-Security-Policy"] = CSP;
  const text = (res, status, msg, extra = {}) =>
    send(res, status, { ...base, "Content-Type": "text/plain; charset=utf-8", ...extra }, msg + "\n");

  return http.createServer((req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") return text(res, 405, "Method Not Allowed", { Allow: "GET, HEAD" });

    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, "http://x").pathname);
    } catch {
      return text(res, 400, "Bad Request");
    }
    if (pathname === "/" && hasWww) return send(res, 302, { ...base, Location: "/www/" }, "");
    if (pathname.includes("\0")) return text(res, 400, "Bad Request");

    // Resolve lexically and refuse anything that leaves the root ("..", encoded or not).
    // Symlinks inside the root (e.g. pkg -> ../main/pkg) are the operator's choice and are followed.
    const file = path.resolve(rootAbs, "." + path.posix.normalize(pathname));
    const rel = path.relative(rootAbs, file);
    if (rel.startsWith("..") || path.isAbsolute(rel)) return text(res, 403, "Forbidden");

    fs.stat(file, (err, st) => {
      if (err) return text(res, 404, "Not Found");
      if (st.isDirectory()) {
        // Relative URLs in index.html need the trailing slash.
        if (!pathname.endsWith("/")) {
          const u = new URL(req.url, "http://x");
          return send(res, 301, { ...base, Location: u.pathname + "/" + u.search }, "");
        }
        return serveFile(path.join(file, "index.html"), req, res, base, text);
      }
      serveFile(file, req, res, base, text, st);
    });
  });
}

function serveFile(file, req, res, base, text, st) {
  const go = (stat) => {
    const type = MIME[path.extname(file).toLowerCase()] ?? "application/octet-stream";
    res.writeHead(200, { ...base, "Content-Type": type, "Content-Length": stat.size });
    if (req.method === "HEAD") return res.end();
    const stream = fs.createReadStream(file);
    stream.on("error", () => res.destroy());
    stream.pipe(res);
  };
  if (st) return go(st);
  fs.stat(file, (err, s) => (err || !s.isFile() ? text(res, 404, "Not Found") : go(s)));
}

// Run as a script (not when imported by a test).
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const opts = parseArgs(process.argv.slice(2));
  const server = createServer(opts);
  server.on("error", (e) => {
    console.error(`serve: ${e.message}`);
    process.exit(1);
  });
  server.listen(opts.port, opts.host, () => {
    const { port } = server.address();
    const host = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
    const www = fs.existsSync(path.join(path.resolve(opts.root), "www")) ? "www/" : "";
    console.log(`Serving http://${host}:${port}/${www}`);
    if (opts.csp) console.log(`Content-Security-Policy: ${CSP}`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections(); // keep-alive sockets would otherwise hold close() open
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
