// The recorded shapes the fake upstream answers with (tests/fixtures), by role.
export const FIXTURES = {
  models: "models_2026-08.json",
  text: "sse_text-usage_gpt-4o-mini_2026-07.txt",
  tools: "sse_tool-call_gpt-4.1-mini.txt",
  reasoning: "sse_reasoning_claude-sonnet-4.5.txt",
  midstream: "sse_midstream-error_minimax-m2-free.txt",
  errors: "errors.jsonl",
};
