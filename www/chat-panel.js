// Chat panel: model + prompt in, streamed answer out, Send / Stop, model badge,
// status line. Model output is only ever inserted as text (Text nodes), never as
// HTML, so a hostile answer can't inject markup.

/**
 * @typedef {{ client: any, mode: "demo" | "live" }} ClientHandle
 * @param {{
 *   getClient: () => ClientHandle,
 *   modelIds: string[],
 *   defaultModel: string,
 * }} opts
 */
export function createChatPanel({ getClient, modelIds, defaultModel }) {
  const $ = (id) => document.getElementById(id);
  const form = /** @type {HTMLFormElement} */ ($("chat-form"));
  const modelInput = /** @type {HTMLInputElement} */ ($("model"));
  const modelList = $("model-list");
  const promptInput = /** @type {HTMLTextAreaElement} */ ($("prompt"));
  const fallbackBox = /** @type {HTMLInputElement} */ ($("fallback"));
  const sendBtn = /** @type {HTMLButtonElement} */ ($("send"));
  const stopBtn = /** @type {HTMLButtonElement} */ ($("stop"));
  const status = $("status");
  const badge = $("badge");
  const badgeModel = $("badge-model");
  const badgeProvider = $("badge-provider");
  const answer = $("answer");
  const reasoningBox = $("reasoning");
  const reasoningText = $("reasoning-text");
  const content = $("content");
  const empty = $("answer-empty");

  for (const id of modelIds) {
    const opt = document.createElement("option");
    opt.value = id;
    modelList.append(opt);
  }
  modelInput.value = defaultModel;

  /** The run in progress, if any. */
  let run = null;

  function setStatus(text, kind = "info") {
    status.textContent = text;
    status.dataset.kind = kind;
  }

  /** Errors read `code: message`; the code is emphasised, everything stays text. */
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
    answer.setAttribute("aria-busy", String(on));
    // Keep keyboard users next to the action that makes sense now.
    if (on && document.activeElement === sendBtn) stopBtn.focus();
    if (!on && (document.activeElement === stopBtn || document.activeElement === document.body)) promptInput.focus();
  }

  function resetAnswer() {
    reasoningText.textContent = "";
    reasoningBox.hidden = true;
    content.textContent = "";
    empty.hidden = false;
    badge.hidden = true;
  }

  // One Text node per region, grown with appendData: cheap per token and inert.
  function appender(el) {
    let node = null;
    return (text) => {
      if (!node || node.parentNode !== el) {
        node = document.createTextNode("");
        el.append(node);
      }
      const stick = answer.scrollHeight - answer.scrollTop - answer.clientHeight < 24;
      node.appendData(text);
      empty.hidden = true;
      if (stick) answer.scrollTop = answer.scrollHeight;
    };
  }

  function showBadge(stream, mode) {
    const model = typeof stream?.model === "string" ? stream.model : "";
    const provider = typeof stream?.provider === "string" ? stream.provider : "";
    if (!model) return;
    if (badgeModel.textContent !== model) badgeModel.textContent = model;
    // `provider` is the free-router provider id ("demo" for the offline demo).
    const via = provider ? `provider: ${provider}` : "";
    if (badgeProvider.textContent !== via) badgeProvider.textContent = via;
    badge.dataset.mode = mode;
    badge.hidden = false;
  }

  function describeError(e) {
    if (e && typeof e === "object" && typeof e.code === "string") return { code: e.code, message: String(e.message) };
    if (e instanceof Error) return { code: e.name, message: e.message };
    return { code: "error", message: String(e) };
  }

  const isAbort = (e) => e?.name === "AbortError" || e?.code === "aborted";

  async function send() {
    if (run) return;
    const text = promptInput.value.trim();
    if (!text) {
      setStatus("Type a prompt first.", "warn");
      promptInput.focus();
      return;
    }
    const model = modelInput.value.trim() || "auto";

    let handle;
    try {
      handle = getClient();
    } catch (e) {
      setError(e);
      return;
    }

    resetAnswer();
    const me = { controller: new AbortController(), stream: null, stopped: false, mode: handle.mode };
    run = me;
    setRunning(true);
    setStatus(`Waiting for ${model}…`);
    const started = performance.now();
    const addReasoning = appender(reasoningText);
    const addContent = appender(content);

    try {
      const stream = await handle.client.chatStream(
        { model, messages: [{ role: "user", content: text }] },
        // One switch for both kinds of fallback: before the first token, and mid-stream
        // (resume on another model with the partial answer as a prefix).
        { signal: me.controller.signal, fallback: fallbackBox.checked, resumeOnError: fallbackBox.checked },
      );
      me.stream = stream;
      if (me.stopped) stream.abort(); // Stop was pressed while we waited for the first chunk
      showBadge(stream, me.mode);
      if (!me.stopped) setStatus("Streaming…");

      let usage = null;
      for await (const d of stream) {
        if (d.reasoning) {
          reasoningBox.hidden = false;
          addReasoning(d.reasoning);
        }
        if (d.content) addContent(d.content);
        if (d.usage) usage = d.usage;
        showBadge(stream, me.mode); // model/provider are live: they change on resume
      }
      if (me.stopped) setStatus("Aborted: you stopped the stream.", "warn");
      else setStatus(doneSummary(started, usage, stream), "ok");
    } catch (e) {
      if (me.stopped || isAbort(e)) setStatus("Aborted: you stopped the stream.", "warn");
      else setError(e);
      if (me.stream) showBadge(me.stream, me.mode);
    } finally {
      if (run === me) run = null;
      setRunning(false);
    }
  }

  function stop() {
    if (!run || run.stopped) return;
    run.stopped = true;
    setStatus("Stopping…", "warn");
    if (run.stream) run.stream.abort();
    else run.controller.abort(); // still waiting: cancel the request itself
  }

  function doneSummary(started, usage, stream) {
    const parts = [`Done in ${((performance.now() - started) / 1000).toFixed(1)} s`];
    const tokens = usage && (usage.completionTokens ?? usage.completion_tokens);
    if (Number.isFinite(tokens)) parts.push(`${tokens} tokens`);
    const attempts = stream?.route?.attempts;
    if (Array.isArray(attempts) && attempts.length > 1) parts.push(`${attempts.length} attempts`);
    return parts.join(" · ");
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    send();
  });
  stopBtn.addEventListener("click", stop);
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
    /** Library events, shown while a request is still looking for a model. */
    onEvent(e) {
      if (!run || run.stream || !e || typeof e !== "object") return;
      if (e.type === "fallback" && typeof e.to === "string") {
        const why = typeof e.reason === "string" ? ` (${e.reason})` : "";
        setStatus(`${String(e.from ?? "model")} failed${why}; trying ${e.to}…`, "warn");
      } else if (e.type === "waiting" && Number.isFinite(e.ms)) {
        setStatus(`Waiting ${Math.ceil(e.ms / 1000)} s for the rate-limit window…`, "warn");
      }
    },
  };
}
