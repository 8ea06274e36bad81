// Event listeners: each called, none able to break the client or the others.

/** Call each listener; a throwing listener must not break the client or the other listeners. */
export function dispatch(listeners, json) {
  if (!listeners.length) return;
  let ev;
  try {
    ev = JSON.parse(json);
  } catch {
    return;
  }
  for (const f of listeners) {
    try {
      if (typeof f === "function") f(ev);
      else f.handleEvent(ev);
    } catch (e) {
      setTimeout(() => {
        throw e;
      });
    }
  }
}
