// Charging end to end (issue 6 acceptance; SPEC §3 charge endpoint, §6 gateways): the real local
// edge (wrangler dev: KV + Durable Objects in workerd) against the gateway simulator.
//
// Layout: one chain of tests per gateway, the four chains side by side. Faults and call-log
// windows are per gateway, and a chain's tests run one after another, so every call to that
// gateway inside a test's window is that test's own. The minute-long expiry test runs beside
// them. The scan of everything the edge stored and logged runs last, after all of them.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import {
  GATEWAYS, MONEY_OPS, UUID_V4, callOfSession, charge, chargesRecorded, createSession, formHeaders, http, kvList,
  simCalls, simFault, simGateway, simSeq, sleep,
} from "./lib.mjs";

const year = new Date().getUTCFullYear();
// The form's texts in Japanese, as maven_core::l10n has them (the text itself when it has none).
const L10N = JSON.parse(readFileSync(new URL("../../core/src/l10n.json", import.meta.url), "utf8"));
const ja = (en) => L10N.rows.find((r) => r[0] === en)?.[L10N.langs.indexOf("ja")] ?? en;
const EXP = { exp_month: 12, exp_year: year + 3 };
// Distinctive CVCs so the final scan means something: it looks for them in JSON and forms.
const CVC3 = "917";
const CVC4 = "4913";
// Name and postal code on every card: sessions.test.mjs, running beside this file under
// `make e2e`, briefly makes the demo project's postal code required.
const HOLDER = { name: "Jane Doe", postal_code: "94107" };
const VISA = { number: "4242424242424242", ...EXP, cvc: CVC3, ...HOLDER };
const MASTERCARD = { number: "5555555555554444", ...EXP, cvc: CVC3, ...HOLDER };
const AMEX = { number: "378282246310005", ...EXP, cvc: CVC4, ...HOLDER };
const DECLINES = [
  ["4000000000000002", "card_declined"],
  ["4000000000009995", "insufficient_funds"],
  ["4000000000000069", "expired_card"],
  ["4000000000000127", "incorrect_cvc"],
  ["4000000000000119", "processing_error"],
];
// Authorize.net has no reason code for insufficient funds: it answers a general decline
// (reason 2), and so does the simulator (docs/gateways.md).
const codeOn = (gw, code) => (gw === "authorizenet" && code === "insufficient_funds" ? "card_declined" : code);
const declineCard = (number) => ({ number, ...EXP, cvc: CVC3, ...HOLDER });
// Every full number any test sends (the scan looks for each).
const PANS = new Set([VISA.number, MASTERCARD.number, AMEX.number, ...DECLINES.map(([n]) => n)]);

/** The step of each gateway's flow that moves money (a fault there hits the charge itself). */
const CHARGE_OP = {
  stripe: "payment_intents",
  authorizenet: "createTransactionRequest",
  braintree: "chargeCreditCard",
  shift4: "charges",
};

async function newSession(gateway, extra = {}) {
  const r = await createSession({ project: "demo", amount_cents: 1234, gateway, ...extra });
  assert.equal(r.status, 201, r.text);
  assert.match(r.json.session_id, UUID_V4);
  return r.json.session_id;
}

/** Calls to `gateway` after `since` (this chain's own: see the layout note above). */
const callsSince = async (gateway, since) =>
  (await simCalls()).filter((c) => c.gateway === gateway && c.seq > since);

const view = (id) => http("GET", `/v1/widget-sessions/${id}`);

/** A 200 charge body, as the form and the merchant's onSuccess see it. */
function assertApproved(r, { status = "succeeded", brand = "visa", last4 = "4242", amount = 1234 } = {}) {
  assert.equal(r.status, 200, r.text);
  // `screen`: what the form shows (maven_core::form_screen); the rest is SPEC §3's body.
  const { transaction_id, screen, ...rest } = r.json;
  assert.equal(screen?.state, "success", r.text);
  assert.match(screen.text, new RegExp(`•••• ${last4}( saved)?$`));
  assert.equal(typeof transaction_id, "string");
  assert.ok(transaction_id.length > 0, "transaction_id is empty");
  const expected = { status, card_brand: brand, card_last4: last4, amount_cents: amount, currency: "usd" };
  if (status !== "tokenized") assert.deepEqual(rest, expected);
  for (const pan of PANS) assert.ok(!r.text.includes(pan), "the answer holds a full card number");
  return transaction_id;
}

