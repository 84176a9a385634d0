// The URL policy and environment-safe credentials through the admin API (docs/url-policy.md).
// The edge runs with DEV_MODE=true here, so loopback is accepted where local development allows
// it; the deployed rules are covered by core's table-driven tests (core/src/url_policy.rs).
// Its own account and project: nothing here touches the demo project other suites charge.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { admin, problems, SIM } from "./lib.mjs";

let id;

before(async () => {
  const acct = await admin("POST", "/v1/admin/accounts", { name: "URL policy" });
  assert.equal(acct.status, 201, acct.text);
  const proj = await admin("POST", `/v1/admin/accounts/${acct.json.id}/projects`, { slug: "urls", name: "URLs" });
  assert.equal(proj.status, 201, proj.text);
  id = proj.json.id;
});

const project = async () => {
  const r = await admin("GET", `/v1/admin/projects/${id}`);
  assert.equal(r.status, 200, r.text);
  return r.json;
};

/** A 422 with exactly these `[loc, type]` problems, after which the project is unchanged. */
async function refused(method, path, body, want) {
  const beforeState = await project();
  const r = await admin(method, path, body);
  assert.equal(r.status, 422, `${JSON.stringify(body)} → ${r.text}`);
  assert.deepEqual(problems(r.json), want, JSON.stringify(body));
  assert.deepEqual(await project(), beforeState, "a refused change changes nothing");
  return r.json.detail;
}

test("webhook URLs and origins: the prefix-check bypasses are refused at their loc", async () => {
  for (const url of [
    "http://localhost.evil.tld/hooks",
    "http://localhost:@evil/hooks",
    "http://127.0.0.1.evil.tld/hooks",
    "https://user:pw@hooks.example.com/",
    "https://hooks.example.com/#x",
    "https://10.0.0.1/hooks",
    "https://169.254.169.254/latest/meta-data",
    "https://printer.local/hooks",
    "http://hooks.example.com/hooks",
    "javascript:alert(1)",
    "gopher://hooks.example.com/",
  ]) {
    await refused("PATCH", `/v1/admin/projects/${id}`, { webhook_url: url }, [["body.webhook_url", "value_error"]]);
  }
  const [detail] = await refused(
    "PATCH", `/v1/admin/projects/${id}`,
    { allowed_origins: ["https://shop.example.com", "http://localhost:@evil", "https://a;b.example.com"] },
    [["body.allowed_origins.1", "value_error"], ["body.allowed_origins.2", "value_error"]],
  );
  assert.match(detail.msg, /user name or password/);
});

test("accepted URLs are stored as the parser serializes them; loopback in local development", async () => {
  const r = await admin("PATCH", `/v1/admin/projects/${id}`, {
    allowed_origins: ["https://Shop.Example.com/", "https://bücher.example.de:8443", "http://localhost:3000"],
    webhook_url: "https://Hooks.Example.com",
  });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.allowed_origins, ["https://shop.example.com", "https://xn--bcher-kva.example.de:8443", "http://localhost:3000"]);
  assert.equal(r.json.webhook_url, "https://hooks.example.com/");
  const local = await admin("PATCH", `/v1/admin/projects/${id}`, { webhook_url: "http://127.0.0.1:9/hooks/maven" });
  assert.equal(local.status, 200, local.text);
  assert.equal(local.json.webhook_url, "http://127.0.0.1:9/hooks/maven");
  const cleared = await admin("PATCH", `/v1/admin/projects/${id}`, { webhook_url: null, allowed_origins: [] });
  assert.equal(cleared.status, 200, cleared.text);
});

