// Chat panel: a conversation (history kept), streamed answers with a badge per message
// (model, provider, attempts), Stop, strategy, "pin this model" (client.session()),
// image attach (vision routing) and a sample tool (get_weather) whose calls are shown.
// Model output is only ever inserted as text, never as HTML.

const WEATHER_TOOL = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The current weather in a city.",
    parameters: {
      type: "object",
      properties: {
        city: { type: "string", description: "City name, e.g. Lisbon" },
        unit: { type: "string", enum: ["celsius", "fahrenheit"] },
      },
      required: ["city"],
    },
  },
};
const MAX_TOOL_ROUNDS = 3;
const MAX_IMAGE_BYTES = 4 * 1024 * 1024;

/**
 * @typedef {{ client: any, mode: "demo" | "live", generation: number }} ClientHandle
 * @param {{ getClient: () => ClientHandle, defaultModel: string, defaultStrategy: string }} opts
 */
export function createChatPanel({ getClient, defaultModel, defaultStrategy }) {
  const $ = (id) => document.getElementById(id);
  const form = /** @type {HTMLFormElement} */ ($("chat-form"));
  const messagesEl = $("messages");
  const emptyEl = $("messages-empty");
  const promptInput = /** @type {HTMLTextAreaElement} */ ($("prompt"));
  const modelInput = /** @type {HTMLInputElement} */ ($("model"));
  const modelList = $("model-list");
  const strategySel = /** @type {HTMLSelectElement} */ ($("strategy"));
  const fallbackBox = /** @type {HTMLInputElement} */ ($("fallback"));
  const pinBox = /** @type {HTMLInputElement} */ ($("pin"));
  const pinStatus = $("pin-status");
  const toolsBox = /** @type {HTMLInputElement} */ ($("tools"));
  const imageInput = /** @type {HTMLInputElement} */ ($("image"));
  const attached = $("attached");
  const attachedImg = /** @type {HTMLImageElement} */ ($("attached-img"));
  const attachedName = $("attached-name");
  const sendBtn = /** @type {HTMLButtonElement} */ ($("send"));
  const stopBtn = /** @type {HTMLButtonElement} */ ($("stop"));
  const status = $("status");

  modelInput.value = defaultModel;
  if ([...strategySel.options].some((o) => o.value === defaultStrategy)) strategySel.value = defaultStrategy;

  /** OpenAI-shaped messages of the conversation so far. */
  let history = [];
  /** The run in progress, if any. */
  let run = null;
  /** { session, generation } while "pin" is on. */
  let pinned = null;
  /** { dataUrl, name } of the attached image. */
  let image = null;

  // ---------------------------------------------------------------- status line

  function setStatus(text, kind = "info") {
    status.textContent = text;
    status.dataset.kind = kind;
  }

  function setError(e) {
    const { code, message } = describeError(e);
    const strong = document.createElement("strong");
    strong.textContent = code;
    status.replaceChildren(strong, document.createTextNode(`: ${message}`));
    status.dataset.kind = "error";
  }

  function setRunning(on) {
    sendBtn.disabled = on;
    stopBtn.disabled = !on;
    messagesEl.setAttribute("aria-busy", String(on));
    if (on && document.activeElement === sendBtn) stopBtn.focus();
    if (!on && (document.activeElement === stopBtn || document.activeElement === document.body)) promptInput.focus();
  }

  // ---------------------------------------------------------------- rendering

  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };

  // Follow the newest text unless the reader scrolled up to read something older.
  let follow = true;
  messagesEl.addEventListener("scroll", () => {
    follow = messagesEl.scrollHeight - messagesEl.scrollTop - messagesEl.clientHeight < 32;
  });
  function scrollDown(force = false) {
    if (force) follow = true;
    if (follow) messagesEl.scrollTop = messagesEl.scrollHeight;
  }

  function renderUser(text, img) {
    emptyEl.hidden = true;
    const art = el("article", "msg msg-user");
    art.setAttribute("aria-label", "You");
    art.append(el("p", "msg-role", "You"));
    if (text) art.append(el("p", "msg-text", text));
    if (img) {
      const i = el("img", "msg-image");
      i.src = img.dataUrl;
      i.alt = `Attached image ${img.name}`;
      art.append(i);
    }
    messagesEl.append(art);
    scrollDown(true);
  }

  /** An assistant message being streamed; returns its parts. */
  function renderAssistant() {
    emptyEl.hidden = true;
    const art = el("article", "msg msg-assistant");
    art.setAttribute("aria-label", "Assistant");
    const head = el("div", "msg-head");
    head.append(el("p", "msg-role", "Assistant"));
    const badge = el("p", "badge");
    badge.hidden = true;
    const bModel = el("span", "badge-model");
    const bProvider = el("span", "badge-provider");
    const bAttempts = el("span", "badge-attempts");
    badge.append(bModel, bProvider, bAttempts);
    head.append(badge);
    const reasoning = el("details", "reasoning");
    reasoning.hidden = true;
    reasoning.append(el("summary", "", "Reasoning"));
    const reasoningText = el("p", "reasoning-text");
    reasoning.append(reasoningText);
    const content = el("div", "msg-text content");
    const tools = el("div", "tool-calls");
    const note = el("p", "msg-note");
    note.hidden = true;
    art.append(head, reasoning, content, tools, note);
    messagesEl.append(art);
    scrollDown();

    const appender = (target) => {
      let node = null;
      return (text) => {
        if (!node) {
          node = document.createTextNode("");
          target.append(node);
        }
        node.appendData(text);
        scrollDown();
      };
    };

    const reasoningAppend = appender(reasoningText);
    return {
      art,
      addContent: appender(content),
      addReasoning: (t) => {
        reasoning.hidden = false;
        reasoningAppend(t);
      },
      contentText: () => content.textContent,
      /** Once complete: **bold** spans become <strong>, built as nodes (never HTML). */
      finish() {
        const text = content.textContent;
        if (!text.includes("**")) return;
        const parts = text.split(/\*\*([^*\n]+)\*\*/g);
        const nodes = parts.map((t, i) => {
          if (i % 2 === 0) return document.createTextNode(t);
          const b = document.createElement("strong");
          b.textContent = t;
          return b;
        });
        content.replaceChildren(...nodes);
      },
      badge(model, provider, attempts, mode) {
        if (!model) return;
        if (bModel.textContent !== model) bModel.textContent = model;
        const via = provider ? `via ${provider}` : "";
        if (bProvider.textContent !== via) bProvider.textContent = via;
        const n = Number(attempts) || 1;
        const a = `${n} attempt${n === 1 ? "" : "s"}`;
        if (bAttempts.textContent !== a) bAttempts.textContent = a;
        badge.dataset.mode = mode;
        badge.dataset.attempts = String(n);
        badge.hidden = false;
      },
      toolCall(name, args) {
        const box = el("div", "tool-call");
        box.append(el("p", "tool-title", `Tool call: ${name}`));
        box.append(el("pre", "tool-args", prettyJson(args)));
        tools.append(box);
        scrollDown();
        return box;
      },
      toolResult(box, result) {
        box.append(el("p", "tool-title", "Result (made up by this page)"));
        box.append(el("pre", "tool-args", JSON.stringify(result, null, 2)));
        scrollDown();
      },
      note(text, kind) {
        note.textContent = text;
        note.dataset.kind = kind;
        note.hidden = false;
      },
    };
  }

  function clearConversation() {
    history = [];
    for (const m of [...messagesEl.querySelectorAll(".msg")]) m.remove();
    emptyEl.hidden = false;
    unpin();
    if (pinBox.checked) pinStatus.textContent = "The next answer picks a model; the conversation then stays on it.";
  }

  // ---------------------------------------------------------------- pinning

  function unpin() {
    try {
      pinned?.session.unpin();
    } catch {
      /* a session of an old client */
    }
    pinned = null;
  }

  function target(handle) {
    if (!pinBox.checked) return handle.client;
    if (!pinned || pinned.generation !== handle.generation) {
      pinned = { session: handle.client.session(), generation: handle.generation };
    }
    return pinned.session;
  }

  function showPin() {
    if (!pinBox.checked || !pinned) return;
    const m = pinned.session.model;
    pinStatus.textContent = m
      ? `Pinned to ${m}${pinned.session.provider ? ` (${pinned.session.provider})` : ""} until it becomes unavailable.`
      : "The next answer picks a model; the conversation then stays on it.";
  }

  pinBox.addEventListener("change", () => {
    if (!pinBox.checked) {
      unpin();
      pinStatus.textContent = "";
    } else {
      pinStatus.textContent = "The next answer picks a model; the conversation then stays on it.";
    }
  });

  // ---------------------------------------------------------------- image attach

  function setImage(img) {
    image = img;
    attached.hidden = !img;
    if (img) {
      attachedImg.src = img.dataUrl;
      attachedName.textContent = img.name;
    } else {
      attachedImg.removeAttribute("src");
      attachedName.textContent = "";
      imageInput.value = "";
    }
  }

  imageInput.addEventListener("change", () => {
    const file = imageInput.files?.[0];
    if (!file) return;
    if (!file.type.startsWith("image/")) {
      setStatus("That file is not an image.", "warn");
      imageInput.value = "";
      return;
    }
    if (file.size > MAX_IMAGE_BYTES) {
      setStatus("That image is larger than 4 MB; pick a smaller one.", "warn");
      imageInput.value = "";
      return;
    }
    const reader = new FileReader();
    reader.onload = () => {
      setImage({ dataUrl: String(reader.result), name: file.name });
      setStatus(`Attached ${file.name}: the next message needs a vision model.`);
    };
    reader.onerror = () => setStatus("Could not read that image.", "warn");
    reader.readAsDataURL(file);
  });
  $("remove-image").addEventListener("click", () => {
    setImage(null);
    promptInput.focus();
  });

  // ---------------------------------------------------------------- sending

  function describeError(e) {
    if (e && typeof e === "object" && typeof e.code === "string") return { code: e.code, message: String(e.message) };
    if (e instanceof Error) return { code: e.name, message: e.message };
    return { code: "error", message: String(e) };
  }
  const isAbort = (e) => e?.name === "AbortError" || e?.code === "aborted";

  async function send() {
    if (run) return;
    const text = promptInput.value.trim();
    if (!text && !image) {
      setStatus("Type a prompt first.", "warn");
      promptInput.focus();
      return;
    }
    let handle;
    try {
      handle = getClient();
    } catch (e) {
      setError(e);
      return;
    }
    const img = image;
    const user = img
      ? {
          role: "user",
          content: [
            { type: "text", text: text || "What is in this image?" },
            { type: "image_url", image_url: { url: img.dataUrl } },
          ],
        }
      : { role: "user", content: text };
    history.push(user);
    renderUser(text, img);
    promptInput.value = "";
    setImage(null);

    const me = { controller: new AbortController(), stream: null, stopped: false };
    run = me;
    setRunning(true);
    const started = performance.now();
    try {
      for (let round = 0; round < MAX_TOOL_ROUNDS; round++) {
        const more = await turn(handle, me, started);
        if (!more || me.stopped) break;
      }
    } finally {
      if (run === me) run = null;
      setRunning(false);
      showPin();
    }
  }

  /** One request; resolves true when tool results were added and the model should continue. */
  async function turn(handle, me, started) {
    const view = renderAssistant();
    const model = modelInput.value.trim() || "auto";
    const req = { model, messages: history.slice() };
    if (toolsBox.checked) req.tools = [WEATHER_TOOL];
    const opts = {
      signal: me.controller.signal,
      fallback: fallbackBox.checked,
      resumeOnError: fallbackBox.checked,
      strategy: strategySel.value,
    };
    setStatus(model === "auto" ? "Choosing a free model…" : `Waiting for ${model}…`);
    me.stream = null;
    try {
      const stream = await target(handle).chatStream(req, opts);
      me.stream = stream;
      if (me.stopped) stream.abort();
      const live = () => view.badge(stream.model, stream.provider, stream.route?.attempts?.length, handle.mode);
      live();
      if (!me.stopped) setStatus("Streaming…");
      let usage = null;
      let calling = false;
      for await (const d of stream) {
        if (d.reasoning) view.addReasoning(d.reasoning);
        if (d.content) view.addContent(d.content);
        if (d.toolCalls && !calling) {
          calling = true;
          setStatus("The model is calling a tool…");
        }
        if (d.usage) usage = d.usage;
        live();
      }
      const result = await stream.final();
      const route = result.route ?? stream.route;
      view.badge(route?.model ?? stream.model, route?.provider ?? stream.provider, route?.attempts?.length, handle.mode);
      const msg = result.choices?.[0]?.message ?? { content: view.contentText() };
      const calls = Array.isArray(msg.tool_calls) ? msg.tool_calls : [];
      if (calls.length && toolsBox.checked && !me.stopped) {
        history.push({ role: "assistant", content: msg.content || null, tool_calls: calls });
        for (const call of calls) {
          const box = view.toolCall(call.function?.name ?? "tool", call.function?.arguments ?? "");
          const out = runTool(call);
          view.toolResult(box, out);
          history.push({ role: "tool", tool_call_id: call.id, content: JSON.stringify(out) });
        }
        return true;
      }
      history.push({ role: "assistant", content: msg.content ?? view.contentText() });
      view.finish();
      setStatus(summary(started, usage ?? result.usage, route), "ok");
      return false;
    } catch (e) {
      const partial = view.contentText();
      if (partial) history.push({ role: "assistant", content: partial });
      if (me.stream) view.badge(me.stream.model, me.stream.provider, me.stream.route?.attempts?.length, handle.mode);
      if (me.stopped || isAbort(e)) {
        setStatus("Aborted: you stopped the stream.", "warn");
        view.note("Stopped.", "warn");
      } else {
        setError(e);
        const { code } = describeError(e);
        view.note(`Failed: ${code}.`, "error");
      }
      return false;
    }
  }

  function runTool(call) {
    let args = {};
    try {
      args = JSON.parse(call.function?.arguments || "{}");
    } catch {
      return { error: "the arguments are not JSON" };
    }
    if (call.function?.name !== "get_weather") return { error: `no tool named ${call.function?.name}` };
    const city = typeof args.city === "string" && args.city ? args.city : "Lisbon";
    const unit = args.unit === "fahrenheit" ? "fahrenheit" : "celsius";
    let h = 0;
    for (const ch of city.toLowerCase()) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    const c = 8 + (h % 22);
    const conditions = ["sunny", "partly cloudy", "light rain", "windy", "overcast"][h % 5];
    return { city, unit, temperature: unit === "celsius" ? c : Math.round(c * 1.8 + 32), conditions };
  }

  function stop() {
    if (!run || run.stopped) return;
    run.stopped = true;
    setStatus("Stopping…", "warn");
    if (run.stream) run.stream.abort();
    else run.controller.abort();
  }

  function summary(started, usage, route) {
    const parts = [`Done in ${((performance.now() - started) / 1000).toFixed(1)} s`];
    const tokens = usage && (usage.completionTokens ?? usage.completion_tokens);
    if (Number.isFinite(tokens)) parts.push(`${tokens} tokens`);
    const n = route?.attempts?.length;
    if (n > 1) parts.push(`${n} attempts`);
    return parts.join(" · ");
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    send();
  });
  stopBtn.addEventListener("click", stop);
  $("new-chat").addEventListener("click", () => {
    if (run) stop();
    clearConversation();
    setStatus("New conversation.");
    promptInput.focus();
  });
  promptInput.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && run) stop();
  });

  return {
    ready() {
      sendBtn.disabled = false;
      setStatus("Ready. Type a prompt and press Send.");
    },
    failed(message) {
      sendBtn.disabled = true;
      setStatus(message, "error");
    },
    /** Model ids for the model field's suggestions. */
    setModelIds(ids) {
      const opts = ids.map((id) => {
        const o = document.createElement("option");
        o.value = id;
        return o;
      });
      modelList.replaceChildren(...opts);
    },
    useModel(id) {
      modelInput.value = id;
      modelInput.focus();
      setStatus(`Model set to ${id}. Fallback ${fallbackBox.checked ? "is on" : "is off"}.`);
    },
    /** The client changed (new keys): a pinned session belongs to the old one. */
    clientChanged() {
      unpin();
      if (pinBox.checked) pinStatus.textContent = "The next answer picks a model; the conversation then stays on it.";
    },
    onEvent(e) {
      if (!e || typeof e !== "object") return;
      if (e.type === "repin") showPin();
      if (!run || run.stream) return;
      if (e.type === "fallback" && typeof e.to === "string") {
        const why = typeof e.reason === "string" ? ` (${e.reason})` : "";
        setStatus(`${String(e.from ?? "model")} failed${why}; trying ${e.to}…`, "warn");
      } else if (e.type === "waiting" && Number.isFinite(e.ms)) {
        setStatus(`Waiting ${Math.ceil(e.ms / 1000)} s for the rate-limit window…`, "warn");
      }
    },
  };
}

function prettyJson(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return String(text);
  }
}
