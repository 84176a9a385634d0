// The dashboard's "Settings" page (www/dashboard/settings.js) against a real edge: default
// currency, capture default, session lifetime, the form's default color scheme and language,
// and allowed origins; a refused origin or language shown by its field; a session created with
// no expiry, currency, capture, scheme or locale takes the saved defaults (the Customize
// preview, a session made without them, renders dark and German);
// the audit log lists the change; axe; screenshots tests/artifacts/browser/settings.png and
// settings-800.png.
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
const PASSWORD = "settings page password";

async function call(method, path, { body, token = ADMIN } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(BASE + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, json };
}

async function axe(page) {
  await page.evaluate(axeSource);
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

let account, project, browser, owner, key;
before(async () => {
  if (skip) return;
  account = (await call("POST", "/v1/admin/accounts", { body: { name: "Settings page" } })).json.id;
  project = (await call("POST", `/v1/admin/accounts/${account}/projects`, { body: { slug: "settings-page", name: "Settings page" } })).json;
  await call("PUT", `/v1/admin/projects/${project.id}/gateways/test/stripe`, {
    body: { base_url: `${SIM}/stripe`, credentials: { secret_key: "sk_test_maven_sim" } },
  });
  key = (await call("POST", `/v1/admin/accounts/${account}/keys`, { body: { environment: "test" } })).json.key;
  const email = `owner-${account.slice(0, 8)}@shop.test`;
  const inv = await call("POST", `/v1/admin/accounts/${account}/invites`, { body: { email } });
  const r = await call("POST", "/v1/dashboard/invites/accept", { token: null, body: { code: inv.json.code, name: "Owner", password: PASSWORD } });
  assert.equal(r.status, 201);
  owner = { email };
  browser = await launch();
});
after(async () => { await browser?.close(); });

test("settings page: defaults for new sessions and allowed origins, saved and applied", { skip, timeout: 60_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: "reduce" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.setDefaultTimeout(15_000);
  try {
    await timeout(page.goto(`${BASE}/dashboard/#settings`), 15_000, "opening /dashboard/#settings");
    await page.fill("#email", owner.email);
    await page.fill("#password", PASSWORD);
    await page.click("#connect");
    await page.waitForSelector("#settings-view[data-state=ready]:not([hidden])");
    assert.equal(await page.getAttribute("#nav-settings", "aria-current"), "page");
    assert.equal(await page.inputValue("#set-currency"), "usd");
    assert.equal(await page.inputValue("#set-capture"), "true");
    assert.equal(await page.inputValue("#set-lifetime"), "5", "the 300 s default");
    assert.equal(await page.inputValue("#set-scheme"), "");
    assert.equal(await page.inputValue("#set-locale"), "");
    assert.deepEqual(await axe(page), [], "settings page");

    // A bad origin is refused by its field, naming the line.
    await page.fill("#set-origins", "https://shop.example.com\nnot an origin");
    await page.click("#settings-save");
    await page.waitForFunction(() => document.getElementById("err-set-origins").textContent !== "");
    assert.match(await page.textContent("#err-set-origins"), /line 2/);
    // A lifetime out of range is refused before sending.
    await page.fill("#set-origins", "https://shop.example.com");
    await page.fill("#set-lifetime", "90");
    await page.click("#settings-save");
    assert.match(await page.textContent("#err-set-lifetime"), /1 to 60/);

    // A malformed language tag is refused by its field.
    await page.fill("#set-lifetime", "15");
    await page.fill("#set-locale", "not a tag!");
    await page.click("#settings-save");
    await page.waitForFunction(() => document.getElementById("err-set-locale").textContent !== "");
    assert.match(await page.textContent("#err-set-locale"), /BCP 47/);
    await page.fill("#set-locale", "de");
    await page.selectOption("#set-scheme", "dark");
    await page.fill("#set-currency", "eur");
    await page.selectOption("#set-capture", "false");
    await page.fill("#set-lifetime", "15");
    await page.click("#settings-save");
    await page.waitForSelector("#toast:not([hidden])");
    const saved = (await call("GET", `/v1/admin/projects/${project.id}`)).json;
    assert.equal(saved.currency, "eur");
    assert.equal(saved.capture, false);
    assert.equal(saved.session_lifetime_secs, 900);
    assert.deepEqual(saved.allowed_origins, ["https://shop.example.com"]);
    assert.equal(saved.color_scheme, "dark");
    assert.equal(saved.locale, "de");
    await page.waitForSelector("#toast", { state: "hidden", timeout: 5_000 });
    assert.deepEqual(await axe(page), [], "after save");
    await page.screenshot({ path: `${ARTIFACTS}/settings.png`, fullPage: true });

    // A session created without those fields takes the new defaults.
    const before = Date.now();
    const s = await call("POST", "/v1/widget-sessions", { token: key, body: { project: "settings-page", amount_cents: 1234, gateway: "stripe" } });
    assert.equal(s.status, 201, JSON.stringify(s.json));
    const view = await call("GET", `/v1/widget-sessions/${s.json.session_id}`, { token: key });
    assert.equal(view.json.currency, "eur");
    assert.equal(view.json.capture, false);
    const lives = (Date.parse(view.json.expires_at) - before) / 1000;
    assert.ok(lives > 880 && lives <= 905, `lives ${lives} s, not 900`);
    const open = await call("GET", `/v1/widget-sessions/${s.json.session_id}`, { token: null });
    assert.equal(open.json.color_scheme, "dark");
    assert.equal(open.json.locale, "de");

    // Reloaded, the page shows what was saved.
    await page.reload();
    await page.waitForSelector("#settings-view[data-state=ready]:not([hidden])");
    assert.equal(await page.inputValue("#set-lifetime"), "15");
    assert.equal(await page.inputValue("#set-capture"), "false");
    assert.equal(await page.inputValue("#set-scheme"), "dark");
    assert.equal(await page.inputValue("#set-locale"), "de");
    await page.setViewportSize({ width: 800, height: 1000 });
    await page.screenshot({ path: `${ARTIFACTS}/settings-800.png`, fullPage: true });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 800, `no horizontal scroll at 800 px (${width})`);

    await page.click("#nav-audit");
    await page.waitForSelector("#audit-view[data-state=ready]:not([hidden]) .audit-row");
    const rows = await page.$$eval("#audit-body tr", (trs) => trs.map((tr) => [tr.children[2].textContent, tr.children[3].textContent]));
    assert.ok(rows.some(([w, d]) => w === "Changed project settings" && /session_lifetime_secs: 900/.test(d)), JSON.stringify(rows));
    assert.ok(rows.some(([w]) => w === "Changed allowed origins"), JSON.stringify(rows));
    assert.ok(rows.some(([w, d]) => w === "Changed project settings" && /color_scheme: dark/.test(d) && /locale: de/.test(d)), JSON.stringify(rows));

    // The Customize preview is a session created without scheme or locale: the project's
    // defaults render it dark and in German.
    await page.click("#nav-customize");
    const handle = await page.waitForSelector("#preview-slot iframe", { timeout: 15_000 });
    const frame = await handle.contentFrame();
    await frame.waitForURL(/\/widget\/[0-9a-f-]{36}/, { timeout: 15_000, waitUntil: "domcontentloaded" });
    await frame.waitForFunction(() => document.documentElement.dataset.state === "ready", null, { timeout: 20_000, polling: 100 });
    assert.equal(await frame.evaluate(() => document.documentElement.dataset.scheme), "dark");
    assert.equal(await frame.evaluate(() => document.documentElement.lang), "de");
    assert.match(await frame.evaluate(() => document.body.innerText), /Kartennummer/);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
