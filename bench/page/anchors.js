// The anchors the page benchmarks against, bundled by esbuild into bench/out/anchors.js.
export { createParser } from "eventsource-parser";
export { Stream } from "openai/core/streaming";
export { OpenAI } from "openai";
