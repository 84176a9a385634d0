// The widget on a merchant page (another origin, strict CSP), in headless Chromium against the
// edge (scripts/with-edge.sh; without MAVEN_BASE_URL the mock edge of server.mjs stands in).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  launch, setup, createSession, sessionView, merchantPage, mount, formFrame, waitEvent, events,
  waitState, timeout, ARTIFACTS,
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

const rgb = (hex) => {
  const h = hex.replace("#", "");
  const f = h.length === 3 ? [...h].map((c) => c + c).join("") : h;
  return `rgb(${parseInt(f.slice(0, 2), 16)}, ${parseInt(f.slice(2, 4), 16)}, ${parseInt(f.slice(4, 6), 16)})`;
};
const style = (frame, sel, prop) => frame.evaluate(([s, p]) => getComputedStyle(document.querySelector(s))[p], [sel, prop]);
const text = (frame, sel) => frame.evaluate((s) => document.querySelector(s).textContent, sel);
const shown = (frame, sel) => frame.evaluate((s) => { const e = document.querySelector(s); return !!e && e.getClientRects().length > 0; }, sel);

async function withPage(fn, opts) {
  const page = await merchantPage(browser, env, opts);
  try {
    return await fn(page);
  } finally {
    await page.context().close();
  }
}

async function fill(frame, { number = "4242424242424242", exp = "12/34", cvc = "123" } = {}) {
  await frame.locator("#number").pressSequentially(number);
  await frame.locator("#exp").pressSequentially(exp);
  await frame.locator("#cvc").pressSequentially(cvc);
}

test("mount by selector shows the project's theme, labels and fields; pay succeeds", async () => {
  const s = await createSession(env.edge, { amount_cents: 1234, description: "Pro plan" });
  const view = await sessionView(env.edge, s.session_id);
  await withPage(async (page) => {
    const frame = await mount(page, s.session_id, { target: "#slot" });
    await waitEvent(page, "ready");
    await waitState(frame, "ready");
    // Labels and amount.
    assert.equal(await text(frame, "#number-label"), view.labels.card_number);
    assert.equal(await text(frame, "#exp-label"), view.labels.expiry);
    assert.equal(await text(frame, "#cvc-label"), view.labels.cvc);
    assert.equal(await text(frame, "#submit-label"), view.labels.pay_button.replace("{amount}", "$12.34"));
    assert.equal(await text(frame, "#desc"), "Pro plan");
    assert.equal(await shown(frame, "#badge"), view.environment === "test", "Test mode badge");
    // Theme through computed styles.
    assert.equal(await style(frame, "#submit", "backgroundColor"), rgb(view.theme.primary_color));
    assert.equal(await style(frame, "body", "color"), rgb(view.theme.text_color));
    assert.equal(await style(frame, "#number", "borderTopLeftRadius"), `${view.theme.border_radius}px`);
    if (view.theme.background_color === "transparent") {
      assert.equal(await style(frame, "body", "backgroundColor"), "rgba(0, 0, 0, 0)");
    }
    // Fields.
    assert.equal(await shown(frame, "#name"), view.fields.cardholder_name !== "hidden");
    assert.equal(await shown(frame, "#postal"), view.fields.postal_code !== "hidden");
    // Autofill and mobile keyboard hints.
    const attrs = await frame.evaluate(() => ["number", "exp", "cvc", "name", "postal"].map((id) => {
      const e = document.getElementById(id);
      return [e.autocomplete, e.inputMode, getComputedStyle(e).fontSize];
    }));
    assert.deepEqual(attrs.map((a) => a[0]), ["cc-number", "cc-exp", "cc-csc", "cc-name", "postal-code"]);
    assert.deepEqual(attrs.slice(0, 3).map((a) => a[1]), ["numeric", "numeric", "numeric"]);
    for (const a of attrs) assert.ok(parseFloat(a[2]) >= 16, `inputs at least 16px, got ${a[2]}`);

    await fill(frame);
    if (view.fields.cardholder_name === "required") await frame.locator("#name").fill("Sam Doe");
    if (view.fields.postal_code === "required") await frame.locator("#postal").fill("10115");
    assert.equal(await frame.inputValue("#number"), "4242 4242 4242 4242");
    assert.equal(await frame.inputValue("#exp"), "12 / 34");
    await frame.click("#submit");
    const ok = await waitEvent(page, "success", 20_000);
    assert.equal(ok.arg.session_id, s.session_id);
    assert.equal(ok.arg.card_last4, "4242");
    assert.equal(ok.arg.status, "succeeded");
    await waitState(frame, "success");
    assert.match(await text(frame, "#result-text"), /\$12\.34.*Visa •••• 4242/);
    assert.equal((await sessionView(env.edge, s.session_id)).status, "succeeded");
    await page.screenshot({ path: `${ARTIFACTS}/merchant-success.png` });
    assert.deepEqual(page.errors.filter((e) => !/favicon|404/.test(e)), []);
  });
});

