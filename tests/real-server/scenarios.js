// What the real-server tests do with the built package against the LiteLLM proxy, the same in Node
// and in a page: each scenario takes the package's exports and the proxy's address and returns
// plain JSON for the test to assert on. A plain ES module without imports, so a page can load it.
//
//   lab = { baseUrl: "http://127.0.0.1:PORT", key, badKey, downUrl, tag }

const text = (content) => [{ role: "user", content }];

function provider(lab, extra = {}) {
  return { id: "lab", kind: "openai-compatible", baseUrl: `${lab.baseUrl}/v1`, apiKey: lab.key, free: true, ...extra };
}

function client(lib, lab, { providers, events, ...options } = {}) {
  return new lib.FreeRouterClient({
    providers: providers ?? [provider(lab)],
    storage: "memory",
    strategy: "ordered",
    onEvent: events ? (e) => events.push(plainEvent(e)) : undefined,
    ...options,
  });
}

function plainEvent(e) {
  return JSON.parse(JSON.stringify(e));
}

/** A rejection as plain data; `thrown: false` when the call resolved instead. */
async function failure(promise) {
  try {
    const value = await promise;
    return { thrown: false, value: JSON.parse(JSON.stringify(value ?? null)) };
  } catch (e) {
    return errorData(e);
  }
}

function errorData(e) {
  return {
    thrown: true,
    name: e?.name,
    isFreeRouterError: e?.constructor?.name === "FreeRouterError",
    code: e?.code,
    message: String(e?.message ?? e),
    status: e?.status,
    provider: e?.provider,
    model: e?.model,
    retryAfterMs: e?.retryAfterMs,
    partial: e?.partial,
    attempts: e?.attempts ? JSON.parse(JSON.stringify(e.attempts)) : undefined,
  };
}

const attempts = (route) => (route?.attempts ?? []).map((a) => ({ model: a.model, provider: a.provider, outcome: a.outcome, status: a.status }));

