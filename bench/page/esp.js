// eventsource-parser alone (size, for reference).
export { createParser } from "eventsource-parser";
