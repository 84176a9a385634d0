// The dashboard's "API keys" page (www/dashboard/keys.js) against a real edge: create (shown
// once), use the key as a merchant server would, revoke (401 within 5 s), roll (old key works
// until its expiry), the test/live switch, axe at each step, screenshots at 1280 and 800 px
// (tests/artifacts/browser/keys.png, keys-800.png).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { launch, timeout, ARTIFACTS } from "./lib.mjs";

const BASE = process.env.MAVEN_BASE_URL?.replace(/\/$/, "");
const ADMIN = process.env.MAVEN_ADMIN_TOKEN;
const skip = !(BASE && ADMIN) && "needs a real edge: run under scripts/with-edge.sh";
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

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

/** What a merchant server sees with `key`. */
const check = async (key) => (await call("GET", "/v1/auth/check", { token: key })).status;

async function axe(page) {
  await page.evaluate(axeSource);
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

const PASSWORD = "keys page password";

/** Accepts invite `code` through the API: `{email, cookie, csrf}` of the new user. */
async function acceptInvite(code, email) {
  const r = await fetch(`${BASE}/v1/dashboard/invites/accept`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ code, name: email.split("@")[0], password: PASSWORD }), signal: AbortSignal.timeout(30_000),
  });
  const json = await r.json();
  if (r.status !== 201) throw new Error(`accept → ${r.status} ${JSON.stringify(json)}`);
  return { email, cookie: r.headers.getSetCookie()[0].split(";")[0], csrf: json.csrf_token };
}

let account, project, browser, owner, member;
before(async () => {
  if (skip) return;
  account = (await call("POST", "/v1/admin/accounts", { body: { name: "Keys page" } })).json.id;
  project = (await call("POST", `/v1/admin/accounts/${account}/projects`, { body: { slug: "keys-page", name: "Keys page" } })).json;
  const ownerEmail = `owner-${account.slice(0, 8)}@shop.test`;
  const inv = await call("POST", `/v1/admin/accounts/${account}/invites`, { body: { email: ownerEmail } });
  owner = await acceptInvite(inv.json.code, ownerEmail);
  // The owner invites a member from the dashboard's API (cookie + CSRF token).
  const memberEmail = `member-${account.slice(0, 8)}@shop.test`;
  const res = await fetch(`${BASE}/v1/dashboard/invites`, {
    method: "POST", headers: { "content-type": "application/json", cookie: owner.cookie, "x-csrf-token": owner.csrf },
    body: JSON.stringify({ email: memberEmail, role: "member" }), signal: AbortSignal.timeout(30_000),
  });
  member = await acceptInvite((await res.json()).code, memberEmail);
  browser = await launch();
});
after(async () => { await browser?.close(); });

async function openKeys(width, height = 900, who = owner) {
  const context = await browser.newContext({ viewport: { width, height }, reducedMotion: "reduce" });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error") page.errors.push(m.text()); });
  page.setDefaultTimeout(15_000);
  await timeout(page.goto(`${BASE}/dashboard/#keys`), 15_000, "opening /dashboard/#keys");
  await page.fill("#email", who.email);
  await page.fill("#password", PASSWORD);
  await page.click("#connect");
  if (who === owner) await page.waitForSelector("#keys-view[data-state=ready]:not([hidden])");
  return page;
}

const rowOf = (page, keyId) => page.locator(`tr[data-key-id="${keyId}"]`);

