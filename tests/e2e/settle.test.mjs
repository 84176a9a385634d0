// After the payment (issue 11): capture, void and refund through our API on all four gateways,
// against the simulator's published rules (tests/gateway-sim/WIRE.md), with the money checked
// in the simulator's ledger and the webhooks received and signature-verified.
//
// Layout: its own simulator (it settles batches and reads the ledger), its own account with a
// webhook receiver, and another account for the 404s.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { GATEWAYS, admin, charge, http, startPrivateSim, startReceiver, waitFor } from "./lib.mjs";

const year = new Date().getUTCFullYear();
const VISA = { number: "4242424242424242", exp_month: 12, exp_year: year + 3, cvc: "123", name: "Jane Doe", postal_code: "94107" };

const CREDENTIALS = {
  stripe: { secret_key: "sk_test_maven_sim" },
  authorizenet: { api_login_id: "maven_sim_login", transaction_key: "maven_sim_key" },
  braintree: { public_key: "maven_sim_public", private_key: "maven_sim_private" },
  shift4: { secret_key: "sk_test_maven_sim_shift4" },
};
/** Gateways that refund only settled transactions. */
const SETTLES = new Set(["authorizenet", "braintree"]);

async function newAccount(sim, name) {
  const suffix = randomBytes(4).toString("hex");
  const account = await admin("POST", "/v1/admin/accounts", { name: `${name} ${suffix}` });
  assert.equal(account.status, 201, account.text);
  const key = await admin("POST", `/v1/admin/accounts/${account.json.id}/keys`, { environment: "test" });
  assert.equal(key.status, 201, key.text);
  const slug = `${name.toLowerCase()}-${suffix}`;
  const p = await admin("POST", `/v1/admin/accounts/${account.json.id}/projects`, { slug, name });
  assert.equal(p.status, 201, p.text);
  for (const [gw, credentials] of Object.entries(CREDENTIALS)) {
    const r = await admin("PUT", `/v1/admin/projects/${p.json.id}/gateways/test/${gw}`, { base_url: `${sim.url}/${gw}`, credentials });
    assert.equal(r.status, 200, r.text);
  }
  return { key: key.json.key, project: { id: p.json.id, slug } };
}

/** The merchant's check: HMAC-SHA256(secret, "<t>.<body>"), t within 5 minutes. */
function verifySignature(header, body, secret) {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? "");
  assert.ok(m, `malformed Maven-Signature: ${header}`);
  const expected = createHmac("sha256", secret).update(`${m[1]}.${body}`).digest();
  assert.ok(timingSafeEqual(expected, Buffer.from(m[2], "hex")), "the signature does not verify");
  assert.ok(Math.abs(Date.now() / 1000 - Number(m[1])) < 300, `stale timestamp ${m[1]}`);
}

