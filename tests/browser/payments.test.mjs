// The dashboard's "Payments" page (www/dashboard/payments.js) against a real edge: pay on the
// demo page with 4242, sign in as the seeded demo merchant, find that payment in Payments, open
// its detail (timeline, actions), refund it through the confirmation, and see it refunded, in
// the page and in the simulator's ledger. axe on the list, the detail and the dialog;
// screenshots tests/artifacts/browser/payments*.png at 1280 and 800 px.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { launch, timeout, formFrame, waitState, ARTIFACTS } from "./lib.mjs";

const BASE = process.env.MAVEN_BASE_URL?.replace(/\/$/, "");
const SIM = process.env.MAVEN_SIM_URL;
const STATE = process.env.MAVEN_STATE_DIR;
const skip = !(BASE && SIM && STATE) && "needs a real edge: run under scripts/with-edge.sh";
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

async function axe(page) {
  await page.evaluate(axeSource);
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

/** What the simulator's ledger says moved on charge `tx`, in minor units. */
async function simMoney(tx) {
  const r = await fetch(`${SIM}/_sim/ledger`, { signal: AbortSignal.timeout(10_000) });
  const { ledger } = await r.json();
  const sum = (status) => ledger.filter((e) => e.object_id === tx && e.status === status).reduce((a, e) => a + e.amount, 0);
  return { captured: sum("captured"), refunded: sum("refunded") };
}

let browser, demo;
before(async () => {
  if (skip) return;
  // scripts/seed.mjs keeps the demo merchant's sign-in beside the edge's state.
  demo = JSON.parse(readFileSync(join(dirname(STATE), "demo.json"), "utf8"));
  browser = await launch();
});
after(async () => { await browser?.close(); });

/** Pays on the demo page with 4242; the session id. */
async function payOnDemo() {
  const context = await browser.newContext({ viewport: { width: 1100, height: 860 }, reducedMotion: "reduce" });
  const page = await context.newPage();
  try {
    const created = page.waitForResponse((r) => r.url().endsWith("/demo/api/session") && r.status() === 201);
    await timeout(page.goto(`${BASE}/demo/`), 15_000, "opening the demo page");
    const sessionId = (await (await created).json()).session_id;
    const frame = await formFrame(page);
    await waitState(frame, "ready");
    await frame.locator("#number").pressSequentially("4242424242424242");
    await frame.locator("#exp").pressSequentially("1230");
    await frame.locator("#cvc").pressSequentially("123");
    await frame.locator("#cvc").press("Enter");
    await waitState(frame, "success", 20_000);
    await page.waitForSelector(".receipt", { timeout: 10_000 });
    assert.match(await page.textContent(".receipt"), /4242/);
    return sessionId;
  } finally {
    await context.close();
  }
}

/** Signs in as the demo merchant on the dashboard's Payments page, and waits for its list. */
async function openPayments(page) {
  await timeout(page.goto(`${BASE}/dashboard/?project=${demo.project_id}#payments`), 15_000, "opening the dashboard");
  await page.fill("#email", demo.merchant_email);
  await page.fill("#password", demo.merchant_password);
  await page.click("#connect");
  await page.waitForSelector("#payments-view[data-state=ready]:not([hidden])");
}

test("payments page: a demo payment is listed, opened, refunded from its detail", { skip, timeout: 120_000 }, async () => {
  const sessionId = await payOnDemo();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: "reduce" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.setDefaultTimeout(15_000);
  const row = `#pay-body tr[data-session-id="${sessionId}"]`;
  try {
    await openPayments(page);
    assert.equal(await page.getAttribute("#nav-payments", "aria-current"), "page");
    // The ledger hears of the approval from the session's outbox a moment later.
    for (let i = 0; i < 30; i++) {
      const cells = await page.$$eval(`${row} td`, (tds) => tds.map((td) => td.textContent));
      if (cells[2] === "Succeeded") break;
      await page.waitForTimeout(500);
      await page.click("#pay-apply");
      await page.waitForSelector("#payments-view[data-state=ready]");
    }
    const cells = await page.$$eval(`${row} td`, (tds) => tds.map((td) => td.textContent));
    assert.equal(cells[1], "$12.34");
    assert.equal(cells[2], "Succeeded");
    assert.equal(cells[3], "stripe");
    assert.match(cells[4], /visa •••• 4242/i);
    assert.deepEqual(await axe(page), [], "payments list");
    await page.screenshot({ path: `${ARTIFACTS}/payments.png`, fullPage: true });

    // The status filter: only refunded payments, and this one is not (yet).
    await page.selectOption("#pay-status", "refunded");
    await page.click("#pay-apply");
    await page.waitForSelector("#payments-view[data-state=ready]");
    assert.equal(await page.$(row), null);
    await page.selectOption("#pay-status", "");
    await page.click("#pay-apply");
    await page.waitForSelector(row);

    // The detail: timeline and the one action a paid payment has.
    await page.click(`${row} button`);
    await page.waitForSelector("#pay-detail:not([hidden]) #pay-timeline");
    assert.equal(await page.evaluate(() => document.activeElement.id), "h-pay-detail", "focus moves to the detail");
    assert.equal(await page.textContent("#pay-session-id"), sessionId);
    const steps = await page.$$eval("#pay-timeline li", (lis) => lis.map((li) => li.dataset.event));
    assert.equal(steps[0], "session.created");
    assert.ok(steps.includes("payment.approved"), steps.join());
    assert.match(await page.textContent("#pay-timeline"), /Attempt approved \(attempt 1\)/);
    assert.deepEqual(await page.$$eval(".pay-actions button", (b) => b.map((x) => x.textContent)), ["Refund"]);
    const tx = await page.textContent(".pay-facts code");
    assert.deepEqual(await simMoney(tx), { captured: 1234, refunded: 0 });
    assert.deepEqual(await axe(page), [], "payment detail");
    await page.screenshot({ path: `${ARTIFACTS}/payments-detail.png`, fullPage: true });

    // Refund: the confirmation asks first, prefilled with everything refundable.
    await page.click("#pay-refund");
    await page.waitForSelector("#pay-dialog[open]");
    assert.equal(await page.inputValue("#pay-amount"), "12.34");
    assert.equal(await page.textContent("#pay-confirm"), "Refund $12.34");
    await page.fill("#pay-amount", "20");
    await page.click("#pay-confirm");
    assert.match(await page.textContent("#err-pay-amount"), /\$0\.01 to \$12\.34/);
    await page.fill("#pay-amount", "12.34");
    await page.selectOption("#pay-reason", "requested_by_customer");
    assert.deepEqual(await axe(page), [], "refund dialog");
    await page.screenshot({ path: `${ARTIFACTS}/payments-refund-dialog.png` });
    // A double click: one refund (the second click sends the same Idempotency-Key, or none).
    await page.dblclick("#pay-confirm");
    await page.waitForSelector("#pay-result");
    assert.match(await page.textContent("#pay-result"), /Refunded\. Status: Refunded; captured \$12\.34, refunded \$12\.34/);
    assert.match(await page.textContent("#h-pay-detail"), /Refunded/);
    assert.equal(await page.textContent("#pay-no-actions"), "Nothing more can be done with this payment.");
    assert.match(await page.textContent("#pay-timeline"), /Refunded · \$12\.34/);
    assert.deepEqual(await simMoney(tx), { captured: 1234, refunded: 1234 });
    await page.waitForSelector("#toast", { state: "hidden", timeout: 5_000 });
    assert.deepEqual(await axe(page), [], "after the refund");
    await page.screenshot({ path: `${ARTIFACTS}/payments-refunded.png`, fullPage: true });

    await page.setViewportSize({ width: 800, height: 1000 });
    await page.screenshot({ path: `${ARTIFACTS}/payments-detail-800.png`, fullPage: true });
    let width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 800, `no horizontal scroll at 800 px (${width})`);
    await page.click("#pay-back");
    await page.waitForSelector(`#payments-view[data-state=ready] ${row}`);
    assert.equal((await page.$$eval(`${row} td`, (tds) => tds.map((td) => td.textContent)))[2], "Refunded");
    await page.screenshot({ path: `${ARTIFACTS}/payments-800.png`, fullPage: true });
    width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 800, `no horizontal scroll at 800 px (${width})`);
    assert.deepEqual(await axe(page), [], "list at 800 px");

    // The audit log names the user.
    await page.click("#nav-audit");
    await page.waitForSelector("#audit-view[data-state=ready]:not([hidden]) .audit-row");
    const rows = await page.$$eval("#audit-body tr", (trs) => trs.map((tr) => [tr.children[1].textContent, tr.children[2].textContent, tr.children[3].textContent]));
    const refunds = rows.filter(([, what, d]) => what === "Refunded a payment" && d.includes(sessionId));
    assert.equal(refunds.length, 1, JSON.stringify(rows));
    assert.equal(refunds[0][0], demo.merchant_email);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

// HUF amounts are in hundredths (ISO 4217) while browsers' Intl writes forints without decimals:
// the page must show, prefill and refund the amount as charged, never a hundredfold one.
test("payments page: a HUF payment is shown and partly refunded in the unit it was charged in", { skip, timeout: 120_000 }, async () => {
  const { http, charge } = await import("../e2e/lib.mjs");
  const year = new Date().getUTCFullYear();
  const created = await http("POST", "/v1/widget-sessions", {
    key: demo.test_key, body: { project: "demo", amount_cents: 123450, currency: "huf", gateway: "stripe" },
  });
  assert.equal(created.status, 201, created.text);
  const sessionId = created.json.session_id;
  const paid = await charge(sessionId, { number: "4242424242424242", exp_month: 12, exp_year: year + 2, cvc: "123" });
  assert.equal(paid.status, 200, paid.text);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: "reduce" });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const row = `#pay-body tr[data-session-id="${sessionId}"]`;
  try {
    await openPayments(page);
    for (let i = 0; i < 30 && !(await page.$(row)); i++) {
      await page.waitForTimeout(500);
      await page.click("#pay-apply");
      await page.waitForSelector("#payments-view[data-state=ready]");
    }
    const cells = await page.$$eval(`${row} td`, (tds) => tds.map((td) => td.textContent));
    assert.match(cells[1], /^HUF\s1,234\.50$/);
    await page.click(`${row} button`);
    await page.waitForSelector("#pay-detail:not([hidden]) #pay-timeline");
    const tx = await page.textContent(".pay-facts code");
    await page.click("#pay-refund");
    await page.waitForSelector("#pay-dialog[open]");
    assert.equal(await page.inputValue("#pay-amount"), "1234.50");
    assert.match(await page.textContent("#pay-confirm"), /^Refund HUF\s1,234\.50$/);
    await page.fill("#pay-amount", "100");
    assert.match(await page.textContent("#pay-confirm"), /^Refund HUF\s100\.00$/);
    await page.click("#pay-confirm");
    await page.waitForSelector("#pay-result");
    assert.match(await page.textContent("#pay-result"), /captured HUF\s1,234\.50, refunded HUF\s100\.00/);
    assert.deepEqual(await simMoney(tx), { captured: 123450, refunded: 10000 });
  } finally {
    await context.close();
  }
});
