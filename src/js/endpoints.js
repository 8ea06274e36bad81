// OpenRouter's per-model endpoint lists (src/web/endpoints.rs): every url at once, each given up
// after `ms` whether or not the fetch heeds its abort signal. Resolves to one entry per url,
// [status, text], or null for a list that failed or came late; it never rejects.
export function endpointLists(fetchFn, urls, headers, ms) {
  const f = typeof fetchFn === "function" ? fetchFn : globalThis.fetch;
  return Promise.all(
    urls.map((url) => {
      const controller = new AbortController();
      let timer;
      const late = new Promise((done) => {
        timer = setTimeout(() => {
          controller.abort();
          done(null);
        }, ms);
      });
      const work = (async () => {
        const r = await f.call(globalThis, url, { method: "GET", headers, signal: controller.signal });
        return [r.status, await r.text()];
      })().catch(() => null);
      return Promise.race([work, late]).finally(() => clearTimeout(timer));
    }),
  );
}
