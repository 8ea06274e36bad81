// A module Worker bundled by Vite that uses the package on its own.
import init, { FreeRouterClient, FreeRouterError } from "free-router";
import { preInitCheck, runScenario } from "./scenario.js";

const preInit = preInitCheck({ FreeRouterClient, FreeRouterError });
init()
  .then(() => runScenario({ FreeRouterClient, FreeRouterError }))
  .then(
    (out) => postMessage({ preInit, ...out }),
    (e) => postMessage({ error: String((e && e.stack) || e) }),
  );
