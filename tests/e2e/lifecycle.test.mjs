// After the payment (issue 11): the ledger a merchant reads with its secret key. The full
// session object (GET with a key), the listing with cursor pagination and filters, and the
// isolation between accounts and projects.
//
// Layout: its own accounts, keys and projects on a gateway simulator of its own, so the counts
// it asserts are its own sessions only.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { UUID_V4, admin, charge, http, problems, startPrivateSim, startReceiver, waitFor } from "./lib.mjs";

const year = new Date().getUTCFullYear();
const card = (number) => ({ number, exp_month: 12, exp_year: year + 3, cvc: "123", name: "Jane Doe", postal_code: "94107" });
const VISA = card("4242424242424242");
const DECLINED = card("4000000000000002");

const CREDENTIALS = {
  stripe: { secret_key: "sk_test_maven_sim" },
  authorizenet: { api_login_id: "maven_sim_login", transaction_key: "maven_sim_key" },
  braintree: { public_key: "maven_sim_public", private_key: "maven_sim_private" },
  shift4: { secret_key: "sk_test_maven_sim_shift4" },
};

/** An account with a test key and `projects` projects on `sim`: {key, projects: [{id, slug}]}. */
async function newAccount(sim, name, projects = 1) {
  const suffix = randomBytes(4).toString("hex");
  const account = await admin("POST", "/v1/admin/accounts", { name: `${name} ${suffix}` });
  assert.equal(account.status, 201, account.text);
  const key = await admin("POST", `/v1/admin/accounts/${account.json.id}/keys`, { environment: "test" });
  assert.equal(key.status, 201, key.text);
  const out = { key: key.json.key, projects: [] };
  for (let i = 0; i < projects; i++) {
    const slug = `${name.toLowerCase()}-${i}-${suffix}`;
    const p = await admin("POST", `/v1/admin/accounts/${account.json.id}/projects`, { slug, name });
    assert.equal(p.status, 201, p.text);
    for (const [gw, credentials] of Object.entries(CREDENTIALS)) {
      const r = await admin("PUT", `/v1/admin/projects/${p.json.id}/gateways/test/${gw}`, { base_url: `${sim.url}/${gw}`, credentials });
      assert.equal(r.status, 200, r.text);
    }
    out.projects.push({ id: p.json.id, slug });
  }
  return out;
}

