// openai-node 7's client as an app ships it: start-up and size anchor.
export { OpenAI } from "openai7";
