// The anchors the page benchmarks against, bundled by esbuild into bench/out/anchors.js.
export { createParser } from "eventsource-parser";
export { Stream } from "openai/core/streaming";
export { OpenAI } from "openai";
export { Stream as Stream7 } from "openai7/core/streaming";
export { OpenAI as OpenAI7 } from "openai7";
export { streamText } from "ai";
export { createOpenAICompatible } from "@ai-sdk/openai-compatible";