test("keys page: create (shown once), use, revoke → 401 within 5 s, roll, test/live", { skip }, async () => {
  const page = await openKeys(1280);
  try {
    assert.equal(await page.getAttribute("#nav-keys", "aria-current"), "page");
    assert.match(await page.title(), /^API keys · Keys page/);
    assert.ok(await page.isVisible(".empty"), "no keys yet");
    assert.deepEqual(await axe(page), [], "empty page");

    // Create: the plaintext once, with a copy button.
    await page.fill("#key-name", "Checkout server");
    await page.click("#key-create");
    await page.waitForSelector("#revealed-key");
    const key = (await page.textContent("#revealed-key")).trim();
    assert.match(key, /^mvn_test_[A-Za-z0-9]{24}$/);
    assert.match(await page.textContent("#h-reveal"), /Checkout server/);
    assert.deepEqual(await axe(page), [], "with the revealed key");
    const listed = (await call("GET", `/v1/admin/accounts/${account}/keys`)).json.keys;
    assert.equal(listed.length, 1);
    const id = listed[0].key_id;
    const row = rowOf(page, id);
    assert.equal(await row.locator("th").textContent(), "Checkout server");
    assert.equal(await row.locator("code").textContent(), `mvn_test_…${key.slice(-4)}`);
    assert.equal(await row.locator("td").nth(2).textContent(), "Never", "not used yet");
    assert.equal(await row.locator(".badge").textContent(), "Active");

    // The merchant's server uses it; a reload shows "last used".
    assert.equal(await check(key), 200);
    await page.reload();
    // The tab keeps the token: the page opens straight on the keys again.
    await page.waitForSelector(`#keys-view[data-state=ready]:not([hidden]) tr[data-key-id="${id}"]`);
    assert.notEqual(await rowOf(page, id).locator("td").nth(2).textContent(), "Never");
    assert.equal(await page.isHidden("#revealed-key").catch(() => true), true, "never shown again");
    assert.ok(!(await page.content()).includes(key), "the plaintext is gone from the page");

    // A second key, rolled with a 1 hour overlap: both work, the old one shows its expiry.
    await page.fill("#key-name", "Worker");
    await page.click("#key-create");
    await page.waitForFunction(() => document.querySelectorAll("#keys-body tr").length === 2);
    const workerKey = (await page.textContent("#revealed-key")).trim();
    const workerId = (await call("GET", `/v1/admin/accounts/${account}/keys`)).json.keys[0].key_id;
    await rowOf(page, workerId).getByRole("button", { name: "Roll Worker" }).click();
    await page.waitForSelector("#key-dialog[open]");
    assert.deepEqual(await axe(page), [], "roll dialog");
    await page.selectOption("#roll-expiry", "3600");
    await page.click("#key-confirm");
    await page.waitForFunction(() => document.querySelectorAll("#keys-body tr").length === 3);
    const rolled = (await page.textContent("#revealed-key")).trim();
    assert.notEqual(rolled, workerKey);
    assert.match(await page.textContent(".reveal"), /The old key works until/);
    assert.equal(await rowOf(page, workerId).locator(".badge").textContent(), "Expiring");
    assert.match(await rowOf(page, workerId).locator(".until").textContent(), /^until /);
    assert.equal(await check(workerKey), 200, "the old key still works during the overlap");
    assert.equal(await check(rolled), 200, "the new key works");

    // Revoke the first key from its row: refused within 5 s.
    await rowOf(page, id).getByRole("button", { name: "Revoke Checkout server" }).click();
    await page.waitForSelector("#key-dialog[open]");
    assert.match(await page.textContent("#key-dialog"), /within 5 seconds/);
    await page.click("#key-confirm");
    const t0 = Date.now();
    await page.waitForFunction((i) => document.querySelector(`tr[data-key-id="${i}"] .badge`)?.textContent === "Revoked", id);
    while ((await check(key)) !== 401) {
      assert.ok(Date.now() - t0 < 5_000, "the revoked key is refused within 5 s");
      await page.waitForTimeout(100);
    }
    assert.equal(await rowOf(page, id).getByRole("button").count(), 0, "a revoked key has no actions");
    assert.equal(await check(rolled), 200, "the other keys keep working");
    await page.waitForSelector("#toast", { state: "hidden", timeout: 5_000 });
    await page.screenshot({ path: `${ARTIFACTS}/keys.png`, fullPage: true });

    // Live: its own (empty) list, a live key from the same form.
    await page.click("label[for=env-live]");
    assert.ok(await page.isVisible(".empty"));
    assert.equal(await page.textContent("#key-create"), "Create live key");
    await page.click("#key-create");
    await page.waitForSelector("#keys-body tr");
    assert.match((await page.textContent("#revealed-key")).trim(), /^mvn_live_/);
    assert.equal(await page.locator("#keys-body tr").count(), 1, "only live keys");
    assert.deepEqual(await axe(page), [], "live");
    await page.click("label[for=env-test]");
    assert.equal(await page.locator("#keys-body tr").count(), 3);

    // The audit log lists each change, with who made it.
    await page.click("#nav-audit");
    await page.waitForSelector("#audit-view[data-state=ready]:not([hidden]) .audit-row");
    const rows = await page.$$eval("#audit-body tr", (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    const what = rows.map((r) => [r[1], r[2]]);
    assert.deepEqual(what.slice(0, 5), [
      [owner.email, "Created an API key"],
      [owner.email, "Revoked an API key"],
      [owner.email, "Rolled an API key"],
      [owner.email, "Created an API key"],
      [owner.email, "Created an API key"],
    ]);
    assert.match(rows[1][3], new RegExp(`Checkout server \\(mvn_test_…${key.slice(-4)}\\)`));
    assert.ok(what.some(([who, w]) => who === "Maven operator" && w === "Invited a user"), "the operator's invite");
    assert.deepEqual(await axe(page), [], "audit log");
    await page.screenshot({ path: `${ARTIFACTS}/audit.png`, fullPage: true });

    // Back to Customize through the nav.
    await page.click("#nav-customize");
    await page.waitForSelector("#editor-view:not([hidden])");
    assert.deepEqual(page.errors.filter((e) => /Content Security Policy|Refused to/i.test(e)), []);
  } finally {
    await page.context().close();
  }
});

test("keys page at 800 px: no horizontal scroll, axe clean (screenshot)", { skip }, async () => {
  const k = await call("POST", `/v1/admin/accounts/${account}/keys`, { body: { environment: "test", name: "A key with a rather long descriptive name" } });
  assert.equal(k.status, 201);
  const page = await openKeys(800, 1000);
  try {
    await page.waitForSelector("#keys-body tr");
    assert.deepEqual(await axe(page), []);
    await page.screenshot({ path: `${ARTIFACTS}/keys-800.png`, fullPage: true });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 800, `no horizontal scroll at 800 px (${width})`);
    await page.click("#nav-audit");
    await page.waitForSelector("#audit-view[data-state=ready]:not([hidden]) .audit-row");
    assert.deepEqual(await axe(page), [], "audit log at 800 px");
    await page.screenshot({ path: `${ARTIFACTS}/audit-800.png`, fullPage: true });
    const auditWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(auditWidth <= 800, `no horizontal scroll on the audit log at 800 px (${auditWidth})`);
  } finally {
    await page.context().close();
  }
});

test("a member sees no API keys: no nav entry, and #keys says owners only", { skip }, async () => {
  const page = await openKeys(1280, 900, member);
  try {
    await page.waitForSelector("#keys-view:not([hidden]) .banner:not([hidden])");
    assert.equal(await page.textContent("#keys-view .banner"), "Only an owner of this account can see and change API keys.");
    assert.ok(await page.isHidden("#nav-keys"), "no API keys entry for members");
    assert.ok(await page.isHidden("#nav-audit"), "no audit log entry for members");
    assert.equal(await page.textContent("#env-pill"), "Member");
    assert.equal(await page.locator("#keys-body tr").count(), 0);
    // Customize is open to members.
    await page.click("#nav-customize");
    await page.waitForSelector("#editor-view:not([hidden])");
    assert.deepEqual(await axe(page), []);
  } finally {
    await page.context().close();
  }
});

test("team: an owner invites a member; the one-time link opens the join page and signs them in", { skip }, async () => {
  const page = await openKeys(1280);
  let joiner;
  try {
    await page.click("#nav-team");
    await page.waitForSelector("#team-view[data-state=ready]:not([hidden]) #team-body tr");
    const users = await page.$$eval("#team-body tr", (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert.deepEqual(users.map((u) => [u[1], u[2]]), [[owner.email, "Owner"], [member.email, "Member"]]);
    const email = `joiner-${account.slice(0, 8)}@shop.test`;
    await page.fill("#invite-email", "not an address");
    await page.click("#invite-send");
    await page.waitForFunction(() => document.getElementById("err-invite-email").textContent !== "");
    await page.fill("#invite-email", email);
    await page.selectOption("#invite-role", "member");
    await page.click("#invite-send");
    await page.waitForSelector("#invite-link");
    const link = (await page.textContent("#invite-link")).trim();
    assert.match(link, new RegExp(`^${BASE}/dashboard/#invite=${account}\\.[0-9a-f]{64}$`));
    assert.deepEqual(await axe(page), [], "team page");
    await page.screenshot({ path: `${ARTIFACTS}/team.png`, fullPage: true });
    await page.setViewportSize({ width: 800, height: 1000 });
    await page.screenshot({ path: `${ARTIFACTS}/team-800.png`, fullPage: true });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 800, `no horizontal scroll at 800 px (${width})`);

    // The invitee opens the link in a browser of their own.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: "reduce" });
    joiner = await context.newPage();
    await timeout(joiner.goto(link), 15_000, "opening the invite link");
    await joiner.waitForSelector("#invite-view:not([hidden])");
    assert.deepEqual(await axe(joiner), [], "join page");
    await joiner.fill("#invite-name", "Jo Joiner");
    await joiner.fill("#invite-password", "too short");
    await joiner.click("#invite-accept");
    await joiner.waitForFunction(() => document.getElementById("err-invite-password").textContent !== "");
    assert.equal(await joiner.textContent("#err-invite-password"), "Use 12 to 128 characters.");
    await joiner.fill("#invite-password", PASSWORD);
    await joiner.click("#invite-accept");
    await joiner.waitForSelector("#editor-view:not([hidden])");
    assert.equal(await joiner.textContent("#env-pill"), "Member");
    assert.ok(await joiner.isHidden("#nav-keys"));
    assert.equal(new URL(joiner.url()).hash, "", "the code leaves the address bar");
    // Used once: the same link no longer works.
    const again = await fetch(`${BASE}/v1/dashboard/invites/accept`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ code: link.split("#invite=")[1], name: "X", password: PASSWORD }),
    });
    assert.equal(again.status, 404);
  } finally {
    await joiner?.context().close();
    await page.context().close();
  }
});
