// The dashboard's "Gateways" page (www/dashboard/gateways.js) against a real edge and its
// simulator: set credentials (write-only: never shown again), test the connection (success,
// then refused credentials), the live switch, a member kept out; axe at each step; screenshots
// tests/artifacts/browser/gateways.png and gateways-800.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { launch, timeout, ARTIFACTS } from "./lib.mjs";

const BASE = process.env.MAVEN_BASE_URL?.replace(/\/$/, "");
const ADMIN = process.env.MAVEN_ADMIN_TOKEN;
const SIM = process.env.MAVEN_SIM_URL;
const skip = !(BASE && ADMIN && SIM) && "needs a real edge: run under scripts/with-edge.sh";
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const PASSWORD = "gateways page password";

async function call(method, path, { body, token = ADMIN, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (body !== undefined) h["content-type"] = "application/json";
  const res = await fetch(BASE + path, {
    method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, json, res };
}

async function axe(page) {
  await page.evaluate(axeSource);
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

async function acceptInvite(code, email) {
  const r = await call("POST", "/v1/dashboard/invites/accept", { token: null, body: { code, name: email.split("@")[0], password: PASSWORD } });
  if (r.status !== 201) throw new Error(`accept → ${r.status} ${JSON.stringify(r.json)}`);
  return { email, cookie: r.res.headers.getSetCookie()[0].split(";")[0], csrf: r.json.csrf_token };
}

let account, project, browser, owner, member;
before(async () => {
  if (skip) return;
  account = (await call("POST", "/v1/admin/accounts", { body: { name: "Gateways page" } })).json.id;
  project = (await call("POST", `/v1/admin/accounts/${account}/projects`, { body: { slug: "gw-page", name: "Gateways page" } })).json;
  const ownerEmail = `owner-${account.slice(0, 8)}@shop.test`;
  const inv = await call("POST", `/v1/admin/accounts/${account}/invites`, { body: { email: ownerEmail } });
  owner = await acceptInvite(inv.json.code, ownerEmail);
  const memberEmail = `member-${account.slice(0, 8)}@shop.test`;
  const minv = await call("POST", "/v1/dashboard/invites", {
    token: null, headers: { cookie: owner.cookie, "x-csrf-token": owner.csrf }, body: { email: memberEmail, role: "member" },
  });
  member = await acceptInvite(minv.json.code, memberEmail);
  browser = await launch();
});
after(async () => { await browser?.close(); });

async function openGateways(width, who = owner) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, reducedMotion: "reduce" });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(e.message));
  page.setDefaultTimeout(15_000);
  await timeout(page.goto(`${BASE}/dashboard/#gateways`), 15_000, "opening /dashboard/#gateways");
  await page.fill("#email", who.email);
  await page.fill("#password", PASSWORD);
  await page.click("#connect");
  await page.waitForSelector("#gateways-view[data-state=ready]:not([hidden]), #gateways-view:not([hidden]) .banner:not([hidden])");
  return page;
}

test("gateways page: set credentials (never shown again), test connection (success and failure), test/live", { skip, timeout: 90_000 }, async () => {
  const page = await openGateways(1280);
  const stripe = page.locator('section[data-gateway="stripe"]');
  try {
    assert.equal(await page.getAttribute("#nav-gateways", "aria-current"), "page");
    assert.match(await page.title(), /^Gateways · Gateways page/);
    assert.equal(await stripe.locator(".badge").textContent(), "Not set");
    assert.ok(await page.isDisabled("#gw-stripe-test"), "nothing to test yet");
    assert.deepEqual(await axe(page), [], "empty page");

    // A live key in the test slot is refused by its field.
    await page.fill("#gw-stripe-secret_key", "sk_live_not_here");
    await page.fill("#gw-stripe-base_url", `${SIM}/stripe`);
    await page.click("#gw-stripe-save");
    await page.waitForFunction(() => document.getElementById("err-gw-stripe-secret_key")?.textContent !== "");

    // The simulator's key: saved, then gone from the page.
    await page.fill("#gw-stripe-secret_key", "sk_test_maven_sim");
    await page.click("#gw-stripe-save");
    await page.waitForFunction(() => document.querySelector('section[data-gateway="stripe"] .badge')?.textContent === "Set");
    assert.equal(await page.inputValue("#gw-stripe-secret_key"), "", "the form forgets the key");
    assert.equal(await page.inputValue("#gw-stripe-base_url"), `${SIM}/stripe`);
    assert.ok(!(await page.content()).includes("sk_test_maven_sim"), "the key is not on the page");
    const view = await call("GET", `/v1/admin/projects/${project.id}`);
    assert.ok(!JSON.stringify(view.json).includes("sk_test_maven_sim"), "no answer carries the key");

    await page.click("#gw-stripe-test");
    await page.waitForFunction(() => /^Connected/.test(document.getElementById("gw-stripe-result").textContent));
    assert.match(await page.textContent("#gw-stripe-result"), /^Connected: Stripe accepted the credentials/);
    assert.deepEqual(await axe(page), [], "connected");
    await page.waitForSelector("#toast", { state: "hidden", timeout: 5_000 });
    await page.screenshot({ path: `${ARTIFACTS}/gateways.png`, fullPage: true });

    // A wrong key: the test says so.
    await page.fill("#gw-stripe-secret_key", "sk_test_not_the_key");
    await page.click("#gw-stripe-save");
    await page.waitForFunction(() => document.getElementById("gw-stripe-secret_key").value === "");
    await page.click("#gw-stripe-test");
    await page.waitForFunction(() => /^Failed/.test(document.getElementById("gw-stripe-result").textContent));
    assert.equal(await page.textContent("#gw-stripe-result"), "Failed: Stripe refused the secret key.");
    assert.deepEqual(await axe(page), [], "failed");

    // Live: nothing set there.
    await page.click("label[for=env-live]");
    assert.equal(await stripe.locator(".badge").textContent(), "Not set");
    assert.match(await stripe.locator(".card-head p").textContent(), /no live credentials/);
    await page.click("label[for=env-test]");
    assert.equal(await stripe.locator(".badge").textContent(), "Set");

    await page.setViewportSize({ width: 800, height: 1000 });
    await page.screenshot({ path: `${ARTIFACTS}/gateways-800.png`, fullPage: true });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 800, `no horizontal scroll at 800 px (${width})`);

    await page.click("#nav-audit");
    await page.waitForSelector("#audit-view[data-state=ready]:not([hidden]) .audit-row");
    const what = await page.$$eval("#audit-body tr", (trs) => trs.map((tr) => tr.children[2].textContent));
    assert.ok(what.includes("Set gateway credentials"), what.join());
    assert.ok(what.includes("Tested a gateway connection"), what.join());
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test("gateways page: a member cannot open credentials", { skip }, async () => {
  const page = await openGateways(1280, member);
  try {
    assert.ok(await page.isHidden("#nav-gateways"), "no Gateways link for a member");
    assert.match(await page.textContent("#gateways-view .banner"), /Only an owner/);
    assert.equal(await page.locator("#gw-cards section").count(), 0);
    assert.deepEqual(await axe(page), [], "member view");
  } finally {
    await page.context().close();
  }
});
