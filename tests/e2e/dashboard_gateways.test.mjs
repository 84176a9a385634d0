// The dashboard's Gateways API (/v1/dashboard/projects/{id}/gateways…): credentials per
// environment, write-only (never in any answer again), and "test connection", a harmless
// authenticated call to each gateway (Stripe GET /v1/balance, Authorize.net
// authenticateTestRequest, Braintree `ping`, Shift4 GET /charges?limit=1), with success,
// refused credentials and an unreachable host; owners only; audited. The calls go to a simulator
// of this file's own: charge.test.mjs reads the shared one's call log in windows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { acceptInvite, admin, dash, http, SIM, startPrivateSim } from "./lib.mjs";

const PASSWORD = "correct horse battery";

const accept = (code, name) => acceptInvite(code, name, PASSWORD);

async function account() {
  const suffix = randomBytes(4).toString("hex");
  const a = await admin("POST", "/v1/admin/accounts", { name: `Gateways ${suffix}` });
  const p = await admin("POST", `/v1/admin/accounts/${a.json.id}/projects`, { slug: `gw-${suffix}`, name: "Gateways" });
  assert.equal(p.status, 201, p.text);
  const inv = await admin("POST", `/v1/admin/accounts/${a.json.id}/invites`, { email: `owner-${suffix}@shop.test` });
  const owner = await accept(inv.json.code, "Olive Owner");
  const minv = await dash("POST", "/invites", owner, { body: { email: `member-${suffix}@shop.test`, role: "member" } });
  const member = await accept(minv.json.code, "Max Member");
  return { project: p.json, owner, member };
}

// The simulator's credentials (tests/gateway-sim/WIRE.md) and a wrong variant of each.
const GOOD = {
  stripe: { secret_key: "sk_test_maven_sim" },
  authorizenet: { api_login_id: "maven_sim_login", transaction_key: "maven_sim_key" },
  braintree: { public_key: "maven_sim_public", private_key: "maven_sim_private" },
  shift4: { secret_key: "sk_test_maven_sim_shift4" },
};
const WRONG = {
  stripe: { secret_key: "sk_test_not_the_key" },
  authorizenet: { api_login_id: "maven_sim_login", transaction_key: "not_the_key" },
  braintree: { public_key: "maven_sim_public", private_key: "not_the_key" },
  shift4: { secret_key: "sk_test_not_the_key" },
};
// What each connection test asks the simulator (its call log's operation names).
const PROBE_OP = { stripe: "balance", authorizenet: "authenticateTestRequest", braintree: "ping", shift4: "charges" };

test("gateways API: set credentials write-only, test the connection (success, refused, unreachable), audited", { timeout: 60_000 }, async () => {
  const sim = await startPrivateSim();
  try {
    await connectionTests(sim);
  } finally {
    sim.close();
  }
});

test("gateway catalog: every gateway with its credential fields, signed-in users only; the fields are the ones a save takes", { timeout: 60_000 }, async () => {
  const anon = await dash("GET", "/gateways", null);
  assert.equal(anon.status, 401, anon.text);
  const { project, owner, member } = await account();
  const r = await dash("GET", "/gateways", member);
  assert.equal(r.status, 200, r.text);
  const list = r.json.gateways;
  assert.deepEqual(list.map((g) => [g.gateway, g.name]),
    [["stripe", "Stripe"], ["authorizenet", "Authorize.net"], ["braintree", "Braintree"], ["shift4", "Shift4"]]);
  for (const g of list) {
    // The secret fields are exactly what the simulator's credentials are made of, and a save of
    // just those (as the page sends) is accepted.
    const secrets = g.fields.filter((f) => f.secret);
    assert.deepEqual(secrets.map((f) => f.name), Object.keys(GOOD[g.gateway]), g.gateway);
    assert.ok(secrets.every((f) => f.required && f.label.length > 0), g.gateway);
    const body = Object.fromEntries(secrets.map((f) => [f.name, GOOD[g.gateway][f.name]]));
    const put = await dash("PUT", `/projects/${project.id}/gateways/test/${g.gateway}`, owner, { body: { credentials: body } });
    assert.equal(put.status, 200, `${g.gateway}: ${put.text}`);
  }
  const bad = await dash("POST", "/gateways", owner, { body: {} });
  assert.equal(bad.status, 405, bad.text);
});

