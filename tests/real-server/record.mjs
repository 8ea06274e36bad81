// Re-records fixtures/litellm-exchanges.json from the pinned LiteLLM (by hand, after changing the
// pin or config.yaml):  node tests/real-server/record.mjs
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { recordExchanges } from "./exchanges.mjs";
import { GOOD_KEY, HERE, awayFromMinuteEdge, startLiteLLM } from "./litellm.mjs";

const origin = "http://127.0.0.1:9";
const server = await startLiteLLM({ corsOrigins: [origin] });
try {
  await awayFromMinuteEdge();
  const exchanges = await recordExchanges({ baseUrl: server.baseUrl, origin, goodKey: GOOD_KEY });
  await mkdir(path.join(HERE, "fixtures"), { recursive: true });
  const file = path.join(HERE, "fixtures/litellm-exchanges.json");
  await writeFile(file, `${JSON.stringify(exchanges, null, 2)}\n`);
  console.log(`wrote ${file}`);
} finally {
  await server.stop();
}
