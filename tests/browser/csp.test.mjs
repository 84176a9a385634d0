// The merchant page's Content-Security-Policy: what SPEC §4 says is enough works, and a policy
// that blocks the SDK makes it fail loudly, naming the directive to add.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, setup, createSession, merchantPage, mount, waitEvent, waitState } from "./lib.mjs";

let env, browser;
before(async () => { env = await setup(); browser = await launch(); });
after(async () => { await browser?.close(); await env?.stop(); });

async function onPage(csp, fn, opts = {}) {
  const page = await merchantPage(browser, env, { csp, ...opts });
  try { return await fn(page); } finally { await page.context().close(); }
}

for (const csp of ["strict", "locked"]) {
  test(`a page with the ${csp} policy mounts and pays`, async () => {
    const s = await createSession(env.edge);
    await onPage(csp, async (page) => {
      const frame = await mount(page, s.session_id);
      await waitEvent(page, "ready");
      await waitState(frame, "ready");
      assert.deepEqual(page.errors.filter((e) => /Content Security Policy|Refused/i.test(e)), []);
    });
  });
}

test("without 'wasm-unsafe-eval' the SDK fails loudly and names it", async () => {
  const s = await createSession(env.edge);
  // Hold the wasm back a moment so the first call below is queued before the failure is known.
  const prepare = (page) => page.route("**/maven-host-*.wasm", async (route) => {
    await new Promise((r) => setTimeout(r, 800));
    await route.continue();
  });
  await onPage("nowasm", async (page) => {
    const r = await page.evaluate(async (id) => {
      const failures = [];
      // Created before the failure is known: the queued controller reports through onFailure.
      window.Maven.createPayment({ sessionId: id, onFailure: (e) => failures.push(e) }).mount("#slot");
      let ready;
      try { await window.Maven.ready; ready = "resolved"; } catch (e) { ready = `${e.name}: ${e.message}`; }
      await new Promise((r) => setTimeout(r, 50));
      let thrown = null;
      try { window.Maven.createPayment(id).mount("#slot"); } catch (e) { thrown = e.message; }
      return { ready, thrown, failures, iframes: document.querySelectorAll("iframe").length };
    }, s.session_id);
    assert.match(r.ready, /^MavenError: .*'wasm-unsafe-eval'.*script-src/);
    assert.match(r.thrown, /'wasm-unsafe-eval'/);
    assert.equal(r.failures.length, 1);
    assert.equal(r.failures[0].error_code, "sdk_unavailable");
    assert.match(r.failures[0].error_message, /'wasm-unsafe-eval'/);
    assert.equal(r.iframes, 0);
  }, { prepare });
});

test("a default-src without our origin in connect-src names connect-src", async () => {
  await onPage("noconnect", async (page) => {
    const ready = await page.evaluate(() => window.Maven.ready.then(() => "resolved", (e) => e.message));
    assert.match(ready, /connect-src/);
  });
});
