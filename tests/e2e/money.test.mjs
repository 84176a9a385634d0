// Money safety end to end (issue 10, acceptance "End to end"): what the customer sees (status
// and body), what the merchant is told (the session view, its webhook) and what the gateway
// really did (the simulator's ledger, WIRE.md "GET /_sim/ledger").
//
// Layout: this suite injects faults and reads the ledger, so it keeps to itself: its own
// account, key and project on its own gateway simulator, with a loopback webhook receiver
// (charge.test.mjs, running beside it under `make e2e`, sets faults on the shared simulator per
// gateway). Its tests run one after another: a fault is per gateway and operation, so no test
// may meet another's. The currency refusals use the demo project too: its Braintree merchant
// accounts are those scripts/seed.mjs stores (eur, gbp, jpy, kwd; the default account is USD).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  MONEY_OPS, UUID_V4, admin, callOfSession, charge, createSession, http, sleep, startPrivateSim,
  startReceiver, waitFor,
} from "./lib.mjs";

const year = new Date().getUTCFullYear();
const HOLDER = { name: "Jane Doe", postal_code: "94107" };
const card = (number, extra = {}) => ({ number, exp_month: 12, exp_year: year + 3, cvc: "123", ...HOLDER, ...extra });
const VISA = card("4242424242424242");
const DECLINED = card("4000000000000002");
/** The same number with another expiry: another card as far as the gateway is concerned. */
const otherExpiry = (c) => ({ ...c, exp_month: 11 });

/** The step of each gateway's flow that moves money. */
const CHARGE_OP = {
  stripe: "payment_intents",
  authorizenet: "createTransactionRequest",
  braintree: "chargeCreditCard",
  shift4: "charges",
};

/** Operations that carry card data (none of them is a lookup). */
const CARD_OPS = ["createTransactionRequest", "createCustomerProfileRequest", "tokenizeCreditCard", "chargeCreditCard", "authorizeCreditCard", "vaultPaymentMethod"];

/** The simulator's credentials (tests/gateway-sim/WIRE.md); Braintree as scripts/seed.mjs has it. */
const CREDENTIALS = {
  stripe: { secret_key: "sk_test_maven_sim" },
  authorizenet: { api_login_id: "maven_sim_login", transaction_key: "maven_sim_key" },
  braintree: {
    public_key: "maven_sim_public",
    private_key: "maven_sim_private",
    merchant_accounts: { eur: "maven_eur", gbp: "maven_gbp", jpy: "maven_jpy", kwd: "maven_kwd" },
  },
  shift4: { secret_key: "sk_test_maven_sim_shift4" },
};

/** The ledger `reference` of a session (WIRE.md "Merchant references"). */
const referenceOf = (gateway, id) => (gateway === "authorizenet" ? id.replace(/-/g, "").slice(0, 16) : id);

/** The merchant's check: HMAC-SHA256(secret, "<t>.<body>") in hex. */
function verifySignature(header, body, secret) {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? "");
  assert.ok(m, `malformed Maven-Signature: ${header}`);
  const expected = createHmac("sha256", secret).update(`${m[1]}.${body}`).digest();
  assert.ok(timingSafeEqual(expected, Buffer.from(m[2], "hex")), "the signature does not verify");
}

function assertError(r, status, code) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json?.error_code, code, r.text);
  assert.equal(typeof r.json.detail, "string");
}

/** The 422 a different card gets while an earlier attempt's outcome is unknown. */
function assertSameCardRequired(r) {
  assert.equal(r.status, 422, r.text);
  assert.deepEqual(r.json.detail.map((d) => [d.loc.join("."), d.type]), [["body.card.number", "value_error"]]);
  assert.match(r.json.detail[0].msg, /same card/);
}

/** Every file under `dir`. */
function* walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if (e.code === "ENOENT") return; // a folder removed since its parent was read
    throw e;
  }
  for (const entry of entries) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(p);
    else if (entry.isFile()) yield p;
  }
}

/** Whether any file the edge persisted (KV, Durable Objects, caches) holds `needle`. */
const storedAnywhere = (needle) =>
  [...walk(process.env.MAVEN_STATE_DIR)].some((f) => {
    try {
      return readFileSync(f).includes(Buffer.from(needle));
    } catch (e) {
      // KV and the objects rewrite their files while the scan runs: one gone since the walk
      // holds nothing any more.
      if (e.code === "ENOENT") return false;
      throw e;
    }
  });

