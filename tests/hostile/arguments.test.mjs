// The argument readers of the exported class (constructor, session, getModel, listModels, the
// listener methods, chat's request and signal): exact codes and messages, pinned so the readers
// can be made smaller without a word changing.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { loadPackage, fakeFetch, customOptions, goodStream, HI } from "./lib.mjs";

let FreeRouterClient, FreeRouterError;
before(async () => {
  ({ FreeRouterClient, FreeRouterError } = await loadPackage());
});

const good = () => fakeFetch(() => goodStream());

function thrown(f) {
  try {
    f();
  } catch (e) {
    return e;
  }
  assert.fail("did not throw");
}

function exact(e, message) {
  assert.ok(e instanceof FreeRouterError, `not a FreeRouterError: ${e && e.stack}`);
  assert.equal(e.code, "invalid_argument");
  assert.equal(e.message, message);
}

test("constructor: fetch and onEvent must be functions, bad options name the field", () => {
  exact(thrown(() => new FreeRouterClient(customOptions(5))), "options.fetch must be a function like globalThis.fetch");
  exact(thrown(() => new FreeRouterClient(customOptions(good(), { onEvent: "x" }))), "options.onEvent must be a function");
  exact(thrown(() => new FreeRouterClient(customOptions(good(), { maxAttempts: 0 }))), "options.maxAttempts must be between 1 and 50, got 0");
  exact(thrown(() => new FreeRouterClient(7)), "options must be an object like { providers: [{ id: \"openrouter\", apiKey }] }, got a number");
});

test("session: generated ids, the length limit, argument types, options checked at creation", () => {
  const c = new FreeRouterClient(customOptions(good()));
  const a = c.session().id;
  const b = c.session(null).id;
  assert.match(a, /^fr-[0-9a-f]{16}$/);
  assert.match(b, /^fr-[0-9a-f]{16}$/);
  assert.notEqual(a, b);
  assert.match(c.session("").id, /^fr-[0-9a-f]{16}$/);
  assert.equal(c.session("mine").id, "mine");
  assert.equal(c.session("x".repeat(256)).id.length, 256);
  exact(thrown(() => c.session("x".repeat(257))), "session id must be at most 256 characters (OpenRouter's session_id limit)");
  exact(thrown(() => c.session(5)), "session(id, options): id must be a string or undefined, got number");
  exact(thrown(() => c.session(undefined, { timeoutMs: 0 })), "options.timeoutMs must be positive (leave it out for no timeout)");
});

test("getModel, listModels, listeners, chat: argument messages", async () => {
  const c = new FreeRouterClient(customOptions(good()));
  const rejected = async (p) => {
    try {
      await p;
    } catch (e) {
      return e;
    }
    assert.fail("resolved");
  };
  exact(await rejected(c.getModel(null)), "getModel(id, provider): id must be a string, got null");
  exact(await rejected(c.getModel("m1", 5)), "getModel(id, provider): provider must be a string or undefined, got number");
  exact(await rejected(c.listModels(5)), "filter must be an object like { free: true, tools: true }, got 5");
  exact(await rejected(c.listModels({ tols: true })), `filter.tols is not a known filter field; known fields: free, provider, vision, tools, toolChoice, structuredOutputs, jsonMode, reasoning, minContext, maxPromptPrice, search, includeRouters, includeExpired, sort, limit`);
  exact(thrown(() => c.addEventListener(5, () => {})), "addEventListener(type, listener): type must be a string, got number");
  exact(thrown(() => c.addEventListener("attempt", 5)), "addEventListener(type, listener): listener must be a function or an object with a handleEvent method, got number");
  exact(thrown(() => c.removeEventListener(null, () => {})), "removeEventListener(type, listener): type must be a string, got null");
  exact(await rejected(c.chat([])), "request must be an object like { messages: [{ role: \"user\", content: \"Hi\" }] }");
  exact(await rejected(c.chat(HI, { signal: 5 })), "options.signal must be an AbortSignal");
  exact(await rejected(c.chat(HI, { sessionId: 5 })), "options.sessionId must be a string, got a number");
  assert.equal((await c.getModel("m1")).id, "m1");
});
