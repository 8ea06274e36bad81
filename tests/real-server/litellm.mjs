// The LiteLLM proxy of the real-server stage (not a test file): started from the venv that
// scripts/litellm-venv.sh installs, on a free 127.0.0.1 port, with config.yaml's mock models.
// Nothing it does leaves the machine: the LITELLM_LOCAL_* settings keep its start-up from
// fetching the model cost map and the other files it otherwise downloads.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, "../..");
export const GOOD_KEY = "sk-lab-good"; // the one key lab_auth.py accepts
const READY_TIMEOUT_MS = 180_000;

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function litellmBin() {
  const dir = execFileSync("bash", [path.join(REPO, "scripts/litellm-venv.sh"), "path"], { encoding: "utf8" }).trim();
  const bin = path.join(dir, "bin/litellm");
  if (!existsSync(path.join(dir, ".complete")) || !existsSync(bin)) {
    throw new Error(`LiteLLM is not installed in ${dir}: run bash scripts/setup.sh --litellm`);
  }
  return bin;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** strace can trace this process's children (it is installed and ptrace is allowed). */
export function canTrace() {
  try {
    execFileSync("strace", ["-f", "--seccomp-bpf", "-e", "trace=connect", "-o", "/dev/null", "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * Start the proxy; resolves { baseUrl, port, log(), waitForLog(re), stop() } once it answers
 * /health/liveliness. `corsOrigins` is the page origin allowed to call it cross-origin.
 */
export async function startLiteLLM({ corsOrigins = [], traceSockets = false } = {}) {
  const bin = litellmBin();
  const port = await freePort();
  const env = {
    ...process.env,
    LITELLM_LOCAL_MODEL_COST_MAP: "True",
    LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS: "True",
    LITELLM_LOCAL_AUTOROUTER_PRESETS: "True",
    LITELLM_LOCAL_BLOG_POSTS: "True",
    LITELLM_LOCAL_POLICY_TEMPLATES: "True",
    LITELLM_CORS_ORIGINS: corsOrigins.join(","),
    PYTHONPATH: HERE, // lab_provider.py and lab_auth.py
    PYTHONUNBUFFERED: "1",
    PYTHONDONTWRITEBYTECODE: "1", // no __pycache__ in the work tree
    NO_COLOR: "1",
  };
  const args = ["--config", path.join(HERE, "config.yaml"), "--host", "127.0.0.1", "--port", String(port)];
  // Under strace (where installed) every socket the proxy binds or connects is on record, so a
  // test can show it reached nothing beyond loopback; the bind of its own port proves the trace.
  const traceFile = traceSockets ? path.join(await mkdtemp(path.join(tmpdir(), "litellm-trace-")), "sockets") : null;
  const command = traceFile ? ["strace", ["-f", "--seccomp-bpf", "-e", "trace=connect,bind", "-o", traceFile, bin, ...args]] : [bin, args];
  // Its own process group, so stop() ends the proxy and anything it spawned.
  const child = spawn(command[0], command[1], {
    cwd: HERE,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const waiters = new Set();
  const onData = (data) => {
    output += data;
    for (const waiter of waiters) waiter();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  let exited = null;
  const exit = new Promise((resolve) => child.once("exit", (code, signal) => resolve((exited = { code, signal }))));
  const killGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  // Even if the test process ends early (an uncaught error, Ctrl-C, a CI timeout), the proxy
  // does not outlive it.
  const onExit = () => killGroup("SIGKILL");
  const onSignal = (signal) => {
    killGroup("SIGKILL");
    process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGHUP" ? 1 : 15));
  };
  process.once("exit", onExit);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.once(signal, onSignal);

  const stop = async () => {
    process.removeListener("exit", onExit);
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.removeListener(signal, onSignal);
    if (exited) return;
    killGroup("SIGTERM");
    const timer = setTimeout(() => killGroup("SIGKILL"), 5_000);
    await exit;
    clearTimeout(timer);
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  const started = Date.now();
  try {
    for (;;) {
      if (exited) throw new Error(`LiteLLM exited (${JSON.stringify(exited)}) before it was ready:\n${output.slice(-4000)}`);
      if (Date.now() - started > READY_TIMEOUT_MS) throw new Error(`LiteLLM was not ready after ${READY_TIMEOUT_MS} ms:\n${output.slice(-4000)}`);
      try {
        const res = await fetch(`${baseUrl}/health/liveliness`);
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    baseUrl,
    port,
    startupMs: Date.now() - started,
    log: () => output,
    /** The traced bind/connect calls (null when not traced). */
    sockets: () => (traceFile ? readFileSync(traceFile, "utf8").split("\n").filter((line) => /\b(bind|connect)\(/.test(line)) : null),
    /** Resolves with the first match of `re` in the proxy's output (waits up to `timeoutMs`). */
    waitForLog(re, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(re);
          if (!match) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(match);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${re} in LiteLLM's output within ${timeoutMs} ms:\n${output.slice(-3000)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    stop,
  };
}

/**
 * LiteLLM counts an rpm limit per wall-clock minute: a test that needs one request to pass and
 * the next to be refused starts at least `marginS` seconds before the minute turns.
 */
export async function awayFromMinuteEdge(marginS = 12) {
  const intoMinute = (Date.now() / 1000) % 60;
  if (intoMinute > 60 - marginS) await sleep((60 - intoMinute + 0.5) * 1000);
}