export const scenarios = {
  async catalog(lib, lab) {
    const c = client(lib, lab);
    const models = await c.listModels();
    return { ids: models.map((m) => m.id).sort(), providers: [...new Set(models.map((m) => m.provider))] };
  },

  async chat(lib, lab) {
    const events = [];
    const c = client(lib, lab, { events });
    const res = await c.chat({ model: "lab-text", messages: text("Say hello") });
    return {
      content: res.choices[0].message.content,
      model: res.route.model,
      provider: res.route.provider,
      attempts: attempts(res.route),
      usage: res.usage,
      eventTypes: events.map((e) => e.type),
    };
  },

  async stream(lib, lab) {
    const c = client(lib, lab);
    const stream = await c.chatStream({ model: "lab-text", messages: text("Stream hello"), stream_options: { include_usage: true } });
    const pieces = [];
    let usage = null;
    for await (const d of stream) {
      if (d.content) pieces.push(d.content);
      if (d.usage) usage = d.usage;
    }
    const final = await stream.final();
    return { pieces, usage, finalContent: final.choices[0].message.content, attempts: attempts(final.route) };
  },

  async slowStream(lib, lab) {
    const c = client(lib, lab);
    const stream = await c.chatStream({ model: "lab-slow", messages: text(`slow whole ${lab.tag}`) });
    const arrivals = [];
    const started = Date.now();
    for await (const d of stream) if (d.content) arrivals.push({ content: d.content, at: Date.now() - started });
    return { arrivals, text: arrivals.map((a) => a.content).join(""), attempts: attempts(stream.route) };
  },

  async abort(lib, lab) {
    const c = client(lib, lab);
    const controller = new AbortController();
    const stream = await c.chatStream({ model: "lab-slow", messages: text(`abort ${lab.tag}`) }, { signal: controller.signal });
    const pieces = [];
    const result = await failure(
      (async () => {
        for await (const d of stream) {
          if (d.content) pieces.push(d.content);
          if (pieces.length === 3) controller.abort();
        }
      })(),
    );
    return { pieces, result, abortedAt: Date.now(), attempts: attempts(stream.route) };
  },

  async breakOut(lib, lab) {
    const c = client(lib, lab);
    const stream = await c.chatStream({ model: "lab-slow", messages: text(`break ${lab.tag}`) });
    const pieces = [];
    for await (const d of stream) {
      if (d.content) pieces.push(d.content);
      if (pieces.length === 2) break;
    }
    return { pieces, attempts: attempts(stream.route) };
  },

  async fallback(lib, lab) {
    const events = [];
    const c = client(lib, lab, { events });
    const res = await c.chat({ models: ["lab-broken", "lab-text"], messages: text("Fall back") }, { fallback: true });
    return {
      content: res.choices[0].message.content,
      model: res.route.model,
      attempts: attempts(res.route),
      fallbacks: events.filter((e) => e.type === "fallback"),
      attempted: events.filter((e) => e.type === "attempt").map((e) => ({ model: e.model, provider: e.provider })),
    };
  },

  async crossProviderFallback(lib, lab) {
    const events = [];
    const c = client(lib, lab, {
      events,
      providers: [provider(lab, { id: "lab", models: ["lab-broken"] }), provider(lab, { id: "lab2", models: ["lab-text"] })],
    });
    const res = await failure(c.chat({ models: ["lab-broken", "lab-text"], messages: text("Cross over") }, { fallback: true }));
    return {
      res,
      sequence: events
        .filter((e) => e.type === "fallback" || e.type === "attempt")
        .map((e) => (e.type === "attempt" ? { attempt: e.model, provider: e.provider } : { fallbackTo: e.to, provider: e.toProvider })),
      fallbacks: events.filter((e) => e.type === "fallback"),
      attempted: events.filter((e) => e.type === "attempt").map((e) => ({ model: e.model, provider: e.provider })),
    };
  },

  async errors(lib, lab) {
    const c = client(lib, lab);
    const contextLength = await failure(c.chat({ model: "lab-small", messages: text("Too long") }));
    const serverError = await failure(c.chat({ model: "lab-broken", messages: text("Break") }));
    let midStreamRoute = null;
    const midStream = await failure(
      (async () => {
        const stream = await c.chatStream({ model: "lab-midstream", messages: text("Break mid-way") });
        let got = "";
        try {
          for await (const d of stream) if (d.content) got += d.content;
        } finally {
          midStreamRoute = attempts(stream.route);
        }
        return got;
      })(),
    );
    return { contextLength, serverError, midStream, midStreamRoute };
  },

  async auth(lib, lab) {
    const c = client(lib, lab, { providers: [provider(lab, { apiKey: lab.badKey })] });
    const first = await failure(c.chat({ model: "lab-text", messages: text("Wrong key") }));
    const second = await failure(c.chat({ model: "lab-text", messages: text("Wrong key again") }));
    return { first, second };
  },

  async authCatalog(lib, lab) {
    const c = client(lib, lab, { providers: [provider(lab, { apiKey: lab.badKey })] });
    const catalog = await failure(c.listModels());
    const chat = await failure(c.chat({ model: "lab-text", messages: text("After a refused catalog") }));
    return { catalog, chat };
  },

  async unservedModel(lib, lab) {
    const c = client(lib, lab, { providers: [provider(lab, { models: ["lab-ghost", "lab-text"] })] });
    const request = { models: ["lab-ghost", "lab-text"], messages: text("Ghost") };
    const first = await failure(c.chat(request, { fallback: true }));
    const second = await failure(c.chat(request, { fallback: true }));
    return {
      first: first.thrown ? first : { attempts: attempts(first.value.route) },
      second: second.thrown ? second : { attempts: attempts(second.value.route) },
    };
  },

  async coolingAfter5xx(lib, lab) {
    const c = client(lib, lab);
    const first = await failure(c.chat({ model: "lab-broken", messages: text("Break") }));
    const second = await failure(c.chat({ model: "lab-broken", messages: text("Break again") }));
    return { first, second };
  },

  async unknownPinned(lib, lab) {
    const c = client(lib, lab);
    return failure(c.chat({ model: "lab-txt", messages: text("Typo") }, { fallback: false }));
  },

  async endpointDown(lib, lab) {
    const down = (apiKey) => client(lib, lab, { providers: [provider({ baseUrl: lab.downUrl }, { apiKey })] });
    return {
      chat: await failure(down(lab.key).chat({ messages: text("Anyone there?") })),
      listModels: await failure(down(lab.key).listModels()),
      // An endpoint without a key (a local server) is as likely to be down.
      keylessChat: await failure(down(undefined).chat({ messages: text("Anyone there?") })),
    };
  },

  async catalogSource(lib, lab) {
    const events = [];
    const c = client(lib, lab, { events, providers: [provider(lab, { apiKey: undefined, models: ["lab-text"] })] });
    const info = await c.refreshCatalog();
    return { info, catalogEvents: events.filter((e) => e.type === "catalog") };
  },

  async quotaEvent(lib, lab) {
    const events = [];
    const c = client(lib, lab, { events });
    await c.chat({ model: "lab-text", messages: text("Quota event") });
    return { snapshots: events.filter((e) => e.type === "quota").map((e) => e.snapshot ?? e) };
  },

  /** One request passes, the next gets LiteLLM's own 429 (llm_provider-retry-after: 60, no Retry-After). */
  async rpmLimit(lib, lab) {
    const model = lab.limitedModel;
    const first = client(lib, lab);
    const ok = await first.chat({ model, messages: text("First of the minute") });
    const afterOk = first.quota().scopes.filter((s) => s.provider === "lab");
    const ledgerRefusal = await failure(first.chat({ model, messages: text("Second, same client") }));
    const fresh = client(lib, lab);
    const serverRefusal = await failure(fresh.chat({ model, messages: text("Second, fresh client") }));
    const afterRefusal = fresh.quota().scopes.filter((s) => s.provider === "lab");
    const localRefusal = await failure(fresh.chat({ model, messages: text("Third, after the 429") }));
    return { content: ok.choices[0].message.content, afterOk, ledgerRefusal, serverRefusal, afterRefusal, localRefusal };
  },

  /**
   * A call that waits for the minute window, then is sent and answered. `learnFirst`: the client
   * first learns the window from a 200's x-ratelimit-* headers (Node only); otherwise its first
   * word from the server is LiteLLM's 429.
   */
  async waitForQuota(lib, lab) {
    const model = lab.limitedModel;
    const events = [];
    const c = client(lib, lab, { events });
    if (lab.learnFirst) await c.chat({ model, messages: text("Learn the window") });
    const started = Date.now();
    const res = await failure(c.chat({ model, messages: text("Worth the wait") }, { waitForQuota: 90_000 }));
    return {
      res: res.thrown ? res : { content: res.value.choices[0].message.content, attempts: attempts(res.value.route) },
      ms: Date.now() - started,
      waiting: events.filter((e) => e.type === "waiting"),
    };
  },
};

export async function runScenario(lib, name, lab) {
  try {
    return await scenarios[name](lib, lab);
  } catch (e) {
    return { scenarioError: errorData(e) };
  }
}
