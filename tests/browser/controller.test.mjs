// The controller on a merchant page: chaining, on/off for every event, focus()/blur(), Escape,
// change on a pasted card of the same brand, load failures with retry(), session swaps, and
// the target origin of every postMessage. Headless Chromium, like widget.test.mjs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  launch, setup, createSession, merchantPage, formFrame, waitState, fill, text, style, shown, rgb,
} from "./lib.mjs";

let env, browser;
before(async () => { env = await setup(); browser = await launch(); });
after(async () => { await browser?.close(); await env?.stop(); });

const EVENTS = ["ready", "change", "focus", "blur", "escape", "success", "failure", "expired", "loaderror", "resize"];

/** A page whose controller records each event through `on`, with a second handler `off`'d. */
async function page(fn, { prepare } = {}) {
  const p = await merchantPage(browser, env, { prepare });
  try {
    return await fn(p);
  } finally {
    await p.context().close();
  }
}

async function mountWithOn(p, sessionId, options = {}) {
  await p.evaluate(async ([id, events, options]) => {
    await window.Maven.ready;
    window.__events = [];
    window.__dead = [];
    const c = window.Maven.createPayment({ sessionId: id, ...options });
    for (const name of events) {
      const dead = () => window.__dead.push(name);
      c.on(name, (arg) => window.__events.push({ name, arg: arg === undefined ? null : JSON.parse(JSON.stringify(arg)) }))
        .on(name, dead)
        .off(name, dead);
    }
    window.__maven = c.mount("#slot");
  }, [sessionId, EVENTS, options]);
}

const got = (p, name) => p.evaluate((n) => window.__events.filter((e) => e.name === n), name);
const waitFor = (p, name, ms = 20_000, count = 1) =>
  p.waitForFunction(([n, c]) => window.__events.filter((e) => e.name === n).length >= c, [name, count], { timeout: ms });

test("update* chain and each change shows in the form", async () => {
  const s = await createSession(env.edge);
  await page(async (p) => {
    await mountWithOn(p, s.session_id);
    const frame = await formFrame(p);
    await waitFor(p, "ready");
    const chained = await p.evaluate(() => {
      const r = window.__maven.updateTheme({ primary_color: "#0f766e" }).updateLabels({ pay_button: "Buy {amount}" }).updateFields({ postal_code: "required" });
      return ["updateTheme", "on", "off", "focus", "blur", "retry", "update", "destroy"].every((m) => typeof r[m] === "function");
    });
    assert.ok(chained, "update* returns the controller");
    await frame.waitForFunction(() => document.getElementById("submit-label").textContent === "Buy $12.34");
    assert.equal(await style(frame, "#submit", "backgroundColor"), rgb("#0f766e"));
    assert.equal(await shown(frame, "#postal"), true);
    assert.equal(await shown(frame, "#postal-opt"), false, "required: no (optional)");
    // Unknown events say which exist.
    const err = await p.evaluate(() => { try { window.__maven.on("paid", () => {}); } catch (e) { return `${e.name}: ${e.message}`; } });
    assert.match(err, /^MavenError: Maven: on: unknown event "paid" \(expected one of: ready, change, focus/);
    // Every handler call went through cleanly (a hole in a handler list would report an error
    // on the page for each event).
    assert.deepEqual(p.errors.filter((e) => !/favicon|404/.test(e)), []);
  });
});

test("every form event arrives through on(); handlers removed with off() never run", async () => {
  const s = await createSession(env.edge);
  await page(async (p) => {
    await mountWithOn(p, s.session_id);
    const frame = await formFrame(p);
    await waitFor(p, "ready");
    await waitFor(p, "resize");
    await p.waitForTimeout(300);
    const resize = (await got(p, "resize")).at(-1);
    const h = await p.evaluate(() => window.__maven.iframe.getBoundingClientRect().height);
    assert.equal(resize.arg.height, h, "resize carries the frame's new height");
    // An error line grows the form: another resize.
    const n = (await got(p, "resize")).length;
    await frame.locator("#number").pressSequentially("4242424242424241");
    await frame.locator("#number").press("Enter");
    await waitFor(p, "resize", 5000, n + 1);
    assert.ok((await got(p, "resize")).at(-1).arg.height > h);
    await frame.locator("#number").fill("");
    // focus / blur per field.
    await frame.click("#number");
    await waitFor(p, "focus");
    assert.deepEqual((await got(p, "focus"))[0].arg, { field: "number" });
    await frame.click("#exp");
    await waitFor(p, "blur");
    assert.deepEqual((await got(p, "blur"))[0].arg, { field: "number" });
    // Escape inside the frame reaches the page (a chat overlay closes on it).
    await frame.locator("#exp").press("Escape");
    await waitFor(p, "escape");
    // A decline, then Try again and a good card.
    await frame.locator("#number").fill("");
    await fill(frame, { number: "4000000000000002" });
    await frame.click("#submit");
    await waitFor(p, "failure");
    assert.equal((await got(p, "failure"))[0].arg.error_code, "card_declined");
    await frame.click("#retry");
    await frame.locator("#number").fill("");
    await frame.locator("#number").pressSequentially("4242424242424242");
    await frame.click("#submit");
    await waitFor(p, "success");
    assert.equal((await got(p, "success"))[0].arg.card_last4, "4242");
    assert.ok((await got(p, "change")).length > 0);
    assert.deepEqual(await p.evaluate(() => window.__dead), [], "off() handlers stay silent");
  });
  // expired: a session that runs out while open (the clock moved on past its 60 s).
  const short = await createSession(env.edge, { expires_in: 60 });
  await page(async (p) => {
    await p.clock.install();
    await mountWithOn(p, short.session_id);
    const frame = await formFrame(p);
    await waitFor(p, "ready");
    await p.clock.fastForward(61_000);
    await waitFor(p, "expired", 10_000);
    await waitState(frame, "expired");
    assert.deepEqual(await p.evaluate(() => window.__dead), []);
  });
});

test("focus() puts the caret in the card number, blur() takes it out", async () => {
  const s = await createSession(env.edge);
  await page(async (p) => {
    await mountWithOn(p, s.session_id);
    const frame = await formFrame(p);
    await waitFor(p, "ready");
    await p.evaluate(() => window.__maven.focus());
    await frame.waitForFunction(() => document.activeElement?.id === "number");
    await waitFor(p, "focus");
    await p.keyboard.type("4242");
    assert.equal(await frame.inputValue("#number"), "4242", "keys go to the field");
    await p.evaluate(() => window.__maven.blur());
    await frame.waitForFunction(() => document.activeElement === document.body);
    await waitFor(p, "blur");
  });
});

test("pasting another card of the same brand fires change", async () => {
  const s = await createSession(env.edge);
  await page(async (p) => {
    await p.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: env.merchant });
    await mountWithOn(p, s.session_id);
    const frame = await formFrame(p);
    await waitFor(p, "ready");
    await fill(frame);
    await p.waitForFunction(() => window.__events.filter((e) => e.name === "change").at(-1)?.arg.complete === true);
    const before = (await got(p, "change")).length;
    await p.evaluate(() => navigator.clipboard.writeText("4000 0566 5566 5556"));
    await frame.locator("#number").selectText();
    await p.keyboard.press("Control+V");
    assert.equal(await frame.inputValue("#number"), "4000 0566 5566 5556");
    await waitFor(p, "change", 5000, before + 1);
    const last = (await got(p, "change")).at(-1).arg;
    assert.deepEqual(last, { complete: true, empty: false, brand: "visa", error: null });
  });
});

