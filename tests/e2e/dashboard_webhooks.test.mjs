// The dashboard's Developers → Webhooks API (/v1/dashboard/projects/{id}/webhooks…): a URL per
// environment, the secret roll with an overlap during which both secrets sign, deliveries with
// the exact body, re-send and "send a test event", checked at a loopback receiver with the
// standardwebhooks library; and the refusals (no session, another account, a member where an
// owner is needed, no CSRF token). Each test makes its own accounts and projects.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { acceptInvite, admin, dash, http, startReceiver, waitFor } from "./lib.mjs";

const PASSWORD = "correct horse battery";

const accept = (code, name) => acceptInvite(code, name, PASSWORD);

/** An account with one project, its owner and a member signed in. */
async function account() {
  const suffix = randomBytes(4).toString("hex");
  const a = await admin("POST", "/v1/admin/accounts", { name: `Hooks ${suffix}` });
  assert.equal(a.status, 201, a.text);
  const p = await admin("POST", `/v1/admin/accounts/${a.json.id}/projects`, { slug: `hooks-${suffix}`, name: "Hooks" });
  assert.equal(p.status, 201, p.text);
  const inv = await admin("POST", `/v1/admin/accounts/${a.json.id}/invites`, { email: `owner-${suffix}@shop.test` });
  const owner = await accept(inv.json.code, "Olive Owner");
  const minv = await dash("POST", "/invites", owner, { body: { email: `member-${suffix}@shop.test`, role: "member" } });
  assert.equal(minv.status, 201, minv.text);
  const member = await accept(minv.json.code, "Max Member");
  return { id: a.json.id, project: p.json, owner, member };
}

/** Standard Webhooks check with the library, and our own header's `v1=` count. */
function verifyBoth(hit, secret) {
  const payload = new Webhook(secret).verify(hit.body, hit.headers);
  assert.deepEqual(payload, JSON.parse(hit.body));
}

