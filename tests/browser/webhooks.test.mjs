// The dashboard's "Developers → Webhooks" page (www/dashboard/webhooks.js) against a real edge:
// set the test URL to a loopback receiver, create the signing secret (shown once), send a test
// event and see it in deliveries with its exact body, both signatures verified at the receiver
// (Maven-Signature by hand, the Standard Webhooks headers with the standardwebhooks library);
// roll with an overlap and re-send (both secrets verify); the live switch; a member sees no
// secret controls; axe at each step; screenshots tests/artifacts/browser/webhooks.png and
// webhooks-800.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { Webhook } from "standardwebhooks";
import { launch, timeout, ARTIFACTS } from "./lib.mjs";

const BASE = process.env.MAVEN_BASE_URL?.replace(/\/$/, "");
const ADMIN = process.env.MAVEN_ADMIN_TOKEN;
const skip = !(BASE && ADMIN) && "needs a real edge: run under scripts/with-edge.sh";
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const PASSWORD = "webhooks page password";

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

/** A loopback receiver answering 200 and recording every POST. */
async function startReceiver() {
  const hits = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      hits.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks/maven`,
    hits,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** Every `v1=` of Maven-Signature that `secret` produces for the body. */
function mavenMatches(hit, secret) {
  const t = /(?:^|,)t=(\d+)/.exec(hit.headers["maven-signature"])[1];
  const expected = createHmac("sha256", secret).update(`${t}.${hit.body}`).digest();
  return [...hit.headers["maven-signature"].matchAll(/v1=([0-9a-f]{64})/g)].some((m) => timingSafeEqual(expected, Buffer.from(m[1], "hex")));
}

let account, browser, owner, member, receiver;
before(async () => {
  if (skip) return;
  receiver = await startReceiver();
  account = (await call("POST", "/v1/admin/accounts", { body: { name: "Webhooks page" } })).json.id;
  await call("POST", `/v1/admin/accounts/${account}/projects`, { body: { slug: "hooks-page", name: "Hooks page" } });
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
after(async () => {
  await browser?.close();
  await receiver?.close();
});

async function openWebhooks(width, who = owner) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, reducedMotion: "reduce" });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(e.message));
  // Refused requests (the session probe's 401, the 422s this test provokes) log as console
  // errors too; only script errors count here.
  page.on("console", (m) => { if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) page.errors.push(m.text()); });
  page.setDefaultTimeout(15_000);
  await timeout(page.goto(`${BASE}/dashboard/#webhooks`), 15_000, "opening /dashboard/#webhooks");
  await page.fill("#email", who.email);
  await page.fill("#password", PASSWORD);
  await page.click("#connect");
  await page.waitForSelector("#webhooks-view[data-state=ready]:not([hidden])");
  return page;
}

/** Waits for the delivery row of `id` to show `status`, pressing Refresh meanwhile. */
async function waitStatus(page, id, status) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const text = await page.locator(`tr[data-delivery-id="${id}"] .badge`).textContent().catch(() => null);
    if (text === status) return;
    assert.ok(Date.now() < deadline, `delivery ${id} never showed ${status} (last: ${text})`);
    await page.click("#wh-refresh");
    await page.waitForTimeout(300);
  }
}

