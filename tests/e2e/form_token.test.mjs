// The charge endpoint takes only requests from the form page (issue 13): the edge's own Origin
// (or none) and the form token the page was served with, bound to its session. Every refusal is
// a 403 with an error_code, before anything else happens: nothing reaches a gateway. No request
// here is meant to reach one (a token that passes is shown by a 422 on a bad card), so this file
// runs beside the charge chains without entering their call windows; paying through the real
// form is tests/browser/widget.test.mjs, and every other suite charges with the page's token.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { BASE, callOfSession, createSession, formToken, http, simCalls, tokenOfPage } from "./lib.mjs";

const year = new Date().getUTCFullYear();
const VISA = { number: "4242424242424242", exp_month: 12, exp_year: year + 3, cvc: "123" };
const BAD_CARD = { ...VISA, number: "4242424242424241" };
const TOKEN_FORM = /^\d+\.[0-9a-f]{64}$/;

async function newSession(gateway = "stripe") {
  // Explicit field rules, so the project's (which another suite edits) do not matter.
  const fields = { cardholder_name: "optional", postal_code: "optional" };
  const r = await createSession({ project: "demo", amount_cents: 1234, gateway, fields });
  assert.equal(r.status, 201, r.text);
  return r.json.session_id;
}

const post = (id, card, headers = {}) =>
  http("POST", `/v1/widget-sessions/${id}/charge`, { body: { card }, headers });

function assertRefused(r, code) {
  assert.equal(r.status, 403, r.text);
  // The refusal, and the screen the form shows for it (maven_core::form_screen).
  assert.deepEqual(Object.keys(r.json).sort(), ["detail", "error_code", "screen"]);
  assert.equal(r.json.screen.state, "failure");
  assert.equal(r.json.screen.error.error_code, code);
  assert.equal(r.json.error_code, code);
  assert.equal(typeof r.json.detail, "string");
  assert.ok(!r.text.includes(VISA.number), "the refusal echoes the card number");
}

describe("form token", () => {
  test("the form page carries a token for its session; an unknown session's page has none", async () => {
    const id = await newSession();
    const page = await http("GET", `/widget/${id}`);
    assert.equal(page.status, 200);
    const token = tokenOfPage(page.text);
    assert.match(token, TOKEN_FORM);
    const expires = Number(token.split(".")[0]);
    const now = Date.now() / 1000;
    assert.ok(expires > now && expires <= now + 30 * 60 + 5, `token expiry ${expires} is not within 30 min`);
    // Served again, the page carries a fresh token (no-store: never cached).
    assert.match(page.headers.get("cache-control"), /no-store/);
    const unknown = await http("GET", "/widget/00000000-0000-4000-8000-000000000000");
    assert.equal(tokenOfPage(unknown.text), null);
  });

  test("no token, another session's token, a tampered token, a foreign Origin: 403, and nothing reaches the gateway", async () => {
    const [id, other] = await Promise.all([newSession("stripe"), newSession("braintree")]);
    const token = await formToken(id);
    const otherToken = await formToken(other);
    const [exp, mac] = token.split(".");
    const flip = (c) => (c === "0" ? "1" : "0");

    assertRefused(await post(id, VISA), "form_token_missing");
    assertRefused(await post(id, VISA, { "maven-form-token": "" }), "form_token_missing");
    assertRefused(await post(id, VISA, { "maven-form-token": otherToken }), "form_token_invalid");
    for (const tampered of [
      `${Number(exp) + 3600}.${mac}`, // a later expiry, the same MAC
      `${exp}.${flip(mac[0])}${mac.slice(1)}`,
      `${exp}.${mac.slice(0, 63)}${flip(mac[63])}`,
      `${exp}.${mac.slice(0, 32)}`,
      mac,
      "x".repeat(200),
    ]) {
      assertRefused(await post(id, VISA, { "maven-form-token": tampered }), "form_token_invalid");
    }
    for (const origin of ["https://evil.example", "null", `${BASE}.evil.example`, "http://localhost.evil.tld"]) {
      assertRefused(await post(id, VISA, { "maven-form-token": token, origin }), "origin_not_allowed");
    }
    // Refused before the body is even read: a body that is not JSON gets the same 403.
    const raw = await http("POST", `/v1/widget-sessions/${id}/charge`, {
      raw: "{not json", headers: { "content-type": "application/json" },
    });
    assertRefused(raw, "form_token_missing");

    // Nothing of either session reached a gateway, and both are still pending.
    const calls = await simCalls();
    assert.deepEqual(calls.filter((c) => callOfSession(c, id) || callOfSession(c, other)), []);
    for (const s of [id, other]) {
      const view = await http("GET", `/v1/widget-sessions/${s}`);
      assert.equal(view.json.status, "pending", view.text);
    }

    // The page's own token passes, with no Origin or the edge's own: a bad card gets as far as
    // card validation (422), which reaches no gateway either.
    const own = new URL(BASE).origin;
    for (const headers of [{ "maven-form-token": token }, { "maven-form-token": token, origin: own }]) {
      const r = await post(id, BAD_CARD, headers);
      assert.equal(r.status, 422, `${JSON.stringify(headers)}: ${r.text}`);
      assert.ok(r.json.detail.some((d) => d.loc.join(".") === "body.card.number"), r.text);
    }
    assert.deepEqual((await simCalls()).filter((c) => callOfSession(c, id)), []);
  });
});
