// openai-node's browser streaming client as an app ships it: start-up and size anchor.
export { OpenAI } from "openai";
