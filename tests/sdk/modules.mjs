// The SDKs as README samples name them, resolved from tests/sdk/node_modules (for readme.test.mjs).
export { default as OpenAI } from "openai7";
export { generateText, streamText } from "ai";
export { createOpenAICompatible } from "@ai-sdk/openai-compatible";
