// Browser tests of the playground as a visitor meets it:  node --test --test-concurrency=1 tests/e2e/
// The suite builds the static folder (scripts/build-demo.mjs, as demo.sh does), serves it with a
// plain static server under a sub-path (like a GitHub Pages project site, no custom headers),
// and drives Debian's chromium through playwright-core at 1400x900 and 375x812. It fails (never
// skips) when pkg/ is missing. Screenshots go to test-output/screenshots/.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir } from "node:fs/promises";
import path from "node:path";
import {
  REPO,
  SHOTS,
  SITE,
  requirePkg,
  buildSite,
  startStaticServer,
  startCspServer,
  launchBrowser,
  openPage,
  waitReady,
  watch,
  assertClean,
  ask,
  lastAnswer,
  waitIdle,
  waitDone,
  axeViolations,
  box,
} from "./harness.mjs";

// Deterministic demo: fixed seed, no random faults, 10x pacing.
const FAST = "?seed=1&faults=0&speed=10";
// Realistic pacing, so a stream is still running while the test looks.
const SLOW = "?seed=1&faults=0&speed=1";
const FREE_ID = /^[\w.-]+\/[\w.:-]+:free$/;
const shot = (name) => path.join(SHOTS, `${name}.png`);

test("pkg/ holds a built library", requirePkg);

