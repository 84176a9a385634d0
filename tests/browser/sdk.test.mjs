// The SDK's contract with the merchant page: lifecycle (destroy, mount again, queued calls),
// message hygiene (foreign origins and windows are ignored) and loud errors on wrong use.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  launch, setup, createSession, sessionView, merchantPage, mount, formFrame, waitEvent, events,
  waitState, timeout, ARTIFACTS, rgb, style, text, shown, inPage, fill,
} from "./lib.mjs";

let env, browser;
before(async () => {
  env = await setup();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await env?.stop();
});

const withPage = (fn, opts) => inPage(browser, env, fn, opts);

test("destroy removes the iframe and its listener; mounting again works", async () => {
  const s = await createSession(env.edge);
  await withPage(async (page) => {
    const cdp = await page.context().newCDPSession(page);
    const messageListeners = async () => {
      const { result } = await cdp.send("Runtime.evaluate", { expression: "window" });
      const { listeners } = await cdp.send("DOMDebugger.getEventListeners", { objectId: result.objectId });
      return listeners.filter((l) => l.type === "message").length;
    };
    await page.evaluate(() => window.Maven.ready);
    const before = await messageListeners();
    await mount(page, s.session_id);
    await waitEvent(page, "ready");
    assert.equal(await messageListeners(), before + 1);
    await page.evaluate(() => window.__maven.destroy());
    assert.equal(await page.locator("iframe").count(), 0);
    assert.equal(await page.evaluate(() => window.__maven.iframe), null);
    assert.equal(await messageListeners(), before, "the message listener is gone");
    await page.evaluate(() => { window.__events = []; window.__maven.mount("#slot"); });
    await formFrame(page);
    await waitEvent(page, "ready");
    assert.equal(await page.locator("iframe").count(), 1);
    // destroy mid-load is fine too.
    await page.evaluate(() => { window.__maven.destroy(); window.__maven.mount("#slot"); window.__maven.destroy(); });
    assert.equal(await page.locator("iframe").count(), 0);
  });
});

test("messages from a foreign origin or another frame are ignored, both ways", async () => {
  const s = await createSession(env.edge);
  await withPage(async (page) => {
    const frame = await mount(page, s.session_id);
    await waitEvent(page, "ready");
    const channel = await page.evaluate(() => new URL(window.__maven.iframe.src).hash.match(/ch=([^&]+)/)[1]);
    // 1. The merchant page itself (a foreign origin to the controller) forges a success.
    await page.evaluate((ch) => window.postMessage({ mv: 1, ch, t: "success", p: { status: "succeeded" } }, "*"), channel);
    // 2. Another frame on the widget's own origin forges one (right origin, wrong window).
    await page.evaluate((edge) => new Promise((r) => {
      const f = document.createElement("iframe");
      f.src = edge + "/health"; f.id = "intruder"; f.onload = r;
      document.body.appendChild(f);
    }), env.edge);
    const intruder = page.frames().find((f) => f.url().endsWith("/health"));
    await intruder.evaluate((ch) => {
      parent.postMessage({ mv: 1, ch, t: "success", p: { status: "succeeded" } }, "*");
      // …and tries to restyle the form from the side.
      parent.frames[0].postMessage({ mv: 1, ch, t: "update-theme", p: { primary_color: "#ff0000" } }, "*");
    }, channel);
    await page.waitForTimeout(500);
    assert.equal((await events(page)).filter((e) => e.name === "success").length, 0);
    assert.notEqual(await style(frame, "#submit", "backgroundColor"), "rgb(255, 0, 0)");
  });
});

