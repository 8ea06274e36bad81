// Page settings from the query string, e.g. ?seed=1&faults=0&speed=10&script=429,ok&tierReset=4000.
// Tests use them to make the offline demo deterministic and fast.

/**
 * @typedef {object} Settings
 * @property {number|undefined} seed    fixes demo answers, pacing, faults and routing
 * @property {boolean|object} faults    demo fault injection; on unless faults=0
 * @property {number} speed             demo pacing divisor (1 = realistic)
 * @property {string|undefined} model   initial model id (default "auto")
 * @property {string[]} script          demo faults for the first chat requests, in order
 * @property {number|undefined} tierResetMs  how long a scripted "429-tier" closes the minute window
 * @property {boolean} log              keep the demo's chat request bodies in window.demoRequests
 */

/** @returns {Settings} */
export function readSettings(search = globalThis.location?.search ?? "") {
  const q = new URLSearchParams(search);
  const num = (name) => {
    const v = q.get(name);
    if (v === null || v.trim() === "") return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  };

  const seed = num("seed");
  const speed = num("speed");

  // faults=0|false|off disables; faults=1 (or absent) uses the defaults;
  // faults=0.1,0.05,0.05 sets rate429, rate404, rateMidstream.
  let faults = true;
  const f = q.get("faults");
  if (f !== null) {
    if (/^(0|false|off|no)$/i.test(f.trim())) faults = false;
    else if (f.includes(",")) {
      const [rate429, rate404, rateMidstream] = f.split(",").map((x) => Number(x) || 0);
      faults = { rate429, rate404, rateMidstream };
    }
  }

  const model = q.get("model")?.trim() || undefined;
  const script = (q.get("script") ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter((x) => /^(429|429-tier|404|midstream|ok)$/.test(x));
  const tierReset = num("tierReset");
  const tierResetMs = tierReset && tierReset > 0 ? tierReset : undefined;
  const log = q.get("log") === "1";
  return { seed, faults, speed: speed && speed > 0 ? speed : 1, model, script, tierResetMs, log };
}
