// Shared helpers of the widget browser tests: headless Debian Chromium through playwright-core,
// the edge under test (the real one when MAVEN_BASE_URL is set, else the mock in server.mjs),
// session creation, and frame helpers.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startMerchant, startMockEdge } from "./server.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = join(HERE, "../artifacts/browser");
mkdirSync(ARTIFACTS, { recursive: true });

/** Rejects after `ms` with a message naming what took too long. */
export function timeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, reject) => { t = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms); }),
  ]).finally(() => clearTimeout(t));
}

// TOOLCHAIN.md trap 11: root needs --no-sandbox; keep Chromium off the (closed) network.
// playwright's launch() already gives every run a fresh temporary profile (user data dir).
export async function launch() {
  return timeout(chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  }), 30_000, "launching Chromium");
}

/**
 * The edge under test and a merchant page on another origin. Call `stop()` in `finally`.
 * Real edge: MAVEN_BASE_URL + MAVEN_TEST_KEY (scripts/with-edge.sh exports both).
 */
export async function setup() {
  const started = [];
  try {
    let edge = process.env.MAVEN_BASE_URL?.replace(/\/$/, "");
    let mock = null;
    if (!edge) {
      mock = await timeout(startMockEdge(), 10_000, "starting the mock edge");
      started.push(mock);
      edge = mock.url;
    }
    const merchant = await timeout(startMerchant({ edge }), 10_000, "starting the merchant page");
    started.push(merchant);
    return {
      edge, mock, merchant: merchant.url, real: !mock,
      stop: () => Promise.all(started.map((s) => s.close())),
    };
  } catch (e) {
    await Promise.all(started.map((s) => s.close()));
    throw e;
  }
}

/** Creates a widget session the way a merchant server does (secret key, server side). */
export async function createSession(edge, body = {}) {
  const res = await timeout(fetch(`${edge}/v1/widget-sessions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${process.env.MAVEN_TEST_KEY || "mvn_test_mock"}` },
    body: JSON.stringify({ project: process.env.MAVEN_TEST_PROJECT || "demo", gateway: "stripe", amount_cents: 1234, ...body }),
  }), 30_000, "creating a session"); // generous: `wrangler dev` pauses while it rebuilds
  const json = await res.json();
  if (res.status !== 201) throw new Error(`create session: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export async function sessionView(edge, id) {
  const res = await fetch(`${edge}/v1/widget-sessions/${id}`);
  return res.json();
}

/** A merchant page with the SDK loaded; `csp` picks a preset of server.mjs. */
export async function merchantPage(browser, env, { csp = "strict", width = 480, height = 900, prepare } = {}) {
  // Reduced motion: computed styles and screenshots without transitions half-way.
  const context = await browser.newContext({ viewport: { width, height }, reducedMotion: "reduce" });
  const page = await context.newPage();
  if (prepare) await prepare(page);
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error") page.errors.push(m.text()); });
  await timeout(page.goto(`${env.merchant}/?csp=${csp}`), 15_000, "opening the merchant page");
  return page;
}

/** Mounts a session's form in the page and records every callback in `window.__events`. */
export async function mount(page, sessionId, { target = "#slot", extra = "" } = {}) {
  await page.evaluate(async ([id, target, extra]) => {
    await window.Maven.ready;
    window.__events = [];
    const rec = (name) => (arg) => window.__events.push({ name, arg: arg === undefined ? null : JSON.parse(JSON.stringify(arg)), t: performance.now() });
    const opts = { sessionId: id, onReady: rec("ready"), onSuccess: rec("success"), onFailure: rec("failure"), onChange: rec("change"), onExpired: rec("expired") };
    if (extra) Object.assign(opts, JSON.parse(extra));
    window.__maven = window.Maven.createPayment(opts).mount(target);
  }, [sessionId, target, extra ? JSON.stringify(extra) : ""]);
  return formFrame(page);
}

/** The form's frame once its page has loaded. */
export async function formFrame(page) {
  const handle = await page.waitForSelector("iframe[title]", { timeout: 10_000 });
  const frame = await handle.contentFrame();
  await frame.waitForLoadState("domcontentloaded");
  return frame;
}

export async function waitEvent(page, name, ms = 20_000) {
  const h = await page.waitForFunction((n) => window.__events?.find((e) => e.name === n), name, { timeout: ms });
  return h.jsonValue();
}

export const events = (page) => page.evaluate(() => window.__events || []);

export async function waitState(frame, state, ms = 10_000) {
  await frame.waitForFunction((s) => document.documentElement.dataset.state === s, state, { timeout: ms });
}

// Shared by the widget and SDK suites.
export const rgb = (hex) => {
  const h = hex.replace("#", "");
  const f = h.length === 3 ? [...h].map((c) => c + c).join("") : h;
  return `rgb(${parseInt(f.slice(0, 2), 16)}, ${parseInt(f.slice(2, 4), 16)}, ${parseInt(f.slice(4, 6), 16)})`;
};
export const style = (frame, sel, prop) => frame.evaluate(([s, p]) => getComputedStyle(document.querySelector(s))[p], [sel, prop]);
export const text = (frame, sel) => frame.evaluate((s) => document.querySelector(s).textContent, sel);
export const shown = (frame, sel) => frame.evaluate((s) => { const e = document.querySelector(s); return !!e && e.getClientRects().length > 0; }, sel);

/** Runs `fn` on a fresh merchant page (its own browser context), closed afterwards. */
export async function inPage(browser, env, fn, opts) {
  const page = await merchantPage(browser, env, opts);
  try {
    return await fn(page);
  } finally {
    await page.context().close();
  }
}

/** Types a card into the form. */
export async function fill(frame, { number = "4242424242424242", exp = "12/34", cvc = "123" } = {}) {
  await frame.locator("#number").pressSequentially(number);
  await frame.locator("#exp").pressSequentially(exp);
  await frame.locator("#cvc").pressSequentially(cvc);
}
