// The widget's core behaviour in both engines: Debian's Chromium and Firefox ESR, driven by
// puppeteer-core (CDP for Chromium, WebDriver BiDi for Firefox). The same steps in each: pay,
// chained updates and every event through on/off, Escape, focus(), a second card of the same
// brand, load failures and retry(), a session swap, no postMessage to "*", dark and light
// schemes under axe, German in Switzerland, the custom element. The Chromium-only suites (real
// clipboard paste, layout-shift entries) stay in the other files.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import puppeteer from "puppeteer-core";
import { setup, createSession, timeout, ARTIFACTS } from "./lib.mjs";
import { startMerchant, startMockEdge } from "./server.mjs";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const ENGINES = [
  { name: "chromium", browser: "chrome", executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] },
  { name: "firefox", browser: "firefox", executablePath: process.env.FIREFOX || "/usr/bin/firefox-esr", args: [] },
];

let env, faulty, faultyMerchant;
before(async () => {
  env = await setup();
  // Load failures need an edge that misbehaves on request: always the mock.
  faulty = await startMockEdge();
  faultyMerchant = await startMerchant({ edge: faulty.url });
});
after(async () => {
  await faultyMerchant?.close();
  await faulty?.close();
  await env?.stop();
});

const EVENTS = ["ready", "change", "focus", "blur", "escape", "success", "failure", "expired", "loaderror", "resize"];

/** A fresh page (own context) with the SDK loaded; `init` runs in every frame before its scripts. */
async function openPage(browser, merchant, { width = 480, init } = {}) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width, height: 900 });
  if (init) await page.evaluateOnNewDocument(init);
  await timeout(page.goto(`${merchant}/?csp=strict`), 15_000, "opening the merchant page");
  await page.evaluate(() => window.Maven.ready);
  page.close = ((close) => () => context.close().catch(() => close()))(page.close.bind(page));
  return page;
}

/** Mounts with every event recorded through `on`, and a second handler removed with `off`. */
async function mountOn(page, sessionId, options = {}) {
  await page.evaluate((id, events, options) => {
    window.__events = [];
    window.__dead = [];
    const c = window.Maven.createPayment({ sessionId: id, ...options });
    for (const name of events) {
      const dead = () => window.__dead.push(name);
      c.on(name, (arg) => window.__events.push({ name, arg: arg === undefined ? null : JSON.parse(JSON.stringify(arg)) })).on(name, dead).off(name, dead);
    }
    window.__maven = c.mount("#slot");
  }, sessionId, EVENTS, options);
}

const got = (page, name) => page.evaluate((n) => window.__events.filter((e) => e.name === n), name);
const waitFor = (page, name, count = 1, ms = 20_000) =>
  page.waitForFunction((n, c) => window.__events.filter((e) => e.name === n).length >= c, { timeout: ms }, name, count);

