// "Use it in your app": the install command and code samples that follow the chat's current
// settings (model, strategy, fallback, tools, waiting at limits) and the configured providers.
// Keys never appear: each provider's key is a variable the app fills from its own user.
import { highlightJs } from "./markdown.js";

const KEY_VARS = {
  openrouter: "openRouterKey",
  groq: "groqKey",
  gemini: "geminiKey",
  mistral: "mistralKey",
  cerebras: "cerebrasKey",
  custom: "customKey",
};

/** The sample's source for these settings and providers (pure: tested through the page). */
export function clientSample(settings, providers) {
  const lines = [];
  lines.push(`import init, { FreeRouterClient } from "free-router";`, "", "await init();");
  lines.push("const client = new FreeRouterClient({");
  lines.push("  providers: [");
  const list = providers.length ? providers : [{ id: "openrouter" }];
  for (const p of list) {
    if (p.id === "custom") {
      const models = p.models?.length ? `, models: ${JSON.stringify(p.models)}` : "";
      lines.push(`    { id: "custom", kind: "openai-compatible", baseUrl: ${JSON.stringify(p.baseUrl)}, apiKey: customKey${models}, free: true },`);
    } else {
      lines.push(`    { id: ${JSON.stringify(p.id)}, apiKey: ${KEY_VARS[p.id] ?? "apiKey"} }, // your user's key`);
    }
  }
  lines.push("  ],");
  lines.push(`  strategy: ${JSON.stringify(settings.strategy)},`);
  lines.push("});", "");
  const req = [`model: ${JSON.stringify(settings.model || "auto")}`, `messages: [{ role: "user", content: prompt }]`];
  if (settings.tools) req.push("tools: [getWeatherTool]");
  const opts = [`fallback: ${settings.fallback}`, `resumeOnError: ${settings.fallback}`];
  if (settings.autoWait) opts.push("waitForQuota: 120_000");
  const target = settings.pin ? "session" : "client";
  if (settings.pin) lines.push("const session = client.session(); // keeps the first model that answers", "");
  lines.push(`const stream = await ${target}.chatStream(`);
  lines.push(`  { ${req.join(", ")} },`);
  lines.push(`  { ${opts.join(", ")} },`);
  lines.push(");");
  lines.push("for await (const delta of stream) output.append(delta.content ?? \"\");");
  lines.push("const { route } = await stream.final(); // which model answered, every attempt");
  return lines.join("\n");
}

export function openAiSample(settings) {
  return [
    `import OpenAI from "openai";`,
    "",
    "// client: the FreeRouterClient above; it routes, falls back and keeps the quota.",
    "const openai = new OpenAI({",
    `  apiKey: "unused",`,
    `  baseURL: "https://openrouter.ai/api/v1",`,
    "  fetch: client.fetch,",
    "  dangerouslyAllowBrowser: true,",
    "  maxRetries: 0,",
    "});",
    "const completion = await openai.chat.completions.create({",
    `  model: ${JSON.stringify(settings.model || "auto")},`,
    `  messages: [{ role: "user", content: prompt }],`,
    "});",
  ].join("\n");
}

export function createUsagePanel({ getProviders }) {
  const $ = (id) => document.getElementById(id);
  const client = $("snippet-client");
  const openai = $("snippet-openai");
  let last = { model: "auto", strategy: "random", fallback: true, tools: false, autoWait: false, pin: false };
  const texts = { install: "npm install free-router", client: "", openai: "" };

  function render(settings = last) {
    last = settings;
    texts.client = clientSample(settings, getProviders());
    texts.openai = openAiSample(settings);
    client.innerHTML = highlightJs(texts.client);
    openai.innerHTML = highlightJs(texts.openai);
  }

  for (const b of document.querySelectorAll("#use-it .copy-snippet")) {
    b.addEventListener("click", async () => {
      const old = b.textContent;
      try {
        await navigator.clipboard.writeText(texts[b.dataset.copy] ?? "");
        b.textContent = "Copied";
      } catch {
        b.textContent = "Copy failed";
      }
      setTimeout(() => (b.textContent = old), 1500);
    });
  }
  render();
  return { render };
}