describe("ledger: the full object and the listing", () => {
  let sim;
  let acct; // two projects
  let other; // another account

  before(async () => {
    sim = await startPrivateSim();
    acct = await newAccount(sim, "Ledger", 2);
    other = await newAccount(sim, "Other", 1);
  });
  after(() => sim?.close());

  const create = (project, body, key = acct.key) =>
    http("POST", "/v1/widget-sessions", { key, body: { project: project.slug, amount_cents: 1234, gateway: "stripe", ...body } });
  const full = (id, key = acct.key) => http("GET", `/v1/widget-sessions/${id}`, { key });
  const list = (query, key = acct.key) => http("GET", `/v1/widget-sessions?${new URLSearchParams(query)}`, { key });
  const pay = (id, c = VISA) => charge(id, c);

  /** Waits until the ledger's object of `id` satisfies `ok`, then returns it. */
  const ledgerObject = (id, ok, what) =>
    waitFor(what, async () => {
      const r = await full(id);
      return r.status === 200 && ok(r.json) ? r.json : null;
    });

  test("with a key: the full object, pending then authorized, never the card", async () => {
    const [project] = acct.projects;
    const created = await create(project, { capture: false, description: "Order 9", metadata: { order: "9" } });
    assert.equal(created.status, 201, created.text);
    const id = created.json.session_id;
    const pending = await full(id);
    assert.equal(pending.status, 200, pending.text);
    assert.deepEqual(
      Object.keys(pending.json).sort(),
      [
        "amount_captured_cents", "amount_cents", "amount_refunded_cents", "attempts", "capture", "card",
        "completed_at", "created_at", "currency", "description", "environment", "error", "expires_at",
        "gateway", "is_terminal", "metadata", "mode", "processor", "project", "session_id", "status", "updated_at",
      ],
    );
    assert.equal(pending.json.session_id, id);
    assert.equal(pending.json.project, project.slug);
    assert.equal(pending.json.status, "pending");
    assert.equal(pending.json.is_terminal, false);
    assert.equal(pending.json.capture, false);
    assert.deepEqual(pending.json.metadata, { order: "9" });
    assert.equal(pending.json.processor, null);
    assert.equal(pending.json.card, null);
    assert.match(pending.json.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(pending.json.created_at < pending.json.expires_at);
    assert.equal(pending.json.expires_at, created.json.expires_at);

    // A decline, then an authorization: both show, once the outbox has written the ledger.
    const d = await pay(id, DECLINED);
    assert.equal(d.status, 402, d.text);
    const declined = await ledgerObject(id, (o) => o.attempts === 1, "the decline in the ledger");
    assert.equal(declined.status, "pending");
    assert.equal(declined.error.code, "card_declined");
    assert.equal(typeof declined.error.message, "string");

    const ok = await pay(id);
    assert.equal(ok.status, 200, ok.text);
    const o = await ledgerObject(id, (o) => o.attempts === 2 && o.status === "authorized", "the authorization");
    assert.equal(o.is_terminal, true);
    assert.equal(o.error, null);
    assert.equal(o.amount_cents, 1234);
    assert.equal(o.amount_captured_cents, 0);
    assert.equal(o.amount_refunded_cents, 0);
    assert.deepEqual(o.processor, { gateway: "stripe", transaction_id: ok.json.transaction_id, token: null });
    assert.equal(o.card.brand, "visa");
    assert.equal(o.card.last4, "4242");
    assert.match(o.completed_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const text = (await full(id)).text;
    assert.ok(!text.includes(VISA.number) && !text.includes("4000000000000002"), "a card number in the object");
    assert.ok(!/cvc/i.test(text), "a CVC field in the object");

    // Without a key: the public view as before (no processor, no card).
    const pub = await http("GET", `/v1/widget-sessions/${id}`);
    assert.equal(pub.status, 200, pub.text);
    assert.equal(pub.json.status, "authorized");
    assert.equal(pub.json.processor, undefined);
    assert.equal(pub.json.card, undefined);
    assert.ok(!pub.text.includes(ok.json.transaction_id));
  });

  test("a succeeded charge is captured in full; three declines fail with the last error", async () => {
    const [project] = acct.projects;
    const a = (await create(project, { gateway: "shift4" })).json.session_id;
    assert.equal((await pay(a)).status, 200);
    const paid = await ledgerObject(a, (o) => o.status === "succeeded", "the charge");
    assert.equal(paid.amount_captured_cents, 1234);
    assert.equal(paid.processor.gateway, "shift4");

    const b = (await create(project, { gateway: "authorizenet" })).json.session_id;
    for (let i = 0; i < 3; i++) assert.equal((await pay(b, DECLINED)).status, 402);
    const failed = await ledgerObject(b, (o) => o.status === "failed", "the failure");
    assert.equal(failed.attempts, 3);
    assert.equal(failed.is_terminal, true);
    assert.equal(failed.error.code, "card_declined");
    assert.equal(failed.card, null);
  });

  test("another account's key: 404 on the object and on the project's listing", async () => {
    const [project] = acct.projects;
    const id = (await create(project, {})).json.session_id;
    await ledgerObject(id, () => true, "the new session");
    const r = await full(id, other.key);
    assert.equal(r.status, 404, r.text);
    assert.equal(typeof r.json.detail, "string");
    const l = await list({ project: project.slug }, other.key);
    assert.equal(l.status, 404, l.text);
    const byId = await list({ project: project.id }, other.key);
    assert.equal(byId.status, 404, byId.text);
    // An unknown id and a bad key.
    assert.equal((await full("3b241101-e2bb-4255-8caf-4136c566a962")).status, 404);
    assert.equal((await full(id, "sk_test_not_a_key_at_all_000000000")).status, 401);
  });

  test("listing: 250 sessions in pages of 100, newest first, each once; filters; no other project", async () => {
    const [, project] = acct.projects;
    const ids = [];
    for (let batch = 0; batch < 25; batch++) {
      const made = await Promise.all(Array.from({ length: 10 }, () => create(project, { amount_cents: 100 + batch })));
      for (const r of made) {
        assert.equal(r.status, 201, r.text);
        ids.push(r.json.session_id);
      }
    }
    // Another project of the same account and another account: never in this listing.
    const elsewhere = (await create(acct.projects[0], {})).json.session_id;
    const foreign = (await create(other.projects[0], {}, other.key)).json.session_id;

    // Three of them paid, so the status filter has something to find.
    const paid = ids.slice(100, 103);
    for (const id of paid) assert.equal((await pay(id)).status, 200);

    const all = await waitFor("all 250 sessions in the ledger", async () => {
      const seen = [];
      let after;
      for (;;) {
        const r = await list({ project: project.slug, limit: 100, ...(after ? { starting_after: after } : {}) });
        assert.equal(r.status, 200, r.text);
        assert.ok(r.json.data.length <= 100);
        seen.push(...r.json.data);
        if (!r.json.has_more) break;
        assert.equal(r.json.data.length, 100, "a page before the last is full");
        after = r.json.data.at(-1).session_id;
      }
      return seen.length >= 250 ? seen : null;
    }, 60_000);
    assert.equal(all.length, 250);
    const seenIds = all.map((o) => o.session_id);
    assert.equal(new Set(seenIds).size, 250, "a session listed twice");
    assert.deepEqual([...seenIds].sort(), [...ids].sort());
    assert.ok(!seenIds.includes(elsewhere) && !seenIds.includes(foreign));
    for (let i = 1; i < all.length; i++) {
      const [a, b] = [all[i - 1], all[i]];
      assert.ok(a.created_at > b.created_at || (a.created_at === b.created_at && a.session_id > b.session_id), `order at ${i}`);
    }
    const first = await list({ project: project.id, limit: 100 });
    assert.equal(first.json.data.length, 100);
    assert.equal(first.json.has_more, true);
    const dflt = await list({ project: project.slug });
    assert.equal(dflt.json.data.length, 10, "the default limit");

    const succeeded = await waitFor("the paid sessions in the ledger", async () => {
      const r = await list({ project: project.slug, status: "succeeded", limit: 100 });
      return r.json.data.length === 3 ? r.json : null;
    });
    assert.deepEqual(succeeded.data.map((o) => o.session_id).sort(), [...paid].sort());
    assert.equal(succeeded.has_more, false);
    const pending = await list({ project: project.slug, status: "pending", limit: 100 });
    assert.ok(pending.json.data.every((o) => o.status === "pending"));

    // Time: [gte, lt) around the middle of the run, compared with the full list.
    const secs = (o) => Date.parse(o.created_at) / 1000;
    const times = [...new Set(all.map(secs))].sort((a, b) => a - b);
    const gte = times[Math.floor(times.length / 3)];
    const lt = times.at(-1);
    const want = all.filter((o) => secs(o) >= gte && secs(o) < lt).map((o) => o.session_id);
    const got = [];
    let after;
    for (;;) {
      const r = await list({ project: project.slug, created_gte: gte, created_lt: lt, limit: 100, ...(after ? { starting_after: after } : {}) });
      assert.equal(r.status, 200, r.text);
      got.push(...r.json.data.map((o) => o.session_id));
      if (!r.json.has_more) break;
      after = r.json.data.at(-1).session_id;
    }
    assert.deepEqual(got, want);
    const none = await list({ project: project.slug, created_lt: secs(all.at(-1)) });
    assert.deepEqual(none.json, { data: [], has_more: false });
  });

  test("listing: validation errors in the 422 shape", async () => {
    const [project] = acct.projects;
    const bad = await list({ limit: "0", status: "paid", created_gte: "yesterday" });
    assert.equal(bad.status, 422, bad.text);
    assert.deepEqual(problems(bad.json), [
      ["query.project", "missing"],
      ["query.status", "literal_error"],
      ["query.created_gte", "int_parsing"],
      ["query.limit", "greater_than_equal"],
    ]);
    const big = await list({ project: project.slug, limit: "101" });
    assert.deepEqual(problems(big.json), [["query.limit", "less_than_equal"]]);
    const cursor = await list({ project: project.slug, starting_after: "3b241101-e2bb-4255-8caf-4136c566a962" });
    assert.equal(cursor.status, 422, cursor.text);
    assert.deepEqual(problems(cursor.json), [["query.starting_after", "value_error"]]);
    const unauth = await http("GET", `/v1/widget-sessions?project=${project.slug}`);
    assert.equal(unauth.status, 401, unauth.text);
    const missing = await list({ project: "no-such-project" });
    assert.equal(missing.status, 404, missing.text);
    assert.match((await create(project, {})).json.session_id, UUID_V4);
  });
});

describe("cancel", () => {
  let sim;
  let receiver;
  let acct;
  let other;

  before(async () => {
    sim = await startPrivateSim();
    receiver = await startReceiver();
    acct = await newAccount(sim, "Cancel", 1);
    other = await newAccount(sim, "Stranger", 1);
    const r = await admin("PATCH", `/v1/admin/projects/${acct.projects[0].id}`, { webhook_url: receiver.url });
    assert.equal(r.status, 200, r.text);
    const s = await admin("POST", `/v1/admin/projects/${acct.projects[0].id}/webhook-secret`);
    assert.equal(s.status, 201, s.text);
  });
  after(async () => {
    await receiver?.close();
    sim?.close();
  });

  const create = (body = {}) =>
    http("POST", "/v1/widget-sessions", { key: acct.key, body: { project: acct.projects[0].slug, amount_cents: 2500, gateway: "braintree", ...body } });
  const cancel = (id, key = acct.key) => http("POST", `/v1/widget-sessions/${id}/cancel`, { key });

  test("a pending session: 200 with the object, the form sees cancelled, a charge is 409, one webhook", async () => {
    const id = (await create()).json.session_id;
    const foreign = await cancel(id, other.key);
    assert.equal(foreign.status, 404, foreign.text);
    const r = await cancel(id);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.session_id, id);
    assert.equal(r.json.status, "cancelled");
    assert.equal(r.json.is_terminal, true);
    assert.equal(r.json.processor, null);
    assert.match(r.json.completed_at, /Z$/);

    const pub = await http("GET", `/v1/widget-sessions/${id}`);
    assert.equal(pub.status, 200, pub.text);
    assert.equal(pub.json.status, "cancelled");
    const before = (await sim.calls()).length;
    const c = await charge(id, VISA);
    assert.equal(c.status, 409, c.text);
    assert.equal(c.json.error_code, "session_cancelled");
    assert.equal((await sim.calls()).length, before, "a cancelled session reached the gateway");

    const again = await cancel(id);
    assert.equal(again.status, 409, again.text);
    assert.equal(again.json.error_code, "session_not_pending");

    const hook = await waitFor("the session-cancelled webhook", () => receiver.of(id)[0]);
    assert.equal(hook.json.event, "session-cancelled");
    assert.equal(hook.json.status, "cancelled");
    assert.match(hook.headers["maven-signature"], /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.ok(hook.headers["maven-delivery"]);
    const listed = await waitFor("the cancelled session in the listing", async () => {
      const l = await http("GET", `/v1/widget-sessions?project=${acct.projects[0].slug}&status=cancelled`, { key: acct.key });
      return l.json.data.find((o) => o.session_id === id);
    });
    assert.equal(listed.status, "cancelled");
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(receiver.of(id).length, 1, "one webhook per cancel");
  });

  test("a paid session is 409 and stays paid; an unknown one 404", async () => {
    const id = (await create()).json.session_id;
    const paid = await charge(id, VISA);
    assert.equal(paid.status, 200, paid.text);
    const r = await cancel(id);
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json.error_code, "session_not_pending");
    assert.equal((await http("GET", `/v1/widget-sessions/${id}`)).json.status, "succeeded");
    assert.equal((await cancel("3b241101-e2bb-4255-8caf-4136c566a962")).status, 404);
    assert.equal((await http("POST", `/v1/widget-sessions/${id}/cancel`)).status, 401);
  });
});