/** The form's frame (the one iframe in #slot or the custom element). */
async function frameOf(page) {
  const handle = await page.waitForSelector("iframe[title]", { timeout: 10_000 });
  return handle.contentFrame();
}
const state = (frame, s, ms = 15_000) => frame.waitForFunction((s) => document.documentElement.dataset.state === s, { timeout: ms }, s);
const textOf = (frame, sel) => frame.$eval(sel, (e) => e.textContent);
async function typeCard(frame, number = "4242424242424242") {
  await frame.type("#number", number);
  await frame.type("#exp", "1234");
  await frame.type("#cvc", "123");
}
async function axe(frame) {
  await frame.evaluate(axeSource);
  const r = await frame.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

for (const engine of ENGINES) {
  const present = existsSync(engine.executablePath);
  const t = (name, fn) => test(`[${engine.name}] ${name}`, { skip: !present && `${engine.executablePath} is not installed` }, async () => {
    const browser = await timeout(puppeteer.launch({ browser: engine.browser, executablePath: engine.executablePath, headless: true, args: engine.args }), 60_000, `launching ${engine.name}`);
    try {
      await fn(browser);
    } finally {
      await browser.close();
    }
  });

  t("pays with 4242; chained updates; every event through on(), none through off()", async (browser) => {
    const s = await createSession(env.edge);
    const page = await openPage(browser, env.merchant);
    try {
      await mountOn(page, s.session_id);
      const frame = await frameOf(page);
      await waitFor(page, "ready");
      await state(frame, "ready");
      const chained = await page.evaluate(() => typeof window.__maven.updateTheme({ primary_color: "#0f766e" }).updateLabels({ pay_button: "Buy {amount}" }).updateFields({ postal_code: "optional" }).on === "function");
      assert.ok(chained);
      await frame.waitForFunction(() => document.getElementById("submit-label").textContent === "Buy $12.34");
      // The button's color transition runs to the new primary color.
      await frame.waitForFunction(() => getComputedStyle(document.getElementById("submit")).backgroundColor === "rgb(15, 118, 110)", { timeout: 5000 });
      assert.equal(await frame.$eval("#postal", (e) => e.getClientRects().length > 0), true);
      await waitFor(page, "resize");
      // focus, blur, Escape.
      await frame.click("#number");
      await waitFor(page, "focus");
      await frame.click("#exp");
      await waitFor(page, "blur");
      assert.deepEqual((await got(page, "blur"))[0].arg, { field: "number" });
      await page.keyboard.press("Escape");
      await waitFor(page, "escape");
      // A decline, Try again, a good card.
      await typeCard(frame, "4000000000000002");
      await frame.click("#submit");
      await waitFor(page, "failure");
      assert.equal((await got(page, "failure"))[0].arg.error_code, "card_declined");
      await frame.click("#retry");
      await frame.$eval("#number", (e) => { e.select(); });
      // Another Visa over the declined one: change fires though brand and completeness stay.
      const before = (await got(page, "change")).length;
      await frame.evaluate(() => document.execCommand("insertText", false, "4242424242424242"));
      await waitFor(page, "change", before + 1, 5000);
      assert.equal(await frame.$eval("#number", (e) => e.value), "4242 4242 4242 4242");
      await frame.click("#submit");
      await waitFor(page, "success");
      assert.equal((await got(page, "success"))[0].arg.card_last4, "4242");
      await state(frame, "success");
      assert.match(await textOf(frame, "#result-text"), /\$12\.34.*Visa •••• 4242/);
      assert.deepEqual(await page.evaluate(() => window.__dead), []);
    } finally {
      await page.close();
    }
  });

  t("focus() and blur() move the keyboard focus; the reserved height is the form's", async (browser) => {
    const s = await createSession(env.edge);
    const page = await openPage(browser, env.merchant);
    try {
      await mountOn(page, s.session_id);
      const reserved = await page.evaluate(() => window.__maven.iframe.getBoundingClientRect().height);
      const frame = await frameOf(page);
      await waitFor(page, "ready");
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(await page.evaluate(() => window.__maven.iframe.getBoundingClientRect().height), reserved, "no jump when the form arrives");
      await page.evaluate(() => window.__maven.focus());
      await frame.waitForFunction(() => document.activeElement?.id === "number", { timeout: 5000 });
      await page.keyboard.type("4242");
      assert.equal(await frame.$eval("#number", (e) => e.value), "4242");
      await page.evaluate(() => window.__maven.blur());
      await frame.waitForFunction(() => document.activeElement === document.body, { timeout: 5000 });
    } finally {
      await page.close();
    }
  });

  t("a failing form wasm and a hung frame give loaderror; retry() recovers", async (browser) => {
    const s = await createSession(faulty.url);
    const page = await openPage(browser, faultyMerchant.url);
    try {
      faulty.faults.wasm = true;
      await mountOn(page, s.session_id, { loadTimeout: 10_000 });
      await waitFor(page, "loaderror", 1, 9000);
      assert.equal((await got(page, "loaderror"))[0].arg.error_code, "form_unavailable");
      faulty.faults.wasm = false;
      await page.evaluate(() => window.__maven.retry());
      await waitFor(page, "ready");
      await page.evaluate(() => window.__maven.destroy());
      faulty.faults.hang = true;
      await mountOn(page, s.session_id, { loadTimeout: 1500 });
      await waitFor(page, "loaderror", 1, 8000);
      assert.equal((await got(page, "loaderror"))[0].arg.error_code, "load_timeout");
      faulty.faults.hang = false;
      await page.evaluate(() => window.__maven.retry());
      await waitFor(page, "ready");
      const frame = await frameOf(page);
      await state(frame, "ready");
    } finally {
      faulty.faults.wasm = faulty.faults.hang = false;
      await page.close();
    }
  });

  t("update({sessionId}) swaps in place; the old channel is ignored; nothing is posted to \"*\"", async (browser) => {
    const a = await createSession(env.edge, { amount_cents: 1234 });
    const b = await createSession(env.edge, { amount_cents: 5000 });
    // In the form's frame, `parent` is [Replaceable]: a stand-in records each target origin.
    const init = () => {
      if (window.parent === window || !location.pathname.startsWith("/widget/")) return;
      const real = window.parent;
      window.__targets = [];
      window.parent = { postMessage(m, t, ...r) { window.__targets.push(String(typeof t === "string" ? t : t?.targetOrigin)); return real.postMessage(m, t, ...r); } };
    };
    const page = await openPage(browser, env.merchant, { init });
    try {
      await mountOn(page, a.session_id);
      await waitFor(page, "ready");
      const oldCh = await page.evaluate(() => new URL(window.__maven.iframe.src).hash.match(/ch=([^&]+)/)[1]);
      await page.evaluate((id) => window.__maven.update({ sessionId: id }), b.session_id);
      await waitFor(page, "ready", 2);
      const frame = await frameOf(page);
      await frame.waitForFunction(() => document.getElementById("submit-label").textContent === "Pay $50.00", { timeout: 10_000 });
      const newCh = await page.evaluate(() => new URL(window.__maven.iframe.src).hash.match(/ch=([^&]+)/)[1]);
      // The stand-in `parent` forwards with the target origin given.
      await frame.evaluate((ch, o) => parent.postMessage({ mv: 1, ch, t: "success", p: { status: "succeeded" } }, o), oldCh, env.merchant);
      await frame.evaluate((ch, o) => parent.postMessage({ mv: 1, ch, t: "escape", p: null }, o), newCh, env.merchant);
      await waitFor(page, "escape");
      assert.deepEqual(await got(page, "success"), []);
      await typeCard(frame);
      await frame.click("#submit");
      await waitFor(page, "success");
      assert.equal((await got(page, "success"))[0].arg.amount_cents, 5000);
      const targets = await frame.evaluate(() => window.__targets);
      assert.ok(targets.length >= 3, String(targets));
      assert.deepEqual([...new Set(targets)], [env.merchant]);
    } finally {
      await page.close();
    }
  });

  t("dark and light schemes pass axe on ready, errors and success", async (browser) => {
    for (const scheme of ["dark", "light"]) {
      const s = await createSession(env.edge, { description: "Pro plan" });
      const page = await openPage(browser, env.merchant);
      try {
        await mountOn(page, s.session_id, { colorScheme: scheme });
        const frame = await frameOf(page);
        await waitFor(page, "ready");
        await state(frame, "ready");
        assert.equal(await frame.evaluate(() => document.documentElement.dataset.scheme), scheme);
        assert.deepEqual(await axe(frame), [], `${scheme} ready`);
        await frame.type("#number", "4242424242424241");
        await frame.click("#submit");
        await frame.waitForFunction(() => document.getElementById("number-error").textContent !== "", { timeout: 5000 });
        assert.deepEqual(await axe(frame), [], `${scheme} errors`);
        await frame.$eval("#number", (e) => e.select());
        await frame.evaluate(() => document.execCommand("insertText", false, "4242424242424242"));
        await frame.type("#exp", "1234");
        await frame.type("#cvc", "123");
        await frame.click("#submit");
        await state(frame, "success");
        assert.deepEqual(await axe(frame), [], `${scheme} success`);
      } finally {
        await page.close();
      }
    }
  });

  t("the session's color_scheme applies when the page gives none; the page's option wins", async (browser) => {
    const s = await createSession(env.edge, { color_scheme: "dark" });
    for (const [options, want, bg] of [[{}, "dark", "rgb(17, 19, 24)"], [{ colorScheme: "light" }, "light", "rgba(0, 0, 0, 0)"]]) {
      const page = await openPage(browser, env.merchant);
      try {
        await mountOn(page, s.session_id, options);
        const frame = await frameOf(page);
        await waitFor(page, "ready");
        await state(frame, "ready");
        assert.equal(await frame.evaluate(() => document.documentElement.dataset.scheme), want);
        assert.equal(await frame.evaluate(() => getComputedStyle(document.body).backgroundColor), bg);
      } finally {
        await page.close();
      }
    }
  });

  t("de-CH: German texts and Swiss money; screenshots at 280 and 400 px", async (browser) => {
    const s = await createSession(env.edge, { locale: "de-CH", currency: "chf", amount_cents: 123450 });
    for (const width of [280, 400]) {
      for (const [scheme, locale] of [["light", "en"], ["dark", "en"], ["light", "de-CH"]]) {
        const page = await openPage(browser, env.merchant, { width });
        try {
          await mountOn(page, s.session_id, { colorScheme: scheme, locale });
          const frame = await frameOf(page);
          await waitFor(page, "ready");
          await state(frame, "ready");
          if (locale === "de-CH") {
            assert.equal(await textOf(frame, "#number-label"), "Kartennummer");
            assert.match(await textOf(frame, "#submit-label"), /^CHF\s1['’]234\.50 bezahlen$/);
            assert.equal(await frame.evaluate(() => document.documentElement.lang), "de-CH");
          }
          const overflow = await frame.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          assert.equal(overflow, 0, `nothing overflows at ${width}px`);
          await new Promise((r) => setTimeout(r, 300));
          await page.screenshot({ path: `${ARTIFACTS}/${engine.name}-${scheme}-${locale}-${width}.png` });
        } finally {
          await page.close();
        }
      }
    }
  });

  t("<maven-payment> pays with 4242 and its events bubble", async (browser) => {
    const s = await createSession(env.edge);
    const page = await openPage(browser, env.merchant);
    try {
      await page.evaluate((id) => {
        window.__events = [];
        for (const n of ["ready", "success"]) document.addEventListener(`maven-${n}`, (e) => window.__events.push({ name: n, arg: e.detail ?? null, tag: e.target.tagName }));
        document.getElementById("slot").innerHTML = `<maven-payment session-id="${id}"></maven-payment>`;
      }, s.session_id);
      await waitFor(page, "ready");
      const frame = await frameOf(page);
      await state(frame, "ready");
      await typeCard(frame);
      await frame.click("#submit");
      await waitFor(page, "success");
      const [ok] = await got(page, "success");
      assert.equal(ok.tag, "MAVEN-PAYMENT");
      assert.equal(ok.arg.card_last4, "4242");
    } finally {
      await page.close();
    }
  });
}
