// Unit tests of the demo page's query-string settings (www/settings.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readSettings } from "../../www/settings.js";

test("defaults: faults on, realistic speed, random seed", () => {
  assert.deepEqual(readSettings(""), { seed: undefined, faults: true, speed: 1, model: undefined, script: [], tierResetMs: undefined, log: false });
});

test("test parameters: seed, faults off, speed", () => {
  assert.deepEqual(readSettings("?seed=1&faults=0&speed=10"), { seed: 1, faults: false, speed: 10, model: undefined, script: [], tierResetMs: undefined, log: false });
  assert.equal(readSettings("?faults=off").faults, false);
  assert.equal(readSettings("?faults=1").faults, true);
});

test("explicit fault rates and model", () => {
  const s = readSettings("?faults=0.1,0.05,0.02&model=openrouter/free");
  assert.deepEqual(s.faults, { rate429: 0.1, rate404: 0.05, rateMidstream: 0.02 });
  assert.equal(s.model, "openrouter/free");
});

test("junk is ignored", () => {
  const s = readSettings("?seed=abc&speed=-3");
  assert.equal(s.seed, undefined);
  assert.equal(s.speed, 1);
});

test("a fault script for deterministic tests; unknown steps are dropped", () => {
  assert.deepEqual(readSettings("?script=429,midstream,bogus,ok").script, ["429", "midstream", "ok"]);
});

test("tierReset sets how long a scripted 429-tier closes the minute window", () => {
  assert.equal(readSettings("?script=429-tier&tierReset=4000").tierResetMs, 4000);
  assert.equal(readSettings("?tierReset=-1").tierResetMs, undefined);
});
