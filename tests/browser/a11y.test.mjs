// axe-core (npm) inside the form, in each state a customer meets: ready, with errors, result.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { launch, setup, createSession, merchantPage, mount, waitEvent, waitState } from "./lib.mjs";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
let env, browser;
before(async () => { env = await setup(); browser = await launch(); });
after(async () => { await browser?.close(); await env?.stop(); });

// DevTools evaluation is not subject to the form's CSP, so axe runs without loosening it.
async function axe(frame) {
  await frame.evaluate(axeSource);
  const r = await frame.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

test("axe finds no violations in the form: ready, errors, declined", async () => {
  const s = await createSession(env.edge, { description: "Pro plan", fields: { postal_code: "optional" } });
  const page = await merchantPage(browser, env);
  try {
    const frame = await mount(page, s.session_id);
    await waitEvent(page, "ready");
    await waitState(frame, "ready");
    assert.deepEqual(await axe(frame), [], "ready");
    await frame.locator("#number").pressSequentially("4242424242424241");
    await frame.locator("#number").press("Enter");
    await frame.waitForFunction(() => document.getElementById("number-error").textContent !== "");
    assert.deepEqual(await axe(frame), [], "with errors");
    await frame.locator("#number").fill("");
    await frame.locator("#number").pressSequentially("4000000000000002");
    await frame.locator("#exp").pressSequentially("1234");
    await frame.locator("#cvc").pressSequentially("123");
    await frame.locator("#cvc").press("Enter");
    await waitState(frame, "failure", 20_000);
    assert.deepEqual(await axe(frame), [], "declined");
  } finally {
    await page.context().close();
  }
});