/**
 * The retry's answer after an unknown outcome: a 200 (its transaction id returned), or, when the
 * session's alarm looked the attempt up and settled it first, `409 already_completed` with the
 * session `succeeded` (the form shows "already paid"; null returned). Never anything else.
 */
async function assertPaid(id, r) {
  if (r.status === 409) {
    assertError(r, 409, "already_completed");
    assert.equal((await view(id)).json.status, "succeeded");
    return null;
  }
  return assertApproved(r);
}

/**
 * Charges like the form does after an unknown outcome: the same card again, waiting out the
 * edge's `Retry-After` while it confirms the earlier attempt (bounded).
 */
async function chargeUntilKnown(id, card, tries = 8) {
  let r;
  for (let i = 0; i < tries; i++) {
    r = await charge(id, card, { timeout: 30_000 });
    // 409 in_progress: the session's alarm is looking the attempt up right now; the form shows
    // "processing" and asks again, as here.
    const busy = r.status === 409 && r.json?.error_code === "in_progress";
    if (r.status !== 502 && !busy) return r;
    const wait = Number(r.headers.get("retry-after") ?? "1");
    await sleep(Math.min(wait, 5) * 1000);
  }
  return r;
}

function assertError(r, status, code) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json.error_code, code, r.text);
  assert.equal(typeof r.json.detail, "string");
  assert.ok(r.json.detail.length > 0);
}

/**
 * Exactly one charge recorded by the simulator for session `id`, and it is `transactionId`.
 * `calls` is the test's own window: calls that name no session (Braintree's tokenize and vault)
 * count as the session's.
 */
function assertOneCharge(calls, gateway, id, transactionId, operation = CHARGE_OP[gateway]) {
  const mine = calls.filter((c) => callOfSession(c, id) || (c.idempotency_key == null && c.reference == null));
  const charged = chargesRecorded(mine);
  assert.equal(charged.length, 1, `charges recorded: ${JSON.stringify(mine)}`);
  assert.equal(charged[0].operation, operation);
  if (transactionId !== null) assert.equal(charged[0].object_id, transactionId, "the edge's transaction_id is the simulator's");
  return mine;
}

/** Uses a tokenize result's token at the gateway, twice: it is reusable (multi-use). */
async function reuseToken(gateway, token, sessionId) {
  const results = [];
  for (const n of [1, 2]) {
    if (gateway === "stripe") {
      const [customer, pm] = token.split("/");
      const form = new URLSearchParams({
        amount: "500", currency: "usd", confirm: "true", customer, payment_method: pm,
        "payment_method_types[]": "card", "metadata[session_id]": `reuse-${sessionId}`,
      });
      const r = await simGateway("POST", "/stripe/v1/payment_intents", {
        raw: form.toString(),
        headers: {
          authorization: "Bearer sk_test_maven_sim",
          "content-type": "application/x-www-form-urlencoded",
          "idempotency-key": `reuse-${sessionId}-${n}`,
        },
      });
      assert.equal(r.status, 200, r.text);
      results.push([r.json.status, r.json.payment_method]);
    } else if (gateway === "shift4") {
      const [customerId, card] = token.split("/");
      const r = await simGateway("POST", "/shift4/charges", {
        body: { amount: 500, currency: "USD", customerId, card, captured: true },
        headers: {
          authorization: `Basic ${Buffer.from("sk_test_maven_sim_shift4:").toString("base64")}`,
          "idempotency-key": `reuse-${sessionId}-${n}`,
        },
      });
      assert.equal(r.status, 200, r.text);
      results.push([r.json.status, r.json.card.id]);
    } else if (gateway === "authorizenet") {
      const [customerProfileId, paymentProfileId] = token.split("/");
      // Keys in XSD order, as the gateway requires.
      const body = {
        createTransactionRequest: {
          merchantAuthentication: { name: "maven_sim_login", transactionKey: "maven_sim_key" },
          refId: `reuse-${n}`,
          transactionRequest: {
            transactionType: "authCaptureTransaction",
            amount: "5.00",
            profile: { customerProfileId, paymentProfile: { paymentProfileId } },
            order: { invoiceNumber: `reuse-${n}` },
          },
        },
      };
      const r = await simGateway("POST", "/authorizenet/xml/v1/request.api", { body });
      assert.equal(r.status, 200, r.text);
      const reply = JSON.parse(r.text.replace(/^\uFEFF/, ""));
      results.push([reply.transactionResponse?.responseCode, reply.transactionResponse?.accountNumber]);
    } else if (gateway === "braintree") {
      const query =
        "mutation Charge($input: ChargeCreditCardInput!) { chargeCreditCard(input: $input) { transaction { id status } } }";
      const input = { paymentMethodId: token, transaction: { amount: "5.00", orderId: `reuse-${sessionId}-${n}` } };
      const r = await simGateway("POST", "/braintree/graphql", {
        body: { query, variables: { input } },
        headers: {
          authorization: `Basic ${Buffer.from("maven_sim_public:maven_sim_private").toString("base64")}`,
          "braintree-version": "2019-01-01",
        },
      });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.errors, undefined, r.text);
      results.push([r.json.data.chargeCreditCard.transaction.status, token]);
    }
  }
  return results;
}

