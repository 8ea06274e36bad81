// Browser scenarios for Sign in with OpenRouter (OAuth PKCE), run by tests/web_oauth.rs in
// headless Chromium. `api.authUrl(opts)` and `api.complete(href, opts)` are the static methods
// FreeRouterClient.openRouterAuthUrl / completeOpenRouterAuth. Every exchange goes to an injected
// fetch; the challenge is recomputed here with crypto.subtle, independently of the library.

const STORE = "free-router:v1:pkce";
const CALLBACK = "http://127.0.0.1:8080/www/";
const KEY = "sk-or-v1-SECRET-oauth-test-key-0123456789abcdef";

function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}
function eq(a, b, msg) {
  if (a !== b) throw new Error(`${msg}: expected ${JSON.stringify(b)}, got ${JSON.stringify(a)}`);
}

// Kept before any scenario hides crypto.subtle.
const subtle = crypto.subtle;

async function s256(text) {
  const d = new Uint8Array(await subtle.digest("SHA-256", new TextEncoder().encode(text)));
  let bin = "";
  for (const b of d) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Rejection of `p`, asserting it is a FreeRouterError with `code`. */
async function rejects(p, code, what) {
  let err = null;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  assert(err !== null, `${what}: expected a rejection with code ${code}`);
  assert(err instanceof Error, `${what}: a real Error, got ${String(err)}`);
  eq(err.code, code, `${what}: code (message: ${err.message})`);
  assert(!String(err.message).includes(KEY), `${what}: no key in the message`);
  return err;
}

function jsonResponse(status, body) {
  return new Response(typeof body === "string" ? body : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** A fetch that records its calls and answers with `answer(call)`. */
function fakeFetch(answer) {
  const calls = [];
  const f = async (url, init = {}) => {
    const call = { url: String(url), method: init.method, headers: { ...(init.headers || {}) }, body: init.body };
    calls.push(call);
    return answer(call);
  };
  f.calls = calls;
  return f;
}

async function start(api, opts = {}) {
  sessionStorage.removeItem(STORE);
  const { url } = await api.authUrl({ callbackUrl: CALLBACK, ...opts });
  const verifier = sessionStorage.getItem(STORE);
  assert(typeof verifier === "string" && verifier.length > 0, "the verifier is stored in sessionStorage");
  return { url: new URL(url), verifier };
}

const scenarios = {
  async challengeIsS256(api) {
    const { url, verifier } = await start(api);
    assert(/^[A-Za-z0-9_-]{43,128}$/.test(verifier), `verifier is 43-128 base64url chars: ${verifier}`);
    eq(url.searchParams.get("code_challenge"), await s256(verifier), "challenge = base64url(sha256(verifier))");
    // A fresh verifier every time.
    const again = await start(api);
    assert(again.verifier !== verifier, "a new verifier per sign-in");
    eq(again.url.searchParams.get("code_challenge"), await s256(again.verifier), "second challenge");
    // Only the verifier is stored, under the library's prefix.
    const ours = Object.keys(sessionStorage).filter((k) => k.startsWith("free-router:"));
    eq(JSON.stringify(ours), JSON.stringify([STORE]), "sessionStorage keys");
    sessionStorage.removeItem(STORE);
  },

  // The challenge is hashed in wasm: a page without crypto.subtle (plain http on a LAN address,
  // not a secure context) can still sign in; only getRandomValues is required.
  async withoutSubtle(api) {
    const hide = (name) => Object.defineProperty(crypto, name, { value: undefined, configurable: true });
    try {
      hide("subtle");
      eq(crypto.subtle, undefined, "crypto.subtle hidden");
      const { url, verifier } = await start(api);
      eq(url.searchParams.get("code_challenge"), await s256(verifier), "challenge without crypto.subtle");
      hide("getRandomValues");
      sessionStorage.removeItem(STORE);
      const e = await rejects(api.authUrl({ callbackUrl: CALLBACK }), "auth", "no getRandomValues");
      assert(/crypto\.getRandomValues is missing/.test(e.message), e.message);
      eq(sessionStorage.getItem(STORE), null, "nothing stored without random bytes");
    } finally {
      delete crypto.subtle;
      delete crypto.getRandomValues;
    }
    assert(crypto.subtle && typeof crypto.getRandomValues === "function", "crypto restored");
  },

  async urlParamsExact(api) {
    const label = "My app: ünïcode & spaces/100%";
    const { url } = await start(api, { keyLabel: label });
    eq(url.origin + url.pathname, "https://openrouter.ai/auth", "consent page");
    eq(
      JSON.stringify([...url.searchParams.keys()]),
      JSON.stringify(["callback_url", "code_challenge", "code_challenge_method", "key_label"]),
      "query parameters",
    );
    eq(url.searchParams.get("callback_url"), CALLBACK, "callback_url round-trips");
    eq(url.searchParams.get("code_challenge_method"), "S256", "method");
    eq(url.searchParams.get("key_label"), label, "key_label round-trips");
    assert(!url.search.includes("+"), "spaces are %20, not +");

    const plain = await start(api);
    eq(
      JSON.stringify([...plain.url.searchParams.keys()]),
      JSON.stringify(["callback_url", "code_challenge", "code_challenge_method"]),
      "no key_label unless given",
    );

    const custom = await start(api, { baseUrl: "http://127.0.0.1:9999/api/v1" });
    eq(custom.url.origin + custom.url.pathname, "http://127.0.0.1:9999/auth", "baseUrl moves the consent page");
    const page = await start(api, { authUrl: "https://example.test/oauth/authorize" });
    eq(page.url.origin + page.url.pathname, "https://example.test/oauth/authorize", "authUrl");

    await rejects(api.authUrl({ callbackUrl: CALLBACK, keyLabel: "x".repeat(101) }), "invalid_argument", "long label");
    sessionStorage.removeItem(STORE);
  },

  async callbackUrlChecked(api) {
    sessionStorage.removeItem(STORE);
    for (const bad of ["/www/", "www.example.com/cb", "ftp://example.com/cb", "javascript:alert(1)", "", 42]) {
      const e = await rejects(api.authUrl({ callbackUrl: bad }), "invalid_argument", `callbackUrl ${bad}`);
      assert(/callbackUrl/.test(e.message), `the message names callbackUrl: ${e.message}`);
    }
    await rejects(api.authUrl({}), "invalid_argument", "missing callbackUrl");
    await rejects(api.authUrl(undefined), "invalid_argument", "no options");
    await rejects(api.authUrl({ callbackUrl: CALLBACK, baseUrl: "http://example.com/api/v1" }), "invalid_argument", "http baseUrl");
    // A public name that merely starts like a loopback address is not loopback.
    await rejects(api.authUrl({ callbackUrl: CALLBACK, baseUrl: "http://127.0.0.1.evil.com/api/v1" }), "invalid_argument", "http to 127.0.0.1.evil.com");
    eq(sessionStorage.getItem(STORE), null, "nothing stored for a rejected call");
    // https and loopback endpoints and callbacks are fine.
    await start(api, { baseUrl: "http://[::1]:9999/api/v1" });
    await start(api, { callbackUrl: "https://app.example/auth/done?x=1" });
    await start(api, { callbackUrl: "http://localhost:5173/" });
    sessionStorage.removeItem(STORE);
  },

  async exchangeAndSingleUse(api) {
    const { verifier } = await start(api);
    const fetch = fakeFetch(() => jsonResponse(200, { key: KEY, user_id: "user_123" }));
    const key = await api.complete(`${CALLBACK}?code=abc-123`, { fetch });
    eq(key, KEY, "the key");
    eq(fetch.calls.length, 1, "one request");
    const c = fetch.calls[0];
    eq(c.url, "https://openrouter.ai/api/v1/auth/keys", "endpoint");
    eq(c.method, "POST", "method");
    eq(JSON.stringify(Object.keys(c.headers)), JSON.stringify(["Content-Type"]), "only Content-Type");
    eq(c.headers["Content-Type"], "application/json", "JSON body");
    const sent = JSON.parse(c.body);
    eq(JSON.stringify(Object.keys(sent).sort()), JSON.stringify(["code", "code_challenge_method", "code_verifier"]), "body fields");
    eq(sent.code, "abc-123", "code");
    eq(sent.code_verifier, verifier, "code_verifier");
    eq(sent.code_challenge_method, "S256", "code_challenge_method");
    eq(sessionStorage.getItem(STORE), null, "verifier removed after success");
    for (const k of Object.keys(sessionStorage)) assert(!sessionStorage.getItem(k).includes(KEY), "key not in sessionStorage");
    for (const k of Object.keys(localStorage)) assert(!localStorage.getItem(k).includes(KEY), "key not in localStorage");

    // The same callback again (a reload): the verifier is gone.
    const e = await rejects(api.complete(`${CALLBACK}?code=abc-123`, { fetch }), "auth", "second completion");
    assert(/not started in this tab, or already completed/.test(e.message), e.message);
    eq(fetch.calls.length, 1, "no request without a verifier");
  },

  async removedAfterFailure(api) {
    await start(api);
    const fetch = fakeFetch(() => jsonResponse(403, { error: { message: "Invalid code or code_verifier", code: 403 } }));
    await rejects(api.complete(`${CALLBACK}?code=zzz`, { fetch }), "auth", "403");
    eq(sessionStorage.getItem(STORE), null, "verifier removed after failure");
    const e = await rejects(api.complete(`${CALLBACK}?code=zzz`, { fetch }), "auth", "retry");
    assert(/already completed/.test(e.message), e.message);
    eq(fetch.calls.length, 1, "the retry sent nothing");
  },

  async forbiddenExpiredInvalid(api) {
    await start(api);
    let fetch = fakeFetch(() => jsonResponse(403, { error: { message: "Authorization code expired", code: 403 } }));
    let e = await rejects(api.complete(`${CALLBACK}?code=old`, { fetch }), "auth", "expired");
    eq(e.status, 403, "status");
    eq(e.provider, "openrouter", "provider");
    assert(/expired/i.test(e.message) && /again/i.test(e.message), `says expired and what to do: ${e.message}`);

    await start(api);
    fetch = fakeFetch(() => jsonResponse(403, { error: { message: "Invalid code or code_verifier", code: 403 } }));
    e = await rejects(api.complete(`${CALLBACK}?code=bad`, { fetch }), "auth", "invalid");
    assert(/verifier/i.test(e.message) && !/expired/i.test(e.message), `says invalid code or verifier: ${e.message}`);

    await start(api);
    fetch = fakeFetch(() => new Response("Forbidden", { status: 403 }));
    e = await rejects(api.complete(`${CALLBACK}?code=bad`, { fetch }), "auth", "bare 403");
    assert(/403/.test(e.message), e.message);
  },

  async badRequestAndMethod(api) {
    await start(api);
    let fetch = fakeFetch(() => jsonResponse(400, { error: { message: "Invalid code_challenge_method", code: 400 } }));
    let e = await rejects(api.complete(`${CALLBACK}?code=c`, { fetch }), "auth", "400");
    eq(e.status, 400, "status 400");
    assert(/Invalid code_challenge_method/.test(e.message), e.message);

    await start(api);
    fetch = fakeFetch(() => jsonResponse(405, { error: { message: "Method Not Allowed", code: 405 } }));
    e = await rejects(api.complete(`${CALLBACK}?code=c`, { fetch }), "auth", "405");
    eq(e.status, 405, "status 405");
    assert(/POST over https/.test(e.message), e.message);
    eq(sessionStorage.getItem(STORE), null, "verifier removed");
  },

  async networkFailure(api) {
    await start(api);
    const fetch = fakeFetch(() => Promise.reject(new TypeError("Failed to fetch")));
    const e = await rejects(api.complete(`${CALLBACK}?code=c`, { fetch }), "network", "network");
    assert(/Failed to fetch/.test(e.message) && /sign-in/i.test(e.message), e.message);
    eq(sessionStorage.getItem(STORE), null, "verifier removed after a network failure");
  },

  async malformedAnswer(api) {
    await start(api);
    let fetch = fakeFetch(() => new Response(`<html>${KEY}`, { status: 200 }));
    let e = await rejects(api.complete(`${CALLBACK}?code=c`, { fetch }), "parse", "not JSON");
    await start(api);
    fetch = fakeFetch(() => jsonResponse(200, { user_id: "user_1" }));
    e = await rejects(api.complete(`${CALLBACK}?code=c`, { fetch }), "parse", "no key");
    assert(/without a key/.test(e.message), e.message);
    await start(api);
    fetch = fakeFetch(() => jsonResponse(200, { key: 12 }));
    await rejects(api.complete(`${CALLBACK}?code=c`, { fetch }), "parse", "key not a string");
    eq(sessionStorage.getItem(STORE), null, "verifier removed");
  },

  async nullWithoutCode(api) {
    const { verifier } = await start(api);
    const fetch = fakeFetch(() => jsonResponse(200, { key: KEY }));
    eq(await api.complete(CALLBACK, { fetch }), null, "no query");
    eq(await api.complete(`${CALLBACK}?seed=1&x=code`, { fetch }), null, "no code parameter");
    eq(await api.complete(`${CALLBACK}?code=`, { fetch }), null, "empty code");
    eq(await api.complete(new URL(CALLBACK), undefined), null, "a URL object, no options");
    eq(fetch.calls.length, 0, "nothing fetched");
    eq(sessionStorage.getItem(STORE), verifier, "the pending verifier is kept");
    await rejects(api.complete("not a url", { fetch }), "invalid_argument", "relative href");
    sessionStorage.removeItem(STORE);
  },

  async baseUrlOption(api) {
    await start(api);
    const fetch = fakeFetch(() => jsonResponse(200, { key: KEY }));
    eq(await api.complete(`${CALLBACK}?code=c`, { fetch, baseUrl: "http://127.0.0.1:9999/api/v1/" }), KEY, "key");
    eq(fetch.calls[0].url, "http://127.0.0.1:9999/api/v1/auth/keys", "baseUrl endpoint");
    await start(api);
    await rejects(
      api.complete(`${CALLBACK}?code=c`, { fetch, baseUrl: "http://example.com/api/v1" }),
      "invalid_argument",
      "plain http off loopback",
    );
    eq(fetch.calls.length, 1, "nothing sent to an insecure endpoint");
    await rejects(api.complete(`${CALLBACK}?code=c`, { fetch: "nope" }), "invalid_argument", "fetch not a function");
    sessionStorage.removeItem(STORE);
  },
};

export async function run(name, api) {
  const f = scenarios[name];
  if (!f) throw new Error(`no scenario ${name}`);
  await f(api);
}
