// axe-core (npm) inside the form, in each state a customer meets: ready, with errors, result.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { launch, setup, createSession, merchantPage, mount, waitEvent, waitState, ARTIFACTS } from "./lib.mjs";

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

// Each color scheme on every screen a customer can land on. A dark merchant page around it, as
// in a dark chat; `auto` follows the browser's preference.
for (const [scheme, emulate] of [["light", "light"], ["dark", "light"], ["auto", "dark"]]) {
  test(`colorScheme ${scheme}${scheme === "auto" ? " (browser prefers dark)" : ""}: axe clean on ready, errors, success and expired`, async () => {
    const dark = scheme === "dark" || emulate === "dark";
    const prepare = (p) => p.emulateMedia({ colorScheme: emulate });
    const page = await merchantPage(browser, env, { prepare });
    try {
      const s = await createSession(env.edge, { description: "Pro plan" });
      const frame = await mount(page, s.session_id, { extra: { colorScheme: scheme } });
      await waitEvent(page, "ready");
      await waitState(frame, "ready");
      assert.equal(await frame.evaluate(() => document.documentElement.dataset.scheme), dark ? "dark" : "light");
      const bg = await frame.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const fg = await frame.evaluate(() => getComputedStyle(document.body).color);
      if (dark) {
        assert.equal(bg, "rgb(17, 19, 24)", "dark card");
        assert.equal(fg, "rgb(229, 231, 235)", "light text");
      } else {
        assert.equal(fg, "rgb(31, 41, 55)");
      }
      assert.deepEqual(await axe(frame), [], "ready");
      await frame.locator("#number").pressSequentially("4242424242424241");
      await frame.locator("#number").press("Enter");
      await frame.waitForFunction(() => document.getElementById("number-error").textContent !== "");
      assert.deepEqual(await axe(frame), [], "with errors");
      await frame.locator("#number").fill("");
      await frame.locator("#number").pressSequentially("4242424242424242");
      await frame.locator("#exp").pressSequentially("1234");
      await frame.locator("#cvc").pressSequentially("123");
      await frame.locator("#cvc").press("Enter");
      await waitState(frame, "success", 20_000);
      assert.deepEqual(await axe(frame), [], "success");
      await page.screenshot({ path: `${ARTIFACTS}/scheme-${scheme}-success.png` });
      // Expired: the form's own timer at expires_at (the edge's shortest session is 60 s, so
      // the page's clock, and the frame's with it, is moved on instead of waiting).
      const old = await createSession(env.edge, { expires_in: 60 });
      await page.evaluate(() => window.__maven.destroy());
      await page.clock.install();
      const f2 = await mount(page, old.session_id, { extra: { colorScheme: scheme } });
      await waitState(f2, "ready");
      await page.clock.fastForward(61_000);
      await waitState(f2, "expired");
      assert.equal(await f2.evaluate(() => document.documentElement.dataset.scheme), dark ? "dark" : "light");
      assert.deepEqual(await axe(f2), [], "expired");
    } finally {
      await page.context().close();
    }
  });
}