test("mount by element; the iframe is 100% wide and titled; onChange on typing and paste", async () => {
  const s = await createSession(env.edge);
  await withPage(async (page) => {
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: env.merchant });
    await page.evaluate(async (id) => {
      await window.Maven.ready;
      window.__events = [];
      const rec = (name) => (arg) => window.__events.push({ name, arg: arg === undefined ? null : arg });
      window.__maven = window.Maven.createPayment({ sessionId: id, onReady: rec("ready"), onChange: rec("change") });
      window.__returned = window.__maven.mount(document.getElementById("slot2"));
    }, s.session_id);
    const frame = await formFrame(page);
    await waitEvent(page, "ready");
    const box = await page.evaluate(() => {
      const f = window.__maven.iframe;
      return { inSlot2: f.parentElement.id, width: f.getBoundingClientRect().width, slot: parseFloat(getComputedStyle(f.parentElement).width), title: f.title };
    });
    assert.equal(box.inSlot2, "slot2");
    assert.ok(Math.abs(box.width - box.slot) < 1, `iframe fills its slot (${box.width} vs ${box.slot})`);
    assert.ok(box.title.length > 0);
    assert.ok(await page.evaluate(() => typeof window.__returned.destroy === "function"), "mount returns the controller");
    // Typing.
    await frame.locator("#number").pressSequentially("42");
    let change = await page.waitForFunction(() => window.__events.filter((e) => e.name === "change").at(-1)?.arg, null, { timeout: 5000 });
    assert.deepEqual(await change.jsonValue(), { complete: false, empty: false, brand: "visa", error: null });
    // Paste (a real clipboard paste, Ctrl+V).
    await frame.locator("#number").fill("");
    await page.evaluate(() => navigator.clipboard.writeText("3782 822463 10005"));
    await frame.locator("#number").focus();
    await page.keyboard.press("Control+V");
    assert.equal(await frame.inputValue("#number"), "3782 822463 10005", "Amex groups 4-6-5");
    change = await page.waitForFunction(() => window.__events.filter((e) => e.name === "change").at(-1)?.arg?.brand === "amex", null, { timeout: 5000 });
    assert.equal(await frame.getAttribute("#brand", "data-brand"), "amex");
    assert.equal(await frame.getAttribute("#cvc", "maxlength"), "4", "Amex takes a 4-digit CVC");
    await frame.locator("#exp").pressSequentially("1234");
    await frame.locator("#cvc").pressSequentially("1234");
    await page.waitForFunction(() => window.__events.filter((e) => e.name === "change").at(-1)?.arg?.complete === true, null, { timeout: 5000 });
  });
});