test("webhooks page API: URLs per environment, test event, roll with overlap, resend, audit", { timeout: 90_000 }, async () => {
  const receiver = await startReceiver();
  const live = await startReceiver();
  try {
    const { project, owner, member } = await account();
    const base = `/projects/${project.id}/webhooks`;

    const empty = await dash("GET", base, member);
    assert.equal(empty.status, 200, empty.text);
    assert.deepEqual(empty.json, { urls: { test: null, live: null }, secret_set: false, previous_secret_until: null });

    // Members may set URLs (no secret in them); each environment keeps its own.
    const t = await dash("PUT", `${base}/urls/test`, member, { body: { url: receiver.url } });
    assert.equal(t.status, 200, t.text);
    const l = await dash("PUT", `${base}/urls/live`, owner, { body: { url: live.url } });
    assert.deepEqual(l.json.urls, { test: receiver.url, live: live.url });
    const bad = await dash("PUT", `${base}/urls/test`, owner, { body: { url: "ftp://x" } });
    assert.equal(bad.status, 422, bad.text);
    assert.deepEqual(bad.json.detail[0].loc, ["body", "url"]);
    assert.equal((await dash("PUT", `${base}/urls/prod`, owner, { body: { url: receiver.url } })).status, 422);

    // No secret yet: a test event is refused with a reason.
    const early = await dash("POST", `${base}/test`, owner, { body: { environment: "test" } });
    assert.equal(early.status, 422, early.text);
    assert.match(early.json.detail[0].msg, /signing secret/);

    // Owners only for secrets.
    const refused = await dash("POST", `${base}/secret`, member, { body: {} });
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.json.error_code, "owner_required");
    const first = await dash("POST", `${base}/secret`, owner, { body: { overlap_secs: 0 } });
    assert.equal(first.status, 201, first.text);
    const secret1 = first.json.webhook_secret;
    assert.match(secret1, /^whsec_[0-9a-f]{48}$/);
    assert.equal(first.json.previous_secret_until, null);
    const view = await dash("GET", base, owner);
    assert.equal(view.json.secret_set, true);
    assert.ok(!view.text.includes(secret1), "the secret is shown once");

    // Send a test event to the test URL: signed both ways, recorded with the exact body.
    const sent = await dash("POST", `${base}/test`, member, { body: { environment: "test" } });
    assert.equal(sent.status, 202, sent.text);
    assert.equal(sent.json.event, "webhook.test");
    const hit = await waitFor("the test event", () => receiver.hits.find((h) => h.headers["webhook-id"] === sent.json.id));
    assert.deepEqual(hit.json, { event: "webhook.test", project: project.slug, environment: "test", created_at: hit.json.created_at });
    verifyBoth(hit, secret1);
    assert.equal(live.hits.length, 0, "a test-environment event reached the live URL");
    const listed = await waitFor("the delivery to be delivered", async () => {
      const r = await dash("GET", `${base}/deliveries`, member);
      assert.equal(r.status, 200, r.text);
      const d = r.json.deliveries.find((x) => x.id === sent.json.id);
      return d?.status === "delivered" && d;
    });
    assert.equal(listed.body, hit.body, "the delivery shows the exact signed body");
    assert.equal(listed.environment, "test");
    assert.equal(listed.attempts[0].status_code, 200);
    assert.equal(String(listed.attempts[0].timestamp), hit.headers["webhook-timestamp"]);

    // The live URL gets live test events.
    const sentLive = await dash("POST", `${base}/test`, owner, { body: { environment: "live" } });
    assert.equal(sentLive.status, 202, sentLive.text);
    const liveHit = await waitFor("the live test event", () => live.hits.find((h) => h.headers["webhook-id"] === sentLive.json.id));
    assert.equal(liveHit.json.environment, "live");

    // Roll with an overlap: both secrets sign, in both headers.
    const rolled = await dash("POST", `${base}/secret`, owner, { body: { overlap_secs: 3600 } });
    assert.equal(rolled.status, 201, rolled.text);
    const secret2 = rolled.json.webhook_secret;
    assert.notEqual(secret2, secret1);
    const until = Date.parse(rolled.json.previous_secret_until);
    assert.ok(Math.abs(until - Date.now() - 3_600_000) < 60_000, rolled.json.previous_secret_until);
    const resent = await dash("POST", `${base}/deliveries/${sent.json.id}/resend`, member);
    assert.equal(resent.status, 202, resent.text);
    const again = await waitFor("the re-sent event", () => {
      const hits = receiver.hits.filter((h) => h.headers["webhook-id"] === sent.json.id);
      return hits.length >= 2 && hits[1];
    });
    assert.equal(again.body, hit.body, "a re-send sends the same body");
    assert.equal(again.headers["webhook-signature"].split(" ").length, 2);
    assert.equal(again.headers["maven-signature"].match(/v1=/g).length, 2);
    verifyBoth(again, secret1);
    verifyBoth(again, secret2);
    assert.throws(() => new Webhook(`whsec_${"0".repeat(48)}`).verify(again.body, again.headers), /signature/i);

    // A roll with no overlap: only the new secret signs.
    const hard = await dash("POST", `${base}/secret`, owner, { body: { overlap_secs: 0 } });
    const secret3 = hard.json.webhook_secret;
    await dash("POST", `${base}/deliveries/${sent.json.id}/resend`, owner);
    const third = await waitFor("the second re-send", () => {
      const hits = receiver.hits.filter((h) => h.headers["webhook-id"] === sent.json.id);
      return hits.length >= 3 && hits[2];
    });
    verifyBoth(third, secret3);
    assert.throws(() => new Webhook(secret2).verify(third.body, third.headers), /signature/i);
    assert.equal((await dash("POST", `${base}/secret`, owner, { body: { overlap_secs: 700_000 } })).status, 422);

    // Every change is in the audit log, with no secret in it.
    const log = await dash("GET", "/audit?limit=50", owner);
    assert.equal(log.status, 200, log.text);
    const actions = log.json.entries.map((e) => e.action);
    for (const a of ["webhook.url_updated", "webhook.secret_rolled", "webhook.test_sent", "webhook.resent"]) {
      assert.ok(actions.includes(a), `${a} not in ${actions}`);
    }
    for (const s of [secret1, secret2, secret3]) assert.ok(!log.text.includes(s), "a secret in the audit log");
    const urlEntry = log.json.entries.find((e) => e.action === "webhook.url_updated" && e.details.environment === "live");
    assert.equal(urlEntry.details.webhook_url, live.url);
  } finally {
    await receiver.close();
    await live.close();
  }
});

test("webhooks page API refuses no session, another account, and a missing CSRF token", async () => {
  const mine = await account();
  const other = await account();
  const base = `/projects/${mine.project.id}/webhooks`;
  const calls = [
    ["GET", base], ["PUT", `${base}/urls/test`, { url: "https://shop.example.com/h" }],
    ["POST", `${base}/secret`, {}], ["GET", `${base}/deliveries`],
    ["POST", `${base}/deliveries/0b1d7c9e-3f6a-4e1b-9c2d-5a6b7c8d9e0f/resend`], ["POST", `${base}/test`, { environment: "test" }],
  ];
  for (const [method, path, body] of calls) {
    const anonymous = await dash(method, path, null, { body });
    assert.equal(anonymous.status, 401, `${method} ${path} without a session: ${anonymous.text}`);
    const foreign = await dash(method, path, other.owner, { body });
    assert.equal(foreign.status, 404, `${method} ${path} from another account: ${foreign.text}`);
    if (method !== "GET") {
      const noCsrf = await dash(method, path, mine.owner, { body, csrf: "" });
      assert.equal(noCsrf.status, 403, `${method} ${path} without CSRF: ${noCsrf.text}`);
      assert.equal(noCsrf.json.error_code, "csrf_failed");
    }
  }
  // Another project's delivery cannot be re-sent through mine.
  const theirs = await dash("GET", `/projects/${other.project.id}/webhooks`, other.owner);
  assert.equal(theirs.status, 200);
  const unknown = await dash("POST", `${base}/deliveries/0b1d7c9e-3f6a-4e1b-9c2d-5a6b7c8d9e0f/resend`, mine.owner);
  assert.equal(unknown.status, 404, unknown.text);
});