test("webhooks page: URL, secret shown once, test event with both signatures, deliveries, roll with overlap, re-send, live", { skip, timeout: 120_000 }, async () => {
  const page = await openWebhooks(1280);
  try {
    assert.equal(await page.getAttribute("#nav-webhooks", "aria-current"), "page");
    assert.match(await page.title(), /^Webhooks · Hooks page/);
    assert.match(await page.textContent("#wh-secret-state"), /No secret yet/);
    assert.ok(await page.isVisible("text=No deliveries in this environment yet."));
    assert.deepEqual(await axe(page), [], "empty page");

    // A bad URL is refused by the field; the receiver's URL is saved.
    await page.fill("#wh-url", "ftp://shop.example.com/hooks");
    await page.click("#wh-save");
    await page.waitForFunction(() => document.getElementById("err-wh-url").textContent !== "");
    await page.fill("#wh-url", receiver.url);
    await page.click("#wh-save");
    await page.waitForFunction(() => document.getElementById("err-wh-url").textContent === "");
    await page.waitForSelector("#toast:not([hidden])");

    // No secret yet: the test event is refused with the reason.
    await page.click("#wh-test");
    await page.waitForSelector("#webhooks-view .banner:not([hidden])");
    assert.match(await page.textContent("#webhooks-view .banner"), /Roll a signing secret first/);

    // The secret, shown once.
    assert.equal(await page.textContent("#wh-roll"), "Create secret");
    await page.click("#wh-roll");
    await page.waitForSelector("#wh-revealed");
    const secret1 = (await page.textContent("#wh-revealed")).trim();
    assert.match(secret1, /^whsec_[0-9a-f]{48}$/);
    assert.match(await page.textContent("#wh-secret-state"), /^Set\./);
    assert.deepEqual(await axe(page), [], "with the revealed secret");

    // Send a test event: it reaches the receiver signed both ways, and shows in deliveries.
    assert.equal(await page.textContent("#wh-test"), "Send test event");
    await page.click("#wh-test");
    await page.waitForSelector("tr[data-delivery-id]");
    const id = await page.getAttribute("tr[data-delivery-id]", "data-delivery-id");
    const deadline = Date.now() + 15_000;
    while (!receiver.hits.some((x) => x.headers["webhook-id"] === id)) {
      assert.ok(Date.now() < deadline, "the test event never reached the receiver");
      await page.waitForTimeout(100);
    }
    const hit = receiver.hits.find((x) => x.headers["webhook-id"] === id);
    assert.deepEqual(new Webhook(secret1).verify(hit.body, hit.headers), JSON.parse(hit.body));
    assert.ok(mavenMatches(hit, secret1), "Maven-Signature verifies");
    assert.equal(JSON.parse(hit.body).event, "webhook.test");
    await waitStatus(page, id, "Delivered");
    // The details (opened for a fresh test event): the attempt and the exact body.
    const detail = page.locator(`tr[data-detail-of="${id}"]`);
    assert.equal(await detail.locator("pre.wh-body").first().textContent(), hit.body);
    assert.match(await detail.locator(".wh-attempts li").first().textContent(), /HTTP 200/);
    assert.equal(await detail.locator("pre.wh-body").nth(1).textContent(),
      `${id}.${hit.headers["webhook-timestamp"]}.${hit.body}`, "the signed content as shown is what was signed");
    assert.deepEqual(await axe(page), [], "with a delivery's details");
    await page.waitForSelector("#toast", { state: "hidden", timeout: 5_000 });
    await page.screenshot({ path: `${ARTIFACTS}/webhooks.png`, fullPage: true });

    // Roll with a 1 hour overlap, then re-send: both secrets verify the same request.
    await page.click("text=Done");
    await page.selectOption("#wh-overlap", "3600");
    await page.click("#wh-roll");
    await page.waitForSelector("#wh-revealed");
    const secret2 = (await page.textContent("#wh-revealed")).trim();
    assert.notEqual(secret2, secret1);
    assert.match(await page.textContent("#wh-secret-state"), /previous secret also signs until/);
    await detail.getByRole("button", { name: /^Re-send/ }).click();
    const deadline2 = Date.now() + 15_000;
    while (receiver.hits.filter((x) => x.headers["webhook-id"] === id).length < 2) {
      assert.ok(Date.now() < deadline2, "the re-send never reached the receiver");
      await page.waitForTimeout(100);
    }
    const again = receiver.hits.filter((x) => x.headers["webhook-id"] === id)[1];
    assert.equal(again.body, hit.body);
    for (const s of [secret1, secret2]) {
      assert.deepEqual(new Webhook(s).verify(again.body, again.headers), JSON.parse(again.body));
      assert.ok(mavenMatches(again, s));
    }
    // The list shows the second attempt once it is recorded.
    const deadline3 = Date.now() + 15_000;
    while ((await page.locator(`tr[data-delivery-id="${id}"] td`).nth(2).textContent()) !== "2") {
      assert.ok(Date.now() < deadline3, "the second attempt never showed");
      await page.click("#wh-refresh");
      await page.waitForTimeout(300);
    }
    await waitStatus(page, id, "Delivered");

    // Live: its own URL (none yet) and its own deliveries.
    await page.click("label[for=env-live]");
    assert.equal(await page.inputValue("#wh-url"), "");
    assert.equal(await page.textContent("label[for=wh-url]"), "Live endpoint URL");
    assert.equal(await page.textContent("#wh-test"), "Send live test event");
    assert.ok(await page.isVisible("text=No deliveries in this environment yet."));
    assert.deepEqual(await axe(page), [], "live");
    await page.click("label[for=env-test]");
    assert.equal(await page.inputValue("#wh-url"), receiver.url);

    await page.setViewportSize({ width: 800, height: 1000 });
    await page.screenshot({ path: `${ARTIFACTS}/webhooks-800.png`, fullPage: true });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 800, `no horizontal scroll at 800 px (${width})`);

    // The audit log names the changes.
    await page.click("#nav-audit");
    await page.waitForSelector("#audit-view[data-state=ready]:not([hidden]) .audit-row");
    const what = await page.$$eval("#audit-body tr", (trs) => trs.map((tr) => tr.children[2].textContent));
    for (const a of ["Changed the webhook URL", "Rolled the webhook secret", "Sent a test webhook", "Re-sent a webhook"]) {
      assert.ok(what.includes(a), `${a} not in the audit log: ${what}`);
    }
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test("webhooks page: a member sets URLs and sends test events but cannot roll the secret", { skip }, async () => {
  const page = await openWebhooks(1280, member);
  try {
    assert.ok(await page.isHidden("#wh-roll"), "no roll control for a member");
    assert.ok(await page.isVisible("text=Only an owner of this account can roll the signing secret."));
    assert.equal(await page.inputValue("#wh-url"), receiver.url, "the URL the owner set");
    assert.deepEqual(await axe(page), [], "member view");
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});
