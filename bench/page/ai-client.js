// The AI SDK 7 with its OpenAI-compatible provider as an app ships it: start-up and size anchor.
export { streamText } from "ai";
export { createOpenAICompatible } from "@ai-sdk/openai-compatible";