test("invalid number, past expiry and short CVC show inline errors, block submit, grow the iframe", async () => {
  const s = await createSession(env.edge);
  await withPage(async (page) => {
    const charges = [];
    page.on("request", (r) => { if (r.method() === "POST" && r.url().endsWith("/charge")) charges.push(r.url()); });
    const frame = await mount(page, s.session_id);
    await waitEvent(page, "ready");
    await page.waitForTimeout(200);
    const h0 = await page.evaluate(() => window.__maven.iframe.getBoundingClientRect().height);
    await fill(frame, { number: "4242424242424241", exp: "01/20", cvc: "12" });
    await frame.locator("#cvc").press("Enter");
    await frame.waitForFunction(() => document.getElementById("cvc-error").textContent !== "");
    assert.match(await text(frame, "#number-error"), /invalid/i);
    assert.match(await text(frame, "#exp-error"), /past/i);
    assert.match(await text(frame, "#cvc-error"), /incomplete|3 digits/i);
    for (const id of ["number", "exp", "cvc"]) {
      assert.equal(await frame.getAttribute(`#${id}`, "aria-invalid"), "true");
      assert.match(await frame.getAttribute(`#${id}`, "aria-describedby"), new RegExp(`${id}-error`));
    }
    assert.equal(await frame.evaluate(() => document.activeElement.id), "number", "focus goes to the first error");
    assert.match(await text(frame, "#live"), /invalid/i, "the live region announces it");
    await page.waitForFunction((h) => window.__maven.iframe.getBoundingClientRect().height > h + 20, h0, { timeout: 5000 });
    const inner = await frame.evaluate(() => [document.documentElement.scrollHeight, window.innerHeight]);
    assert.ok(inner[0] <= inner[1] + 1, `no inner scroll: content ${inner[0]} vs frame ${inner[1]}`);
    await page.screenshot({ path: `${ARTIFACTS}/merchant-errors.png` });
    assert.equal(charges.length, 0, "nothing was submitted");
    assert.equal((await sessionView(env.edge, s.session_id)).status, "pending");
    const failures = (await events(page)).filter((e) => e.name === "failure");
    assert.equal(failures.length, 0);
  });
});

test("updateTheme, updateLabels and updateFields change the live form; a session override wins", async () => {
  const s = await createSession(env.edge, {
    theme: { primary_color: "#0a7d38" },
    labels: { pay_button: "Complete {amount}" },
    fields: { postal_code: "required" },
  });
  await withPage(async (page) => {
    const frame = await mount(page, s.session_id);
    await waitEvent(page, "ready");
    assert.equal(await style(frame, "#submit", "backgroundColor"), rgb("#0a7d38"), "session override");
    assert.equal(await text(frame, "#submit-label"), "Complete $12.34");
    assert.ok(await shown(frame, "#postal"));
    assert.equal(await frame.getAttribute("#postal", "aria-required"), "true");
    await page.evaluate(() => {
      window.__maven.updateTheme({ primary_color: "#e11d48", border_radius: 2 });
      window.__maven.updateLabels({ pay_button: "Send {amount}" });
      window.__maven.updateFields({ cardholder_name: "required" });
    });
    await frame.waitForFunction(() => document.getElementById("submit-label").textContent === "Send $12.34");
    assert.equal(await style(frame, "#submit", "backgroundColor"), rgb("#e11d48"));
    assert.equal(await style(frame, "#number", "borderTopLeftRadius"), "2px");
    assert.ok(await shown(frame, "#name"));
    assert.equal(await shown(frame, "#name-opt"), false, "required fields lose the (optional) hint");
  });
});

test("options given to createPayment override the project too", async () => {
  const s = await createSession(env.edge);
  await withPage(async (page) => {
    const frame = await mount(page, s.session_id, { extra: { theme: { primary_color: "#111111" }, labels: { title: "Checkout" } } });
    await waitEvent(page, "ready");
    await frame.waitForFunction(() => document.getElementById("title").textContent === "Checkout");
    assert.equal(await style(frame, "#submit", "backgroundColor"), rgb("#111111"));
  });
});

test("keyboard only: Tab in, type, Enter pays", async () => {
  const s = await createSession(env.edge);
  const view = await sessionView(env.edge, s.session_id);
  await withPage(async (page) => {
    await mount(page, s.session_id);
    await waitEvent(page, "ready");
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press("Tab");
    await page.keyboard.type("4242424242424242"); // moves on to expiry by itself when complete
    await page.keyboard.type("1234");             // and on to the CVC
    await page.keyboard.type("123");
    if (view.fields.cardholder_name === "required") { await page.keyboard.press("Tab"); await page.keyboard.type("Sam Doe"); }
    if (view.fields.postal_code === "required") { await page.keyboard.press("Tab"); await page.keyboard.type("10115"); }
    await page.keyboard.press("Enter");
    const ok = await waitEvent(page, "success", 20_000);
    assert.equal(ok.arg.card_last4, "4242");
  });
});

