// Model output as markdown: marked (GFM: lists, tables, code, links) -> DOMPurify with a short
// allow-list -> highlight.js on fenced code. Bundled into app.js by scripts/build-demo.mjs.
// Model text is untrusted: no raw HTML tags beyond the list, no images (tracking pixels), no
// inline styles or handlers, links open in a new tab without a referrer.
import { Marked } from "marked";
import DOMPurify from "dompurify";
import hljs from "highlight.js/lib/core";
import javascript from "highlight.js/lib/languages/javascript";
import typescript from "highlight.js/lib/languages/typescript";
import python from "highlight.js/lib/languages/python";
import bash from "highlight.js/lib/languages/bash";
import json from "highlight.js/lib/languages/json";
import rust from "highlight.js/lib/languages/rust";
import css from "highlight.js/lib/languages/css";
import xml from "highlight.js/lib/languages/xml";
import sql from "highlight.js/lib/languages/sql";

for (const [name, lang] of Object.entries({ javascript, typescript, python, bash, json, rust, css, xml, sql })) {
  hljs.registerLanguage(name, lang);
}

/** Marks where a resumed stream was joined; replaced by a visible marker after rendering. */
export const SEAM = "\uE000";

const escapeHtml = (s) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

const marked = new Marked({ gfm: true, breaks: false });
marked.use({
  renderer: {
    code({ text, lang }) {
      const name = String(lang ?? "").trim().split(/\s+/)[0].toLowerCase();
      const known = name && hljs.getLanguage(name);
      const body = known ? hljs.highlight(text, { language: name, ignoreIllegals: true }).value : escapeHtml(text);
      const cls = known ? `hljs language-${escapeHtml(name)}` : "hljs";
      return `<pre><code class="${cls}">${body}</code></pre>\n`;
    },
    // Answers live under the page's h2 sections: their headings start at h3.
    heading({ tokens, depth }) {
      const level = Math.min(6, depth + 2);
      return `<h${level}>${this.parser.parseInline(tokens)}</h${level}>\n`;
    },
  },
});

const ALLOWED_TAGS = [
  "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h3", "h4", "h5",
  "h6", "table", "thead", "tbody", "tr", "th", "td", "hr", "span", "sup", "sub", "kbd",
];
const ALLOWED_ATTR = ["href", "title", "class", "start", "align"];

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
  // Only the highlighter's classes: model output must not borrow the page's own styles.
  const cls = node.getAttribute?.("class");
  if (cls) {
    const kept = cls.split(/\s+/).filter((c) => /^(hljs|language-)/.test(c));
    if (kept.length) node.setAttribute("class", kept.join(" "));
    else node.removeAttribute("class");
  }
});

/** Sanitised HTML for a markdown text (works on a partial, still-streaming text too). */
export function markdownToHtml(text) {
  const html = marked.parse(String(text ?? ""), { async: false });
  return DOMPurify.sanitize(html, { ALLOWED_TAGS, ALLOWED_ATTR, ALLOW_DATA_ATTR: false });
}

/**
 * Renders `text` into `target`: markdown, seams replaced by a marker naming the model that
 * continued, and a copy button on every code block.
 * @param {HTMLElement} target
 * @param {string} text
 * @param {{ seams?: string[], copy: (text: string, button: HTMLButtonElement) => void }} opts
 */
export function renderMarkdown(target, text, { seams = [], copy }) {
  target.innerHTML = markdownToHtml(text);
  if (seams.length) markSeams(target, seams);
  for (const pre of target.querySelectorAll("pre")) {
    const code = pre.querySelector("code");
    const wrap = document.createElement("div");
    wrap.className = "code-block";
    pre.replaceWith(wrap);
    const bar = document.createElement("div");
    bar.className = "code-bar";
    const lang = [...(code?.classList ?? [])].find((c) => c.startsWith("language-"))?.slice(9) ?? "";
    const name = document.createElement("span");
    name.className = "code-lang";
    name.textContent = lang || "code";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button ghost small copy-code";
    button.textContent = "Copy code";
    button.addEventListener("click", () => copy((code?.textContent ?? "").replaceAll(SEAM, ""), button));
    bar.append(name, button);
    pre.tabIndex = 0; // long lines scroll: keyboard users can reach them
    pre.setAttribute("aria-label", `${lang || "Code"} block`);
    wrap.append(bar, pre);
  }
}

function markSeams(root, seams) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const hits = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) if (n.data.includes(SEAM)) hits.push(n);
  let i = 0;
  for (const node of hits) {
    const parts = node.data.split(SEAM);
    const frag = document.createDocumentFragment();
    parts.forEach((part, k) => {
      if (k > 0) {
        const mark = document.createElement("span");
        mark.className = "seam";
        mark.textContent = ` ⤷ continued by ${seams[i++] ?? "another model"} `;
        frag.append(mark);
      }
      if (part) frag.append(document.createTextNode(part));
    });
    node.replaceWith(frag);
  }
}

/** Highlighted HTML for the page's own JavaScript samples (escaped by highlight.js). */
export function highlightJs(source) {
  return hljs.highlight(source, { language: "javascript", ignoreIllegals: true }).value;
}
