// "Did you mean …?" for a model id typed by hand: edit distance on the id, and on the id
// without its author prefix and ":free" suffix, so "gpt-oss-20b" finds "openai/gpt-oss-20b:free".

export function closestIds(typed, ids, n = 2) {
  const q = typed.toLowerCase();
  const scored = ids.map((id) => {
    const lower = id.toLowerCase();
    const bare = lower.replace(/^[^/]+\//, "").replace(/:free$/, "");
    const d = Math.min(distance(q, lower), distance(q, bare), lower.includes(q) && q.length >= 3 ? 1 : Infinity);
    return { id, d };
  });
  const limit = Math.max(3, Math.floor(q.length / 2));
  return scored
    .filter((s) => s.d <= limit)
    .sort((a, b) => a.d - b.d || a.id.length - b.id.length)
    .slice(0, n)
    .map((s) => s.id);
}

function distance(a, b) {
  if (Math.abs(a.length - b.length) > 20) return Infinity;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
