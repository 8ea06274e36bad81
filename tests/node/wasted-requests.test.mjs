// Issue 16 item 8 over the built package (pkg/, or WASTED_PKG=<dir> for another build, e.g. one
// from before the endpoint lists, to see these fail): requests sent per answered request in the
// 12-model / 40-request scenario of tests/node/wasted-requests.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadPackage, runOnce, REQUESTS } from "./wasted-requests.mjs";

const pkg = await loadPackage(process.env.WASTED_PKG);
const RUNS = 8;

for (const strategy of ["random", "fastest"]) {
  test(`${strategy}: every request answered, at most 1.05 requests sent per answer, nothing paid`, async () => {
    for (let run = 0; run < RUNS; run++) {
      const r = await runOnce(pkg, strategy);
      assert.deepEqual(r.failures, [], `run ${run}: failures`);
      assert.equal(r.answered, REQUESTS, `run ${run}: answered`);
      assert.deepEqual(r.paid, [], `run ${run}: paid models sent`);
      const ratio = r.sent / r.answered;
      assert.ok(ratio <= 1.05, `run ${run}: ${r.sent} sent for ${r.answered} answers (${ratio.toFixed(3)})`);
      // Once per model per catalog load: the 12 free models, not once per request.
      assert.equal(r.endpointLists, 12, `run ${run}: endpoint lists asked`);
      // The delisted models show as evicted, the tool-less ones as lacking a capability.
      assert.ok(r.skipped.has("delisted:evicted"), `run ${run}: ${[...r.skipped]}`);
      assert.ok(r.skipped.has("toolless:capability"), `run ${run}: ${[...r.skipped]}`);
      assert.ok(!r.skipped.has("healthy:evicted") && !r.skipped.has("healthy:capability"), `run ${run}: ${[...r.skipped]}`);
    }
  });
}

test("a new catalog load asks the endpoint lists again, once", async () => {
  // 40 requests 5 s apart on the virtual clock: a 60 s TTL loads the catalog 4 times.
  const r = await runOnce(pkg, "random", { catalogTtlMs: 60_000 });
  assert.equal(r.answered, REQUESTS);
  assert.equal(r.endpointLists % 12, 0, `${r.endpointLists} lists`);
  assert.ok(r.endpointLists >= 36 && r.endpointLists <= 48, `${r.endpointLists} lists for 3 or 4 catalog loads`);
});

test("lists that never answer delay only the first call, by at most the bound", async () => {
  const catalog = JSON.stringify({
    data: ["a/one:free", "b/two:free"].map((id) => ({ id, name: id, context_length: 8192, pricing: { prompt: "0", completion: "0" }, supported_parameters: ["tools"], architecture: { input_modalities: ["text"], output_modalities: ["text"] } })),
  });
  const seen = [];
  const fetch = async (url, init) => {
    url = String(url);
    if (url.endsWith("/models")) return new Response(catalog, { headers: { "content-type": "application/json" } });
    if (url.endsWith("/endpoints")) {
      seen.push({ url, method: init.method });
      // Never answers; ends when the client gives up on it.
      return new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(init.signal.reason)));
    }
    const sse = `data: ${JSON.stringify({ id: "g", object: "chat.completion.chunk", model: "a/one:free", choices: [{ index: 0, delta: { content: "hi" }, finish_reason: "stop" }] })}\n\ndata: [DONE]\n\n`;
    return new Response(sse, { headers: { "content-type": "text/event-stream" } });
  };
  const client = new pkg.FreeRouterClient({ providers: [{ id: "openrouter", apiKey: "sk-or-v1-bound000000000000000" }], fetch });
  const req = { messages: [{ role: "user", content: "hi" }] };
  await client.listModels();
  let t = performance.now();
  assert.equal((await client.chat(req)).choices[0].message.content, "hi");
  const first = performance.now() - t;
  assert.ok(first >= 1500 && first < 3000, `first call took ${first.toFixed(0)} ms`);
  t = performance.now();
  await client.chat(req);
  const second = performance.now() - t;
  assert.ok(second < 500, `second call took ${second.toFixed(0)} ms`);
  assert.deepEqual(
    seen.map((s) => `${s.method} ${s.url}`).sort(),
    ["GET https://openrouter.ai/api/v1/models/a/one/endpoints", "GET https://openrouter.ai/api/v1/models/b/two/endpoints"],
  );
});