test("a decline shows the reason and Try again; the next card succeeds", async () => {
  const s = await createSession(env.edge);
  await withPage(async (page) => {
    const frame = await mount(page, s.session_id);
    await waitEvent(page, "ready");
    await fill(frame, { number: "4000000000000002" });
    await frame.locator("#cvc").press("Enter");
    const f = await waitEvent(page, "failure", 20_000);
    assert.equal(f.arg.error_code, "card_declined");
    assert.equal(f.arg.attempts_left, 2);
    await waitState(frame, "failure");
    assert.match(await text(frame, "#result-text"), /declined/i);
    assert.equal(await frame.evaluate(() => document.activeElement.id), "result-title");
    await page.screenshot({ path: `${ARTIFACTS}/merchant-declined.png` });
    await frame.click("#retry");
    await waitState(frame, "ready");
    assert.equal(await frame.evaluate(() => document.activeElement.id), "number");
    await frame.locator("#number").fill("");
    await frame.locator("#number").pressSequentially("5555555555554444");
    await frame.locator("#number").press("Enter");
    const ok = await waitEvent(page, "success", 20_000);
    assert.equal(ok.arg.card_brand, "mastercard");
  });
});

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

test("at 280px wide nothing overflows", async () => {
  const s = await createSession(env.edge, { description: "A rather long description that has to wrap inside a narrow chat bubble" });
  await withPage(async (page) => {
    await page.evaluate(() => { const slot = document.getElementById("slot"); slot.style.setProperty("width", "280px"); slot.style.setProperty("padding", "0"); });
    const frame = await mount(page, s.session_id);
    await waitEvent(page, "ready");
    await frame.locator("#number").pressSequentially("4242");
    await frame.locator("#cvc").press("Enter"); // show errors too
    await frame.waitForFunction(() => document.getElementById("number-error").textContent !== "");
    const overflow = await frame.evaluate(() => {
      const w = document.documentElement.clientWidth;
      const bad = [...document.querySelectorAll("body *")].filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > w + 0.5).map((e) => e.id || e.className || e.tagName);
      return { w, scroll: document.documentElement.scrollWidth, bad };
    });
    assert.equal(overflow.w, 280);
    assert.ok(overflow.scroll <= overflow.w, `no horizontal scroll (${overflow.scroll} > ${overflow.w})`);
    assert.deepEqual(overflow.bad, []);
    await page.screenshot({ path: `${ARTIFACTS}/merchant-280px.png` });
  }, { width: 360 });
});

test("the form page carries its CSP header", async () => {
  const s = await createSession(env.edge);
  const res = await timeout(fetch(`${env.edge}/widget/${s.session_id}`), 10_000, "GET /widget/{id}");
  assert.equal(res.status, 200);
  const csp = res.headers.get("content-security-policy") || "";
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.match(csp, /frame-ancestors /);
  assert.doesNotMatch(csp, /unsafe-inline/);
  const html = await res.text();
  assert.doesNotMatch(html, /<script>|<script [^>]*>[^<]+<\/script>|style="/, "no inline script or style");
});

test("zero-decimal currency: Pay ¥1,000", async () => {
  const s = await createSession(env.edge, { amount_cents: 1000, currency: "jpy" });
  await withPage(async (page) => {
    const frame = await mount(page, s.session_id);
    await waitEvent(page, "ready");
    assert.match(await text(frame, "#submit-label"), /¥1,000/);
  });
});

test("tokenize mode: Save card, then onSuccess with a token", async () => {
  const s = await createSession(env.edge, { mode: "tokenize", amount_cents: 0 });
  await withPage(async (page) => {
    const frame = await mount(page, s.session_id);
    await waitEvent(page, "ready");
    assert.equal(await text(frame, "#submit-label"), "Save card");
    await fill(frame, { number: "5555555555554444" });
    await frame.locator("#cvc").press("Enter");
    const ok = await waitEvent(page, "success", 20_000);
    assert.equal(ok.arg.status, "tokenized");
    assert.ok(ok.arg.token, "a token");
    assert.match(await text(frame, "#result-text"), /Mastercard •••• 4444 saved/);
  });
});
