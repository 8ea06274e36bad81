// What the wasm imports (src/web/glue.rs and src/web/catalog.rs name these in src/js/glue.js),
// and fetch.js's `describe`. scripts/bundle-glue.mjs bundles this into src/js/glue.js.
export { FreeRouterError, makeError, isFreeRouterError, describe } from "./error.js";
export { isListener, sessionOptions, splitOptions, jsonStringify, jsonParse } from "./args.js";
export {
  sleep,
  linkSignal,
  isAbortSignal,
  startTimer,
  stopTimer,
  attemptStart,
  attemptSignal,
  attemptStop,
  attemptLate,
  newController,
  abortController,
  callFetch,
  responseStatus,
  responseHeaders,
  responseText,
  fetchWhole,
} from "./transport.js";
export { bodyReader, readUntil, cancelReader, mkDelta, setBigContent, wrapStream } from "./stream.js";
export { dispatch } from "./events.js";
export { storageGet, storageSet, storageSetSoon, storageRemove, randomU32 } from "./storage.js";
export { listenShared, withLock } from "./shared.js";
export { catalogModels } from "./catalog.js";