describe("capture, void and refund", () => {
  let sim;
  let receiver;
  let acct;
  let other;
  let secret;

  before(async () => {
    sim = await startPrivateSim();
    receiver = await startReceiver();
    acct = await newAccount(sim, "Money");
    other = await newAccount(sim, "Stranger");
    const r = await admin("PATCH", `/v1/admin/projects/${acct.project.id}`, { webhook_url: receiver.url });
    assert.equal(r.status, 200, r.text);
    const s = await admin("POST", `/v1/admin/projects/${acct.project.id}/webhook-secret`);
    assert.equal(s.status, 201, s.text);
    secret = s.json.webhook_secret;
  });
  after(async () => {
    await receiver?.close();
    sim?.close();
  });

  /** A session on `gateway` paid with VISA: {id, tx}. */
  async function paid(gateway, capture, amount_cents = 1000) {
    const c = await http("POST", "/v1/widget-sessions", {
      key: acct.key,
      body: { project: acct.project.slug, amount_cents, gateway, capture },
    });
    assert.equal(c.status, 201, c.text);
    const id = c.json.session_id;
    const p = await charge(id, VISA);
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.status, capture ? "succeeded" : "authorized");
    return { id, tx: p.json.transaction_id };
  }

  const op = (id, kind, body, { key = acct.key, idem } = {}) =>
    http("POST", `/v1/widget-sessions/${id}/${kind}`, {
      key,
      body,
      headers: idem ? { "idempotency-key": idem } : {},
    });

  const settle = async (gateway) => {
    const r = await http("POST", `${sim.url}/_sim/settle`, { body: { gateway } });
    assert.equal(r.status, 200, r.text);
  };

  /** What the simulator's ledger says moved on the charge `tx`, in minor units. */
  async function money(tx) {
    const { ledger } = await sim.ledger();
    const sum = (status) => ledger.filter((e) => e.object_id === tx && e.status === status).reduce((a, e) => a + e.amount, 0);
    const count = (status) => ledger.filter((e) => e.object_id === tx && e.status === status).length;
    return { captured: sum("captured"), refunded: sum("refunded"), voided: sum("voided"), refunds: count("refunded") };
  }

  /** Waits for `n` webhooks of `id` with `event`; checks each signature; returns their bodies. */
  async function hooks(id, event, n = 1) {
    const hits = await waitFor(`${n} ${event} webhook(s) of ${id}`, () => {
      const h = receiver.of(id).filter((x) => x.json.event === event);
      return h.length >= n ? h : null;
    }, 20_000);
    for (const h of hits) verifySignature(h.headers["maven-signature"], h.body, secret);
    return hits.map((h) => h.json);
  }

  for (const gateway of GATEWAYS) {
    test(`${gateway}: authorize → capture → refund in two parts → a third over the rest is 422`, async () => {
      const { id, tx } = await paid(gateway, false);
      let captured = 600;
      if (gateway === "shift4") {
        // Shift4 captures the whole authorization only.
        const partial = await op(id, "capture", { amount_cents: 600 });
        assert.equal(partial.status, 422, partial.text);
        assert.equal(partial.json.error_code, "partial_capture_unsupported");
        captured = 1000;
        const c = await op(id, "capture");
        assert.equal(c.status, 200, c.text);
        assert.equal(c.json.amount_captured_cents, 1000);
      } else {
        const over = await op(id, "capture", { amount_cents: 1001 });
        assert.equal(over.status, 422, over.text);
        assert.equal(over.json.error_code, "amount_exceeds_authorized");
        const c = await op(id, "capture", { amount_cents: 600 });
        assert.equal(c.status, 200, c.text);
        assert.equal(c.json.status, "captured");
        assert.equal(c.json.amount_captured_cents, 600);
        assert.equal(c.json.amount_refunded_cents, 0);
      }
      const again = await op(id, "capture");
      assert.equal(again.status, 409, again.text);
      assert.equal(again.json.error_code, "session_not_authorized");

      if (SETTLES.has(gateway)) {
        const early = await op(id, "refund", { amount_cents: 200 });
        assert.equal(early.status, 422, early.text);
        assert.equal(early.json.error_code, "refund_before_settlement");
        assert.equal((await money(tx)).refunded, 0);
        await settle(gateway);
      }
      const r1 = await op(id, "refund", { amount_cents: 200, reason: "requested_by_customer" });
      assert.equal(r1.status, 200, r1.text);
      assert.equal(r1.json.status, "partially_refunded");
      assert.equal(r1.json.amount_refunded_cents, 200);
      const r2 = await op(id, "refund", { amount_cents: captured - 200 });
      assert.equal(r2.status, 200, r2.text);
      assert.equal(r2.json.status, "refunded");
      assert.equal(r2.json.amount_refunded_cents, captured);
      const r3 = await op(id, "refund", { amount_cents: 1 });
      assert.equal(r3.status, 422, r3.text);
      assert.equal(r3.json.error_code, "amount_exceeds_refundable");

      assert.deepEqual(await money(tx), { captured, refunded: captured, voided: 0, refunds: 2 });
      const full = await http("GET", `/v1/widget-sessions/${id}`, { key: acct.key });
      assert.equal(full.status, 200, full.text);
      assert.ok(!full.text.includes(VISA.number), "a card number in the object");

      const [cap] = await hooks(id, "payment-captured");
      assert.equal(cap.status, "captured");
      assert.equal(cap.operation.kind, "capture");
      assert.equal(cap.operation.amount_cents, captured);
      const refunds = await hooks(id, "payment-refunded", 2);
      assert.deepEqual(refunds.map((h) => h.operation.amount_cents).sort((a, b) => a - b), [200, captured - 200].sort((a, b) => a - b));
      assert.ok(refunds.some((h) => h.status === "refunded" && h.operation.amount_refunded_cents === captured));
      const [auth] = await hooks(id, "payment-authorized");
      const ids = [auth, cap, ...refunds].map((h) => h.event_id);
      assert.ok(ids.every((e) => typeof e === "string" && e.length > 0), JSON.stringify(ids));
      assert.equal(new Set(ids).size, ids.length, "event ids are unique");
      for (const h of receiver.of(id)) assert.ok(!h.body.includes(VISA.number), "a card number in a webhook");
    });

    test(`${gateway}: authorize → void`, async () => {
      const { id, tx } = await paid(gateway, false);
      const v = await op(id, "void");
      assert.equal(v.status, 200, v.text);
      assert.equal(v.json.status, "voided");
      assert.equal(v.json.amount_captured_cents, 0);
      const capture = await op(id, "capture");
      assert.equal(capture.status, 409, capture.text);
      const refund = await op(id, "refund");
      assert.equal(refund.status, 409, refund.text);
      assert.equal(refund.json.error_code, "session_not_refundable");
      assert.deepEqual(await money(tx), { captured: 0, refunded: 0, voided: 1000, refunds: 0 });
      const [hook] = await hooks(id, "payment-voided");
      assert.equal(hook.status, "voided");
      assert.equal(hook.operation.kind, "void");
    });

    test(`${gateway}: charge → full refund`, async () => {
      const { id, tx } = await paid(gateway, true);
      if (SETTLES.has(gateway)) await settle(gateway);
      const r = await op(id, "refund");
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.status, "refunded");
      assert.equal(r.json.amount_captured_cents, 1000);
      assert.equal(r.json.amount_refunded_cents, 1000);
      assert.deepEqual(await money(tx), { captured: 1000, refunded: 1000, voided: 0, refunds: 1 });
      const [hook] = await hooks(id, "payment-refunded");
      assert.equal(hook.operation.amount_refunded_cents, 1000);
    });
  }

  for (const gateway of [...SETTLES]) {
    test(`${gateway}: a whole refund before settlement is a void`, async () => {
      const { id, tx } = await paid(gateway, true);
      const r = await op(id, "refund");
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.status, "voided");
      assert.equal(r.json.amount_refunded_cents, 0);
      const m = await money(tx);
      assert.equal(m.refunded, 0);
      assert.equal(m.voided, 1000);
      const [hook] = await hooks(id, "payment-voided");
      assert.equal(hook.operation.kind, "refund");
      assert.equal(hook.operation.voided, true);
    });
  }

  // The refund reaches the gateway, then its answer is lost (the connection drops after
  // processing): 502, and the retry with the same key resumes it (Stripe/Shift4 replay the key,
  // Authorize.net answers a duplicate, Braintree is searched first) and answers the result:
  // refunded once.
  const REFUND_OP = { stripe: "refunds", authorizenet: "createTransactionRequest", braintree: "refundTransaction", shift4: "refunds" };
  for (const gateway of GATEWAYS) {
    test(`${gateway}: a refund whose answer is lost is resumed by the retry, never doubled`, async () => {
      const { id, tx } = await paid(gateway, true);
      if (SETTLES.has(gateway)) await settle(gateway);
      await sim.fault({ gateway, mode: "reset", phase: "after", operation: REFUND_OP[gateway], count: 1 });
      const lost = await op(id, "refund", { amount_cents: 300 }, { idem: `lost-${id}` });
      assert.equal(lost.status, 502, lost.text);
      assert.equal(lost.json.error_code, "gateway_unavailable");
      assert.equal((await money(tx)).refunded, 300, "the gateway refunded before the answer was lost");
      const retry = await op(id, "refund", { amount_cents: 300 }, { idem: `lost-${id}` });
      assert.equal(retry.status, 200, retry.text);
      assert.equal(retry.json.status, "partially_refunded");
      assert.equal(retry.json.amount_refunded_cents, 300);
      assert.deepEqual(await money(tx), { captured: 1000, refunded: 300, voided: 0, refunds: 1 });
      const replay = await op(id, "refund", { amount_cents: 300 }, { idem: `lost-${id}` });
      assert.equal(replay.headers.get("idempotent-replayed"), "true");
      assert.equal((await money(tx)).refunds, 1);
    });
  }

  test("20 concurrent full refunds with different keys refund once; the same key replays", async () => {
    const { id, tx } = await paid("stripe", true);
    const keys = Array.from({ length: 20 }, () => randomUUID());
    const answers = await Promise.all(keys.map((idem) => op(id, "refund", {}, { idem })));
    const ok = answers.filter((a) => a.status === 200);
    assert.equal(ok.length, 1, answers.map((a) => `${a.status} ${a.json?.error_code ?? ""}`).join(", "));
    for (const a of answers.filter((x) => x.status !== 200)) {
      assert.ok([409, 422].includes(a.status), `${a.status} ${a.text}`);
    }
    assert.deepEqual(await money(tx), { captured: 1000, refunded: 1000, voided: 0, refunds: 1 });
    const first = answers.indexOf(ok[0]);
    const replay = await op(id, "refund", {}, { idem: keys[first] });
    assert.equal(replay.status, 200, replay.text);
    assert.equal(replay.headers.get("idempotent-replayed"), "true");
    assert.equal(replay.text, ok[0].text);
    const reused = await op(id, "refund", { amount_cents: 5 }, { idem: keys[first] });
    assert.equal(reused.status, 409, reused.text);
    assert.equal(reused.json.error_code, "idempotency_key_reused");
    assert.equal((await money(tx)).refunds, 1);
    await hooks(id, "payment-refunded");
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(receiver.of(id).filter((h) => h.json.event === "payment-refunded").length, 1, "one refund webhook");
  });

  test("another account's key is 404 and moves nothing; bad bodies are 422", async () => {
    const { id, tx } = await paid("braintree", false);
    for (const kind of ["capture", "void", "refund"]) {
      const r = await op(id, kind, undefined, { key: other.key });
      assert.equal(r.status, 404, `${kind}: ${r.text}`);
    }
    const unknown = await op(randomUUID(), "capture");
    assert.equal(unknown.status, 404, unknown.text);
    const anonymous = await http("POST", `/v1/widget-sessions/${id}/capture`);
    assert.equal(anonymous.status, 401, anonymous.text);
    const bad = await op(id, "capture", { amount_cents: 0, extra: 1 });
    assert.equal(bad.status, 422, bad.text);
    assert.deepEqual(bad.json.detail.map((d) => [d.loc.join("."), d.type]), [
      ["body.amount_cents", "greater_than_equal"],
      ["body.extra", "extra_forbidden"],
    ]);
    assert.deepEqual(await money(tx), { captured: 0, refunded: 0, voided: 0, refunds: 0 });
  });
});