test("a blocked form wasm gives loaderror at once; retry() recovers once unblocked", async () => {
  const s = await createSession(env.edge);
  await page(async (p) => {
    const block = (r) => r.abort();
    await p.context().route("**/maven-form-*.wasm", block);
    const t0 = Date.now();
    await mountWithOn(p, s.session_id, { loadTimeout: 10_000 });
    await waitFor(p, "loaderror", 10_000);
    assert.ok(Date.now() - t0 < 8000, "reported before the timeout");
    assert.equal((await got(p, "loaderror"))[0].arg.error_code, "form_unavailable");
    const frame = await formFrame(p);
    await waitState(frame, "broken");
    await p.context().unroute("**/maven-form-*.wasm", block);
    await p.evaluate(() => window.__maven.retry());
    await waitFor(p, "ready");
    const again = await formFrame(p);
    await waitState(again, "ready");
    assert.equal(await p.evaluate(() => document.querySelectorAll("#slot iframe").length), 1, "one frame");
    assert.equal((await got(p, "loaderror")).length, 1);
  });
});

test("a hung frame gives loaderror after loadTimeout; retry() recovers", async () => {
  const s = await createSession(env.edge);
  await page(async (p) => {
    const held = [];
    const hang = (r) => { held.push(r); }; // never answered
    const url = `**/widget/${s.session_id}`;
    await p.context().route(url, hang);
    const t0 = Date.now();
    await mountWithOn(p, s.session_id, { loadTimeout: 1500 });
    await waitFor(p, "loaderror", 10_000);
    const dt = Date.now() - t0;
    assert.ok(dt >= 1400 && dt < 6000, `after the timeout (${dt} ms)`);
    const [e] = await got(p, "loaderror");
    assert.deepEqual(e.arg, { error_code: "load_timeout", error_message: "The payment form did not load within 1500 ms" });
    await p.context().unroute(url, hang);
    await p.evaluate(() => window.__maven.retry());
    await waitFor(p, "ready");
    assert.equal(await p.evaluate(() => document.querySelectorAll("#slot iframe").length), 1);
    for (const r of held) await r.abort().catch(() => {});
  });
});