test("gateway base URLs: the gateway's documented hosts per environment; the simulator only in test slots", async () => {
  const put = (env, gw, body) => admin("PUT", `/v1/admin/projects/${id}/gateways/${env}/${gw}`, body);
  const stripeTest = { secret_key: "sk_test_maven_sim" };
  for (const base_url of [
    "https://api.stripe.com.evil.tld",
    "https://evil.tld/api.stripe.com",
    "https://api.stripe.com@evil.tld",
    "https://api.stripe.com:8443",
    "https://api.stripe.com/v1",
    "http://api.stripe.com",
    "http://localhost.evil.tld:8788/stripe",
    "http://127.0.0.1.evil.tld/stripe",
  ]) {
    await refused("PUT", `/v1/admin/projects/${id}/gateways/test/stripe`, { base_url, credentials: stripeTest },
      [["body.base_url", "value_error"]]);
  }
  // The simulator (loopback) is a test-slot base URL, never a live one.
  const live = { secret_key: "sk_live_maven_sim" };
  const [detail] = await refused("PUT", `/v1/admin/projects/${id}/gateways/live/stripe`,
    { base_url: `${SIM}/stripe`, credentials: live }, [["body.base_url", "value_error"]]);
  assert.match(detail.msg, /https/);
  // The other environment's host: the host decides the mode of unmarked credentials.
  const anet = { api_login_id: "login", transaction_key: "key" };
  const bt = { public_key: "pub", private_key: "priv" };
  for (const [env, gw, base_url, credentials, host] of [
    ["test", "authorizenet", "https://api2.authorize.net", anet, "https://apitest.authorize.net"],
    ["live", "authorizenet", "https://apitest.authorize.net", anet, "https://api2.authorize.net"],
    ["test", "braintree", "https://payments.braintree-api.com", bt, "https://payments.sandbox.braintree-api.com"],
    ["live", "braintree", "https://payments.sandbox.braintree-api.com", bt, "https://payments.braintree-api.com"],
  ]) {
    const [d] = await refused("PUT", `/v1/admin/projects/${id}/gateways/${env}/${gw}`, { base_url, credentials },
      [["body.base_url", "value_error"]]);
    assert.ok(d.msg.includes(host), d.msg);
  }
  const sim = await put("test", "stripe", { base_url: `${SIM}/stripe/`, credentials: stripeTest });
  assert.equal(sim.status, 200, sim.text);
  assert.equal(sim.json.gateways.test.stripe.base_url, `${SIM}/stripe`);
});

test("a test slot refuses live keys and a live slot test keys (422 at credentials.secret_key)", async () => {
  for (const [env, gw, secret_key] of [
    ["test", "stripe", "sk_live_abc"],
    ["test", "stripe", "rk_live_abc"],
    ["live", "stripe", "sk_test_abc"],
    ["live", "stripe", "rk_test_abc"],
    ["live", "stripe", "pk_live_abc"],
    ["test", "shift4", "sk_live_abc"],
    ["live", "shift4", "sk_test_abc"],
  ]) {
    const [d] = await refused("PUT", `/v1/admin/projects/${id}/gateways/${env}/${gw}`, { credentials: { secret_key } },
      [["body.credentials.secret_key", "value_error"]]);
    assert.ok(!JSON.stringify(d).includes("abc"), `the key is not echoed: ${d.msg}`);
  }
});

test("without base_url a slot gets the gateway's sandbox (test) or production (live) host", async () => {
  const anet = { api_login_id: "login", transaction_key: "key" };
  const bt = { public_key: "pub", private_key: "priv" };
  for (const [env, gw, credentials, want] of [
    ["test", "stripe", { secret_key: "rk_test_abc" }, "https://api.stripe.com"],
    ["live", "stripe", { secret_key: "sk_live_abc" }, "https://api.stripe.com"],
    ["test", "shift4", { secret_key: "sk_test_abc" }, "https://api.shift4.com"],
    ["live", "shift4", { secret_key: "sk_live_abc" }, "https://api.shift4.com"],
    ["test", "authorizenet", anet, "https://apitest.authorize.net"],
    ["live", "authorizenet", anet, "https://api2.authorize.net"],
    ["test", "braintree", bt, "https://payments.sandbox.braintree-api.com"],
    ["live", "braintree", bt, "https://payments.braintree-api.com"],
  ]) {
    const r = await admin("PUT", `/v1/admin/projects/${id}/gateways/${env}/${gw}`, { credentials });
    assert.equal(r.status, 200, `${env}/${gw}: ${r.text}`);
    assert.equal(r.json.gateways[env][gw].base_url, want, `${env}/${gw}`);
  }
  // Authorize.net's other production host is accepted too.
  const alt = await admin("PUT", `/v1/admin/projects/${id}/gateways/live/authorizenet`,
    { base_url: "https://api.authorize.net/", credentials: anet });
  assert.equal(alt.status, 200, alt.text);
  assert.equal(alt.json.gateways.live.authorizenet.base_url, "https://api.authorize.net");
});
