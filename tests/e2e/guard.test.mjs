// Card-testing defences (docs/card-testing.md): one source trying declining cards on many
// sessions trips the project's breaker; further attempts are 429 `card_testing_suspected` with
// Retry-After and reach no gateway; the merchant gets one `fraud.card_testing` webhook and the
// flag on the admin API; another source on the same project, and another project charged from
// the same source, are unaffected.
//
// Layout: its own account, two projects and its own gateway simulator (the shared one's call
// log belongs to charge.test.mjs), and a loopback webhook receiver. Every e2e suite comes from
// the same address, so the guard's limits are per project: nothing here touches the others.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { admin, charge, http, sleep, startPrivateSim, startReceiver, waitFor } from "./lib.mjs";

const year = new Date().getUTCFullYear();
const card = (number, exp_month = 12) => ({ number, exp_month, exp_year: year + 3, cvc: "123", name: "Jane Doe", postal_code: "94107" });
const DECLINES = ["4000000000000002", "4000000000009995", "4000000000000069", "4000000000000127"];
const VISA = card("4242424242424242");
/** The breaker's defaults (core/src/guard.rs): 10 declines in 5 minutes at ≥ 80 %. */
const MIN_DECLINES = 10;
/** The tested project's own budget, set through the admin API. */
const BUDGET = 6;

describe("card-testing guard", { concurrency: 1 }, () => {
  let sim;
  let receiver;
  const projects = {};

  async function makeProject(account, name, webhook) {
    const slug = `guard-${name}-${randomBytes(4).toString("hex")}`;
    const created = await admin("POST", `/v1/admin/accounts/${account.id}/projects`, { slug, name });
    assert.equal(created.status, 201, created.text);
    const id = created.json.id;
    const r = await admin("PUT", `/v1/admin/projects/${id}/gateways/test/stripe`, {
      base_url: `${sim.url}/stripe`, credentials: { secret_key: "sk_test_maven_sim" },
    });
    assert.equal(r.status, 200, r.text);
    if (webhook) {
      const p = await admin("PATCH", `/v1/admin/projects/${id}`, { webhook_url: receiver.url });
      assert.equal(p.status, 200, p.text);
      const s = await admin("POST", `/v1/admin/projects/${id}/webhook-secret`);
      assert.equal(s.status, 201, s.text);
    }
    return { id, slug, key: account.key };
  }

  before(async () => {
    sim = await startPrivateSim();
    receiver = await startReceiver();
    const a = await admin("POST", "/v1/admin/accounts", { name: `Guard tests ${randomBytes(4).toString("hex")}` });
    assert.equal(a.status, 201, a.text);
    const key = await admin("POST", `/v1/admin/accounts/${a.json.id}/keys`, { environment: "test" });
    assert.equal(key.status, 201, key.text);
    const account = { id: a.json.id, key: key.json.key };
    projects.tested = await makeProject(account, "tested", true);
    projects.other = await makeProject(account, "other", false);
  });

  after(async () => {
    await receiver?.close();
    sim?.close();
  });

  async function newSession(project) {
    const r = await http("POST", "/v1/widget-sessions", {
      key: project.key, body: { project: project.slug, amount_cents: 500, gateway: "stripe" },
    });
    assert.equal(r.status, 201, r.text);
    return r.json.session_id;
  }

  const gatewayCharges = async () => (await sim.calls()).filter((c) => c.operation === "payment_intents").length;

  test("the limits are set per project and checked like any input", async () => {
    const bad = await admin("PATCH", `/v1/admin/projects/${projects.other.id}`, { card_testing: { breaker_ratio_pct: 0, per_card: 3 } });
    assert.equal(bad.status, 422, bad.text);
    assert.deepEqual(bad.json.detail.map((d) => [d.loc.join("."), d.type]).sort(), [
      ["body.card_testing.breaker_ratio_pct", "greater_than_equal"],
      ["body.card_testing.per_card", "extra_forbidden"],
    ]);
    const view = await admin("GET", `/v1/admin/projects/${projects.other.id}`);
    assert.equal(view.json.card_testing.breaker_ratio_pct, 80, "a refused change changes nothing");
    assert.equal(view.json.card_testing.breaker_min_declines, MIN_DECLINES);
  });

  test("a card tester's 200 declining attempts are stopped within the project's budget: 429 with Retry-After, no gateway call past it, one webhook, the flag; others pay", { timeout: 150_000 }, async () => {
    // The merchant's budget: the breaker trips at BUDGET declines (the default is 10).
    const set = await admin("PATCH", `/v1/admin/projects/${projects.tested.id}`, { card_testing: { breaker_min_declines: BUDGET } });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.json.card_testing.breaker_min_declines, BUDGET);
    assert.equal(set.json.card_testing.card_declines_per_hour, 12, "the other limits keep their defaults");

    // 200 attempts with declining cards on fresh sessions, as a card tester would (a session
    // allows 3 declines, so a new one every 3 attempts).
    const before = await gatewayCharges();
    const statuses = [];
    let session;
    for (let i = 0; i < 200; i++) {
      if (i % 3 === 0) session = await newSession(projects.tested);
      const r = await charge(session, card(DECLINES[i % DECLINES.length], 1 + (i % 12)));
      statuses.push(r.status);
      if (r.status === 429) {
        assert.equal(r.json.error_code, "card_testing_suspected", r.text);
        assert.equal(typeof r.json.detail, "string");
        const retry = Number(r.headers.get("retry-after"));
        assert.ok(retry > 0 && retry <= 900, `Retry-After ${r.headers.get("retry-after")}`);
      } else {
        assert.equal(r.status, 402, r.text);
      }
    }
    const declined = statuses.filter((s) => s === 402).length;
    assert.equal(declined, BUDGET, `declines before the stop: ${statuses.join(",")}`);
    assert.deepEqual(statuses.slice(BUDGET), Array(200 - BUDGET).fill(429), "every attempt past the budget is refused");
    assert.equal((await gatewayCharges()) - before, BUDGET, "the gateway saw more than the budget");

    // Tripped: a fresh session with a good card from the same source is refused too.
    const r = await charge(await newSession(projects.tested), VISA);
    assert.equal(r.status, 429, r.text);
    assert.equal((await gatewayCharges()) - before, BUDGET, "a refused attempt reached the gateway");

    // Another source on the same project (the address Cloudflare gives the Worker; wrangler
    // dev passes the client's header through): unaffected.
    const second = await charge(await newSession(projects.tested), VISA, { headers: { "cf-connecting-ip": "198.51.100.7" } });
    assert.equal(second.status, 200, second.text);

    // The other project, same source, same run: unaffected.
    const ok = await charge(await newSession(projects.other), VISA);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.status, "succeeded");

    // The flag on the admin API.
    const flagged = await admin("GET", `/v1/admin/projects/${projects.tested.id}/guard`);
    assert.equal(flagged.status, 200, flagged.text);
    assert.equal(flagged.json.card_testing, true);
    assert.equal(flagged.json.trips.length, 1);
    assert.equal(flagged.json.trips[0].declines, BUDGET);
    const clean = await admin("GET", `/v1/admin/projects/${projects.other.id}/guard`);
    assert.equal(clean.status, 200, clean.text);
    assert.equal(clean.json.card_testing, false);

    // The merchant is told once.
    const fraud = () => receiver.hits.filter((h) => h.json?.event === "fraud.card_testing");
    await waitFor("the fraud.card_testing webhook", () => fraud().length > 0, 30_000);
    await sleep(2000);
    assert.equal(fraud().length, 1, "expected one fraud.card_testing webhook");
    const hook = fraud()[0];
    assert.equal(hook.json.project, projects.tested.slug);
    assert.equal(hook.json.declines, BUDGET);
    assert.ok(hook.headers["maven-signature"], "the webhook is signed");
    assert.doesNotMatch(hook.body, /\d{12,}/, "the webhook carries no card number");
  });
});