for (const [width, colorScheme] of [[480, "light"], [280, "light"], [400, "dark"]]) test(`the frame's height is reserved before it loads: no shift at ${width} px, ${colorScheme}`, async () => {
  const s = await createSession(env.edge);
  await page(async (p) => {
    await p.setViewportSize({ width, height: 900 });
    await mountWithOn(p, s.session_id, { colorScheme });
    // From the first frame after mount (inserting the box itself is the merchant's own change).
    await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => {
      window.__shift = [];
      new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__shift.push(e.sources.map((x) => `${x.node?.nodeName}#${x.node?.id} ${x.previousRect.height}->${x.currentRect.height}`)); }).observe({ type: "layout-shift" });
      r();
    }))));
    const reserved = await p.evaluate(() => window.__maven.iframe.getBoundingClientRect().height);
    await waitFor(p, "ready");
    await p.waitForTimeout(500);
    const h = await p.evaluate(() => window.__maven.iframe.getBoundingClientRect().height);
    assert.equal(h, reserved, `ready height ${h} equals reserved ${reserved}`);
    assert.deepEqual(await p.evaluate(() => window.__shift), [], "no layout shift");
  });
});

test("update({sessionId}) swaps in place; messages on the old channel are ignored", async () => {
  const a = await createSession(env.edge, { amount_cents: 1234 });
  const b = await createSession(env.edge, { amount_cents: 5000 });
  await page(async (p) => {
    await mountWithOn(p, a.session_id);
    let frame = await formFrame(p);
    await waitFor(p, "ready");
    assert.equal(await text(frame, "#submit-label"), "Pay $12.34");
    const oldCh = await p.evaluate(() => new URL(window.__maven.iframe.src).hash.match(/ch=([^&]+)/)[1]);
    await p.evaluate((id) => window.__maven.update({ sessionId: id }), b.session_id);
    await waitFor(p, "ready", 20_000, 2);
    assert.equal(await p.evaluate(() => document.querySelectorAll("#slot iframe").length), 1);
    assert.match(await p.evaluate(() => window.__maven.iframe.src), new RegExp(b.session_id));
    frame = await formFrame(p);
    await frame.waitForFunction(() => document.getElementById("submit-label").textContent === "Pay $50.00");
    // A forged late message on the old channel is dropped; the same on the new one arrives.
    const newCh = await p.evaluate(() => new URL(window.__maven.iframe.src).hash.match(/ch=([^&]+)/)[1]);
    const post = (ch, t) => frame.evaluate(([ch, t, o]) => parent.postMessage({ mv: 1, ch, t, p: { session_id: "x", status: "succeeded" } }, o), [ch, t, env.merchant]);
    await post(oldCh, "success");
    await post(newCh, "escape");
    await waitFor(p, "escape");
    assert.deepEqual(await got(p, "success"), [], "old channel ignored");
    // The new session pays.
    await fill(frame);
    await frame.click("#submit");
    await waitFor(p, "success");
    assert.equal((await got(p, "success"))[0].arg.amount_cents, 5000);
  });
});

test("no postMessage ever targets \"*\"; a form told o=* stays silent", async () => {
  const s = await createSession(env.edge);
  // In the form's frame, `parent` is [Replaceable]: a stand-in records each target origin and
  // passes the message on. (The form then ignores the host's messages, whose source is the
  // real parent: this run checks what the form sends, not what it accepts.)
  const record = () => {
    if (window.parent === window || !location.pathname.startsWith("/widget/")) return;
    const real = window.parent;
    window.__targets = [];
    window.parent = { postMessage(m, t, ...rest) { window.__targets.push(typeof t === "string" ? t : t?.targetOrigin ?? "(none)"); return real.postMessage(m, t, ...rest); } };
  };
  await page(async (p) => {
    await mountWithOn(p, s.session_id);
    const frame = await formFrame(p);
    await waitFor(p, "ready");
    await fill(frame);
    await frame.click("#submit");
    await waitFor(p, "success");
    const sent = await frame.evaluate(() => window.__targets);
    assert.ok(sent.length >= 3, `form posts recorded (${sent})`);
    assert.deepEqual([...new Set(sent)], [env.merchant]);
    // A frame whose URL names "*" as the host origin: no hello, nothing at all.
    const heard = await p.evaluate(async ([edge, id]) => {
      const got = [];
      const on = (e) => { if (e.data?.mv === 1) got.push(e.data.ch); };
      addEventListener("message", on);
      for (const [ch, o] of [["star", "*"], ["good", location.origin]]) {
        const f = document.createElement("iframe");
        f.src = `${edge}/widget/${id}#ch=${ch}&o=${encodeURIComponent(o)}`;
        document.body.append(f);
      }
      await new Promise((r) => setTimeout(r, 3000));
      removeEventListener("message", on);
      return [...new Set(got)];
    }, [env.edge, s.session_id]);
    assert.deepEqual(heard, ["good"]);
  }, { prepare: (p) => p.context().addInitScript(record) });
});
