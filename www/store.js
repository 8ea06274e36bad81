// What survives a reload and the sign-in round trip: the conversation, the draft and the chat
// settings. Same privacy rule as keys: this tab only (sessionStorage, gone when the tab closes)
// unless "Remember on this device" is ticked, then localStorage. Never keys.

const KEY = "free-router-playground:chat";
const MAX_IMAGE_CHARS = 300_000; // bigger attachments are dropped from storage, not from the page

function area(name) {
  try {
    return name === "local" ? globalThis.localStorage : globalThis.sessionStorage;
  } catch {
    return null; // storage disabled
  }
}

/** A big attached image is not kept across reloads: storage is a few MB. */
function withoutBigImages(m) {
  if (!Array.isArray(m?.content)) return m;
  const content = m.content.map((p) =>
    p?.type === "image_url" && String(p.image_url?.url ?? "").length > MAX_IMAGE_CHARS
      ? { type: "text", text: "(an image was attached here)" }
      : p,
  );
  return { ...m, content };
}

export function createStore() {
  let remember = false;
  let timer = 0;
  let pending = null;

  function load() {
    for (const name of ["session", "local"]) {
      try {
        const raw = area(name)?.getItem(KEY);
        if (!raw) continue;
        const data = JSON.parse(raw);
        if (data && typeof data === "object" && data.v === 1) {
          if (name === "local") remember = true;
          return data;
        }
      } catch {
        /* unreadable: start fresh */
      }
    }
    return null;
  }

  function write(state) {
    const turns = (state.turns ?? []).map((t) =>
      t.image && t.image.dataUrl?.length > MAX_IMAGE_CHARS
        ? { ...t, image: { name: t.image.name, dataUrl: "" }, messages: (t.messages ?? []).map(withoutBigImages) }
        : t,
    );
    const text = JSON.stringify({ v: 1, ...state, turns });
    try {
      area("session")?.setItem(KEY, text);
      if (remember) area("local")?.setItem(KEY, text);
      else area("local")?.removeItem(KEY);
    } catch {
      /* full or disabled: the page keeps working from memory */
    }
  }

  return {
    load,
    /** Debounced: typing and streaming save at most a few times a second. */
    save(state, now = false) {
      pending = state;
      clearTimeout(timer);
      if (now) return write(state);
      timer = setTimeout(() => write(pending), 250);
    },
    setRemember(on) {
      remember = Boolean(on);
      if (pending) write(pending);
      else if (!remember) {
        try {
          area("local")?.removeItem(KEY);
        } catch {
          /* ignore */
        }
      }
    },
    get remember() {
      return remember;
    },
  };
}
