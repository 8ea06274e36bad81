// Chat panel: the conversation (kept as turns, persisted), answers streamed as sanitised
// markdown, a badge per answer that opens its route, message actions (copy, retry, another
// model, edit), the composer (Enter sends, Shift+Enter adds a line, Esc stops) and the
// quota flow (a limit offers "Wait and send" with a live countdown).
import { renderMarkdown } from "./markdown.js";
import { describeError, friendlyError, limitAdvice, countdown } from "./errors.js";
import { closestIds } from "./model-check.js";

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
const AUTO_WAIT_MS = 120_000; // "Wait at limits": the longest wait the page accepts on its own
const UNDO_MS = 20_000;
const ROUTERS = new Set(["auto", "openrouter/free"]);

/**
 * @typedef {{ client: any, mode: "demo" | "live", generation: number }} ClientHandle
 * @param {{ getClient: () => ClientHandle, store: ReturnType<import("./store.js").createStore>,
 *   initial: { model?: string, strategy?: string }, onSettings: (s: object) => void,
 *   onQuotaChange: () => void }} opts
 */
export function createChatPanel({ getClient, store, initial, onSettings, onQuotaChange, onTrouble = () => {} }) {
  const $ = (id) => document.getElementById(id);
  const form = /** @type {HTMLFormElement} */ ($("chat-form"));
  const chatSection = $("chat");
  const messagesEl = $("messages");
  const emptyEl = $("messages-empty");
  const jumpBtn = $("jump");
  const promptInput = /** @type {HTMLTextAreaElement} */ ($("prompt"));
  const modelInput = /** @type {HTMLInputElement} */ ($("model"));
  const modelList = $("model-list");
  const modelCheck = $("model-check");
  const strategySel = /** @type {HTMLSelectElement} */ ($("strategy"));
  const fallbackBox = /** @type {HTMLInputElement} */ ($("fallback"));
  const pinBox = /** @type {HTMLInputElement} */ ($("pin"));
  const pinStatus = $("pin-status");
  const toolsBox = /** @type {HTMLInputElement} */ ($("tools"));
  const autoWaitBox = /** @type {HTMLInputElement} */ ($("auto-wait"));
  const imageInput = /** @type {HTMLInputElement} */ ($("image"));
  const attached = $("attached");
  const attachedImg = /** @type {HTMLImageElement} */ ($("attached-img"));
  const attachedName = $("attached-name");
  const sendBtn = /** @type {HTMLButtonElement} */ ($("send"));
  const stopBtn = /** @type {HTMLButtonElement} */ ($("stop"));
  const undoBtn = /** @type {HTMLButtonElement} */ ($("undo-clear"));
  const status = $("status");
  const announce = $("announce");

  /** @type {any[]} turns of the conversation, oldest first */
  let turns = [];
  /** @type {Map<string, any>} views by turn id */
  const views = new Map();
  let run = null;
  let pinned = null;
  let image = null;
  let catalog = { ids: [], models: [] };
  let undo = null;
  let nextId = 1;
  const newId = () => `t${Date.now().toString(36)}${(nextId++).toString(36)}`;

  // ---------------------------------------------------------------- settings and persistence

  function settings() {
    return {
      model: modelInput.value.trim() || "auto",
      strategy: strategySel.value,
      fallback: fallbackBox.checked,
      pin: pinBox.checked,
      tools: toolsBox.checked,
      autoWait: autoWaitBox.checked,
    };
  }

  function applySettings(s) {
    if (!s || typeof s !== "object") return;
    if (typeof s.model === "string") modelInput.value = s.model;
    if ([...strategySel.options].some((o) => o.value === s.strategy)) strategySel.value = s.strategy;
    for (const [box, key] of [
      [fallbackBox, "fallback"],
      [pinBox, "pin"],
      [toolsBox, "tools"],
      [autoWaitBox, "autoWait"],
    ]) {
      if (typeof s[key] === "boolean") box.checked = s[key];
    }
  }

  function persist(now = false) {
    const saved = turns.map((t) => {
      const { view, ...rest } = t;
      if (rest.status !== "streaming") return rest;
      // Cut off by a reload: what was written so far stays, like a stopped answer.
      const messages = rest.text ? [...rest.messages, { role: "assistant", content: rest.text }] : rest.messages;
      return { ...rest, status: rest.text ? "stopped" : "failed", messages, note: "Interrupted by a reload.", noteKind: "warn" };
    });
    store.save({ turns: saved, draft: promptInput.value, settings: settings() }, now);
  }

  function settingsChanged() {
    onSettings(settings());
    persist();
  }

  // ---------------------------------------------------------------- status line

  function setStatus(text, kind = "info") {
    status.textContent = text;
    status.dataset.kind = kind;
  }

  function setErrorStatus(e) {
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
    chatSection.dataset.running = String(on);
    if (on && document.activeElement === sendBtn) stopBtn.focus();
    if (!on && (document.activeElement === stopBtn || document.activeElement === document.body)) promptInput.focus();
    refreshActions();
  }

  // ---------------------------------------------------------------- scrolling

  // Follow the newest text unless the reader scrolled up to read something older.
  let follow = true;
  const atBottom = () => messagesEl.scrollHeight - messagesEl.scrollTop - messagesEl.clientHeight < 24;
  messagesEl.addEventListener("scroll", () => {
    follow = atBottom();
    jumpBtn.hidden = follow;
  });
  function scrollDown(force = false) {
    if (force) follow = true;
    if (follow) messagesEl.scrollTop = messagesEl.scrollHeight;
    jumpBtn.hidden = follow || atBottom();
  }
  jumpBtn.addEventListener("click", () => {
    scrollDown(true);
    jumpBtn.hidden = true;
    promptInput.focus();
  });

  /** On a phone the page itself scrolls: bring the chat back after Send. */
  function keepChatInView() {
    const r = chatSection.getBoundingClientRect();
    if (r.top < -1 || r.bottom > window.innerHeight + 1) chatSection.scrollIntoView({ block: "end" });
  }

  // ---------------------------------------------------------------- rendering

  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const actionButton = (label, onClick, cls = "") => {
    const b = el("button", `button ghost small ${cls}`.trim(), label);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  };

  async function copyText(text, button) {
    const old = button.textContent;
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Copy failed";
    }
    setTimeout(() => (button.textContent = old), 1500);
  }

  function renderUser(turn) {
    const art = el("article", "msg msg-user");
    art.setAttribute("aria-label", "You");
    art.dataset.id = turn.id;
    art.append(el("p", "msg-role", "You"));
    if (turn.text) art.append(el("p", "msg-text", turn.text));
    if (turn.image) {
      if (turn.image.dataUrl) {
        const i = el("img", "msg-image");
        i.src = turn.image.dataUrl;
        i.alt = `Attached image ${turn.image.name}`;
        art.append(i);
      } else {
        art.append(el("p", "help", `(image ${turn.image.name} was too large to keep across reloads)`));
      }
    }
    const note = el("p", "msg-note");
    note.hidden = true;
    const actions = el("div", "msg-actions");
    const copy = actionButton("Copy", () => copyText(turn.text, copy));
    const edit = actionButton("Edit", () => editTurn(turn), "edit");
    edit.setAttribute("aria-label", "Edit and resend this message");
    actions.append(copy, edit);
    art.append(note, actions);
    const view = {
      art,
      update() {
        art.dataset.status = turn.status;
        note.hidden = turn.status !== "failed";
        note.textContent = turn.status === "failed" ? "Not sent: this exchange is left out of the conversation." : "";
        note.dataset.kind = "warn";
      },
      actions(isLast) {
        edit.hidden = !isLast || Boolean(run);
      },
    };
    view.update();
    return view;
  }

  /** The badge (model, provider, attempts) and the route it opens. */
  function routeBadge(turn) {
    const badge = el("button", "badge");
    badge.type = "button";
    badge.hidden = true;
    const bModel = el("span", "badge-model");
    const bProvider = el("span", "badge-provider");
    const bAttempts = el("span", "badge-attempts");
    badge.append(bModel, bProvider, bAttempts, el("span", "visually-hidden", ", show the route"));
    const route = el("div", "route");
    route.id = `route-${turn.id}`;
    route.hidden = true;
    badge.setAttribute("aria-expanded", "false");
    badge.setAttribute("aria-controls", route.id);
    badge.addEventListener("click", () => {
      const open = badge.getAttribute("aria-expanded") !== "true";
      badge.setAttribute("aria-expanded", String(open));
      route.hidden = !open;
      if (open) renderRoute(route, turn);
    });
    const update = () => {
      if (turn.model) {
        if (bModel.textContent !== turn.model) bModel.textContent = turn.model;
        const via = turn.provider ? `via ${turn.provider}` : "";
        if (bProvider.textContent !== via) bProvider.textContent = via;
        const n = Number(turn.attempts) || 1;
        const a = `${n} attempt${n === 1 ? "" : "s"}`;
        if (bAttempts.textContent !== a) bAttempts.textContent = a;
        badge.dataset.mode = turn.mode ?? "";
        badge.dataset.attempts = String(n);
        badge.hidden = false;
      }
      if (!route.hidden) renderRoute(route, turn);
    };
    return { badge, route, update };
  }

  function renderAssistant(turn) {
    const art = el("article", "msg msg-assistant");
    art.setAttribute("aria-label", "Assistant");
    art.dataset.id = turn.id;
    const head = el("div", "msg-head");
    const { badge, route, update: updateBadge } = routeBadge(turn);
    head.append(el("p", "msg-role", "Assistant"), badge);
    const reasoning = el("details", "reasoning");
    reasoning.hidden = true;
    reasoning.append(el("summary", "", "Reasoning"));
    const reasoningText = el("p", "reasoning-text");
    reasoning.append(reasoningText);
    const content = el("div", "msg-text content");
    const tools = el("div", "tool-calls");
    const note = el("p", "msg-note");
    note.hidden = true;
    const limit = el("div", "limit-box");
    limit.hidden = true;
    const actions = el("div", "msg-actions");
    const copy = actionButton("Copy", () => copyText(turn.text, copy));
    // Retry asks the model that answered again (the same settings when nothing answered).
    const retry = actionButton("Retry", () => retryTurn(turn, turn.status === "ok" && turn.model ? turn.model : null), "retry");
    const other = actionButton("Try another model", () => retryTurn(turn, pickOtherModel(turn)), "retry-other");
    actions.append(copy, retry, other);
    art.append(head, route, reasoning, content, tools, note, limit, actions);

    let frame = 0;
    let shownText = null;
    const paint = () => {
      frame = 0;
      if (turn.text !== shownText) {
        shownText = turn.text;
        renderMarkdown(content, withSeams(turn.text, turn.seams), {
          seams: (turn.seams ?? []).map((s) => s.by),
          copy: copyText,
        });
      }
      if (turn.reasoning) {
        reasoning.hidden = false;
        if (reasoningText.textContent !== turn.reasoning) reasoningText.textContent = turn.reasoning;
      }
      scrollDown();
    };
    const view = {
      art,
      /** Text changed: repaint once per frame, however many deltas arrived. */
      text() {
        if (!frame) frame = requestAnimationFrame(paint);
      },
      flush() {
        if (frame) cancelAnimationFrame(frame);
        paint();
      },
      update() {
        art.dataset.status = turn.status;
        updateBadge();
        renderTools(tools, turn.tools ?? []);
        note.hidden = !turn.note;
        note.textContent = turn.note ?? "";
        note.dataset.kind = turn.noteKind ?? "info";
        renderLimit(limit, turn);
        view.flush();
      },
      actions(isLast) {
        const done = turn.status !== "streaming";
        actions.hidden = !done;
        copy.hidden = !turn.text;
        retry.hidden = !isLast || Boolean(run);
        other.hidden = !isLast || Boolean(run);
      },
    };
    return view;
  }

  function renderTools(box, list) {
    if (box.childElementCount === list.length * 1 && box.dataset.n === String(list.length)) return;
    box.dataset.n = String(list.length);
    box.replaceChildren(
      ...list.map((t) => {
        const d = el("div", "tool-call");
        d.append(el("p", "tool-title", `Tool call: ${t.name}`), el("pre", "tool-args", prettyJson(t.args)));
        if (t.result) d.append(el("p", "tool-title", "Result (made up by this page)"), el("pre", "tool-args", JSON.stringify(t.result, null, 2)));
        return d;
      }),
    );
  }

  function renderRoute(box, turn) {
    const r = turn.route;
    const parts = [];
    if (!r) {
      box.replaceChildren(el("p", "help", "The route appears once the answer is complete."));
      return;
    }
    const summary = [];
    if (Number.isFinite(r.latencyMs)) summary.push(`${(r.latencyMs / 1000).toFixed(2)} s in all`);
    if (Number.isFinite(r.ttftMs)) summary.push(`first token after ${Math.round(r.ttftMs)} ms`);
    summary.push(Number(r.costUsd) > 0 ? `cost $${Number(r.costUsd).toFixed(6)}` : "cost $0 (free)");
    parts.push(el("p", "route-summary", summary.join(" · ")));
    parts.push(el("p", "route-title", "Attempts"));
    const ol = el("ol", "attempts");
    for (const a of r.attempts ?? []) {
      const li = el("li", `attempt outcome-${a.outcome === "ok" ? "ok" : "failed"}`);
      const bits = [a.model, a.provider, a.outcome + (a.status ? ` (HTTP ${a.status})` : ""), `${Math.round(a.ms ?? 0)} ms`];
      li.textContent = bits.filter(Boolean).join(" · ");
      ol.append(li);
    }
    parts.push(ol);
    // route.skipped is newer than some builds of the library: say nothing when it is absent.
    const skipped = Array.isArray(r.skipped) ? r.skipped : null;
    if (skipped?.length) {
      parts.push(el("p", "route-title", `Skipped (${skipped.length})`));
      const ul = el("ul", "skipped");
      for (const s of skipped.slice(0, 12)) ul.append(el("li", "", `${s.model} · ${s.provider}: ${skipWords(s.reason)}`));
      if (skipped.length > 12) ul.append(el("li", "", `and ${skipped.length - 12} more`));
      parts.push(ul);
    } else if (skipped) {
      parts.push(el("p", "help", "No candidate was skipped."));
    }
    box.replaceChildren(...parts);
  }

  function renderLimit(box, turn) {
    const advice = turn.limit;
    if (!advice || turn.status !== "failed") {
      box.hidden = true;
      box.replaceChildren();
      return;
    }
    box.hidden = false;
    const p = el("p", "limit-text", advice.text);
    const left = advice.resetsAt - Date.now();
    const kids = [p];
    if (advice.canWait && !run) {
      const wait = actionButton(
        left > 0 ? `Wait ${countdown(left)} and send` : "Send again",
        () => retryTurn(turn, null, { waitForQuota: Math.max(5_000, left + 5_000) }),
        "wait-send",
      );
      wait.classList.remove("ghost");
      kids.push(wait);
      if (left > 0) tickers.add(() => (wait.textContent = Date.now() < advice.resetsAt ? `Wait ${countdown(advice.resetsAt - Date.now())} and send` : "Send again"));
    }
    box.replaceChildren(...kids);
  }

  // One timer drives every countdown on the page.
  const tickers = new Set();
  setInterval(() => {
    for (const t of tickers) t();
    if (run?.waitUntil) {
      const left = run.waitUntil - Date.now();
      if (left > 0) {
        const text = `Waiting ${countdown(left)} for the free-tier limit to reset… (Stop cancels)`;
        setStatus(text, "warn");
        run.turn.note = `${text.slice(0, -16)}; the message goes out then.`;
        run.turn.noteKind = "warn";
        run.view.update();
      }
    }
  }, 250);

  function showTurn(turn) {
    emptyEl.hidden = true;
    const view = turn.role === "user" ? renderUser(turn) : renderAssistant(turn);
    views.set(turn.id, view);
    messagesEl.append(view.art);
    view.update();
    return view;
  }

  function removeTurn(turn) {
    views.get(turn.id)?.art.remove();
    views.delete(turn.id);
    turns = turns.filter((t) => t !== turn);
  }

  function refreshActions() {
    tickers.clear();
    const lastUser = [...turns].reverse().find((t) => t.role === "user");
    const last = turns[turns.length - 1];
    for (const t of turns) {
      const v = views.get(t.id);
      if (!v) continue;
      v.actions(t.role === "user" ? t === lastUser : t === last);
      if (t.role === "assistant" && t === last) v.update();
    }
    emptyEl.hidden = turns.length > 0;
  }

  function renderAll() {
    for (const v of views.values()) v.art.remove();
    views.clear();
    for (const t of turns) showTurn(t);
    refreshActions();
    scrollDown(true);
  }

  // ---------------------------------------------------------------- history

  /** What the model sees: sent turns only, never a failed exchange. */
  function history(upTo = turns.length) {
    return turns
      .slice(0, upTo)
      .filter((t) => t.status === "ok" || t.status === "stopped")
      .flatMap((t) => t.messages ?? []);
  }

  function pruneFailed() {
    for (const t of turns.filter((x) => x.status === "failed")) removeTurn(t);
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
    if (!pinBox.checked) {
      pinStatus.textContent = "";
      return;
    }
    const m = pinned?.session.model;
    pinStatus.textContent = m
      ? `Pinned to ${m}${pinned.session.provider ? ` (${pinned.session.provider})` : ""} until it becomes unavailable.`
      : "The next answer picks a model; the conversation then stays on it.";
  }

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
      setStatus(`Attached ${file.name}: the next message goes to a model that can see images.`);
    };
    reader.onerror = () => setStatus("Could not read that image.", "warn");
    reader.readAsDataURL(file);
  });
  $("remove-image").addEventListener("click", () => {
    setImage(null);
    promptInput.focus();
  });

  // ---------------------------------------------------------------- model check

  /** null when the typed model is fine; otherwise what to say. */
  function checkModel() {
    const id = modelInput.value.trim();
    if (!id || ROUTERS.has(id) || !catalog.ids.length || catalog.ids.includes(id)) {
      modelCheck.hidden = true;
      modelCheck.replaceChildren();
      return null;
    }
    const near = closestIds(id, catalog.ids, 2);
    const kids = [document.createTextNode(`“${id}” is not in the catalog`)];
    if (near.length) {
      kids.push(document.createTextNode("; did you mean "));
      near.forEach((n, i) => {
        if (i) kids.push(document.createTextNode(" or "));
        const b = actionButton(n, () => {
          modelInput.value = n;
          checkModel();
          settingsChanged();
          promptInput.focus();
        }, "suggest");
        kids.push(b);
      });
      kids.push(document.createTextNode("?"));
    } else {
      kids.push(document.createTextNode(". Use auto to let the library pick."));
    }
    modelCheck.replaceChildren(...kids);
    modelCheck.dataset.kind = "warn";
    modelCheck.hidden = false;
    return `“${id}” is not in the catalog: pick a suggestion, a model from the browser below, or auto.`;
  }

  function pickOtherModel(turn) {
    const needsVision = history().some((m) => Array.isArray(m.content));
    const pool = catalog.models.filter(
      (m) =>
        m.free &&
        !ROUTERS.has(m.id) &&
        m.id !== turn.model &&
        m.status !== "evicted" &&
        (!needsVision || m.capabilities?.vision) &&
        (!toolsBox.checked || m.capabilities?.tools),
    );
    return pool.length ? pool[Math.floor(Math.random() * pool.length)].id : "auto";
  }

  // ---------------------------------------------------------------- sending

  async function send() {
    if (run) return;
    const text = promptInput.value.trim();
    if (!text && !image) {
      setStatus("Type a message first.", "warn");
      promptInput.focus();
      return;
    }
    const problem = checkModel();
    if (problem) {
      setStatus(problem, "warn");
      modelInput.focus();
      return;
    }
    clearUndo();
    pruneFailed();
    const img = image;
    const content = img
      ? [
          { type: "text", text: text || "What is in this image?" },
          { type: "image_url", image_url: { url: img.dataUrl } },
        ]
      : text;
    const user = { id: newId(), role: "user", text, image: img, status: "ok", messages: [{ role: "user", content }] };
    turns.push(user);
    showTurn(user);
    promptInput.value = "";
    growPrompt();
    setImage(null);
    scrollDown(true);
    keepChatInView();
    await answer(user, {});
  }

  /**
   * Runs the answer to `user` (the last user turn): one or more requests (tool rounds).
   * @param {object} user
   * @param {{ model?: string|null, waitForQuota?: number }} extra
   */
  async function answer(user, extra) {
    let handle;
    try {
      handle = getClient();
    } catch (e) {
      failUser(user, e);
      return;
    }
    const me = { controller: new AbortController(), stream: null, stopped: false, waitUntil: 0 };
    run = me;
    setRunning(true);
    const started = performance.now();
    const turn = {
      id: newId(),
      role: "assistant",
      text: "",
      reasoning: "",
      seams: [],
      tools: [],
      messages: [],
      status: "streaming",
      requested: extra.model || modelInput.value.trim() || "auto",
      mode: handle.mode,
    };
    turns.push(turn);
    const view = showTurn(turn);
    me.turn = turn;
    me.view = view;
    refreshActions();
    persist();
    try {
      for (let round = 0; round < MAX_TOOL_ROUNDS; round++) {
        const more = await request(handle, me, user, extra, started);
        if (!more || me.stopped) break;
      }
    } finally {
      if (run === me) run = null;
      setRunning(false);
      showPin();
      onQuotaChange();
      persist(true);
    }
  }

  /** One request; resolves true when tool results were added and the model should continue. */
  async function request(handle, me, user, extra, started) {
    const { turn } = me;
    const { req, opts } = buildRequest(turn, me, extra);
    setStatus(req.model === "auto" ? "Choosing a free model…" : `Asking ${req.model}…`);
    me.stream = null;
    const textBefore = turn.text;
    try {
      const stream = await target(handle).chatStream(req, opts);
      const usage = await consume(me, stream);
      const result = await stream.final();
      return complete(me, stream, result, { usage, textBefore, started });
    } catch (e) {
      failed(handle, me, user, e);
      return false;
    }
  }

  /** The chat request and call options for the next round of `turn`. */
  function buildRequest(turn, me, extra) {
    const model = turn.requested;
    const req = { model, messages: [...history(turns.indexOf(turn)), ...turn.messages] };
    if (toolsBox.checked) req.tools = [WEATHER_TOOL];
    const opts = {
      signal: me.controller.signal,
      fallback: fallbackBox.checked || ROUTERS.has(model),
      resumeOnError: fallbackBox.checked,
      strategy: strategySel.value,
    };
    if (extra.waitForQuota) opts.waitForQuota = extra.waitForQuota;
    else if (autoWaitBox.checked) opts.waitForQuota = AUTO_WAIT_MS;
    return { req, opts };
  }

  /** Reads the stream into the turn, repainting once a frame; resolves with the usage seen. */
  async function consume(me, stream) {
    const { turn, view } = me;
    me.stream = stream;
    if (me.waitUntil) turn.note = ""; // the wait is over
    me.waitUntil = 0;
    if (me.stopped) stream.abort();
    const live = () => {
      turn.model = stream.model;
      turn.provider = stream.provider;
      turn.attempts = stream.route?.attempts?.length;
      view.update();
    };
    live();
    if (!me.stopped) setStatus(`Streaming from ${stream.model}…`);
    let usage = null;
    for await (const d of stream) {
      if (d.reasoning) turn.reasoning += d.reasoning;
      if (d.content) turn.text += d.content;
      if (d.usage) usage = d.usage;
      if (stream.model !== turn.model) live();
      view.text();
      persist(); // debounced: a reload mid-answer keeps what was written
    }
    return usage;
  }

  /** A round ended: run tool calls (true: ask again) or finish the turn (false). */
  function complete(me, stream, result, { usage, textBefore, started }) {
    const { turn, view } = me;
    const route = result.route ?? stream.route;
    turn.route = route;
    turn.model = route?.model ?? stream.model;
    turn.provider = route?.provider ?? stream.provider;
    turn.attempts = route?.attempts?.length;
    const msg = result.choices?.[0]?.message ?? { content: turn.text.slice(textBefore.length) };
    const calls = Array.isArray(msg.tool_calls) ? msg.tool_calls : [];
    if (calls.length && toolsBox.checked && !me.stopped) {
      turn.messages.push({ role: "assistant", content: msg.content || null, tool_calls: calls });
      for (const call of calls) {
        const out = runTool(call);
        turn.tools.push({ name: call.function?.name ?? "tool", args: call.function?.arguments ?? "", result: out });
        turn.messages.push({ role: "tool", tool_call_id: call.id, content: JSON.stringify(out) });
      }
      view.update();
      return true;
    }
    turn.messages.push({ role: "assistant", content: msg.content ?? turn.text.slice(textBefore.length) });
    turn.status = "ok";
    noteReplacement(turn);
    view.update();
    setStatus(summary(started, usage ?? result.usage, route), "ok");
    announce.textContent = `Answer from ${turn.model}: ${view.art.querySelector(".content")?.textContent.slice(0, 800) ?? ""}`;
    return false;
  }

  /** Stopped by the visitor (the partial text stays) or failed (the exchange leaves the history). */
  function failed(handle, me, user, e) {
    const { turn, view } = me;
    me.waitUntil = 0;
    if (me.stream) {
      turn.model = me.stream.model;
      turn.provider = me.stream.provider;
      turn.attempts = me.stream.route?.attempts?.length;
      turn.route = me.stream.route;
    } else if (Array.isArray(e?.attempts)) {
      turn.route = { attempts: e.attempts, skipped: e.skipped };
    }
    if (me.stopped || e?.name === "AbortError" || e?.code === "aborted") {
      turn.status = turn.text ? "stopped" : "failed";
      if (turn.text) turn.messages.push({ role: "assistant", content: turn.text });
      else user.status = "failed";
      turn.note = turn.text ? "Stopped. What was written so far stays in the conversation." : "Stopped before the first word.";
      turn.noteKind = "warn";
      setStatus("Aborted: you stopped the stream.", "warn");
      if (!turn.text) restoreDraft(user);
    } else {
      failTurn(handle, user, turn, e);
    }
    view.update();
  }

  /** A failed exchange: kept on screen, left out of the history, the prompt back in the composer. */
  function failTurn(handle, user, turn, e) {
    const { code, message } = describeError(e);
    turn.status = "failed";
    user.status = "failed";
    turn.error = { code, message };
    turn.noteKind = "error";
    turn.note = `${code}: ${message}`;
    turn.limit = limitAdvice(e, safeQuota(handle));
    if (turn.limit) turn.note = "";
    views.get(user.id)?.update();
    setErrorStatus(e);
    if (turn.limit) setStatus("Not sent: a free-tier limit is reached. The message below says when it resets.", "error");
    else status.title = friendlyError(code);
    announce.textContent = `The message was not answered. ${turn.limit?.text ?? `${code}: ${message}`}`;
    if (["network", "auth", "forbidden", "payment_required"].includes(code)) onTrouble(e);
    restoreDraft(user);
  }

  function failUser(user, e) {
    user.status = "failed";
    views.get(user.id)?.update();
    setErrorStatus(e);
    restoreDraft(user);
  }

  function restoreDraft(user) {
    if (!promptInput.value.trim() && user.text) {
      promptInput.value = user.text;
      growPrompt();
    }
    if (!image && user.image?.dataUrl) setImage(user.image);
  }

  function noteReplacement(turn) {
    const asked = turn.requested;
    if (!asked || ROUTERS.has(asked) || !turn.model || turn.model === asked) return;
    const first = turn.route?.attempts?.find((a) => a.model === asked);
    const why = first && first.outcome !== "ok" ? ` (${first.outcome})` : "";
    turn.note = `You asked for ${asked}; it could not answer${why}, so fallback used ${turn.model}. Untick Fallback to get an error instead.`;
    turn.noteKind = "warn";
  }

  const safeQuota = (handle) => {
    try {
      return handle.client.quota();
    } catch {
      return null;
    }
  };

  /** Runs the last answer again: same settings, another model, or waiting for a limit. */
  async function retryTurn(turn, model, extra = {}) {
    if (run) return;
    const idx = turns.indexOf(turn);
    const user = [...turns.slice(0, idx)].reverse().find((t) => t.role === "user");
    if (!user) return;
    clearUndo();
    for (const t of turns.slice(idx)) removeTurn(t);
    user.status = "ok";
    views.get(user.id)?.update();
    if (promptInput.value.trim() === user.text) {
      promptInput.value = "";
      growPrompt();
    }
    scrollDown(true);
    await answer(user, { ...extra, model: model ?? turn.requested });
  }

  /** Edit the last message: back into the composer, the exchange leaves the conversation. */
  function editTurn(user) {
    if (run) return;
    const idx = turns.indexOf(user);
    for (const t of turns.slice(idx)) removeTurn(t);
    promptInput.value = user.text;
    growPrompt();
    if (user.image?.dataUrl) setImage(user.image);
    refreshActions();
    persist();
    promptInput.focus();
    setStatus("Edit the message, then press Send.");
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
    run.waitUntil = 0;
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

  // ---------------------------------------------------------------- new conversation, undo

  function clearUndo() {
    undo = null;
    undoBtn.hidden = true;
  }

  function newConversation() {
    if (run) stop();
    if (turns.length) {
      undo = { turns, at: Date.now() };
      undoBtn.hidden = false;
      setTimeout(() => {
        if (undo && Date.now() - undo.at >= UNDO_MS) clearUndo();
      }, UNDO_MS + 50);
    }
    turns = [];
    renderAll();
    unpin();
    showPin();
    persist(true);
    setStatus(undo ? "New conversation. Undo brings the last one back." : "New conversation.");
    promptInput.focus();
  }

  undoBtn.addEventListener("click", () => {
    if (!undo || run) return;
    turns = [...undo.turns, ...turns];
    clearUndo();
    renderAll();
    persist(true);
    setStatus("The conversation is back.");
    promptInput.focus();
  });

  // ---------------------------------------------------------------- composer

  function growPrompt() {
    promptInput.style.height = "auto"; // CSSOM, allowed under style-src 'self'
    if (!promptInput.value) return; // the placeholder must not grow it
    const max = Math.max(80, Math.round(window.innerHeight * 0.3));
    promptInput.style.height = `${Math.min(promptInput.scrollHeight + 2, max)}px`;
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    send();
  });
  stopBtn.addEventListener("click", stop);
  $("new-chat").addEventListener("click", newConversation);
  promptInput.addEventListener("keydown", (ev) => {
    if (ev.key !== "Enter" || ev.isComposing || ev.keyCode === 229) return; // IME: Enter picks a candidate
    if (ev.shiftKey || ev.altKey) return; // a new line
    ev.preventDefault();
    if (!run) form.requestSubmit();
  });
  promptInput.addEventListener("input", () => {
    growPrompt();
    persist();
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && run) stop();
  });
  for (const b of document.querySelectorAll("#suggestions .suggestion")) {
    b.addEventListener("click", () => {
      if (run || sendBtn.disabled) return;
      promptInput.value = b.textContent;
      form.requestSubmit();
    });
  }
  modelInput.addEventListener("change", () => {
    checkModel();
    settingsChanged();
  });
  modelInput.addEventListener("input", () => {
    if (!modelCheck.hidden) checkModel();
    onSettings(settings());
  });
  for (const box of [strategySel, fallbackBox, toolsBox, autoWaitBox]) box.addEventListener("change", settingsChanged);
  pinBox.addEventListener("change", () => {
    if (!pinBox.checked) unpin();
    showPin();
    settingsChanged();
  });

  // The page is going away (reload, sign-in): save now, not after the debounce.
  window.addEventListener("pagehide", () => persist(true));

  // ---------------------------------------------------------------- restore

  const saved = store.load();
  applySettings(saved?.settings);
  if (initial.model) modelInput.value = initial.model;
  else if (!modelInput.value) modelInput.value = "auto";
  if (initial.strategy && !saved?.settings) strategySel.value = initial.strategy;
  if (Array.isArray(saved?.turns)) {
    turns = saved.turns.filter((t) => t && typeof t === "object" && typeof t.id === "string");
    renderAll();
  }
  if (typeof saved?.draft === "string") promptInput.value = saved.draft;
  growPrompt();
  showPin();
  onSettings(settings());

  return {
    ready(text = "Ready. Type a message and press Enter.") {
      sendBtn.disabled = false;
      if (!run) setStatus(text, "info");
    },
    failed(message) {
      sendBtn.disabled = true;
      setStatus(message, "error");
    },
    setStatus,
    /** The catalog, for suggestions, "did you mean" and "Try another model". */
    setModels(models) {
      catalog = { ids: models.map((m) => m.id), models };
      const opts = ["auto", "openrouter/free", ...catalog.ids.filter((id) => !ROUTERS.has(id))].map((id) => {
        const o = document.createElement("option");
        o.value = id;
        return o;
      });
      modelList.replaceChildren(...opts);
      checkModel();
    },
    useModel(id) {
      modelInput.value = id;
      checkModel();
      settingsChanged();
      modelInput.focus();
      setStatus(`Model set to ${id}. Fallback ${fallbackBox.checked ? "is on" : "is off"}.`);
    },
    /** The client changed (new keys): a pinned session belongs to the old one. */
    clientChanged() {
      unpin();
      showPin();
    },
    /** "Remember on this device" also decides where the conversation is kept. */
    setRemember(on) {
      store.setRemember(on);
      persist(true);
    },
    onEvent(e) {
      if (!e || typeof e !== "object") return;
      if (e.type === "repin") showPin();
      if (!run) return;
      if (e.type === "resume" && run.turn) {
        run.turn.seams.push({ at: Number(e.partialLength) || 0, by: String(e.to ?? "another model") });
        run.view?.text();
        setStatus(`The stream broke; ${e.to} continues it…`, "warn");
        return;
      }
      if (e.type === "waiting" && Number.isFinite(e.ms)) {
        run.waitUntil = Date.now() + e.ms;
        setStatus(`Waiting ${countdown(e.ms)} for the free-tier limit to reset… (Stop cancels)`, "warn");
        return;
      }
      if (run.stream) return;
      if (e.type === "fallback" && typeof e.to === "string") {
        const why = typeof e.reason === "string" ? ` (${e.reason})` : "";
        setStatus(`${String(e.from ?? "model")} failed${why}; trying ${e.to}…`, "warn");
      }
    },
  };
}

/** `text` with the seam marker inserted at each resume point (counted in code points). */
function withSeams(text, seams) {
  if (!seams?.length) return text;
  const chars = Array.from(text);
  const at = [...seams].map((s) => Math.min(chars.length, s.at)).sort((a, b) => b - a);
  for (const i of at) chars.splice(i, 0, "\uE000");
  return chars.join("");
}

function skipWords(reason) {
  return (
    {
      cooling_down: "cooling down after a failure",
      evicted: "removed for this session",
      capability: "can't serve this request (capabilities)",
      context: "context window too small",
      budget: "not free, and the budget is $0",
      quota: "its quota is used up",
      provider_out: "its provider is out for this session",
      not_free: "not free",
      max_attempts: "not reached (attempt limit)",
    }[reason] ?? String(reason)
  );
}

function prettyJson(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return String(text);
  }
}