/** Bad card inputs: each is a 422 naming the field. */
const BAD_INPUTS = [
  ["bad Luhn", { card: { ...VISA, number: "4242424242424241" } }, [["body.card.number", "value_error"]]],
  ["letters in the number", { card: { ...VISA, number: "4242abcd42424242" } }, [["body.card.number", "value_error"]]],
  ["expiry in the past", { card: { ...VISA, exp_month: 1, exp_year: year - 1 } }, [["body.card.exp_year", "value_error"]]],
  ["month 13", { card: { ...VISA, exp_month: 13 } }, [["body.card.exp_month", "less_than_equal"]]],
  ["2-digit CVC", { card: { ...VISA, cvc: "91" } }, [["body.card.cvc", "value_error"]]],
  ["3-digit CVC on Amex", { card: { ...AMEX, cvc: "917" } }, [["body.card.cvc", "value_error"]]],
  ["letters in the CVC", { card: { ...VISA, cvc: "9a7" } }, [["body.card.cvc", "value_error"]]],
  ["no card", {}, [["body.card", "missing"]]],
  [
    "empty card",
    { card: {} },
    [
      ["body.card.number", "missing"],
      ["body.card.exp_month", "missing"],
      ["body.card.exp_year", "missing"],
      ["body.card.cvc", "missing"],
    ],
  ],
  ["number as a number", { card: { ...VISA, number: 4242424242424242 } }, [["body.card.number", "string_type"]]],
];