test("a raw update from the host page itself: what the form cannot use changes nothing", async () => {
  // The controller refuses bad options with a MavenError; a page that posts to the frame by
  // hand bypasses it. The form checks each theme value where it applies it, takes labels only
  // as strings (as text) and fields only as one of the three modes.
  const s = await createSession(env.edge);
  await withPage(async (page) => {
    const frame = await mount(page, s.session_id);
    await waitEvent(page, "ready");
    const bg = await style(frame, "#submit", "backgroundColor");
    const label = await text(frame, "#number-label");
    await page.evaluate(([edge]) => {
      const f = window.__maven.iframe, ch = new URL(f.src).hash.match(/ch=([^&]+)/)[1];
      const post = (t, p) => f.contentWindow.postMessage({ mv: 1, ch, t, p }, edge);
      post("update-theme", { primary_color: "red; background: url(https://evil.example/x)", background_color: "url(https://evil.example/y)", font_family: "x; color: red", border_radius: 999 });
      post("update-labels", { card_number: { html: "<b>object</b>" }, cvc: 12 });
      post("update-fields", { postal_code: "shown" });
    }, [env.edge]);
    await page.waitForTimeout(300);
    assert.equal(await style(frame, "#submit", "backgroundColor"), bg);
    assert.equal(await text(frame, "#number-label"), label);
    assert.equal(await frame.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--mv-bg").trim()), "transparent");
    assert.equal(await frame.evaluate(() => document.querySelector("b")), null);
    // A usable one still applies.
    await page.evaluate(([edge]) => {
      const f = window.__maven.iframe, ch = new URL(f.src).hash.match(/ch=([^&]+)/)[1];
      f.contentWindow.postMessage({ mv: 1, ch, t: "update-labels", p: { card_number: "Numéro" } }, edge);
    }, [env.edge]);
    await frame.waitForFunction(() => document.getElementById("number-label").textContent === "Numéro", null, { timeout: 5000 });
  });
});

test("wrong SDK use throws MavenError with a clear message", async () => {
  const s = await createSession(env.edge);
  await withPage(async (page) => {
    const results = await page.evaluate(async (id) => {
      await window.Maven.ready;
      const attempt = (f) => { try { f(); return null; } catch (e) { return `${e.name}: ${e.message}`; } };
      const M = window.Maven;
      const c = M.createPayment(id);
      return {
        none: attempt(() => M.createPayment()),
        empty: attempt(() => M.createPayment({})),
        number: attempt(() => M.createPayment({ sessionId: 42 })),
        badCallback: attempt(() => M.createPayment({ sessionId: id, onSuccess: "yes" })),
        unknownOption: attempt(() => M.createPayment({ sessionId: id, onsuccess() {} })),
        badBase: attempt(() => M.createPayment({ sessionId: id, baseUrl: "ftp://x" })),
        noSlot: attempt(() => c.mount("#nope")),
        badSelector: attempt(() => c.mount("##")),
        notElement: attempt(() => c.mount(42)),
        first: attempt(() => c.mount("#slot")),
        twice: attempt(() => c.mount("#slot2")),
        sameSlot: attempt(() => M.createPayment(id).mount("#slot")),
        badColor: attempt(() => c.updateTheme({ primary_color: "red" })),
        badKey: attempt(() => c.updateTheme({ primary: "#fff" })),
        badFields: attempt(() => c.updateFields({ postal_code: "sometimes" })),
        notObject: attempt(() => c.updateLabels("Pay")),
      };
    }, s.session_id);
    assert.match(results.none, /^MavenError: Maven: createPayment expects/);
    assert.match(results.empty, /sessionId is required/);
    assert.match(results.number, /sessionId is required/);
    assert.match(results.badCallback, /onSuccess must be a function/);
    assert.match(results.unknownOption, /unknown option "onsuccess"/);
    assert.match(results.badBase, /baseUrl must be an absolute http\(s\) URL/);
    assert.match(results.noSlot, /no element matches "#nope"/);
    assert.match(results.badSelector, /not a valid CSS selector/);
    assert.match(results.notElement, /expects a CSS selector string or a DOM element/);
    assert.equal(results.first, null);
    assert.match(results.twice, /already mounted/);
    assert.match(results.sameSlot, /already holds a Maven payment form/);
    assert.match(results.badColor, /theme\.primary_color must be a #rgb/);
    assert.match(results.badKey, /unknown key "primary"/);
    assert.match(results.badFields, /"hidden", "optional" or "required"/);
    assert.match(results.notObject, /labels must be an object/);
  });
});

test("calls made before the SDK is ready are queued and replayed", async () => {
  const s = await createSession(env.edge);
  // Hold the controller's wasm back for a moment so the calls below happen before it is in.
  const prepare = (page) => page.route("**/maven-host-*.wasm", async (route) => {
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue();
  });
  await withPage(async (page) => {
    const state = await page.evaluate((id) => {
      window.__events = [];
      const c = window.Maven.createPayment({ sessionId: id, onReady: () => window.__events.push({ name: "ready" }) });
      c.mount("#slot");
      c.updateLabels({ title: "Queued title" });
      window.__maven = c;
      return { iframe: c.iframe };
    }, s.session_id);
    assert.equal(state.iframe, null, "no iframe yet: the call was queued");
    const frame = await formFrame(page);
    await waitEvent(page, "ready");
    await frame.waitForFunction(() => document.getElementById("title").textContent === "Queued title");
    assert.equal(await page.evaluate(() => window.__maven.iframe.tagName), "IFRAME");
  }, { prepare });
});
