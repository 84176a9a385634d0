// The widget on a merchant page (another origin, strict CSP), in headless Chromium against the
// edge (scripts/with-edge.sh; without MAVEN_BASE_URL the mock edge of server.mjs stands in).
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

test("the merchant cancels while the form is open: the submit shows it and onFailure gets session_cancelled", async (t) => {
  if (!env.real) return t.skip("cancel needs the real edge");
  const s = await createSession(env.edge);
  const cancel = () => timeout(fetch(`${env.edge}/v1/widget-sessions/${s.session_id}/cancel`, {
    method: "POST", headers: { authorization: `Bearer ${process.env.MAVEN_TEST_KEY}` },
  }), 15_000, "cancelling");
  await withPage(async (page) => {
    const frame = await mount(page, s.session_id);
    await waitEvent(page, "ready");
    await waitState(frame, "ready");
    assert.equal((await cancel()).status, 200);
    await fill(frame);
    await frame.locator("#cvc").press("Enter");
    const f = await waitEvent(page, "failure", 20_000);
    assert.equal(f.arg.error_code, "session_cancelled");
    await waitState(frame, "failure");
    assert.equal(await text(frame, "#result-title"), "Payment cancelled");
    assert.equal(await shown(frame, "#retry"), false);
  });
  // Opened after the cancel: the form says so at once.
  await withPage(async (page) => {
    const frame = await mount(page, s.session_id);
    const f = await waitEvent(page, "failure", 20_000);
    assert.equal(f.arg.error_code, "session_cancelled");
    assert.match(await text(frame, "#result-text"), /cancelled/);
  });
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
  // Data blocks (the session and the strings, type application/json) are never executed; any
  // other script with a body would be inline code.
  const inline = [...html.matchAll(/<script([^>]*)>([^<]*)<\/script>/g)]
    .filter(([, attrs, body]) => body.trim() && !/^ type="application\/json" id="mv-[a-z0-9]+"$/.test(attrs));
  assert.deepEqual(inline.map((m) => m[0].slice(0, 80)), [], "no inline script");
  assert.match(html, /<script type="application\/json" id="mv-session">/);
  assert.doesNotMatch(html, /style="/, "no inline style");
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
