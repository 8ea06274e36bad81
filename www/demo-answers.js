// Canned answers for the offline demo provider (demo-fetch.js).
//
// Each answer is honest about where it comes from (the prefix is added by
// `composeAnswer`), useful on its own, and a little markdown-ish because real
// models answer that way. Some use multi-byte UTF-8 (accents, symbols, CJK, an
// emoji outside the BMP) so the library's stream decoder meets split code points.

export const DEMO_PREFIX = "(Offline demo — no model was called.) ";

/** @typedef {{ id: string, label: string, keywords: string[], text: string }} Topic */

/** @type {Topic[]} */
export const TOPICS = [
  {
    id: "greeting",
    label: "a greeting",
    keywords: ["hello", "hi", "hey", "hola", "bonjour", "who are you", "what are you", "good morning", "howdy"],
    text: `Hi! You are talking to the offline demo of **free-router**, not to a language model.

Here is what just happened:
- your prompt went through the real library, compiled to WebAssembly;
- the library picked a model from a catalog snapshot and sent a normal OpenRouter request;
- a fake \`fetch\` answered with this canned text, streamed token by token like the real API.

Paste an OpenRouter key above to talk to real free models instead. The key stays in this tab's memory and is sent only to openrouter.ai.`,
  },
  {
    id: "code",
    label: "programming",
    keywords: ["code", "function", "javascript", "typescript", "python", "rust", "bug", "debug", "retry", "regex", "sql", "program", "script", "compile", "async"],
    text: `A pattern worth knowing whatever the language: **retry with exponential backoff and jitter**.

\`\`\`js
async function withRetry(fn, { tries = 4, baseMs = 500 } = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= tries || !isRetryable(err)) throw err;
      // Full jitter keeps many clients from retrying in lockstep.
      const wait = Math.random() * baseMs * 2 ** attempt;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
\`\`\`

Notes:
- retry only what can succeed later: 429, 502, 503, timeouts; never 400 or 401;
- honour \`Retry-After\` when the server sends it;
- cap the total wait, or users stare at a spinner.

free-router does this for you across models and providers.`,
  },
  {
    id: "cooking",
    label: "cooking",
    keywords: ["recipe", "cook", "bake", "pancake", "bread", "dinner", "lunch", "breakfast", "food", "meal", "soup", "pasta", "eat"],
    text: `**Quick lemon pasta for two** (about 20 minutes)

Ingredients:
- 200 g spaghetti
- 1 unwaxed lemon (zest and juice)
- 2 tbsp butter, 2 tbsp crème fraîche
- 40 g grated parmesan, black pepper, a little salt

Steps:
1. Cook the pasta in well-salted water; keep a cup of the cooking water.
2. Melt the butter on low heat, add the zest, then the crème fraîche.
3. Toss in the drained pasta with a splash of pasta water and the parmesan.
4. Finish with lemon juice and plenty of pepper. Taste, then adjust.

Tip: the starchy water is what makes the sauce glossy — add it a spoonful at a time.`,
  },
  {
    id: "travel",
    label: "travel",
    keywords: ["travel", "trip", "visit", "itinerary", "vacation", "holiday", "lisbon", "city", "weekend", "tour", "flight"],
    text: `**Three days in Lisbon, at an easy pace**

**Day 1 — Alfama and the castle.** Walk up to the Castelo de São Jorge early, before the crowds, then wander down through Alfama's stairways. Evening: fado in a small tasca.

**Day 2 — Belém.** Jerónimos Monastery, the riverside, and the obligatory pastéis de nata (eat them warm, with cinnamon). Take tram 15 back.

**Day 3 — Sintra day trip.** Trains leave from Rossio station about every 20 minutes; go to Pena Palace first and book a timed ticket.

Practical bits:
- wear shoes with grip — the limestone pavements are slippery;
- a Viva Viagem card covers metro, trams and trains;
- many museums close on Mondays.`,
  },
  {
    id: "science",
    label: "science",
    keywords: ["why", "sky", "blue", "physics", "science", "light", "gravity", "universe", "planet", "atom", "sunset"],
    text: `**Why the sky is blue**

Sunlight contains every visible colour. On its way through the atmosphere it meets nitrogen and oxygen molecules that are far smaller than its wavelength, and those scatter light with a strength proportional to λ⁻⁴ (Rayleigh scattering).

Blue light (λ ≈ 450 nm) is therefore scattered about (700 / 450)⁴ ≈ 5.8 times more than red light (≈ 700 nm). Look anywhere away from the Sun and you see that scattered blue light coming from all directions.

Two follow-ups:
- the sky is not violet because the Sun emits less violet, and our eyes are less sensitive to it;
- sunsets are red because the light crosses much more air, so most of the blue is scattered away before it reaches you.`,
  },
  {
    id: "math",
    label: "mathematics",
    keywords: ["math", "prime", "number", "calculate", "equation", "algebra", "probability", "percent", "sum", "proof", "square root"],
    text: `**Checking whether a number is prime**

A number n > 1 is prime when no integer from 2 to √n divides it. You only need to go up to √n: if n = a × b with a ≤ b, then a ≤ √n.

Example with 221:
- √221 ≈ 14.9, so test 2, 3, 5, 7, 11, 13;
- 221 ÷ 13 = 17 exactly, so 221 = 13 × 17 is **not** prime.

A faster trick for many candidates is the sieve of Eratosthenes: write 2…N, repeatedly cross out the multiples of the next uncrossed number, and what survives is prime. It costs about N · log log N steps.`,
  },
  {
    id: "poem",
    label: "poetry",
    keywords: ["poem", "haiku", "story", "verse", "limerick", "song", "lyrics", "rhyme", "write me"],
    text: `A short poem, written in advance (an offline demo can't compose one on the spot):

*Request and Reply*

A question leaves the quiet page,
it crosses wire and sea,
it waits in line at some far gate
for a turn that's shared and free.

And if that gate says "not just now",
it tries the next one down —
the answer comes, a little late,
from someone else's town.

Paste a key above to ask a real model for a poem on your own theme.`,
  },
  {
    id: "free-models",
    label: "free models and limits",
    keywords: ["free", "rate limit", "limit", "quota", "openrouter", "model", "api", "key", "429", "token", "provider", "router"],
    text: `**How free models on OpenRouter are limited**

- Free variants end in \`:free\`; \`openrouter/free\` is a router that picks one for you.
- All free models share **one account-wide budget**: 20 requests per minute, and 50 per day (1000 per day once you have bought at least 10 credits). Pinning one model does not raise it.
- The daily window resets at 00:00 UTC.
- A 429 can also come from the upstream provider ("temporarily rate-limited upstream"), even when your own budget is fine.
- Free endpoints may log prompts and use them for training; don't send anything private.

free-router keeps a ledger of these windows in the browser, cools down models that fail, falls back to the next candidate, and never spends money unless you set \`budget.maxUsd\`.`,
  },
  {
    id: "safety",
    label: "safe rendering of model output",
    keywords: ["xss", "sanitize", "sanitise", "safe", "html", "markdown", "table", "render"],
    text: `**How this page shows model output safely**

Answers are markdown, rendered while they stream, then cleaned by [DOMPurify](https://github.com/cure53/DOMPurify) before they reach the page:

| Model sends | The page shows |
| --- | --- |
| \`**bold**\`, lists, tables | formatted text |
| a fenced code block | highlighted code with a Copy button |
| raw \`<script>\` or \`<img onerror>\` | nothing: the tags are dropped |

Right after this sentence the demo sent a raw image tag with an \`onerror\` handler; you should see nothing here: <img src="x" onerror="document.title='pwned'">

Links open in a new tab without a referrer.`,
  },
  {
    id: "language",
    label: "languages",
    keywords: ["translate", "translation", "french", "spanish", "japanese", "german", "language", "how do you say", "meaning of"],
    text: `Here is one everyday sentence, "Where is the train station?", in a few languages:

- French: *Où est la gare ?* (note the space before "?" in French typography)
- Spanish: *¿Dónde está la estación de tren?*
- German: *Wo ist der Bahnhof?*
- Portuguese: *Onde fica a estação de comboios?* (in Brazil: *de trem*)
- Japanese: 駅はどこですか？ (*eki wa doko desu ka?*)

A real model could translate your own text; this offline demo only has this canned example. When you try it for real, give the model context — who the reader is and how formal it should be — because "you" alone has three translations in German.`,
  },
  {
    id: "summary",
    label: "summarising",
    keywords: ["summarize", "summarise", "summary", "tl;dr", "tldr", "shorten", "bullet", "key points"],
    text: `The offline demo can't read or summarise your text, but here is a template that gets good summaries out of small free models:

1. **Say who it is for.** "Summarise for a busy manager who has not read the thread."
2. **Fix the shape.** "Five bullets, each under 20 words, then one line of next steps."
3. **Ask for faithfulness.** "Use only facts from the text; write 'not stated' when something is missing."
4. **Put the text last**, between clear markers such as \`<text>\` … \`</text>\`.

Small models follow a fixed format better than an open request, and a word limit keeps them from padding. For long documents, summarise in chunks first, then summarise the summaries.`,
  },
  {
    id: "focus",
    label: "productivity",
    keywords: ["focus", "study", "productive", "productivity", "procrastinat", "learn", "habit", "sleep", "motivation", "exam", "tired"],
    text: `Some focus habits that hold up for most people:

- **Pick one task** and write down what "done" means before starting.
- **Work in blocks** of 25–50 minutes, then a real break away from the screen ☕.
- **Phone in another room.** Not face down; another room.
- **Start ugly.** Five bad minutes on the task beat an hour of planning to start.
- **Stop at a known next step** so tomorrow begins easily.
- **Sleep is part of the work**: memory consolidates overnight, and a short night costs more focus than it buys.

If a block keeps failing, the task is probably too big — split it until the first step is obvious. 🙂`,
  },
];