describe("money safety", { concurrency: 1 }, () => {
  let sim;
  let receiver;
  let project;
  let secret;

  before(async () => {
    sim = await startPrivateSim();
    receiver = await startReceiver();
    const suffix = randomBytes(4).toString("hex");
    const account = await admin("POST", "/v1/admin/accounts", { name: `Money tests ${suffix}` });
    assert.equal(account.status, 201, account.text);
    const key = await admin("POST", `/v1/admin/accounts/${account.json.id}/keys`, { environment: "test" });
    assert.equal(key.status, 201, key.text);
    const slug = `money-${suffix}`;
    const created = await admin("POST", `/v1/admin/accounts/${account.json.id}/projects`, { slug, name: "Money" });
    assert.equal(created.status, 201, created.text);
    const id = created.json.id;
    for (const [gw, credentials] of Object.entries(CREDENTIALS)) {
      const r = await admin("PUT", `/v1/admin/projects/${id}/gateways/test/${gw}`, { base_url: `${sim.url}/${gw}`, credentials });
      assert.equal(r.status, 200, r.text);
    }
    const patched = await admin("PATCH", `/v1/admin/projects/${id}`, { webhook_url: receiver.url });
    assert.equal(patched.status, 200, patched.text);
    const s = await admin("POST", `/v1/admin/projects/${id}/webhook-secret`);
    assert.equal(s.status, 201, s.text);
    secret = s.json.webhook_secret;
    project = { id, slug, key: key.json.key };
  });

  after(async () => {
    await receiver?.close();
    sim?.close();
  });

  const create = (body) =>
    http("POST", "/v1/widget-sessions", { key: project.key, body: { project: project.slug, ...body } });

  async function newSession(gateway, extra = {}) {
    const r = await create({ amount_cents: 1234, gateway, ...extra });
    assert.equal(r.status, 201, r.text);
    assert.match(r.json.session_id, UUID_V4);
    return r.json.session_id;
  }

  const view = async (id) => {
    const r = await http("GET", `/v1/widget-sessions/${id}`);
    assert.equal(r.status, 200, r.text);
    return r.json;
  };

  /** What the gateway really did for session `id`: `{charges, declines}` of the ledger. */
  async function ledgerOf(gateway, id) {
    const { ledger, declines } = await sim.ledger();
    const mine = (e) => e.gateway === gateway && e.reference === referenceOf(gateway, id);
    return { charges: ledger.filter(mine), declines: declines.filter(mine) };
  }

  const callsOf = async (id) => (await sim.calls()).filter((c) => callOfSession(c, id));

  /**
   * Charges like the form does after an unknown outcome: the same card again, waiting out the
   * edge's `Retry-After` (bounded). Every answer is kept: none may be a 200 for a decline.
   */
  async function chargeUntilKnown(id, c, tries = 8) {
    const seen = [];
    for (let i = 0; i < tries; i++) {
      const r = await charge(id, c, { timeout: 30_000 });
      seen.push(r);
      // 409 in_progress: the session's alarm is looking the attempt up; the form asks again.
      const busy = r.status === 409 && r.json?.error_code === "in_progress";
      if (r.status !== 502 && !busy) break;
      const wait = Number(r.headers.get("retry-after") ?? "1");
      await sleep(Math.min(wait, 5) * 1000);
    }
    return seen;
  }

  /** The one webhook of `id` (after a pause long enough for a duplicate to show up), signed. */
  async function onlyHook(id, ms = 15_000) {
    await waitFor(`a webhook for ${id}`, () => receiver.of(id).length > 0, ms);
    await sleep(2_500);
    const hits = receiver.of(id);
    assert.equal(hits.length, 1, `expected one webhook, got ${hits.map((h) => h.body).join(" | ")}`);
    verifySignature(hits[0].headers["maven-signature"], hits[0].body, secret);
    return hits[0].json;
  }

  /** A 200 that shows the session's own amount and currency, and the one ledger charge behind it. */
  async function assertPaidIn(gateway, id, r, { amount, currency, status = "succeeded" }) {
    assert.equal(r.status, 200, r.text);
    const { transaction_id, screen, ...rest } = r.json;
    assert.deepEqual(rest, { status, card_brand: "visa", card_last4: "4242", amount_cents: amount, currency });
    assert.equal(screen.state, "success");
    const { charges } = await ledgerOf(gateway, id);
    assert.deepEqual(
      charges.map((e) => [e.object_id, e.status, e.amount, e.currency]),
      [[transaction_id, status === "succeeded" ? "captured" : "authorized", amount, currency]],
      "the money the gateway took",
    );
    return transaction_id;
  }

  describe("Braintree charges in the session's currency, on that currency's merchant account", () => {
    for (const [currency, amount, decimal] of [["jpy", 1000, "1000"], ["kwd", 1234, "1.234"]]) {
      test(`${currency.toUpperCase()} ${decimal}: charged ${amount} ${currency} at the gateway`, async () => {
        const id = await newSession("braintree", { amount_cents: amount, currency });
        const r = await charge(id, VISA);
        const txn = await assertPaidIn("braintree", id, r, { amount, currency });
        // The simulator answers each merchant account in its own currency: the ledger's
        // currency is the account's (the default account would have charged USD).
        const calls = (await sim.calls()).filter((c) => c.gateway === "braintree" && c.reference === `${id}-1`);
        assert.deepEqual(calls.filter((c) => c.operation === "chargeCreditCard").map((c) => [c.outcome, c.object_id]), [["approved", txn]]);
        assert.equal((await view(id)).status, "succeeded");
        const hook = await onlyHook(id);
        assert.deepEqual(
          [hook.event, hook.amount, hook.amount_cents, hook.currency, hook.processor.transaction_id],
          ["payment-success", decimal, amount, currency, txn],
        );
      });
    }

    test("auth-only in JPY holds yen, not dollars", async () => {
      const id = await newSession("braintree", { amount_cents: 1000, currency: "jpy", capture: false });
      await assertPaidIn("braintree", id, await charge(id, VISA), { amount: 1000, currency: "jpy", status: "authorized" });
    });
  });

  test("a currency the gateway cannot take is a 400 at creation and stores nothing; zzz is a 422", async () => {
    const marker = `refused-${randomBytes(8).toString("hex")}`;
    const refused = [
      // Demo project (scripts/seed.mjs): Braintree has no BHD or CHF merchant account; the
      // simulated Authorize.net merchant account takes USD only (docs/gateways.md currencies).
      [createSession, "demo", "braintree", "bhd", 1234],
      [createSession, "demo", "braintree", "chf", 1234],
      [createSession, "demo", "authorizenet", "jpy", 1000],
      // This suite's project: the same Braintree accounts.
      [(b) => create(b), project.slug, "braintree", "bhd", 1234],
      [(b) => create(b), project.slug, "braintree", "sek", 1234],
    ];
    for (const [make, slug, gateway, currency, amount] of refused) {
      const what = `${slug} ${gateway} ${currency}`;
      const r = await make({ project: slug, amount_cents: amount, gateway, currency, metadata: { probe: marker } });
      assert.equal(r.status, 400, `${what}: ${r.text}`);
      assert.equal(r.json.error_code, "currency_not_supported", what);
      assert.equal(typeof r.json.detail, "string", what);
      assert.match(r.json.detail, new RegExp(currency, "i"), `${what}: the detail names the currency`);
      assert.equal(r.json.session_id, undefined, what);
    }
    for (const gateway of ["braintree", "stripe", "authorizenet", "shift4"]) {
      const r = await createSession({ project: "demo", amount_cents: 1234, gateway, currency: "zzz", metadata: { probe: marker } });
      assert.equal(r.status, 422, `${gateway} zzz: ${r.text}`);
      assert.deepEqual(r.json.detail.map((d) => d.loc.join(".")), ["body.currency"], gateway);
    }
    // Accepted next to them: a currency the project has an account for.
    const accepted = `accepted-${randomBytes(8).toString("hex")}`;
    const ok = await createSession({ project: "demo", amount_cents: 1000, gateway: "braintree", currency: "jpy", metadata: { probe: accepted } });
    assert.equal(ok.status, 201, ok.text);
    // Nothing stored: the refused requests' marker is nowhere in what the edge persisted, while
    // the accepted one's is (so the scan reads where sessions live).
    for (let i = 0; !storedAnywhere(accepted); i++) {
      assert.ok(i < 20, "the accepted session is nowhere on disk: the scan reads the wrong place");
      await sleep(500);
    }
    assert.equal(storedAnywhere(marker), false, "a refused session was stored");
  });

  describe("a declined Authorize.net card retried inside the duplicate window stays declined", () => {
    /** Declined, not paid, told so everywhere: answer, view, ledger, webhooks. */
    async function assertStaysDeclined(id, answers) {
      const statuses = answers.map((r) => r.status);
      assert.ok(!statuses.includes(200), `a decline was answered 200: ${answers.map((r) => r.text).join(" | ")}`);
      const last = answers.at(-1);
      assertError(last, 402, "card_declined");
      assert.equal(last.json.attempts_left, 2, last.text);
      const { charges, declines } = await ledgerOf("authorizenet", id);
      assert.deepEqual(charges, [], "the gateway charged a declined card");
      assert.deepEqual(declines.map((d) => [d.attempt, d.code]), [[1, "card_declined"]]);
      const v = await view(id);
      assert.equal(v.status, "pending", JSON.stringify(v));
      await sleep(1_500);
      assert.deepEqual(receiver.of(id).map((h) => h.json.event), [], "a webhook for one decline of three");
    }

    test("the decline's answer lost (reset after processing), then the same card again → 402", async () => {
      const id = await newSession("authorizenet");
      await sim.fault({ gateway: "authorizenet", mode: "reset", phase: "after", operation: "createTransactionRequest", count: 1 });
      const first = await charge(id, DECLINED, { timeout: 30_000 });
      assertError(first, 502, "gateway_unavailable");
      assert.equal((await view(id)).status, "pending");
      const answers = await chargeUntilKnown(id, DECLINED);
      await assertStaysDeclined(id, [first, ...answers]);
    });

    test("the resend answered as a duplicate of the declined original (reason 11 with its transId) → 402", { timeout: 90_000 }, async () => {
      // The first request reaches the gateway late (after the edge's 10 s call timeout); the
      // retry's lookup finds nothing yet, so the edge sends the same attempt again, which also
      // arrives late, after the original was declined: Authorize.net answers it as a duplicate.
      const id = await newSession("authorizenet");
      await sim.fault({ gateway: "authorizenet", mode: "slow", phase: "before", delay_ms: 11_000, operation: "createTransactionRequest", count: 1 });
      const first = await charge(id, DECLINED, { timeout: 30_000 });
      assertError(first, 502, "gateway_unavailable");
      await sim.fault({ gateway: "authorizenet", mode: "slow", phase: "before", delay_ms: 3_000, operation: "createTransactionRequest", count: 1 });
      const answers = await chargeUntilKnown(id, DECLINED);
      const sent = (await callsOf(id)).filter((c) => c.operation === "createTransactionRequest");
      assert.deepEqual(sent.map((c) => c.outcome), ["card_declined", "duplicate"], `the gateway saw ${JSON.stringify(sent)}`);
      assert.equal(sent[1].object_id, sent[0].object_id, "the duplicate names the declined original");
      await assertStaysDeclined(id, [first, ...answers]);
    });
  });

  describe("the same number with another expiry after an unknown outcome is refused until that attempt resolves", () => {
    for (const [gateway, fault] of [
      ["authorizenet", { mode: "reset", phase: "after" }],
      ["braintree", { mode: "slow", phase: "after", delay_ms: 12_000 }],
    ]) {
      test(`${gateway}, ${fault.mode}/${fault.phase} on ${CHARGE_OP[gateway]}: 422 for the other expiry, then one charge`, { timeout: 90_000 }, async () => {
        const id = await newSession(gateway);
        await sim.fault({ gateway, operation: CHARGE_OP[gateway], count: 1, ...fault });
        assertError(await charge(id, VISA, { timeout: 30_000 }), 502, "gateway_unavailable");
        const since = Math.max(0, ...(await sim.calls()).map((c) => c.seq));
        assertSameCardRequired(await charge(id, otherExpiry(VISA)));
        assertSameCardRequired(await charge(id, { ...VISA, name: "John Roe" }));
        // Lookups (the object's alarm) may run meanwhile; nothing that carries a card may.
        const sentCard = (await sim.calls()).filter((c) => c.seq > since && CARD_OPS.includes(c.operation));
        assert.deepEqual(sentCard, [], "the other card reached the gateway");
        assert.equal((await view(id)).status, "pending");
        const answers = await chargeUntilKnown(id, VISA);
        const txn = await assertPaidIn(gateway, id, answers.at(-1), { amount: 1234, currency: "usd" });
        const money = (await callsOf(id)).filter((c) => MONEY_OPS[gateway].includes(c.operation));
        assert.ok(money.every((c) => c.card_last4 === "4242"), JSON.stringify(money));
        assert.equal((await view(id)).status, "succeeded");
        // Resolved (paid): the session is done for every card.
        assertError(await charge(id, otherExpiry(VISA)), 409, "already_completed");
        assert.equal((await ledgerOf(gateway, id)).charges.length, 1);
        assert.equal((await onlyHook(id)).processor.transaction_id, txn);
      });
    }

    test("authorizenet, a decline whose answer was lost: refused until the lookup settles it, then a new attempt", async () => {
      const id = await newSession("authorizenet");
      await sim.fault({ gateway: "authorizenet", mode: "reset", phase: "after", operation: "createTransactionRequest", count: 1 });
      assertError(await charge(id, DECLINED, { timeout: 30_000 }), 502, "gateway_unavailable");
      assertSameCardRequired(await charge(id, otherExpiry(DECLINED)));
      const answers = await chargeUntilKnown(id, DECLINED);
      assertError(answers.at(-1), 402, "card_declined");
      assert.equal(answers.at(-1).json.attempts_left, 2);
      // Settled: the other expiry is a new attempt now (and the same test card declines it).
      const next = await charge(id, otherExpiry(DECLINED));
      assertError(next, 402, "card_declined");
      assert.equal(next.json.attempts_left, 1);
      const { charges, declines } = await ledgerOf("authorizenet", id);
      assert.deepEqual(charges, []);
      assert.deepEqual(declines.map((d) => d.attempt), [1, 2]);
    });
  });

  test("an approval whose answer was lost, and no retry: the session still ends succeeded, with its webhook", { timeout: 120_000 }, async () => {
    // One session per gateway (two on Braintree, one of them in yen), all charged at once; each
    // gateway processes the charge and then drops the connection. The customer never retries:
    // the session's Durable Object looks the attempt up by itself (its alarm).
    const cases = [
      ["stripe", 1234, "usd"],
      ["authorizenet", 1234, "usd"],
      ["shift4", 1234, "usd"],
      ["braintree", 1234, "usd"],
      ["braintree", 1000, "jpy"],
    ];
    const perGateway = {};
    for (const [gw] of cases) perGateway[gw] = (perGateway[gw] ?? 0) + 1;
    for (const [gateway, count] of Object.entries(perGateway)) {
      await sim.fault({ gateway, mode: "reset", phase: "after", operation: CHARGE_OP[gateway], count });
    }
    const sessions = [];
    for (const [gateway, amount, currency] of cases) {
      sessions.push({ gateway, amount, currency, id: await newSession(gateway, { amount_cents: amount, currency }) });
    }
    const since = Math.max(0, ...(await sim.calls()).map((c) => c.seq));
    const t0 = Date.now();
    const first = await Promise.all(sessions.map((s) => charge(s.id, VISA, { timeout: 40_000 })));
    for (const [i, r] of first.entries()) {
      const s = sessions[i];
      // The customer sees "not confirmed, try again" (or, should the edge confirm it within the
      // request, the approval); never a decline.
      assert.ok(r.status === 502 || r.status === 200, `${s.gateway} ${s.currency}: ${r.status} ${r.text}`);
      if (r.status === 502) assert.equal(r.json.error_code, "gateway_unavailable");
      const faulted = (await callsOf(s.id)).filter((c) => c.operation === CHARGE_OP[s.gateway]);
      assert.deepEqual(faulted.map((c) => c.fault), ["reset:after"], `${s.gateway}: the fault was not hit: ${JSON.stringify(faulted)}`);
    }
    const pending = new Set(sessions.map((s) => s.id));
    await waitFor(
      `every session to end succeeded (still pending: ${[...pending].join(", ")})`,
      async () => {
        for (const id of pending) if ((await view(id)).status === "succeeded") pending.delete(id);
        return pending.size === 0;
      },
      60_000,
    ).catch(async (e) => {
      const states = await Promise.all(sessions.map(async (s) => `${s.gateway}/${s.currency} ${s.id}: ${(await view(s.id)).status}, ledger ${JSON.stringify((await ledgerOf(s.gateway, s.id)).charges)}`));
      // What reached the gateways since the charges (the lookups the object should have made).
      const later = (await sim.calls()).filter((c) => c.seq > since).map((c) => `${c.gateway}/${c.operation}:${c.outcome}${c.fault ? `(${c.fault})` : ""}`);
      throw new Error(`${e.message}\n${states.join("\n")}\ngateway calls since the charges: ${later.join(", ")}`);
    });
    const took = Date.now() - t0;
    for (const s of sessions) {
      const what = `${s.gateway} ${s.currency}`;
      const { charges } = await ledgerOf(s.gateway, s.id);
      assert.deepEqual(charges.map((e) => [e.status, e.amount, e.currency]), [["captured", s.amount, s.currency]], what);
      const hook = await onlyHook(s.id, 20_000);
      assert.deepEqual(
        [hook.event, hook.status, hook.amount_cents, hook.currency, hook.processor.gateway, hook.processor.transaction_id],
        ["payment-success", "succeeded", s.amount, s.currency, s.gateway, charges[0].object_id],
        what,
      );
      const v = await view(s.id);
      assert.equal(v.status, "succeeded", what);
      // A late submit finds the session paid: no second charge.
      assertError(await charge(s.id, VISA), 409, "already_completed");
      assert.equal((await ledgerOf(s.gateway, s.id)).charges.length, 1, what);
    }
    console.log(`lost approvals settled within ${took} ms`);
  });
});
