// The demo chat page (www/demo, served by the edge at /demo/): the session comes from the demo
// endpoint (server side), the form sits in a chat bubble, the result is the next message.
// Saves the screenshots the issue asks for: ready, error, success, expired.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, setup, merchantPage, mount, waitEvent, waitState, formFrame, timeout, ARTIFACTS } from "./lib.mjs";

let env, browser;
before(async () => { env = await setup(); browser = await launch(); });
after(async () => { await browser?.close(); await env?.stop(); });

async function demoPage(query = "") {
  const context = await browser.newContext({ viewport: { width: 1100, height: 860 }, reducedMotion: "reduce" });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error") page.errors.push(m.text()); });
  await timeout(page.goto(`${env.edge}/demo/${query}`), 15_000, "opening the demo page");
  return page;
}

const csp = (errors) => errors.filter((e) => /Content Security Policy|Refused to/i.test(e));

test("demo: ready, inline errors, success (screenshots)", async () => {
  const page = await demoPage();
  try {
    const frame = await formFrame(page);
    await waitState(frame, "ready");
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${ARTIFACTS}/demo-ready.png` });

    await frame.locator("#number").pressSequentially("4242424242424241");
    await frame.locator("#exp").pressSequentially("0120");
    await frame.locator("#cvc").pressSequentially("12");
    await frame.locator("#cvc").press("Enter");
    await frame.waitForFunction(() => document.getElementById("cvc-error").textContent !== "");
    await page.waitForTimeout(200);
    await page.screenshot({ path: `${ARTIFACTS}/demo-error.png` });

    await frame.locator("#number").fill("");
    await frame.locator("#number").pressSequentially("4242424242424242");
    await frame.locator("#exp").fill("");
    await frame.locator("#exp").pressSequentially("1230");
    await frame.locator("#cvc").pressSequentially("3");
    await frame.locator("#cvc").press("Enter");
    await waitState(frame, "success", 20_000);
    await page.waitForSelector(".receipt", { timeout: 10_000 });
    const receipt = await page.textContent(".receipt");
    assert.match(receipt, /Visa •••• 4242/);
    assert.match(receipt, /\$12\.34/);
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${ARTIFACTS}/demo-success.png` });
    assert.deepEqual(csp(page.errors), [], "the demo runs under its strict CSP");
  } finally {
    await page.context().close();
  }
});

test("demo: a HUF amount is written in the unit it is charged in, in the chat and on the button", async () => {
  // 123450 HUF are 1,234.50 forints (ISO 4217 hundredths); a browser's Intl alone writes 123,450.
  const page = await demoPage("?currency=huf&amount=123450");
  try {
    const frame = await formFrame(page);
    await waitState(frame, "ready");
    assert.match(await page.textContent("#log"), /Pro is HUF\s1,234\.50 per month/);
    assert.match(await frame.textContent("#submit"), /HUF\s1,234\.50/);
  } finally {
    await page.context().close();
  }
});

test("demo: authorize only holds the amount (capture later with the secret key)", async () => {
  const page = await demoPage("?capture=false");
  try {
    const frame = await formFrame(page);
    await waitState(frame, "ready");
    await frame.locator("#number").pressSequentially("4242424242424242");
    await frame.locator("#exp").pressSequentially("1230");
    await frame.locator("#cvc").pressSequentially("123");
    await frame.locator("#cvc").press("Enter");
    await waitState(frame, "success", 20_000);
    assert.match(await frame.textContent("#result-text"), /\$12\.34 authorized on Visa •••• 4242/);
    assert.deepEqual(csp(page.errors), [], "the demo runs under its strict CSP");
  } finally {
    await page.context().close();
  }
});

test("demo: an expired link shows its state and calls onExpired (screenshot)", async () => {
  // The shortest expiry the edge accepts (SPEC: 60 s minimum; the mock takes 2 s).
  let expiresIn = 2;
  const probe = await fetch(`${env.edge}/demo/api/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ expires_in: 2 }) });
  if (probe.status !== 201) expiresIn = 60;
  const page = await demoPage(`?expires_in=${expiresIn}`);
  let sessionId;
  try {
    const frame = await formFrame(page);
    await waitState(frame, "ready");
    sessionId = new URL(frame.url()).pathname.split("/").pop();
    // The form's own timer flips it at expires_at; the demo answers in the chat.
    await waitState(frame, "expired", expiresIn * 1000 + 15_000);
    await page.waitForFunction(() => document.querySelector(".again"), null, { timeout: 10_000 });
    assert.match(await frame.textContent("#result-title"), /expired/i);
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${ARTIFACTS}/demo-expired.png` });
  } finally {
    await page.context().close();
  }
  // Mounting the expired session later: the edge answers 410, the form shows it, onExpired fires.
  const merchant = await merchantPage(browser, env);
  try {
    const frame = await mount(merchant, sessionId);
    await waitEvent(merchant, "expired");
    await waitState(frame, "expired");
  } finally {
    await merchant.context().close();
  }
});
