// Seeds a local edge through the admin API: a demo account, project `demo` ("Demo Store")
// with all four gateways pointing at the local simulator (test environment), a test and a
// live key, and a dashboard owner (its e-mail and password kept in OUT/demo.json). Idempotent: when OUT/demo.json holds a key that still works, it is reused.
// The demo sends no webhooks unless MAVEN_DEMO_WEBHOOK_URL names a receiver (https://…, or
// http://127.0.0.1:… locally); its signing secret is then created once into OUT/webhook-secret.
// usage: [MAVEN_DEMO_WEBHOOK_URL=…] node scripts/seed.mjs BASE_URL VARS_FILE SIM_URL OUT_DIR
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { randomBytes } from "node:crypto";

const [base, varsFile, sim, out] = process.argv.slice(2);
const token = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync(varsFile, "utf8"))[1];

async function call(method, path, body, auth = `Bearer ${token}`) {
  const headers = { "content-type": "application/json" };
  if (auth) headers.authorization = auth;
  const res = await fetch(base + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

// The simulator's credentials (tests/gateway-sim/WIRE.md).
const gateways = {
  stripe: { secret_key: "sk_test_maven_sim" },
  authorizenet: { api_login_id: "maven_sim_login", transaction_key: "maven_sim_key" },
  // One Braintree merchant account per currency (docs/gateways.md): the default account takes
  // USD; the simulator answers each `maven_<currency>` account in that currency.
  braintree: {
    public_key: "maven_sim_public",
    private_key: "maven_sim_private",
    merchant_accounts: { eur: "maven_eur", gbp: "maven_gbp", jpy: "maven_jpy", kwd: "maven_kwd" },
  },
  shift4: { secret_key: "sk_test_maven_sim_shift4" },
};

async function reuse() {
  if (!existsSync(`${out}/demo.json`)) return null;
  const demo = JSON.parse(readFileSync(`${out}/demo.json`, "utf8"));
  try {
    await call("GET", "/v1/auth/check", undefined, `Bearer ${demo.test_key}`);
    return demo;
  } catch {
    return null;
  }
}

async function seed() {
  const account = await call("POST", "/v1/admin/accounts", { name: "Demo Merchant" });
  const test = await call("POST", `/v1/admin/accounts/${account.id}/keys`, { environment: "test" });
  const live = await call("POST", `/v1/admin/accounts/${account.id}/keys`, { environment: "live" });
  const project = await call("POST", `/v1/admin/accounts/${account.id}/projects`, {
    slug: "demo",
    name: "Demo Store",
  });
  return { account_id: account.id, project_id: project.id, test_key: test.key, live_key: live.key };
}

const demo = (await reuse()) ?? (await seed());
// A demo merchant user (owner) for the dashboard: invited by the operator, accepted here.
if (!demo.merchant_email) {
  const email = "owner@demo-merchant.test";
  const password = `demo-${randomBytes(9).toString("base64url")}`;
  const invite = await call("POST", `/v1/admin/accounts/${demo.account_id}/invites`, { email });
  await call("POST", "/v1/dashboard/invites/accept", { code: invite.code, name: "Demo Owner", password }, null);
  Object.assign(demo, { merchant_email: email, merchant_password: password });
}
// Gateways are (re)pointed at this run's simulator every time: its port may change.
for (const [name, credentials] of Object.entries(gateways)) {
  await call("PUT", `/v1/admin/projects/${demo.project_id}/gateways/test/${name}`, {
    base_url: `${sim}/${name}`,
    credentials,
  });
}
await call("PUT", "/v1/admin/demo", { project_id: demo.project_id });
const hookUrl = process.env.MAVEN_DEMO_WEBHOOK_URL;
if (hookUrl) {
  const project = await call("PATCH", `/v1/admin/projects/${demo.project_id}`, { webhook_url: hookUrl });
  if (!project.webhook_secret_set || !existsSync(`${out}/webhook-secret`)) {
    const { webhook_secret } = await call("POST", `/v1/admin/projects/${demo.project_id}/webhook-secret`);
    writeFileSync(`${out}/webhook-secret`, webhook_secret + "\n", { mode: 0o600 });
  }
  console.log(`webhooks: ${hookUrl} (signing secret in ${out}/webhook-secret)`);
}
writeFileSync(`${out}/demo.json`, JSON.stringify(demo, null, 2) + "\n", { mode: 0o600 });
writeFileSync(`${out}/test-key`, demo.test_key + "\n", { mode: 0o600 });
writeFileSync(`${out}/live-key`, demo.live_key + "\n", { mode: 0o600 });
console.log(`seeded: project demo (${demo.project_id}), test key ${demo.test_key}`);