describe("charging", { concurrency: 1 }, () => {
  describe("flows", { concurrency: true }, () => {
    for (const gw of GATEWAYS) {
      describe(gw, { concurrency: 1 }, () => {
        test("4242 succeeds with the simulator's transaction id; a second submit is 409 and reaches no gateway", async () => {
          const since = await simSeq();
          const id = await newSession(gw);
          const r = await charge(id, VISA);
          const txn = assertApproved(r);
          assertOneCharge(await callsSince(gw, since), gw, id, txn);
          const pub = await view(id);
          assert.equal(pub.status, 200);
          assert.equal(pub.json.status, "succeeded");

          const before = await simSeq();
          for (const card of [VISA, MASTERCARD]) assertError(await charge(id, card), 409, "already_completed");
          assert.deepEqual(await callsSince(gw, before), [], "a completed session reached the gateway");
          assert.equal((await view(id)).json.status, "succeeded");
        });

        test("the form's screens: a decline in Japanese, an approval in French, then the page and its poll say paid", async () => {
          // Worded by the edge (maven_core::form_screen) in the language the form sends.
          const id = await newSession(gw);
          const d = await charge(id, declineCard(DECLINES[0][0]), { headers: { "accept-language": "ja" } });
          assert.equal(d.status, 402, d.text);
          const s = d.json.screen;
          assert.deepEqual([s.state, s.retry, s.focus, s.event, s.title], ["failure", true, "number", "failure", ja("Payment failed")]);
          assert.equal(s.text, `${ja(d.json.detail)} ${ja("{n} attempts left.").replace("{n}", "2")}`);
          // The host page's error stays the API's, in English.
          assert.deepEqual(s.error, { error_code: d.json.error_code, error_message: d.json.detail, attempts_left: 2 });
          const ok = await charge(id, VISA, { headers: { "accept-language": "fr" } });
          assertApproved(ok);
          assert.match(ok.json.screen.text, /^12,34\s\$US payés avec Visa •••• 4242$/);
          assert.equal(ok.json.screen.event, "success");
          const again = await charge(id, VISA);
          assert.deepEqual([again.status, again.json.screen.state, again.json.screen.title], [409, "paid", "Already paid"]);
          const page = await http("GET", `/widget/${id}?l=de`);
          const block = JSON.parse(/id="mv-session">([^<]*)</.exec(page.text)[1]);
          assert.deepEqual([block.screen.state, block.screen.title, block.screen.error.error_code], ["paid", "Bereits bezahlt", "already_completed"]);
          assert.deepEqual((await http("GET", `/widget/${id}/state?l=de`)).json, block);
        });

        test("Mastercard and Amex (4-digit CVC) approve with their brand", async () => {
          for (const [card, brand, last4] of [[MASTERCARD, "mastercard", "4444"], [AMEX, "amex", "0005"]]) {
            const since = await simSeq();
            const id = await newSession(gw, { amount_cents: 2500 });
            const txn = assertApproved(await charge(id, card), { brand, last4, amount: 2500 });
            const [call] = chargesRecorded(await callsSince(gw, since));
            assert.deepEqual([call.object_id, call.amount, call.card_last4], [txn, 2500, last4]);
          }
        });

        test("each decline card: 402 with its error_code and attempts_left; the 4th submit is 429, the session failed", async () => {
          // 5 decline cards, 3 attempts a session: two sessions, starting at different cards.
          for (const order of [[0, 1, 2], [3, 4, 0]]) {
            const id = await newSession(gw);
            for (const [i, left] of [[order[0], 2], [order[1], 1], [order[2], 0]]) {
              const [number, documented] = DECLINES[i];
              const code = codeOn(gw, documented);
              const since = await simSeq();
              const r = await charge(id, declineCard(number));
              assert.equal(r.status, 402, `${number}: ${r.text}`);
              assert.equal(r.json.error_code, code, number);
              assert.equal(r.json.attempts_left, left, number);
              assert.equal(typeof r.json.detail, "string");
              const calls = (await callsSince(gw, since)).filter((c) => MONEY_OPS[gw].includes(c.operation));
              // The simulator logs the test card's row of the table; the wire answer is the gateway's own.
              assert.deepEqual(calls.map((c) => c.outcome), [documented], `the gateway saw ${JSON.stringify(calls)}`);
              if (left > 0) assert.equal((await view(id)).json.status, "pending");
            }
            const since = await simSeq();
            // Even a good card: the session is done.
            assertError(await charge(id, VISA), 429, "too_many_attempts");
            assertError(await charge(id, declineCard(DECLINES[0][0])), 429, "too_many_attempts");
            assert.deepEqual(await callsSince(gw, since), [], "a failed session reached the gateway");
            const pub = await view(id);
            assert.equal(pub.status, 200);
            assert.equal(pub.json.status, "failed");
          }
        });

        test("tokenize (amount 0) answers tokenized with a reusable token", async () => {
          const since = await simSeq();
          const id = await newSession(gw, { mode: "tokenize", amount_cents: 0 });
          const r = await charge(id, VISA);
          const txn = assertApproved(r, { status: "tokenized", amount: 0 });
          assert.equal(r.json.status, "tokenized");
          assert.deepEqual([r.json.card_brand, r.json.card_last4, r.json.amount_cents], ["visa", "4242", 0]);
          assert.equal(typeof r.json.token, "string");
          assert.ok(r.json.token.length > 0, "empty token");
          const vaultOp = { stripe: "customers", authorizenet: "createCustomerProfileRequest", braintree: "vaultPaymentMethod", shift4: "customers" }[gw];
          assertOneCharge(await callsSince(gw, since), gw, id, txn, vaultOp);
          assert.equal((await view(id)).json.status, "tokenized");
          if (gw === "authorizenet") {
            // `customerProfileId/customerPaymentProfileId`
            assert.match(r.json.token, /^\d+\/\d+$/);
            assert.equal(r.json.token.split("/")[0], txn);
          }
          const uses = await reuseToken(gw, r.json.token, id);
          const ok = { stripe: "succeeded", authorizenet: "1", shift4: "successful", braintree: "SUBMITTED_FOR_SETTLEMENT" }[gw];
          assert.deepEqual(uses.map(([s]) => s), [ok, ok], "the token charges more than once");
        });

        test("auth-only (capture: false) answers authorized", async () => {
          const since = await simSeq();
          const id = await newSession(gw, { capture: false });
          assert.equal((await view(id)).json.capture, false);
          const txn = assertApproved(await charge(id, VISA), { status: "authorized" });
          const op = gw === "braintree" ? "authorizeCreditCard" : CHARGE_OP[gw];
          assertOneCharge(await callsSince(gw, since), gw, id, txn, op);
          assert.equal((await view(id)).json.status, "authorized");
        });

        test("50 simultaneous submits: one 200, 49 × 409, one charge at the gateway", { timeout: 60_000 }, async () => {
          const since = await simSeq();
          const id = await newSession(gw);
          const all = await Promise.all(
            Array.from({ length: 50 }, () => charge(id, VISA, { timeout: 40_000 })),
          );
          const ok = all.filter((r) => r.status === 200);
          const conflicts = all.filter((r) => r.status === 409);
          assert.equal(ok.length, 1, `statuses: ${all.map((r) => r.status).join(",")}`);
          assert.equal(conflicts.length, 49, `statuses: ${all.map((r) => r.status).join(",")}`);
          for (const c of conflicts) assert.ok(["in_progress", "already_completed"].includes(c.json.error_code), c.text);
          const txn = assertApproved(ok[0]);
          const calls = await callsSince(gw, since);
          assertOneCharge(calls, gw, id, txn);
          // One gateway flow, not one approved charge among several tries.
          const chargeCalls = calls.filter((c) => c.operation === CHARGE_OP[gw]);
          assert.equal(chargeCalls.length, 1, JSON.stringify(calls));
          assert.equal(chargeCalls[0].replayed, false);
        });

        // error500: nothing processed. malformed: processed (the charge happened), then an
        // unreadable 200. reset: the connection closes, nothing processed. Each → 502, and the
        // same card then succeeds with exactly one charge at the gateway.
        for (const [mode, operation] of [["error500", undefined], ["malformed", CHARGE_OP[gw]], ["reset", CHARGE_OP[gw]]]) {
          test(`fault ${mode}${operation ? ` on ${operation}` : ""} → 502 gateway_unavailable, the session stays payable`, async () => {
            const since = await simSeq();
            const id = await newSession(gw);
            await simFault({ gateway: gw, mode, count: 1, ...(operation && { operation }) });
            const first = await charge(id, VISA);
            assertError(first, 502, "gateway_unavailable");
            assert.equal(first.json.attempts_left, undefined);
            const pub = await view(id);
            // Pending, or already settled by the session's alarm (its lookup may find a charge
            // that a garbled answer hid); never failed.
            assert.ok(["pending", "succeeded"].includes(pub.json.status), `a gateway failure must not end the session: ${pub.text}`);
            const txn = await assertPaid(id, await chargeUntilKnown(id, VISA));
            const calls = await callsSince(gw, since);
            assert.ok(
              calls.some((c) => c.status === (mode === "error500" ? 500 : mode === "reset" ? 0 : 200)),
              `the fault was not hit: ${JSON.stringify(calls)}`,
            );
            assertOneCharge(calls, gw, id, txn);
            assert.equal((await view(id)).json.status, "succeeded");
          });
        }

        // echo: the gateway's error message quotes the card number it was sent (first step of
        // the flow, the one that carries the card). The edge answers 502 as for any unknown
        // outcome; the final scan shows the number reached neither its log nor its storage, and
        // that the masked message did reach the log.
        test("fault echo (the gateway quotes the card number in its error) → 502, the answer holds no card number", async () => {
          const since = await simSeq();
          const id = await newSession(gw);
          await simFault({ gateway: gw, mode: "echo", count: 1 });
          const first = await charge(id, VISA);
          assertError(first, 502, "gateway_unavailable");
          for (const pan of PANS) assert.ok(!first.text.includes(pan), "the answer holds a full card number");
          const calls = await callsSince(gw, since);
          assert.ok(calls.some((c) => c.fault === "echo:before"), `the fault was not hit: ${JSON.stringify(calls)}`);
          assert.equal((await view(id)).json.status, "pending");
          const txn = await assertPaid(id, await chargeUntilKnown(id, VISA));
          assertOneCharge(await callsSince(gw, since), gw, id, txn);
        });

        test("gateway timeout on the charge, then a retry: still one charge", { timeout: 60_000 }, async () => {
          const since = await simSeq();
          const id = await newSession(gw);
          // Longer than the edge's 10 s per-call timeout; the simulator charges at once, then waits.
          await simFault({ gateway: gw, mode: "slow", delay_ms: 12_000, count: 1, operation: CHARGE_OP[gw] });
          const t0 = Date.now();
          const first = await charge(id, VISA, { timeout: 30_000 });
          const took = Date.now() - t0;
          assertError(first, 502, "gateway_unavailable");
          assert.ok(took >= 9_500 && took < 12_000, `the edge gave up after ${took} ms`);
          // Pending, or already settled by the alarm's lookup of the attempt.
          assert.ok(["pending", "succeeded"].includes((await view(id)).json.status));
          const retry = await chargeUntilKnown(id, VISA);
          const txn = await assertPaid(id, retry);
          const all = await callsSince(gw, since);
          // The retry looked the first charge up (the gateway's documented lookup) or had it
          // deduplicated by the gateway: one charge either way.
          assertOneCharge(all, gw, id, txn);
          assert.equal((await view(id)).json.status, "succeeded");
        });

        test("after a timeout another card is refused (422) until the first card's outcome is known: never two charges", { timeout: 60_000 }, async () => {
          const since = await simSeq();
          const id = await newSession(gw);
          await simFault({ gateway: gw, mode: "slow", delay_ms: 11_000, count: 1, operation: CHARGE_OP[gw] });
          assertError(await charge(id, VISA, { timeout: 30_000 }), 502, "gateway_unavailable");
          // The Visa was charged at the gateway; paying with the Mastercard now would charge twice.
          const other = await charge(id, MASTERCARD);
          assert.equal(other.status, 422, other.text);
          assert.deepEqual(other.json.detail.map((d) => [d.loc.join("."), d.type]), [["body.card.number", "value_error"]]);
          assert.match(other.json.detail[0].msg, /same card/);
          // Pending, or settled by the alarm's lookup of the Visa attempt in the meantime.
          assert.ok(["pending", "succeeded"].includes((await view(id)).json.status));
          const txn = await assertPaid(id, await chargeUntilKnown(id, VISA));
          const calls = await callsSince(gw, since);
          assertOneCharge(calls, gw, id, txn);
          assert.ok(!calls.some((c) => c.card_last4 === "4444"), "the other card reached the gateway");
        });

        test("bad card input → 422 with field locs, and nothing reaches the gateway", async () => {
          const since = await simSeq();
          // Explicit field rules, so the project's (which another suite edits) do not matter.
          const id = await newSession(gw, { fields: { cardholder_name: "optional", postal_code: "optional" } });
          for (const [what, body, expected] of BAD_INPUTS) {
            const r = await http("POST", `/v1/widget-sessions/${id}/charge`, { body, headers: await formHeaders(id) });
            assert.equal(r.status, 422, `${what}: ${r.text}`);
            const got = r.json.detail.map((d) => [d.loc.join("."), d.type]);
            assert.deepEqual(got, expected, what);
            for (const d of r.json.detail) {
              assert.deepEqual(d.loc.slice(0, 1), ["body"], what);
              assert.equal(typeof d.msg, "string");
            }
            for (const pan of PANS) assert.ok(!r.text.includes(pan), `${what}: the 422 echoes the card number`);
          }
          // A postal code the session's fields make required.
          const zip = await newSession(gw, { fields: { postal_code: "required" } });
          const { postal_code: _, ...noZip } = VISA;
          const r = await charge(zip, noZip);
          assert.equal(r.status, 422, r.text);
          assert.deepEqual(r.json.detail.map((d) => d.loc), [["body", "card", "postal_code"]]);
          // Not JSON at all.
          const raw = await http("POST", `/v1/widget-sessions/${id}/charge`, { raw: "{not json", headers: { "content-type": "application/json", ...(await formHeaders(id)) } });
          assert.equal(raw.status, 422, raw.text);
          assert.deepEqual(await callsSince(gw, since), [], "invalid input reached the gateway");
          // The session is untouched: a good card still pays.
          assertApproved(await charge(id, VISA));
          assertApproved(await charge(zip, VISA));
        });
      });
    }

    test("unknown session → 403 (its page has no form token) and an expired one → 410; neither reaches the gateway", { timeout: 120_000 }, async () => {
      for (const bad of ["0b1d7c9e-3f6a-4e1b-9c2d-5a6b7c8d9e0f", "nope"]) {
        const r = await charge(bad, VISA);
        assertError(r, 403, "form_token_missing");
      }
      // Shift4: every call carries the session id (Idempotency-Key), so calls of this session
      // are found among the other chains' calls.
      const r = await createSession({ project: "demo", amount_cents: 700, gateway: "shift4", expires_in: 60 });
      assert.equal(r.status, 201, r.text);
      const { session_id: id, expires_at } = r.json;
      await sleep(Math.max(0, Date.parse(expires_at) - Date.now()) + 1_500);
      assertError(await charge(id, VISA), 410, "session_expired");
      assertError(await charge(id, declineCard(DECLINES[0][0])), 410, "session_expired");
      assert.equal((await view(id)).status, 410);
      const mine = (await simCalls()).filter((c) => callOfSession(c, id));
      assert.deepEqual(mine, [], "an expired session reached the gateway");
    });
  });

  test("nothing the edge stored or logged holds a test card number or CVC, a gateway's echo included", () => {
    const stateDir = process.env.MAVEN_STATE_DIR;
    const log = process.env.MAVEN_EDGE_LOG;
    assert.ok(stateDir && log, "MAVEN_STATE_DIR and MAVEN_EDGE_LOG come from scripts/with-edge.sh");
    const files = [...walk(stateDir), log];
    const needles = [];
    for (const pan of PANS) needles.push(pan, pan.replace(/(\d{4})(?=\d)/g, "$1 "));
    for (const cvc of [CVC3, CVC4]) needles.push(`"${cvc}"`, `cvc=${cvc}`, `cvc]=${cvc}`, `cvc%5D=${cvc}`, `'${cvc}'`);
    const found = scan(files, needles);
    assert.deepEqual(found, [], "card data at rest or in the log");
    // The echo fault's messages did reach the log, each gateway's, with the number masked.
    const echoed = "Simulated gateway failure (fault echo): card ************4242 could not be processed.";
    for (const prefix of ["stripe answered HTTP 400 (api_error): ", "shift4 answered HTTP 400 (processing_error): ",
      "braintree error: ", "authorize.net error E00001: "]) {
      assert.ok(scan([log], [prefix + echoed]).length > 0, `the log has no masked echo from ${prefix.split(" ")[0]}`);
    }

    // The scan looked where the results live: KV blobs and Durable Object SQLite are there, the
    // log is not empty, and a stored result (its last 4 and brand) is readable in them.
    assert.ok(files.some((f) => /kv/i.test(f)), `no KV files under ${stateDir}`);
    assert.ok(files.some((f) => /\.sqlite/.test(f) && /do/i.test(f)), `no Durable Object SQLite under ${stateDir}`);
    assert.ok(statSync(log).size > 0, "the edge log is empty");
    assert.ok(kvList().some((k) => k.name.startsWith("session:")), "no session records in KV");
    assert.ok(scan(files, ['"card_last4":"4242"']).length > 0, "no stored charge result found: the scan reads the wrong place");
  });
});

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(p);
    else if (entry.isFile()) yield p;
  }
}

/** `[file, needle]` for each needle found in each file's bytes (binary-safe). */
function scan(files, needles) {
  const hits = [];
  for (const f of files) {
    let bytes;
    try {
      bytes = readFileSync(f);
    } catch (e) {
      // KV and the objects rewrite their files while the scan runs: one gone since the walk
      // held nothing any more.
      if (e.code === "ENOENT") continue;
      throw e;
    }
    for (const n of needles) if (bytes.includes(Buffer.from(n))) hits.push([f, n]);
  }
  return hits;
}
