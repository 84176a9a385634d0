// <maven-payment session-id="…">, the custom element widget.js defines: attributes become options,
// events bubble as maven-* DOM events, a new session-id swaps the form, removal destroys it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, setup, createSession, merchantPage, formFrame, waitState, fill, text } from "./lib.mjs";

let env, browser;
before(async () => { env = await setup(); browser = await launch(); });
after(async () => { await browser?.close(); await env?.stop(); });

const seen = (page, name, n = 1) => page.waitForFunction(([x, k]) => window.__dom.filter((e) => e.type === x).length >= k, [name, n], { timeout: 20_000 });

test("<maven-payment> pays with 4242; its events bubble to the document", async () => {
  const a = await createSession(env.edge, { amount_cents: 1234 });
  const b = await createSession(env.edge, { amount_cents: 777 });
  const page = await merchantPage(browser, env);
  try {
    await page.evaluate((id) => {
      window.__dom = [];
      for (const t of ["ready", "change", "focus", "blur", "success", "failure", "resize"]) {
        // On the document: the events cross the slot and the element's parents.
        document.addEventListener(`maven-${t}`, (e) => window.__dom.push({ type: t, detail: e.detail ?? null, target: e.target.tagName, bubbles: e.bubbles }));
      }
      document.getElementById("slot").innerHTML = `<maven-payment session-id="${id}" locale="fr" color-scheme="dark" load-timeout="20000"></maven-payment>`;
    }, a.session_id);
    await seen(page, "ready");
    const frame = await formFrame(page);
    await waitState(frame, "ready");
    assert.equal(await page.evaluate(() => document.querySelector("maven-payment > iframe") !== null), true, "the frame is inside the element");
    assert.equal(await text(frame, "#number-label"), "Numéro de carte", "locale attribute");
    assert.equal(await frame.evaluate(() => document.documentElement.dataset.scheme), "dark", "color-scheme attribute");
    assert.match(await text(frame, "#submit-label"), /^Payer 12,34\s\$US$/, "French money format");
    // A new session-id swaps the form in place.
    await page.evaluate((id) => document.querySelector("maven-payment").setAttribute("session-id", id), b.session_id);
    await seen(page, "ready", 2);
    const f2 = await formFrame(page);
    await f2.waitForFunction(() => /7,77/.test(document.getElementById("submit-label").textContent));
    assert.equal(await page.evaluate(() => document.querySelectorAll("maven-payment iframe").length), 1);
    await fill(f2);
    await seen(page, "change");
    await f2.click("#submit");
    await seen(page, "success");
    const ok = (await page.evaluate(() => window.__dom)).find((e) => e.type === "success");
    assert.equal(ok.target, "MAVEN-PAYMENT");
    assert.equal(ok.bubbles, true);
    assert.equal(ok.detail.card_last4, "4242");
    assert.equal(ok.detail.session_id, b.session_id);
    assert.equal(ok.detail.amount_cents, 777);
    // Removing the element removes the frame and its listener.
    await page.evaluate(() => document.querySelector("maven-payment").remove());
    assert.equal(await page.evaluate(() => document.querySelectorAll("iframe").length), 0);
  } finally {
    await page.context().close();
  }
});

test("<maven-payment> without a session id reports maven-failure", async () => {
  const page = await merchantPage(browser, env);
  try {
    const detail = await page.evaluate(async () => {
      await window.Maven.ready;
      const got = new Promise((r) => document.addEventListener("maven-failure", (e) => r(e.detail), { once: true }));
      window.addEventListener("error", (e) => e.preventDefault()); // the console copy of the error
      document.getElementById("slot").append(document.createElement("maven-payment"));
      return got;
    });
    assert.equal(detail.error_code, "integration_error");
    assert.match(detail.error_message, /sessionId is required/);
  } finally {
    await page.context().close();
  }
});
