// openai-node's SSE stream class alone (size, for reference).
export { Stream } from "openai/core/streaming";