describe("playground, static folder on a plain static server", { timeout: 600_000 }, () => {
  let server;
  let base;
  let browser;

  before(async () => {
    await buildSite();
    server = await startStaticServer(SITE);
    base = server.base;
    browser = await launchBrowser();
    await mkdir(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("13: the folder is self-contained, with relative paths only", async () => {
    const files = (await readdir(SITE, { recursive: true })).sort();
    for (const f of ["index.html", "app.js", "style.css", "demo-catalog.json", "pkg/free_router.js", "pkg/free_router_bg.wasm"]) {
      assert.ok(files.includes(f), `${f} is in the folder: ${files}`);
    }
    const html = await readFile(path.join(SITE, "index.html"), "utf8");
    for (const m of html.matchAll(/\b(?:src|href)="([^"]+)"/g)) {
      assert.ok(!m[1].startsWith("/") && !/^https?:\/\/(?!github\.com)/.test(m[1]), `relative or external link only: ${m[1]}`);
    }
    const app = await readFile(path.join(SITE, "app.js"), "utf8");
    assert.match(app, /from"\.\/pkg\/free_router\.js"|from "\.\/pkg\/free_router\.js"/, "the library is loaded next to the page");
    assert.doesNotMatch(app, /from\s*"(?:marked|dompurify|highlight\.js)/, "the markdown libraries are bundled, not imported");
    assert.doesNotMatch(app + html, /cdn\.|unpkg\.com|jsdelivr/, "no CDN");
  });

  test("1, 5: offline chat at 1400x900: streams, stays put, sticks to the bottom, composer pinned", async () => {
    const { page, problems } = await openPage(browser, base, SLOW);
    assert.match(await page.textContent("#mode-title"), /Offline demo/);
    assert.match(await page.textContent("#privacy"), /may log your prompts and use them for training/);
    assert.equal(await page.inputValue("#model"), "auto");
    await page.screenshot({ path: shot("desktop-empty") });

    // Shift+Enter adds a line; the prompt grows; Enter sends.
    await page.click("#prompt");
    const h0 = (await box(page, "#prompt")).h;
    await page.keyboard.type("Write a retry function in JavaScript");
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press("Shift+Enter");
      await page.keyboard.type(`line ${i}`);
    }
    assert.equal((await page.inputValue("#prompt")).split("\n").length, 4, "Shift+Enter adds lines");
    assert.ok((await box(page, "#prompt")).h > h0 + 20, "the prompt grows with its text");
    assert.equal(await page.locator(".msg-user").count(), 0, "nothing sent yet");
    // IME: Enter that confirms a composition does not send.
    await page.evaluate(() => {
      const ev = new KeyboardEvent("keydown", { key: "Enter", isComposing: true, bubbles: true, cancelable: true });
      document.querySelector("#prompt").dispatchEvent(ev);
    });
    assert.equal(await page.locator(".msg-user").count(), 0, "Enter during IME composition does not send");
    await page.keyboard.press("Enter");
    await page.waitForSelector(".msg-user");
    assert.equal(await page.inputValue("#prompt"), "");

    // While the answer streams nothing in the composer moves, and Send and Stop are on screen.
    await page.waitForFunction(() => (document.querySelector(".msg-assistant .content")?.textContent.length ?? 0) > 20, null, { timeout: 20_000 });
    const composer = async () => ({ prompt: await box(page, "#prompt"), send: await box(page, "#send"), stop: await box(page, "#stop"), status: await box(page, "#status") });
    const first = await composer();
    for (const b of [first.send, first.stop, first.prompt]) assert.ok(b.y >= 0 && b.y + b.h <= 900, `on screen: ${JSON.stringify(b)}`);
    assert.ok(Math.abs(first.send.y - first.stop.y) < 4, "Send and Stop side by side");
    const scroller = () => page.evaluate(() => { const m = document.querySelector("#messages"); return m.scrollHeight - m.scrollTop - m.clientHeight; });
    for (let i = 0; i < 6; i++) {
      await page.waitForTimeout(200);
      assert.deepEqual(await composer(), first, "the composer does not move while the answer streams");
      assert.ok((await scroller()) < 30, "the conversation sticks to the bottom");
    }
    // Scrolled up: a "jump to latest" control; it brings the newest text back.
    await page.waitForFunction(() => { const m = document.querySelector("#messages"); return m.scrollHeight > m.clientHeight + 100; }, null, { timeout: 20_000 });
    await page.evaluate(() => (document.querySelector("#messages").scrollTop = 0));
    await page.waitForSelector("#jump:not([hidden])");
    await page.click("#jump");
    assert.ok((await scroller()) < 30);
    await waitDone(page, 60_000);

    const answer = await page.textContent(`${lastAnswer} >> .content`);
    assert.match(answer, /^\(Offline demo — no model was called\.\)/);
    assert.match(answer, /async function withRetry/, "the canned answer fits the topic: code for a code question");
    assert.match((await page.textContent(`${lastAnswer} >> .badge-model`)).trim(), FREE_ID);
    assert.equal(await page.textContent(`${lastAnswer} >> .badge-provider`), "via demo");
    assert.equal(await page.isDisabled("#send"), false);
    assert.equal(await page.isDisabled("#stop"), true);
    const after = await composer();
    assert.ok(after.send.y + after.send.h <= 900, "Send stays on screen after the answer");
    // The timeline saw the attempt, the first token and the end; the quota moved.
    for (const t of ["attempt", "first_token", "done"]) assert.ok(await page.locator(`#events .event[data-type="${t}"]`).count(), `a ${t} event`);
    await page.waitForFunction(() => [...document.querySelectorAll("#meters .meter-item")].some((li) => Number(li.dataset.used) > 0));
    await page.screenshot({ path: shot("desktop-answer") });
    await page.screenshot({ path: shot("desktop-full"), fullPage: true });
    await assertClean(page, problems);
    await page.context().close();
  });

  test("1: on a phone the chat comes first and Send keeps the answer in view", async () => {
    const { page, problems } = await openPage(browser, base, FAST, { width: 375, height: 812 });
    const chat = await box(page, "#chat");
    assert.ok(chat.y < 80, `the chat starts at the top (${chat.y} px)`);
    for (const id of ["#prompt", "#send", "#stop"]) {
      const b = await box(page, id);
      assert.ok(b.y + b.h <= 812, `${id} is on the first screen (${b.y + b.h})`);
    }
    await page.check("#tools");
    await ask(page, "What is the weather in Lisbon?");
    await waitDone(page);
    await ask(page, "Write a retry function in JavaScript");
    await page.waitForFunction(() => document.querySelectorAll(".msg-assistant").length === 2);
    await page.waitForTimeout(300);
    const streaming = await box(page, `${lastAnswer} >> .content`);
    assert.ok(streaming && streaming.y < 812 && streaming.y + streaming.h > 0, "the answer streams on screen");
    await waitDone(page);
    const send = await box(page, "#send");
    assert.ok(send.y + send.h <= 812, "Send is still on screen");
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `no horizontal scrolling (page is ${width} px wide)`);
    await page.screenshot({ path: shot("phone-answer") });
    await page.screenshot({ path: shot("phone-full"), fullPage: true });
    await assertClean(page, problems);
    await page.context().close();
  });

  test("2: markdown while streaming: code highlighted with a copy button, lists, inline code, links, tables, sanitised", async () => {
    const { page, problems } = await openPage(browser, base, SLOW.replace("speed=1", "speed=3"));
    await ask(page, "Write a retry function in JavaScript");
    // Bold and the code block are rendered before the answer ends.
    await page.waitForSelector(`${lastAnswer} >> .content strong`, { timeout: 20_000 });
    assert.equal(await page.getAttribute("#chat", "data-running"), "true", "rendered while streaming");
    await waitDone(page, 60_000);
    const content = `${lastAnswer} >> .content`;
    assert.ok(await page.locator(`${content} pre code .hljs-keyword`).count(), "code is highlighted");
    assert.ok(await page.locator(`${content} ul li`).count() >= 3, "a list");
    assert.ok(await page.locator(`${content} :not(pre) > code`).count() >= 1, "inline code");
    assert.doesNotMatch(await page.textContent(content), /```|\*\*\w/, "no raw markdown left");
    await page.click(`${content} .copy-code`);
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.match(copied, /^async function withRetry/);
    assert.doesNotMatch(copied, /Copy code/);

    await ask(page, "How is model output rendered safely: a markdown table?");
    await waitDone(page, 60_000);
    assert.ok(await page.locator(`${content} table th`).count() >= 2, "a table");
    const link = page.locator(`${content} a`).first();
    assert.equal(await link.getAttribute("target"), "_blank");
    assert.match(await link.getAttribute("rel"), /noopener/);
    assert.equal(await page.locator(`${content} img, ${content} script`).count(), 0, "raw HTML dropped");
    assert.notEqual(await page.title(), "pwned", "no handler ran");
    await page.screenshot({ path: shot("desktop-markdown") });
    await assertClean(page, problems);
    await page.context().close();
  });

  test("3: copy, retry, another model, edit; a failed send keeps the prompt and leaves no dangling turn", async () => {
    const { page, problems } = await openPage(browser, base, `${FAST}&log=1`);
    await ask(page, "Why is the sky blue?");
    await waitDone(page);
    const firstModel = (await page.textContent(`${lastAnswer} >> .badge-model`)).trim();
    await page.click(`${lastAnswer} >> .msg-actions button:has-text("Copy")`);
    assert.match(await page.evaluate(() => navigator.clipboard.readText()), /Rayleigh scattering/);

    await page.click(`${lastAnswer} >> .retry`);
    await waitDone(page);
    assert.equal(await page.locator(".msg-assistant").count(), 1, "retry replaces the answer");
    assert.equal((await page.textContent(`${lastAnswer} >> .badge-model`)).trim(), firstModel, "retry asks the same model");
    await page.click(`${lastAnswer} >> .retry-other`);
    await waitDone(page);
    assert.equal(await page.locator(".msg-assistant").count(), 1);
    assert.notEqual((await page.textContent(`${lastAnswer} >> .badge-model`)).trim(), firstModel, "another model answered");

    await page.click('.msg-user >> nth=-1 >> button.edit');
    assert.equal(await page.inputValue("#prompt"), "Why is the sky blue?");
    assert.equal(await page.locator(".msg").count(), 0, "the exchange left the conversation");
    await page.fill("#prompt", "Why are sunsets red?");
    await page.press("#prompt", "Enter");
    await waitDone(page);
    assert.equal(await page.locator(".msg-user").count(), 1);

    // A failed send: a named model that answers 404, fallback off.
    await page.fill("#model", "openai/gpt-oss-20b:free");
    await page.uncheck("#fallback");
    await page.waitForTimeout(400); // settings are saved, debounced
    await page.goto(`${base}${FAST}&log=1&script=404`); // the next request answers 404
    await waitReady(page, problems);
    assert.equal(await page.locator(".msg-user").count(), 1, "the conversation survived the reload");
    await ask(page, "This one fails");
    assert.equal(await waitIdle(page), "error");
    assert.match(await page.textContent("#status"), /^not_found: .*No endpoints found for openai\/gpt-oss-20b:free\./);
    assert.equal(await page.inputValue("#prompt"), "This one fails", "the prompt is kept");
    assert.match(await page.textContent(".msg-user >> nth=-1"), /Not sent/);
    // The next request does not carry the failed turn.
    await page.fill("#model", "auto");
    await page.check("#fallback");
    await page.waitForTimeout(400);
    await page.goto(`${base}${FAST}&log=1`);
    await waitReady(page, problems);
    await ask(page, "And now?");
    await waitDone(page);
    const sent = await page.evaluate(() => window.demoRequests.at(-1).messages.map((m) => m.content));
    assert.ok(!sent.includes("This one fails"), `no dangling turn: ${JSON.stringify(sent)}`);
    assert.deepEqual(sent.filter((c) => typeof c === "string" && !c.startsWith("(Offline")), ["Why are sunsets red?", "And now?"]);
    await assertClean(page, problems.filter((p) => !/404/.test(p)));
    await page.context().close();
  });

  test("4: a limit offers Wait and send with a live countdown; meter and message agree; auto-wait waits", async () => {
    const { page, problems } = await openPage(browser, base, `${FAST}&script=429-tier&tierReset=4000`);
    await ask(page, "hello");
    assert.equal(await waitIdle(page), "error");
    const text = await page.textContent(`${lastAnswer} >> .limit-text`);
    assert.match(text, /allows 20 requests a minute, and all 20 are used\. It resets in 0:0\d/);
    assert.doesNotMatch(text + (await page.textContent("#status")), /waitForQuota|Pass /, "words for a person, not option names");
    // The meter says the same, at the same moment.
    const minute = page.locator("#meters .meter-item", { hasText: "per minute" });
    assert.equal(await minute.getAttribute("data-used"), "20");
    assert.match(await minute.textContent(), /20 of 20 used/);
    const button = page.locator(`${lastAnswer} >> .wait-send`);
    const t1 = await button.textContent();
    assert.match(t1, /^Wait 0:0\d and send$/);
    await page.waitForTimeout(1300);
    assert.notEqual(await button.textContent(), t1, "the countdown moves");
    assert.equal(await page.inputValue("#prompt"), "hello", "the prompt is kept");
    await button.click();
    await waitDone(page, 20_000);
    assert.equal(await page.locator(".msg-assistant").count(), 1, "the answer replaced the failed one");
    assert.equal(await page.inputValue("#prompt"), "");
    await assertClean(page, problems);
    await page.context().close();

    // "Wait at limits": the same limit, waited out with a countdown in the status line.
    const second = await openPage(browser, base, `${FAST}&script=429-tier&tierReset=3000`);
    await second.page.check("#auto-wait");
    await ask(second.page, "hello");
    await second.page.waitForFunction(() => /Waiting 0:0\d/.test(document.querySelector("#status").textContent), null, { timeout: 10_000 });
    await waitDone(second.page, 20_000);
    assert.equal(await second.page.locator(".limit-box:not([hidden])").count(), 0);
    await assertClean(second.page, second.problems);
    await second.page.context().close();
  });

  test("5: 12 fresh pages x 6 prompts with default settings: no lock-out, fallbacks show", async () => {
    const prompts = [
      "Hello! Who are you?",
      "Write a retry function in JavaScript",
      "Plan a weekend trip to Lisbon",
      "Why is the sky blue?",
      "Give me a quick pasta recipe",
      "How do free model rate limits work?",
    ];
    let fallbacks = 0;
    const unlucky = [];
    const runPage = async (n) => {
      // Default settings: random seed, default faults. Only the pacing is sped up.
      const { page, problems } = await openPage(browser, base, "?speed=20");
      for (const p of prompts) {
        await ask(page, p);
        const kind = await waitIdle(page, 60_000);
        // Never the account's window: that is the lock-out.
        const limits = await page.$$eval(".limit-box:not([hidden])", (els) => els.map((e) => e.textContent));
        assert.ok(!limits.some((t) => /free tier allows/.test(t)), `page ${n}, "${p}": locked out: ${limits}`);
        if (kind !== "ok") {
          // Four candidates in a row, each with its own random fault: about 1 prompt in 1,000.
          unlucky.push(`page ${n}, "${p}": ${await page.textContent("#status")}`);
          await page.fill("#prompt", "");
        }
      }
      const errors = await page.$$eval('#events .event[data-type="error"]', (els) => els.map((e) => e.textContent));
      assert.ok(!errors.some((e) => /free-model limit|free-models-per|quota_exhausted/.test(e)), `page ${n}: ${errors}`);
      fallbacks += await page.locator('#events .event[data-type="fallback"], #events .event[data-type="resume"]').count();
      const answers = await page.$$eval(".msg-assistant .content", (els) => els.map((e) => e.textContent));
      assert.ok(answers.some((a) => /async function withRetry/.test(a)) || unlucky.some((u) => u.includes(`page ${n}, "Write`)), "a code question gets code");
      await assertClean(page, problems);
      await page.context().close();
    };
    for (let n = 0; n < 12; n += 3) await Promise.all([runPage(n), runPage(n + 1), runPage(n + 2)]);
    assert.ok(fallbacks > 0, "random per-model faults made the library fall back at least once");
    assert.ok(unlucky.length <= 1, `at most one unlucky prompt in 72:\n${unlucky.join("\n")}`);
  });

  test("5: a broken stream resumes from the partial text and the message marks the seam", async () => {
    const { page, problems } = await openPage(browser, base, `${FAST}&script=midstream`);
    await ask(page, "Give me a quick pasta recipe");
    await waitDone(page);
    assert.equal(await page.locator('#events .event[data-type="resume"]').count(), 1);
    const seam = page.locator(`${lastAnswer} >> .seam`);
    assert.equal(await seam.count(), 1, "one seam marker");
    const resumeTo = (await page.textContent('#events .event[data-type="resume"]')).match(/; (\S+) continues/)[1];
    assert.match(await seam.textContent(), new RegExp(`continued by ${resumeTo.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`));
    const text = (await page.textContent(`${lastAnswer} >> .content`)).replace(/ ⤷ continued by \S+ /, "");
    assert.equal(text.split("Quick lemon pasta").length - 1, 1, "the answer is not repeated after the seam");
    assert.match(text, /Tip: the starchy water/, "it runs to the end");
    await assertClean(page, problems);
    await page.context().close();
  });

  test("6: the badge opens the route: attempts with outcome and time, skipped candidates, cost", async () => {
    const { page, problems } = await openPage(browser, base, `${FAST}&script=429`);
    await ask(page, "Tell me about Lisbon");
    await waitDone(page);
    assert.equal(await page.textContent(`${lastAnswer} >> .badge-attempts`), "2 attempts");
    const badge = page.locator(`${lastAnswer} >> .badge`);
    assert.equal(await badge.getAttribute("aria-expanded"), "false");
    await badge.click();
    assert.equal(await badge.getAttribute("aria-expanded"), "true");
    const route = page.locator(`${lastAnswer} >> .route`);
    const attempts = await route.locator(".attempts li").allTextContents();
    assert.equal(attempts.length, 2);
    assert.match(attempts[0], /:free · demo · rate_limited .*\d+ ms/);
    assert.match(attempts[1], /:free · demo · ok .*\d+ ms/);
    assert.match(await route.textContent(), /cost \$0 \(free\)/);
    // Skipped candidates are listed when the library reports route.skipped (API.md, 2026-12).
    const skippedShown = await route.locator(".skipped li").count();
    const reported = await page.evaluate(() => /Skipped \(\d+\)|No candidate was skipped/.test(document.querySelector(".route").textContent));
    if (skippedShown) assert.ok(reported);
    await page.screenshot({ path: shot("desktop-route") });
    await assertClean(page, problems);
    await page.context().close();
  });

  test("7: a typed model id is checked against the catalog; a replaced model is named", async () => {
    const { page, problems } = await openPage(browser, base, FAST);
    await page.waitForFunction(() => document.querySelectorAll("#model-list option").length > 10);
    await page.fill("#model", "gpt-oss-20b");
    await page.press("#model", "Tab");
    const check = page.locator("#model-check");
    await check.waitFor();
    assert.match(await check.textContent(), /“gpt-oss-20b” is not in the catalog; did you mean .*openai\/gpt-oss-20b:free/);
    await ask(page, "hello");
    assert.equal(await page.locator(".msg").count(), 0, "not sent to some other model");
    assert.match(await page.textContent("#status"), /not in the catalog/);
    await check.locator("button", { hasText: "openai/gpt-oss-20b:free" }).click();
    assert.equal(await page.inputValue("#model"), "openai/gpt-oss-20b:free");
    assert.ok(await check.isHidden());
    await assertClean(page, problems);
    await page.context().close();

    // The named model fails (404) and fallback picks another: the message says so.
    const second = await openPage(browser, base, `${FAST}&script=404&model=openai/gpt-oss-20b:free`);
    await ask(second.page, "hello");
    await waitDone(second.page);
    const model = (await second.page.textContent(`${lastAnswer} >> .badge-model`)).trim();
    assert.notEqual(model, "openai/gpt-oss-20b:free");
    assert.match(await second.page.textContent(`${lastAnswer} >> .msg-note`), new RegExp(`You asked for openai/gpt-oss-20b:free; .*so fallback used ${model.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`));
    await assertClean(second.page, second.problems);
    await second.page.context().close();
  });

  test("8: conversation, draft and settings survive a reload; New conversation can be undone; nothing in localStorage", async () => {
    const { page, problems } = await openPage(browser, base, FAST);
    await ask(page, "Write me a haiku");
    await waitDone(page);
    await page.selectOption("#strategy", "fastest");
    await page.check("#tools");
    await page.fill("#prompt", "a draft I am still writing");
    await page.waitForTimeout(400); // saves are debounced
    await page.reload();
    await waitReady(page, problems);
    assert.equal(await page.locator(".msg-user").count(), 1);
    assert.match(await page.textContent(".msg-assistant .content"), /poem/);
    assert.equal(await page.inputValue("#prompt"), "a draft I am still writing");
    assert.equal(await page.inputValue("#strategy"), "fastest");
    assert.equal(await page.isChecked("#tools"), true);
    assert.equal(await page.evaluate(() => localStorage.length), 0, "this tab only unless Remember is ticked");

    await page.click("#new-chat");
    assert.equal(await page.locator(".msg").count(), 0);
    await page.click("#undo-clear");
    assert.equal(await page.locator(".msg").count(), 2, "undo brings it back");
    await page.click("#new-chat");
    await page.reload();
    await waitReady(page, problems);
    assert.equal(await page.locator(".msg").count(), 0, "a new conversation stays new after a reload");
    await assertClean(page, problems);
    await page.context().close();

    // A reload in the middle of an answer keeps what was written, and it is sent as history.
    const slow = await openPage(browser, base, `${SLOW}&log=1`);
    await ask(slow.page, "Why is the sky blue?");
    await slow.page.waitForFunction(() => (document.querySelector(".msg-assistant .content")?.textContent.length ?? 0) > 80, null, { timeout: 20_000 });
    await slow.page.waitForTimeout(300);
    await slow.page.goto(`${base}${FAST}&log=1`);
    await waitReady(slow.page, slow.problems);
    assert.match(await slow.page.textContent(".msg-assistant .msg-note"), /Interrupted by a reload/);
    const partial = await slow.page.textContent(".msg-assistant .content");
    assert.ok(partial.length > 80);
    // A big image is not kept across reloads, but the conversation still is.
    const big = Buffer.alloc(400_000, 7);
    await slow.page.setInputFiles("#image", { name: "big.png", mimeType: "image/png", buffer: big });
    await slow.page.waitForSelector("#attached:not([hidden])");
    await ask(slow.page, "What is in this picture?");
    await waitDone(slow.page);
    const sent = await slow.page.evaluate(() => window.demoRequests.at(-1).messages);
    assert.equal(sent[1].role, "assistant");
    assert.match(sent[1].content, /^\(Offline demo — no model was called\.\) \*\*Why the sky is blue\*\*/, "the partial answer is in the history");
    assert.ok(!/two follow-ups/i.test(sent[1].content), "only the part written before the reload");
    await slow.page.waitForTimeout(400);
    await slow.page.reload();
    await waitReady(slow.page, slow.problems);
    assert.equal(await slow.page.locator(".msg-user").count(), 2, "the conversation was saved despite the image");
    assert.match(await slow.page.textContent(".msg-user >> nth=1"), /too large to keep across reloads/);
    await assertClean(slow.page, slow.problems);
    await slow.page.context().close();
  });

  test("9: live mode with no network says so in words, with next steps", async () => {
    const { page, problems, context } = await openPage(browser, base, FAST);
    await context.route("https://openrouter.ai/**", (route) => route.abort("internetdisconnected"));
    await page.fill("#key-openrouter", "sk-or-v1-e2e-not-a-real-key-000000000000000000000000000000000000");
    await page.click("#apply-keys");
    await page.waitForSelector('#mode-notice[data-mode="trouble"]', { timeout: 20_000 });
    assert.match(await page.textContent("#mode-title"), /can't be reached/);
    assert.match(await page.textContent("#mode-body"), /connection.*blocker.*Forget keys/s);
    assert.equal(await page.textContent("#mode-pill"), "Can't connect");
    assert.doesNotMatch(await page.textContent("#status"), /Ready/);
    assert.equal(await page.getAttribute("#status", "data-kind"), "error");
    // A message sent anyway fails with the same explanation, and the prompt is kept.
    await ask(page, "Are you there?");
    assert.equal(await waitIdle(page), "error");
    assert.match(await page.textContent("#status"), /^network: /);
    assert.equal(await page.inputValue("#prompt"), "Are you there?");
    assert.match(await page.textContent("#mode-title"), /can't be reached/);
    await page.screenshot({ path: shot("desktop-offline-live") });
    await page.click("#clear-keys");
    await page.waitForSelector('#mode-notice[data-mode="demo"]');
    await assertClean(page, problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(p)));
    await context.close();
  });

  for (const colorScheme of ["light", "dark"]) {
    test(`10: axe-core finds no serious or critical violation (${colorScheme}, 1400 and 375, before and after a conversation)`, async () => {
      for (const [width, height] of [[1400, 900], [375, 812]]) {
        const { page, problems } = await openPage(browser, base, FAST, { width, height, colorScheme });
        assert.equal(await page.locator("h1").count(), 1, "one h1");
        assert.equal(await page.getAttribute("#messages", "role"), "log");
        assert.deepEqual(await axeViolations(page), [], `before a conversation at ${width}px, ${colorScheme}`);
        await page.check("#tools");
        await ask(page, "What is the weather in Paris today?");
        await waitDone(page);
        await page.uncheck("#tools");
        await ask(page, "Write a retry function in JavaScript");
        await waitDone(page);
        await page.click(`${lastAnswer} >> .badge`);
        // The finished answer is announced through a polite live region.
        assert.equal(await page.getAttribute("#announce", "aria-live"), "polite");
        assert.match(await page.textContent("#announce"), /^Answer from \S+: \(Offline demo.*withRetry/s);
        assert.deepEqual(await axeViolations(page), [], `after a conversation at ${width}px, ${colorScheme}`);
        if (width === 375) await page.screenshot({ path: shot(`phone-${colorScheme}`) });
        else await page.screenshot({ path: shot(`desktop-${colorScheme}`) });
        await assertClean(page, problems);
        await page.context().close();
      }
    });
  }

  test("11: Use it in your app: install command, a sample that follows the settings, never a key", async () => {
    const { page, problems, context } = await openPage(browser, base, FAST);
    assert.equal(await page.textContent("#snippet-install"), "npm install free-router");
    const sample = () => page.textContent("#snippet-client");
    assert.match(await sample(), /strategy: "seeded"/);
    assert.match(await sample(), /model: "auto"/);
    await page.selectOption("#strategy", "fastest");
    await page.check("#tools");
    await page.check("#auto-wait");
    await page.check("#pin");
    await page.fill("#model", "openai/gpt-oss-20b:free");
    await page.press("#model", "Tab");
    const s = await sample();
    assert.match(s, /strategy: "fastest"/);
    assert.match(s, /model: "openai\/gpt-oss-20b:free"/);
    assert.match(s, /tools: \[getWeatherTool\]/);
    assert.match(s, /waitForQuota: 120_000/);
    assert.match(s, /client\.session\(\)/);
    const openai = await page.textContent("#snippet-openai");
    for (const part of ['apiKey: "unused"', 'baseURL: "https://openrouter.ai/api/v1"', "fetch: client.fetch", "dangerouslyAllowBrowser: true", "maxRetries: 0"]) {
      assert.ok(openai.includes(part), `openai-node sample has ${part}`);
    }
    assert.match(await page.getAttribute("#readme-link", "href"), /#readme$/);
    // With keys, providers appear by id; the keys themselves never do.
    // Live providers get a 503 here: no test reaches a real API.
    await context.route((url) => !url.hostname.startsWith("127."), (route) => route.fulfill({ status: 503, body: "" }));
    const KEY = "sk-or-v1-secret-e2e-000000000000000000000000000000000000000000000000";
    await page.fill("#key-openrouter", KEY);
    await page.evaluate(() => (document.querySelector("#more-providers").open = true));
    await page.fill("#key-groq", "gsk_secret_e2e");
    await page.click("#apply-keys");
    await page.waitForFunction(() => /id: "groq"/.test(document.querySelector("#snippet-client").textContent));
    const all = (await sample()) + (await page.textContent("#snippet-openai"));
    assert.ok(!all.includes(KEY) && !all.includes("gsk_secret_e2e"), "no key in the samples");
    await page.click("#use-it .copy-snippet[data-copy=client]");
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), await sample());
    await page.click("#clear-keys");
    await assertClean(page, problems.filter((p) => !/503|Failed to load resource/.test(p)));
    await context.close();
  });

  test("12: model browser: sort, word search across id, name and capabilities, and which filters hide matches", async () => {
    const { page, problems } = await openPage(browser, base, FAST);
    await page.waitForFunction(() => document.querySelectorAll("#model-rows tr").length > 5);
    const contexts = () => page.$$eval("#model-rows tr", (trs) => trs.map((tr) => tr.children[2].textContent));
    const tokens = (s) => (s.endsWith("M") ? parseFloat(s) * 1e6 : s.endsWith("k") ? parseFloat(s) * 1e3 : Number(s) || 0);
    await page.selectOption("#model-sort", "context");
    await page.waitForTimeout(200);
    const ctx = (await contexts()).map(tokens);
    assert.deepEqual(ctx, [...ctx].sort((a, b) => b - a), `largest context first: ${ctx}`);
    await page.selectOption("#model-sort", "newest");
    await page.waitForTimeout(200);
    assert.notDeepEqual((await contexts()).map(tokens), ctx, "another order");
    // Price, free and paid: the free ones first, then the cheapest paid.
    await page.click('.chip[data-filter="free"]');
    await page.selectOption("#model-sort", "price");
    await page.waitForTimeout(300);
    const prices = await page.$$eval("#model-rows tr", (trs) => trs.map((tr) => tr.children[4].textContent));
    const firstPaid = prices.findIndex((p) => p !== "free");
    assert.ok(firstPaid > 0 && prices.slice(firstPaid).every((p) => p !== "free"), `free first: ${prices}`);
    // The library orders by prompt + completion price per million tokens.
    const paid = prices.slice(firstPaid).map((p) => [...p.matchAll(/\$([\d.]+)/g)].reduce((sum, m) => sum + Number(m[1]), 0));
    assert.deepEqual(paid, [...paid].sort((a, b) => a - b), `cheapest first: ${prices.slice(firstPaid)}`);
    await page.click('.chip[data-filter="free"]');

    await page.fill("#model-search", "gpt oss");
    await page.waitForFunction(() => /match/.test(document.querySelector("#models-count").textContent) && document.querySelectorAll("#model-rows tr").length < 5);
    const ids = await page.$$eval("#model-rows .model-id", (els) => els.map((e) => e.textContent));
    assert.ok(ids.length >= 1 && ids.every((id) => /gpt-oss/.test(id)), `"gpt oss" finds gpt-oss: ${ids}`);
    // Capabilities are words too.
    await page.fill("#model-search", "gemma vision");
    await page.waitForTimeout(300);
    const caps = await page.$$eval("#model-rows tr", (trs) => trs.map((tr) => tr.textContent));
    assert.ok(caps.length >= 1 && caps.every((t) => /gemma/i.test(t) && /vision/.test(t)), `${caps.length} gemma vision rows`);
    // A filter that hides matches is named.
    await page.fill("#model-search", "gpt oss");
    await page.click('.chip[data-filter="vision"]');
    await page.waitForFunction(() => /hidden by/.test(document.querySelector("#models-count").textContent));
    assert.match(await page.textContent("#models-count"), /^0 models match\. \d+ more match “gpt oss” but are hidden by: .*vision \(\d+\)/);
    await page.click('.chip[data-filter="vision"]');
    // "Use" puts a model into the chat.
    await page.locator("#model-rows tr").first().locator("button").click();
    assert.match(await page.inputValue("#model"), /gpt-oss/);
    await assertClean(page, problems);
    await page.context().close();
  });

  test("Stop stops a running stream; Esc stops too", async () => {
    const { page, problems } = await openPage(browser, base, SLOW);
    await ask(page, "Why is the sky blue?");
    await page.waitForFunction(() => (document.querySelector(".msg-assistant .content")?.textContent.length ?? 0) > 60, null, { timeout: 20_000 });
    await page.click("#stop");
    await waitIdle(page);
    assert.match(await page.textContent("#status"), /Aborted/);
    const before = (await page.textContent(`${lastAnswer} >> .content`)).length;
    await page.waitForTimeout(800);
    assert.equal((await page.textContent(`${lastAnswer} >> .content`)).length, before, "text stopped growing");
    assert.ok(before < 700, `stopped early (${before} chars)`);
    assert.match(await page.textContent(`${lastAnswer} >> .msg-note`), /Stopped/);
    await ask(page, "Say hello");
    await page.waitForFunction(() => document.querySelectorAll(".msg-assistant").length === 2);
    await page.waitForFunction(() => /Offline demo/.test(document.querySelector(".msg-assistant:last-of-type .content")?.textContent ?? ""), null, { timeout: 20_000 });
    await page.keyboard.press("Escape");
    await waitIdle(page);
    assert.match(await page.textContent("#status"), /Aborted|Done/);
    await assertClean(page, problems);
    await page.context().close();
  });

  test("tools and an attached image: the get_weather call is shown; a vision model is pinned", async () => {
    const { page, problems } = await openPage(browser, base, FAST);
    await page.check("#tools");
    await ask(page, "What is the weather in Paris today?");
    await waitDone(page);
    const call = page.locator(".tool-call").first();
    assert.match(await call.textContent(), /Tool call: get_weather/);
    assert.match(await call.textContent(), /"city": "Paris"/);
    await page.uncheck("#tools");
    const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
    await page.check("#pin");
    await page.setInputFiles("#image", { name: "dot.png", mimeType: "image/png", buffer: png });
    await page.waitForSelector("#attached:not([hidden])");
    await ask(page, "What is in this picture?");
    await waitDone(page);
    assert.equal(await page.locator(".msg-user .msg-image").count(), 1);
    const model = (await page.textContent(`${lastAnswer} >> .badge-model`)).trim();
    const vision = await page.evaluate(async (id) => {
      const m = (await (await fetch("demo-catalog.json")).json()).data.find((x) => x.id === id);
      return m?.architecture?.input_modalities?.includes("image");
    }, model);
    assert.ok(vision, `${model} takes images`);
    assert.match(await page.textContent("#pin-status"), /Pinned to/);
    await ask(page, "Thanks. Now a haiku, please.");
    await page.waitForFunction(() => document.querySelectorAll(".msg-assistant").length === 3);
    await waitDone(page);
    assert.equal((await page.textContent(`${lastAnswer} >> .badge-model`)).trim(), model, "pinned: same model");
    await assertClean(page, problems);
    await page.context().close();
  });

  test("keyboard only: skip link to the prompt, Enter sends, chips toggle with Space, focus is visible", async () => {
    const { page, problems } = await openPage(browser, base, FAST);
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.className), "skip-link");
    await page.keyboard.press("Enter");
    await page.keyboard.type("Write me a haiku");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "prompt");
    await page.keyboard.press("Enter");
    await waitDone(page);
    assert.ok(["prompt", "stop"].includes(await page.evaluate(() => document.activeElement?.id)));
    await page.focus('.chip[data-filter="tools"]');
    await page.keyboard.press("Space");
    assert.equal(await page.getAttribute('.chip[data-filter="tools"]', "aria-pressed"), "true");
    assert.equal(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), "solid");
    await assertClean(page, problems);
    await page.context().close();
  });

  test("8: Sign in with OpenRouter: PKCE round trip against a faked OpenRouter; the conversation survives it", async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const problems = watch(page);
    const KEY = "sk-or-v1-e2e0000000000000000000000000000000000000000000000000000000";
    const catalog = await readFile(path.join(REPO, "www/demo-catalog.json"), "utf8");
    const seen = { auth: null, exchange: null };
    const cors = {
      "Access-Control-Allow-Origin": "*",
      "Access-Control-Allow-Headers": "authorization, content-type, http-referer, x-openrouter-title, x-title",
      "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    };
    await page.route("https://openrouter.ai/**", async (route) => {
      const req = route.request();
      const url = new URL(req.url());
      if (req.method() === "OPTIONS") return route.fulfill({ status: 204, headers: cors });
      if (url.pathname === "/auth") {
        seen.auth = url;
        const back = new URL(url.searchParams.get("callback_url"));
        back.searchParams.set("code", "e2e-code-42");
        return route.fulfill({ status: 302, headers: { Location: back.href } });
      }
      if (url.pathname === "/api/v1/auth/keys" && req.method() === "POST") {
        seen.exchange = { body: req.postDataJSON(), headers: req.headers() };
        return route.fulfill({ status: 200, headers: { ...cors, "Content-Type": "application/json" }, body: JSON.stringify({ key: KEY, user_id: "user_e2e" }) });
      }
      if (url.pathname === "/api/v1/models") return route.fulfill({ status: 200, headers: { ...cors, "Content-Type": "application/json" }, body: catalog });
      if (url.pathname === "/api/v1/key") {
        const body = JSON.stringify({ data: { label: "e2e", is_free_tier: true, usage: 0, limit: null } });
        return route.fulfill({ status: 200, headers: { ...cors, "Content-Type": "application/json" }, body });
      }
      return route.fulfill({ status: 404, headers: cors, body: "not faked" });
    });
    await page.goto(base + FAST);
    await waitReady(page, problems);
    await ask(page, "Plan a weekend trip to Lisbon");
    await waitDone(page);
    await page.fill("#prompt", "draft before signing in");
    await page.waitForTimeout(400);

    await Promise.all([page.waitForURL(/\?code=|free-router\/$/), page.click("#signin")]);
    await waitReady(page, problems);
    await page.waitForFunction(() => /Signed in|failed/.test(document.querySelector("#signin-status").textContent), null, { timeout: 15_000 });
    assert.match(await page.textContent("#signin-status"), /Signed in/);
    assert.equal(seen.auth.searchParams.get("callback_url"), base);
    assert.equal(seen.auth.searchParams.get("code_challenge_method"), "S256");
    assert.equal(seen.exchange.body.code, "e2e-code-42");
    const challenge = createHash("sha256").update(seen.exchange.body.code_verifier).digest("base64url");
    assert.equal(challenge, seen.auth.searchParams.get("code_challenge"));
    assert.equal(seen.exchange.headers.authorization, undefined);
    assert.equal(await page.inputValue("#key-openrouter"), KEY);
    assert.match(await page.textContent("#mode-title"), /Live: .*OpenRouter/);
    assert.doesNotMatch(page.url(), /code=/);
    // The conversation and the draft came back with the page.
    assert.equal(await page.locator(".msg-user").count(), 1);
    assert.match(await page.textContent(".msg-assistant .content"), /Lisbon/);
    assert.equal(await page.inputValue("#prompt"), "draft before signing in");
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    assert.ok(!stored.includes(KEY), "the key is not in any storage");
    await page.waitForFunction(() => document.querySelectorAll("#model-rows tr").length > 0, null, { timeout: 10_000 });
    await assertClean(page, problems);
    await context.close();
  });
});

describe("playground, static folder under the strict CSP", { timeout: 120_000 }, () => {
  let server;
  let base;
  let browser;

  before(async () => {
    await buildSite();
    server = startCspServer(SITE);
    base = await server.url;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    if (server) assert.equal(await server.stop(), 0, "serve.mjs exits cleanly on SIGTERM");
  });

  test("a conversation with markdown, a fallback and a resume runs without a CSP violation", async () => {
    const { page, problems, response } = await openPage(browser, base, `${FAST}&script=429,midstream`);
    assert.match(response.headers()["content-security-policy"] ?? "", /script-src 'self' 'wasm-unsafe-eval'/);
    await ask(page, "Write a retry function in JavaScript");
    await waitDone(page);
    assert.ok(await page.locator(`${lastAnswer} >> .content pre code .hljs-keyword`).count());
    await ask(page, "Give me a quick pasta recipe");
    await waitDone(page);
    await assertClean(page, problems);
    await page.context().close();
  });
});