async function connectionTests(sim) {
  const { project, owner } = await account();
  const base = `/projects/${project.id}/gateways`;
  const none = await dash("GET", base, owner);
  assert.equal(none.status, 200, none.text);
  assert.deepEqual(none.json, { test: {}, live: {} });

  for (const gw of Object.keys(GOOD)) {
    const set = await dash("PUT", `${base}/test/${gw}`, owner, { body: { base_url: `${sim.url}/${gw}`, credentials: GOOD[gw] } });
    assert.equal(set.status, 200, `${gw}: ${set.text}`);
    const secret = Object.values(GOOD[gw]).at(-1);
    assert.ok(!set.text.includes(secret), `${gw}: the answer shows the credentials`);
    const ok = await dash("POST", `${base}/test/${gw}/test`, owner);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.ok, true, `${gw}: ${ok.text}`);
    assert.equal(ok.json.base_url, `${sim.url}/${gw}`);

    const wrong = await dash("PUT", `${base}/test/${gw}`, owner, { body: { base_url: `${sim.url}/${gw}`, credentials: WRONG[gw] } });
    assert.equal(wrong.status, 200, wrong.text);
    const refused = await dash("POST", `${base}/test/${gw}/test`, owner);
    assert.equal(refused.status, 200, refused.text);
    assert.equal(refused.json.ok, false, `${gw}: wrong credentials passed`);
    assert.equal(refused.json.error_code, "credentials_refused", `${gw}: ${refused.text}`);
    assert.ok(!refused.text.includes("not_the_key"), "the answer shows the credentials");
  }
  // The simulator saw each gateway's harmless call.
  const ops = new Set((await sim.calls()).map((c) => `${c.gateway}:${c.operation}`));
  for (const [gw, op] of Object.entries(PROBE_OP)) assert.ok(ops.has(`${gw}:${op}`), `no ${gw} ${op} call in ${[...ops]}`);
  // Nothing else was asked, and no money moved.
  assert.deepEqual([...ops].sort(), Object.entries(PROBE_OP).map(([gw, op]) => `${gw}:${op}`).sort());
  const ledger = await sim.ledger();
  assert.deepEqual([ledger.ledger, ledger.declines], [[], []]);

  const listed = await dash("GET", base, owner);
  assert.deepEqual(Object.keys(listed.json.test).sort(), ["authorizenet", "braintree", "shift4", "stripe"]);
  assert.deepEqual(listed.json.live, {});
  for (const c of [...Object.values(GOOD), ...Object.values(WRONG)]) {
    for (const v of Object.values(c)) assert.ok(!listed.text.includes(v), "the list shows a credential");
  }

  // A live slot refuses a test key; an unset slot has nothing to test.
  const liveKey = await dash("PUT", `${base}/live/stripe`, owner, { body: { credentials: { secret_key: "sk_test_maven_sim" } } });
  assert.equal(liveKey.status, 422, liveKey.text);
  assert.equal((await dash("POST", `${base}/live/stripe/test`, owner)).status, 404);

  // Removing a gateway.
  const removed = await dash("DELETE", `${base}/test/shift4`, owner);
  assert.equal(removed.status, 200, removed.text);
  assert.ok(!("shift4" in removed.json.test));

  const log = await dash("GET", "/audit?limit=50", owner);
  const actions = log.json.entries.map((e) => e.action);
  for (const a of ["gateway.credentials_set", "gateway.tested", "gateway.removed"]) assert.ok(actions.includes(a), `${a} not in ${actions}`);
  const tested = log.json.entries.filter((e) => e.action === "gateway.tested").map((e) => e.details.ok);
  assert.ok(tested.includes(true) && tested.includes(false));
  for (const c of [...Object.values(GOOD), ...Object.values(WRONG)]) {
    for (const v of Object.values(c)) assert.ok(!log.text.includes(v), "the audit log shows a credential");
  }
}

test("gateways API: an unreachable gateway is a failed test, not an error", async () => {
  const { project, owner } = await account();
  const base = `/projects/${project.id}/gateways`;
  // A loopback port nobody listens on (the simulator's own host: allowed in local development).
  const dead = SIM.replace(/:\d+$/, ":9");
  const set = await dash("PUT", `${base}/test/stripe`, owner, { body: { base_url: `${dead}/stripe`, credentials: GOOD.stripe } });
  assert.equal(set.status, 200, set.text);
  const r = await dash("POST", `${base}/test/stripe/test`, owner);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.ok, false);
  assert.equal(r.json.error_code, "gateway_error");
  assert.match(r.json.message, /could not be reached/);
});

test("gateways API refuses no session, another account, a member, and a missing CSRF token", async () => {
  const mine = await account();
  const other = await account();
  const base = `/projects/${mine.project.id}/gateways`;
  const calls = [
    ["GET", base], ["PUT", `${base}/test/stripe`, { credentials: GOOD.stripe }],
    ["DELETE", `${base}/test/stripe`], ["POST", `${base}/test/stripe/test`],
  ];
  for (const [method, path, body] of calls) {
    assert.equal((await dash(method, path, null, { body })).status, 401, `${method} ${path} without a session`);
    const foreign = await dash(method, path, other.owner, { body });
    assert.equal(foreign.status, 404, `${method} ${path} from another account: ${foreign.text}`);
    const member = await dash(method, path, mine.member, { body });
    assert.equal(member.status, 403, `${method} ${path} as a member: ${member.text}`);
    assert.equal(member.json.error_code, "owner_required");
    if (method !== "GET") {
      const noCsrf = await dash(method, path, mine.owner, { body, csrf: "" });
      assert.equal(noCsrf.status, 403, `${method} ${path} without CSRF`);
      assert.equal(noCsrf.json.error_code, "csrf_failed");
    }
  }
});