// Used when no topic matches; two variants so repeated prompts feel less robotic.
export const FALLBACK_TEXTS = [
  `This is a canned reply: the offline demo matches a few keywords in your prompt to about ten prepared topics, and your prompt matched none of them.

What you can still see here:
- **routing**: the badge shows the model the library chose and the provider that "served" it;
- **streaming**: tokens arrive one by one over a real \`ReadableStream\`, with the same chunk shapes OpenRouter sends;
- **faults**: now and then the fake server answers 429 or 404, or breaks a stream, and the library falls back or reports a typed error.

Try asking about code, cooking, travel, science, maths, poems, translation, summaries, focus, or free-model limits. Or paste an OpenRouter key to reach real free models.`,
  `I can't answer that one: nothing is generating text here. This offline demo has a handful of prepared answers and picks one by keywords.

The useful part is everything around the answer: the request you just sent went through the real free-router library (Rust compiled to WebAssembly), which chose a free model, kept count of the free-tier budget, and parsed this reply as a server-sent event stream. With an OpenRouter key, the same code talks to the real API; free models need no credits.

Prompts with words like "recipe", "Lisbon", "prime", "haiku" or "rate limit" get a topical canned answer.`,
];

/** Scores topics by keyword hits in `prompt`; ties and misses are settled by `rng`. */
export function pickTopic(prompt, rng) {
  const text = ` ${String(prompt).toLowerCase()} `;
  let best = [];
  let bestScore = 0;
  for (const topic of TOPICS) {
    let score = 0;
    for (const kw of topic.keywords) {
      // Word-start match so "hi" does not fire inside "this".
      const re = new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRe(kw)}`, "u");
      if (re.test(text)) score += kw.includes(" ") ? 2 : 1;
    }
    if (score > bestScore) {
      best = [topic];
      bestScore = score;
    } else if (score > 0 && score === bestScore) {
      best.push(topic);
    }
  }
  if (best.length === 0) return null;
  return best[Math.floor(rng() * best.length)];
}

/** The full canned answer (with the honest prefix) for a user prompt. */
export function composeAnswer(prompt, rng) {
  const topic = pickTopic(prompt, rng);
  const body = topic ? topic.text : FALLBACK_TEXTS[Math.floor(rng() * FALLBACK_TEXTS.length)];
  return { topic, text: DEMO_PREFIX + body };
}

export function imageAnswer(model) {
  return (
    DEMO_PREFIX +
    `Your message contains an image, but I can't see it: the offline demo only replays prepared text.

Routing did its part, though. Because the request carried an image, it had to go to a model that accepts image input, and it went to **${model}**. With a real key, that model would receive the picture and could describe it, read text in it, or answer questions about it.

Tips for real vision requests:
- send a reasonably small image (a long side of about 1000 px is plenty);
- ask a specific question ("what does the error dialog say?") rather than "describe this";
- free vision models are fewer, so expect more 429s and fallbacks.`
  );
}

export function toolResultAnswer(toolName, content) {
  const raw = typeof content === "string" ? content : JSON.stringify(content ?? null);
  const shown = raw.length > 300 ? raw.slice(0, 300) + "…" : raw;
  return (
    DEMO_PREFIX +
    `The \`${toolName}\` tool returned:

${shown}

A real model would now turn that result into a reply. The offline demo just echoes it back, so you can see the whole tool-call round trip work: request with tools → streamed tool call → your code runs the tool → this answer.`
  );
}

export function reasoningFor(topic) {
  const about = topic ? topic.label : "something the demo has no prepared answer for";
  return `The prompt looks like it is about ${about}. This is the offline demo, so nothing is actually reasoning: I will stream the prepared answer and say so up front.`;
}

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
