// The dashboard's Payments API (/v1/dashboard/projects/{id}/payments…): the project's ledger
// page by page with filters, a payment's detail (timeline and the actions its status allows),
// and cancel / capture / void / refund through the merchant API's own code, with the money
// checked in the simulator's ledger; and the refusals (no session, another account, no CSRF
// token, no Idempotency-Key, the other environment). Its own simulator (it reads the ledger),
// its own accounts.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { acceptInvite, admin, charge, dash, http, startPrivateSim, waitFor } from "./lib.mjs";

const PASSWORD = "payments page password";
const year = new Date().getUTCFullYear();
const VISA = { number: "4242424242424242", exp_month: 12, exp_year: year + 3, cvc: "123", name: "Jane Doe", postal_code: "94107" };

/** An account with a test key, one project on the simulator's Stripe, an owner and a member. */
async function account(sim, name) {
  const suffix = randomBytes(4).toString("hex");
  const a = await admin("POST", "/v1/admin/accounts", { name: `${name} ${suffix}` });
  assert.equal(a.status, 201, a.text);
  const key = await admin("POST", `/v1/admin/accounts/${a.json.id}/keys`, { environment: "test" });
  assert.equal(key.status, 201, key.text);
  const slug = `${name.toLowerCase()}-${suffix}`;
  const p = await admin("POST", `/v1/admin/accounts/${a.json.id}/projects`, { slug, name });
  assert.equal(p.status, 201, p.text);
  const g = await admin("PUT", `/v1/admin/projects/${p.json.id}/gateways/test/stripe`, {
    base_url: `${sim.url}/stripe`, credentials: { secret_key: "sk_test_maven_sim" },
  });
  assert.equal(g.status, 200, g.text);
  const inv = await admin("POST", `/v1/admin/accounts/${a.json.id}/invites`, { email: `owner-${suffix}@shop.test` });
  const owner = await acceptInvite(inv.json.code, "Olive Owner", PASSWORD);
  const minv = await dash("POST", "/invites", owner, { body: { email: `member-${suffix}@shop.test`, role: "member" } });
  assert.equal(minv.status, 201, minv.text);
  const member = await acceptInvite(minv.json.code, "Max Member", PASSWORD);
  return { id: a.json.id, key: key.json.key, project: { id: p.json.id, slug }, owner, member };
}

