import { FreeRouterError, isAbortSignal } from "./glue.js";

// client.batch's pool: many requests through the client's own public `chat` with
// `waitForQuota`, so items wait for windows instead of burning requests into 429s; results keep
// input order. src/web/batch.rs has read and checked the arguments.

/** How long one item may wait for quota: long enough for minute windows and cooldowns, short
 * enough that a spent daily limit fails the rest of the batch quickly. */
const ITEM_WAIT_MS = 600_000;

/** The batch of `text` (the requests' JSON) over `client`, a FreeRouterClient handle of its own
 * (freed at the end). */
export async function runBatch(client, text, concurrency, onProgress, signal) {
  const all = JSON.parse(text);
  const requests = Array.isArray(all) ? all : [];
  const total = requests.length;
  const results = new Array(total);
  let next = 0;
  let done = 0;
  let failed = 0;
  // The client's time spent waiting for quota since the batch began, from its own events.
  let waited = 0;
  const onWaiting = (e) => (waited += e.ms);
  client.addEventListener("waiting", onWaiting);
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const request = requests[i];
      let item;
      if (!request || typeof request !== "object" || Array.isArray(request)) {
        item = { ok: false, error: new FreeRouterError("invalid_argument", `requests[${i}] must be a chat request object`) };
      } else if (aborted(signal)) {
        item = { ok: false, error: new FreeRouterError("aborted", "the batch was aborted before this item started") };
      } else {
        try {
          item = { ok: true, result: await client.chat(request, { waitForQuota: ITEM_WAIT_MS, signal }) };
        } catch (error) {
          item = { ok: false, error };
        }
      }
      done++;
      if (!item.ok) failed++;
      results[i] = item;
      try {
        // A throwing callback must not stop the batch.
        if (typeof onProgress === "function") onProgress.call(undefined, { done, failed, total, waitingMs: Math.round(waited) });
      } catch {}
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(total, 1)) }, worker));
  client.removeEventListener("waiting", onWaiting);
  client.free();
  return results;
}

function aborted(signal) {
  try {
    return isAbortSignal(signal) && signal.aborted === true;
  } catch {
    return false;
  }
}
