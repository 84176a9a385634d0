// Key rotation end to end (issue 13, docs/keys.md): a project pays on all four gateways under
// the old CREDENTIALS_KEY; the edge restarts with a new key (the old one as
// CREDENTIALS_KEY_PREVIOUS) and still pays; the operator re-seals every project page by page;
// the state at rest then holds only the new key id; the edge restarts with the new key alone
// and every gateway still pays, and the webhook secret still signs.
//
// It runs its own edge (three starts on one persisted state), simulator and receiver, so the
// shared edge's keys are never touched.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { GATEWAYS, formToken, startPrivateSim, startReceiver, waitFor } from "./lib.mjs";
import { hex, privateEdge } from "./private_edge.mjs";

const year = new Date().getUTCFullYear();
const VISA = { number: "4242424242424242", exp_month: 12, exp_year: year + 3, cvc: "123", name: "Jane Doe", postal_code: "94107" };

describe("sealing key rotation", { concurrency: 1, timeout: 600_000 }, () => {
  const OLD = hex(32);
  const NEW = hex(32);
  let sim;
  let receiver;
  let edge;
  let testKey;
  let webhookSecret;
  const boot = (key, previousKey) => edge.boot({ key, previousKey });
  const call = (...args) => edge.call(...args);

  /** One 200 `succeeded` charge on each gateway, through the form's token, as a customer pays. */
  async function payOnEveryGateway(when) {
    for (const gateway of GATEWAYS) {
      const s = await call("POST", "/v1/widget-sessions", { key: testKey, body: { project: "demo", amount_cents: 1234, gateway } });
      assert.equal(s.status, 201, `${when} ${gateway}: ${s.text}`);
      const id = s.json.session_id;
      const token = await formToken(id, edge.url);
      assert.ok(token, `${when} ${gateway}: the form page has no token`);
      const r = await call("POST", `/v1/widget-sessions/${id}/charge`, { key: null, body: { card: VISA }, headers: { "maven-form-token": token } });
      assert.equal(r.status, 200, `${when} ${gateway}: ${r.text}`);
      assert.equal(r.json.status, "succeeded");
    }
  }

  /** Every key id found in sealed blobs anywhere in the persisted state (KV's files). */
  function keyIdsAtRest() {
    const ids = new Set();
    const walk = (dir) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const f = path.join(dir, e.name);
        if (e.isDirectory()) walk(f);
        else {
          let text;
          try { text = readFileSync(f, "latin1"); } catch (err) { if (err.code === "ENOENT") continue; throw err; }
          for (const m of text.matchAll(/v2\.([0-9a-f]{8})\.[A-Za-z0-9+/=]{20,}/g)) ids.add(m[1]);
        }
      }
    };
    walk(edge.stateDir);
    return ids;
  }

  async function resealAll() {
    let cursor = null;
    const total = { projects: 0, resealed: 0, already_current: 0, failed: [] };
    for (let pages = 0; pages < 100; pages++) {
      const r = await call("POST", "/v1/admin/keys/reseal", { body: { limit: 1, ...(cursor && { cursor }) } });
      assert.equal(r.status, 200, r.text);
      total.projects += r.json.projects;
      total.resealed += r.json.resealed;
      total.already_current += r.json.already_current;
      total.failed.push(...r.json.failed);
      cursor = r.json.next_cursor;
      if (!cursor) return total;
    }
    throw new Error("re-sealing never reached the last page");
  }

  before(async () => {
    sim = await startPrivateSim();
    receiver = await startReceiver();
    edge = await privateEdge();
    await boot(OLD);
    ({ testKey, webhookSecret } = edge.seed(sim.url, receiver.url));
  });

  after(async () => {
    await edge?.stop();
    sim?.close();
    await receiver?.close();
  });

  test("pays before, during and after a rotation; re-sealing leaves only the new key id at rest", async () => {
    await payOnEveryGateway("under the old key");
    const before = await call("GET", "/v1/admin/keys");
    assert.equal(before.status, 200, before.text);
    assert.match(before.json.current_key_id, /^[0-9a-f]{8}$/);
    assert.equal(before.json.previous_key_id, null);
    assert.deepEqual([...keyIdsAtRest()], [before.json.current_key_id]);

    // Step 1: the new key current, the old one previous.
    await boot(NEW, OLD);
    const during = await call("GET", "/v1/admin/keys");
    assert.notEqual(during.json.current_key_id, before.json.current_key_id);
    assert.equal(during.json.previous_key_id, before.json.current_key_id);
    await payOnEveryGateway("during the rotation, before re-sealing");

    // Step 2: re-seal, one project a page. The demo's four gateways and its webhook secret.
    const first = await resealAll();
    assert.deepEqual(first.failed, []);
    assert.ok(first.projects >= 1);
    assert.equal(first.resealed, GATEWAYS.length + 1, JSON.stringify(first));
    const again = await resealAll();
    assert.equal(again.resealed, 0, "a second pass found stale blobs");
    assert.equal(again.already_current, GATEWAYS.length + 1);
    await waitFor("KV to write the re-sealed project", () => !keyIdsAtRest().has(before.json.current_key_id), 15_000);
    assert.deepEqual([...keyIdsAtRest()], [during.json.current_key_id]);

    // Step 3: the old key removed.
    await boot(NEW);
    const afterwards = await call("GET", "/v1/admin/keys");
    assert.equal(afterwards.json.previous_key_id, null);
    const since = receiver.hits.length;
    await payOnEveryGateway("under the new key alone");

    // The webhook secret, re-sealed, still signs with the same plaintext the merchant holds.
    const secret = webhookSecret;
    await waitFor("the payment webhooks", () => receiver.hits.length >= since + GATEWAYS.length, 30_000);
    for (const hit of receiver.hits.slice(since)) {
      const header = hit.headers["maven-signature"];
      assert.ok(header, "unsigned webhook");
      const t = /t=(\d+)/.exec(header)[1];
      const v1 = /v1=([0-9a-f]+)/.exec(header)[1];
      assert.equal(createHmac("sha256", secret).update(`${t}.${hit.body}`).digest("hex"), v1, "signature does not verify");
    }
  });

  test("bad re-seal input is a 422 and the endpoints need the operator token", async () => {
    const bad = await call("POST", "/v1/admin/keys/reseal", { body: { limit: 0, extra: 1 } });
    assert.equal(bad.status, 422, bad.text);
    assert.deepEqual(bad.json.detail.map((d) => [d.loc.join("."), d.type]).sort(), [
      ["body.extra", "extra_forbidden"], ["body.limit", "greater_than_equal"],
    ]);
    assert.equal((await call("GET", "/v1/admin/keys", { key: testKey })).status, 401);
    assert.equal((await call("POST", "/v1/admin/keys/reseal", { key: "nope", body: {} })).status, 401);
  });
});