describe("dashboard payments", () => {
  let sim, acct, other;
  const made = {}; // name → session id

  before(async () => {
    sim = await startPrivateSim();
    acct = await account(sim, "Payments");
    other = await account(sim, "Elsewhere");
    // Oldest first: a pending one, an authorized one, a paid one.
    for (const [name, capture, pay] of [["pending", true, false], ["authorized", false, true], ["paid", true, true]]) {
      const c = await http("POST", "/v1/widget-sessions", {
        key: acct.key, body: { project: acct.project.slug, amount_cents: 1000, gateway: "stripe", capture },
      });
      assert.equal(c.status, 201, c.text);
      made[name] = c.json.session_id;
      if (pay) {
        const r = await charge(c.json.session_id, VISA);
        assert.equal(r.status, 200, r.text);
      }
      // Distinct creation seconds, so the newest-first order is the order above reversed.
      await new Promise((r) => setTimeout(r, 1100));
    }
  });
  after(() => sim?.close());

  const base = () => `/projects/${acct.project.id}/payments`;
  const list = (q, s = acct.owner) => dash("GET", `${base()}?${new URLSearchParams({ environment: "test", ...q })}`, s);
  const detail = (id, s = acct.owner, env = "test") => dash("GET", `${base()}/${id}?environment=${env}`, s);
  const act = (id, op, body, s = acct.owner, { key = randomUUID(), csrf } = {}) =>
    dash("POST", `${base()}/${id}/${op}?environment=test`, s, { body, csrf, headers: key ? { "idempotency-key": key } : {} });

  /** What the simulator's ledger says moved on charge `tx`. */
  async function money(tx) {
    const { ledger } = await sim.ledger();
    const sum = (status) => ledger.filter((e) => e.object_id === tx && e.status === status).reduce((a, e) => a + e.amount, 0);
    const count = (status) => ledger.filter((e) => e.object_id === tx && e.status === status).length;
    return { captured: sum("captured"), refunded: sum("refunded"), refunds: count("refunded") };
  }

  test("currencies: the API's minor digits for the page's amounts (HUF in hundredths, as charged), signed-in only", async () => {
    const anon = await dash("GET", "/currencies", null);
    assert.equal(anon.status, 401, anon.text);
    const r = await dash("GET", "/currencies", acct.member);
    assert.equal(r.status, 200, r.text);
    const c = r.json.currencies;
    assert.deepEqual([c.usd, c.jpy, c.kwd, c.huf, c.idr, c.mga, c.isk], [2, 0, 3, 2, 2, 2, 0]);
    assert.equal(Object.keys(c).length, 169);
  });

  test("refusals: no session 401, another account 404, no CSRF 403, bad query 422, no key 400", async () => {
    for (const r of [
      await dash("GET", `${base()}?environment=test`, null),
      await dash("GET", `${base()}/${made.paid}?environment=test`, null),
      await dash("POST", `${base()}/${made.paid}/refund?environment=test`, null, { headers: { "idempotency-key": randomUUID() } }),
    ]) {
      assert.equal(r.status, 401, r.text);
      assert.equal(typeof r.json.detail, "string");
    }
    // Another account's user: our project is "not found", and so is our session under theirs.
    const theirs = await dash("GET", `${base()}?environment=test`, other.owner);
    assert.equal(theirs.status, 404, theirs.text);
    const via = await dash("GET", `/projects/${other.project.id}/payments/${made.paid}?environment=test`, other.owner);
    assert.equal(via.status, 404, via.text);
    const steal = await dash("POST", `/projects/${other.project.id}/payments/${made.paid}/refund?environment=test`, other.owner, {
      body: {}, headers: { "idempotency-key": randomUUID() },
    });
    assert.equal(steal.status, 404, steal.text);

    const noCsrf = await act(made.paid, "refund", {}, acct.owner, { csrf: "" });
    assert.equal(noCsrf.status, 403, noCsrf.text);
    assert.equal(noCsrf.json.error_code, "csrf_failed");
    const wrongCsrf = await act(made.paid, "refund", {}, acct.owner, { csrf: "0".repeat(64) });
    assert.equal(wrongCsrf.status, 403, wrongCsrf.text);

    const noEnv = await dash("GET", base(), acct.owner);
    assert.equal(noEnv.status, 422, noEnv.text);
    assert.deepEqual(noEnv.json.detail.map((d) => d.loc), [["query", "environment"]]);
    const bad = await list({ status: "paid", limit: "0" });
    assert.equal(bad.status, 422, bad.text);
    assert.deepEqual(bad.json.detail.map((d) => d.loc[1]), ["status", "limit"]);
    const noKey = await act(made.paid, "refund", {}, acct.owner, { key: null });
    assert.equal(noKey.status, 400, noKey.text);
    assert.equal(noKey.json.error_code, "invalid_idempotency_key");
    // The test session does not exist in live.
    assert.equal((await detail(made.paid, acct.owner, "live")).status, 404);
    assert.equal((await detail(randomUUID())).status, 404);
    // Nothing moved.
    const d = await detail(made.paid);
    assert.equal(d.json.payment.amount_refunded_cents, 0);
  });

  test("list: newest first, status filter, pagination with starting_after, environments apart", async () => {
    const all = await waitFor("the three ledger rows", async () => {
      const r = await list({ limit: "10" });
      return r.status === 200 && r.json.data.length === 3 ? r.json : null;
    });
    assert.deepEqual(all.data.map((p) => p.session_id), [made.paid, made.authorized, made.pending]);
    assert.equal(all.has_more, false);
    const paid = all.data[0];
    assert.equal(paid.status, "succeeded");
    assert.equal(paid.card.last4, "4242");
    assert.ok(!JSON.stringify(all).includes(VISA.number));

    const p1 = await list({ limit: "2" }, acct.member);
    assert.equal(p1.status, 200, p1.text);
    assert.deepEqual(p1.json.data.map((p) => p.session_id), [made.paid, made.authorized]);
    assert.equal(p1.json.has_more, true);
    const p2 = await list({ limit: "2", starting_after: made.authorized });
    assert.deepEqual(p2.json.data.map((p) => p.session_id), [made.pending]);
    assert.equal(p2.json.has_more, false);

    const authorized = await list({ status: "authorized" });
    assert.deepEqual(authorized.json.data.map((p) => p.session_id), [made.authorized]);
    const live = await list({ environment: "live" });
    assert.deepEqual(live.json, { data: [], has_more: false });
    // The project parameter of the merchant API cannot point elsewhere here.
    const sneaky = await list({ project: other.project.slug });
    assert.equal(sneaky.json.data.length, 3);
  });

  test("detail: timeline and the actions each status allows", async () => {
    const paid = await detail(made.paid, acct.member);
    assert.equal(paid.status, 200, paid.text);
    assert.equal(paid.json.payment.status, "succeeded");
    const events = paid.json.timeline.map((t) => t.event);
    assert.equal(events[0], "session.created");
    assert.ok(events.includes("payment.approved"), events.join());
    assert.equal(paid.json.timeline.find((t) => t.event === "payment.approved").attempt, 1);
    assert.deepEqual(paid.json.actions, [{ action: "refund", max_amount_cents: 1000, partial: true }]);
    assert.equal(paid.json.history_kept, true);

    const auth = await detail(made.authorized);
    assert.deepEqual(auth.json.actions.map((a) => a.action), ["capture", "void"]);
    const pending = await detail(made.pending);
    assert.deepEqual(pending.json.actions.map((a) => a.action), ["cancel"]);
  });

  test("refund: a double click is one refund; partial then the rest; money at the simulator; audited", async () => {
    const tx = (await detail(made.paid)).json.payment.processor.transaction_id;
    const key = randomUUID();
    // The same click twice at once: one refund, the other answer replayed or refused as busy.
    const [a, b] = await Promise.all([
      act(made.paid, "refund", { amount_cents: 300 }, acct.owner, { key }),
      act(made.paid, "refund", { amount_cents: 300 }, acct.owner, { key }),
    ]);
    const ok = [a, b].filter((r) => r.status === 200);
    assert.ok(ok.length >= 1, `${a.status} ${a.text} / ${b.status} ${b.text}`);
    for (const r of [a, b]) assert.ok([200, 409].includes(r.status), `${r.status} ${r.text}`);
    assert.equal(ok[0].json.status, "partially_refunded");
    assert.equal(ok[0].json.amount_refunded_cents, 300);
    const again = await act(made.paid, "refund", { amount_cents: 300 }, acct.owner, { key });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    assert.deepEqual(await money(tx), { captured: 1000, refunded: 300, refunds: 1 });

    const over = await act(made.paid, "refund", { amount_cents: 701 }, acct.member);
    assert.equal(over.status, 422, over.text);
    assert.equal(over.json.error_code, "amount_exceeds_refundable");
    const rest = await act(made.paid, "refund", {}, acct.member);
    assert.equal(rest.status, 200, rest.text);
    assert.equal(rest.json.status, "refunded");
    assert.equal(rest.json.amount_refunded_cents, 1000);
    assert.deepEqual(await money(tx), { captured: 1000, refunded: 1000, refunds: 2 });

    const d = await detail(made.paid);
    assert.deepEqual(d.json.actions, []);
    const refunds = d.json.timeline.filter((t) => t.event === "payment.refunded");
    assert.deepEqual(refunds.map((t) => t.amount_cents), [300, 700]);
    assert.ok(refunds.every((t) => typeof t.gateway_id === "string" && t.gateway_id.length > 0), JSON.stringify(refunds));

    const audit = await dash("GET", "/audit", acct.owner);
    assert.equal(audit.status, 200, audit.text);
    const mine = audit.json.entries.filter((e) => e.action === "payment.refunded" && e.target === made.paid);
    assert.equal(mine.length, 2, "one entry per refund, none for the replay or the refusal");
    assert.deepEqual(mine.map((e) => e.actor.email).sort(), [acct.member.user.email, acct.owner.user.email].sort());
    assert.ok(mine.some((e) => e.details.amount_cents === 300 && e.details.environment === "test"), JSON.stringify(mine));
  });

  test("capture part of an authorization, and cancel a pending session", async () => {
    const tx = (await detail(made.authorized)).json.payment.processor.transaction_id;
    const c = await act(made.authorized, "capture", { amount_cents: 600 }, acct.member);
    assert.equal(c.status, 200, c.text);
    assert.equal(c.json.status, "captured");
    assert.equal((await money(tx)).captured, 600);
    const twice = await act(made.authorized, "void", undefined);
    assert.equal(twice.status, 409, twice.text);
    const d = await detail(made.authorized);
    assert.deepEqual(d.json.actions, [{ action: "refund", max_amount_cents: 600, partial: true }]);
    assert.equal(d.json.timeline.find((t) => t.event === "payment.captured").amount_cents, 600);

    const x = await act(made.pending, "cancel", undefined);
    assert.equal(x.status, 200, x.text);
    assert.equal(x.json.status, "cancelled");
    const gone = await http("GET", `/v1/widget-sessions/${made.pending}`, { key: acct.key });
    assert.equal(gone.json.status, "cancelled");
    const audit = await dash("GET", "/audit", acct.owner);
    const actions = audit.json.entries.map((e) => e.action);
    assert.ok(actions.includes("payment.captured") && actions.includes("payment.cancelled"), actions.join());
  });
});