describe("session creation limit", () => {
  test("one account from one address gets 429 rate_limited past 600 creations a minute; another address and another account still create", { timeout: 120_000 }, async () => {
    const account = async () => {
      const a = await admin("POST", "/v1/admin/accounts", { name: `Create limit ${randomBytes(4).toString("hex")}` });
      assert.equal(a.status, 201, a.text);
      const key = await admin("POST", `/v1/admin/accounts/${a.json.id}/keys`, { environment: "test" });
      const slug = `limit-${randomBytes(4).toString("hex")}`;
      const p = await admin("POST", `/v1/admin/accounts/${a.json.id}/projects`, { slug, name: slug });
      assert.equal(p.status, 201, p.text);
      const g = await admin("PUT", `/v1/admin/projects/${p.json.id}/gateways/test/stripe`, {
        base_url: "http://127.0.0.1:9/stripe", credentials: { secret_key: "sk_test_maven_sim" },
      });
      assert.equal(g.status, 200, g.text);
      return { key: key.json.key, slug };
    };
    const create = (a, headers = {}) => http("POST", "/v1/widget-sessions", {
      key: a.key, headers, body: { project: a.slug, amount_cents: 100, gateway: "stripe" },
    });
    const busy = await account();
    // The limiter counts in fixed one-minute windows, so a window may turn during the run:
    // the first refusal comes after between 600 and 1200 creations.
    let created = 0;
    let refused;
    for (let batch = 0; batch < 65 && !refused; batch++) {
      const rs = await Promise.all(Array.from({ length: 20 }, () => create(busy)));
      for (const r of rs) {
        if (r.status === 201) created++;
        else {
          assert.equal(r.status, 429, r.text);
          refused ??= r;
        }
      }
    }
    assert.ok(refused, `no refusal after ${created} creations`);
    assert.ok(created >= 600 && created <= 1200, `refused after ${created} creations`);
    assert.equal(refused.json.error_code, "rate_limited");
    const retry = Number(refused.headers.get("retry-after"));
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    // Another address on the same account, and another account on this address: unaffected.
    const elsewhere = await create(busy, { "cf-connecting-ip": "198.51.100.23" });
    assert.equal(elsewhere.status, 201, elsewhere.text);
    const other = await create(await account());
    assert.equal(other.status, 201, other.text);
  });
});
