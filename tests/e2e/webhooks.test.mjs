// Webhooks end to end (SPEC §7): the real local edge (wrangler dev: KV, Durable Objects and the
// `maven-webhooks` queue in workerd) posts signed events to a receiver this file runs on
// loopback. scripts/with-edge.sh sets WEBHOOK_RETRY_BASE_SECS=1, so the first retry comes after
// about 1 s instead of 10 s.
//
// Other suites run beside this one, so it keeps to itself: its own account, key and project (its
// webhook URL reaches no one else's sessions), and its own gateway simulator (charge.test.mjs
// reads the shared simulator's call log and sets faults per gateway, so foreign calls there
// would land in its windows).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Webhook } from "standardwebhooks";
import { admin, charge, http, sleep } from "./lib.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
// Built by scripts/with-edge.sh before it starts the shared one.
const SIM_BIN = path.join(root, "target/release/maven-gateway-sim");

const year = new Date().getUTCFullYear();
const card = (number) => ({ number, exp_month: 12, exp_year: year + 3, cvc: "123", name: "Jane Doe", postal_code: "94107" });
const VISA = card("4242424242424242");
const DECLINED = card("4000000000000002");
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** A loopback receiver: records every POST; `plans` maps a session id to the statuses to answer first. */
async function startReceiver() {
  const hits = [];
  const plans = new Map();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let json;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      hits.push({ method: req.method, url: req.url, headers: req.headers, body, json, at: Date.now() });
      const status = plans.get(json?.session_id)?.shift() ?? 200;
      res.writeHead(status, { "content-type": "text/plain" }).end(status < 300 ? "ok" : "try later");
    });
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks/maven`,
    hits,
    plans,
    of: (sessionId) => hits.filter((h) => h.json?.session_id === sessionId),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A private gateway simulator on a free loopback port: `{url, close}`. */
async function startSim() {
  const child = spawn(SIM_BIN, ["--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  const close = () => {
    if (child.exitCode === null) child.kill("SIGTERM");
  };
  try {
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the simulator did not start within 15 s")), 15_000);
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`the simulator exited (${code})`)));
      child.stdout.once("data", (line) => {
        clearTimeout(timer);
        child.stdout.resume(); // drain: a full pipe would stall it
        const m = /listening on (http:\/\/\S+)/.exec(String(line));
        m ? resolve(m[1]) : reject(new Error(`unexpected simulator output: ${line}`));
      });
    });
    return { url, close };
  } catch (e) {
    close();
    throw e;
  }
}

/** Polls `fn` every 100 ms until it returns a truthy value; fails after `ms`. */
async function waitFor(what, fn, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** The merchant's check of `Maven-Signature`: HMAC-SHA256(secret, "<t>.<body>") in hex, t
 * within 5 minutes. */
function verifyMaven(header, body, secret) {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? "");
  assert.ok(m, `malformed Maven-Signature: ${header}`);
  const expected = createHmac("sha256", secret).update(`${m[1]}.${body}`).digest();
  assert.ok(timingSafeEqual(expected, Buffer.from(m[2], "hex")), "the signature does not verify");
  assert.ok(Math.abs(Date.now() / 1000 - Number(m[1])) < 300, `stale timestamp ${m[1]}`);
}

/** Both checks a merchant may use: ours by hand, and the Standard Webhooks headers with the
 * standardwebhooks library (which throws on a wrong or stale signature). */
function verifySignature(headers, body, secret) {
  verifyMaven(headers["maven-signature"], body, secret);
  assert.equal(headers["webhook-id"], headers["maven-delivery"]);
  assert.match(headers["webhook-signature"] ?? "", /^v1,[A-Za-z0-9+/]{43}=$/);
  const payload = new Webhook(secret).verify(body, headers);
  assert.deepEqual(payload, JSON.parse(body));
  assert.throws(() => new Webhook(secret).verify(body.replace(/}$/, ' }'), headers), /signature/i);
}

async function setUp(receiverUrl, simUrl) {
  const suffix = randomBytes(4).toString("hex");
  const account = await admin("POST", "/v1/admin/accounts", { name: `Webhook tests ${suffix}` });
  assert.equal(account.status, 201, account.text);
  const key = await admin("POST", `/v1/admin/accounts/${account.json.id}/keys`, { environment: "test" });
  assert.equal(key.status, 201, key.text);
  const slug = `hooks-${suffix}`;
  const project = await admin("POST", `/v1/admin/accounts/${account.json.id}/projects`, { slug, name: "Hooks" });
  assert.equal(project.status, 201, project.text);
  const id = project.json.id;
  // The simulator's Stripe credentials (tests/gateway-sim/WIRE.md).
  const gw = await admin("PUT", `/v1/admin/projects/${id}/gateways/test/stripe`, {
    base_url: `${simUrl}/stripe`, credentials: { secret_key: "sk_test_maven_sim" },
  });
  assert.equal(gw.status, 200, gw.text);
  const patched = await admin("PATCH", `/v1/admin/projects/${id}`, { webhook_url: receiverUrl });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.json.webhook_url, receiverUrl);
  assert.equal(patched.json.webhook_secret_set, false);
  return { id, slug, key: key.json.key };
}

test("webhooks: signed, retried, recorded, re-sendable", { timeout: 170_000 }, async (t) => {
  const sim = await startSim();
  const receiver = await startReceiver().catch((e) => {
    sim.close();
    throw e;
  });
  try {
    const project = await setUp(receiver.url, sim.url);
    let secret;

    const newSession = async (extra = {}) => {
      const r = await http("POST", "/v1/widget-sessions", {
        key: project.key,
        body: { project: project.slug, amount_cents: 1234, gateway: "stripe", metadata: { order_id: "A-1042" }, ...extra },
      });
      assert.equal(r.status, 201, r.text);
      return r.json.session_id;
    };
    const deliveries = async () => {
      const r = await admin("GET", `/v1/admin/projects/${project.id}/webhook-deliveries`);
      assert.equal(r.status, 200, r.text);
      return r.json.deliveries;
    };
    const deliveryOf = async (sessionId) => (await deliveries()).find((d) => d.session_id === sessionId);
    /** The one hit of `sessionId`, checked the way a merchant's server would. */
    const onlyHit = async (sessionId) => {
      await waitFor(`a webhook for ${sessionId}`, () => receiver.of(sessionId).length > 0);
      // Long enough for a duplicate or a retry (first retry after 1 s) to show up.
      await sleep(2_500);
      const hits = receiver.of(sessionId);
      assert.equal(hits.length, 1, `expected one POST, got ${hits.length}`);
      const [hit] = hits;
      assert.equal(hit.method, "POST");
      assert.equal(hit.url, "/hooks/maven");
      assert.match(hit.headers["content-type"], /^application\/json/);
      verifySignature(hit.headers, hit.body, secret);
      return hit;
    };

    await t.test("the secret is shown once and never again", async () => {
      const r = await admin("POST", `/v1/admin/projects/${project.id}/webhook-secret`);
      assert.equal(r.status, 201, r.text);
      assert.match(r.json.webhook_secret, /^whsec_[0-9a-f]{48}$/);
      secret = r.json.webhook_secret;
      const view = await admin("GET", `/v1/admin/projects/${project.id}`);
      assert.equal(view.status, 200);
      assert.equal(view.json.webhook_secret_set, true);
      assert.ok(!view.text.includes(secret), "the project view shows the secret");
      assert.ok(!view.text.includes("sealed"), "the project view shows the sealed secret");
      const anonymous = await http("POST", `/v1/admin/projects/${project.id}/webhook-secret`);
      assert.equal(anonymous.status, 401, anonymous.text);
      const unknown = await admin("POST", "/v1/admin/projects/0b1d7c9e-3f6a-4e1b-9c2d-5a6b7c8d9e0f/webhook-secret");
      assert.equal(unknown.status, 404, unknown.text);
    });

    let paidSession;
    let paidDelivery;
    await t.test("a paid session → one signed payment-success with the SPEC's fields", async () => {
      paidSession = await newSession();
      const r = await charge(paidSession, VISA);
      assert.equal(r.status, 200, r.text);
      const hit = await onlyHit(paidSession);
      const { created_at, event_id, ...rest } = hit.json;
      assert.match(created_at, RFC3339);
      // The event's id is its delivery's: the same on every retry, unique per event.
      assert.equal(event_id, hit.headers["maven-delivery"]);
      assert.deepEqual(rest, {
        event: "payment-success",
        session_id: paidSession,
        status: "succeeded",
        project: project.slug,
        environment: "test",
        amount: "12.34",
        amount_cents: 1234,
        currency: "usd",
        mode: "charge",
        processor: { gateway: "stripe", transaction_id: r.json.transaction_id, token: null },
        card_brand: "visa",
        card_last4: "4242",
        error_code: null,
        caller: null,
        source: "chat",
        metadata: { order_id: "A-1042" },
      });
      const raw = hit.body + JSON.stringify(hit.headers);
      for (const needle of [VISA.number, "4242 4242", '"123"', "cvc", secret]) {
        assert.ok(!raw.includes(needle), `the webhook carries ${needle}`);
      }
      // The admin view: delivered, one attempt with its status and duration.
      paidDelivery = await waitFor("the delivery to be recorded", async () => {
        const d = await deliveryOf(paidSession);
        return d?.status === "delivered" && d;
      });
      assert.equal(hit.headers["maven-delivery"], paidDelivery.id);
      assert.equal(paidDelivery.event, "payment-success");
      assert.deepEqual(paidDelivery.payload, hit.json);
      assert.equal(paidDelivery.attempts.length, 1);
      const [a] = paidDelivery.attempts;
      assert.equal(a.status_code, 200);
      assert.equal(a.error, null);
      assert.equal(a.url, receiver.url);
      assert.match(a.at, RFC3339);
      assert.ok(Number.isInteger(a.duration_ms) && a.duration_ms >= 0, `duration_ms ${a.duration_ms}`);
      assert.ok(!JSON.stringify(await deliveries()).includes(secret), "the deliveries view shows the secret");
    });

    await t.test("a receiver answering 500 gets the same event again, and both attempts are shown", async () => {
      const id = await newSession();
      receiver.plans.set(id, [500]);
      assert.equal((await charge(id, VISA)).status, 200);
      await waitFor("the retry", () => receiver.of(id).length >= 2, 20_000);
      const [first, second] = receiver.of(id);
      assert.equal(second.body, first.body, "a retry sends the same body");
      verifySignature(first.headers, first.body, secret);
      verifySignature(second.headers, second.body, secret);
      // Standard Webhooks: the id stays the same across retries, so receivers can deduplicate.
      assert.equal(second.headers["webhook-id"], first.headers["webhook-id"]);
      assert.ok(second.at - first.at >= 900, `retried after ${second.at - first.at} ms: no back-off`);
      const d = await waitFor("the delivery to be delivered", async () => {
        const d = await deliveryOf(id);
        return d?.status === "delivered" && d;
      });
      assert.deepEqual(d.attempts.map((x) => x.status_code), [500, 200]);
      assert.deepEqual(d.attempts.map((x) => x.error), [null, null]);
      await sleep(2_000);
      assert.equal(receiver.of(id).length, 2, "delivered, yet sent again");
    });

    await t.test("an authorize-only session → payment-authorized", async () => {
      const id = await newSession({ capture: false });
      const r = await charge(id, VISA);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.status, "authorized");
      const { json } = await onlyHit(id);
      assert.equal(json.event, "payment-authorized");
      assert.equal(json.status, "authorized");
      assert.equal(json.processor.transaction_id, r.json.transaction_id);
    });

    await t.test("a tokenize session → payment-success with the reusable token", async () => {
      const id = await newSession({ mode: "tokenize", amount_cents: 0 });
      const r = await charge(id, VISA);
      assert.equal(r.status, 200, r.text);
      const { json } = await onlyHit(id);
      assert.equal(json.event, "payment-success");
      assert.equal(json.status, "tokenized");
      assert.equal(json.mode, "tokenize");
      assert.equal(json.amount, "0.00");
      assert.equal(json.processor.token, r.json.token);
      assert.match(json.processor.token, /^cus_.+\/pm_.+$/);
    });

    await t.test("the third decline → one payment-failed; earlier declines send nothing", async () => {
      const id = await newSession();
      for (const left of [2, 1]) {
        const r = await charge(id, DECLINED);
        assert.equal(r.status, 402, r.text);
        assert.equal(r.json.attempts_left, left);
      }
      await sleep(1_500);
      assert.equal(receiver.of(id).length, 0, "a webhook before the session failed");
      const last = await charge(id, DECLINED);
      assert.ok([402, 429].includes(last.status), last.text);
      const { json } = await onlyHit(id);
      assert.equal(json.event, "payment-failed");
      assert.equal(json.status, "failed");
      assert.equal(json.error_code, "card_declined");
      assert.deepEqual([json.card_brand, json.card_last4], ["visa", "0002"]);
      assert.deepEqual(json.processor, { gateway: "stripe", transaction_id: null, token: null });
    });

    await t.test("a manual re-send posts the same event again and is recorded", async () => {
      const r = await admin("POST", `/v1/admin/webhook-deliveries/${paidDelivery.id}/resend`);
      assert.equal(r.status, 202, r.text);
      assert.equal(r.json.status, "pending");
      await waitFor("the re-sent webhook", () => receiver.of(paidSession).length >= 2);
      const [first, again] = receiver.of(paidSession);
      assert.equal(again.body, first.body);
      verifySignature(again.headers, again.body, secret);
      const d = await waitFor("the re-send to be recorded", async () => {
        const d = await deliveryOf(paidSession);
        return d?.status === "delivered" && d.attempts.length === 2 && d;
      });
      assert.deepEqual(d.attempts.map((x) => x.status_code), [200, 200]);
      const unknown = await admin("POST", "/v1/admin/webhook-deliveries/0b1d7c9e-3f6a-4e1b-9c2d-5a6b7c8d9e0f/resend");
      assert.equal(unknown.status, 404, unknown.text);
    });

    await t.test("the deliveries view: newest first, limit, operator only", async () => {
      const all = await deliveries();
      assert.ok(all.length >= 5, `only ${all.length} deliveries`);
      const created = all.map((d) => Date.parse(d.created_at));
      assert.deepEqual(created, [...created].sort((a, b) => b - a), "not newest first");
      const two = await admin("GET", `/v1/admin/projects/${project.id}/webhook-deliveries?limit=2`);
      assert.equal(two.json.deliveries.length, 2);
      const bad = await admin("GET", `/v1/admin/projects/${project.id}/webhook-deliveries?limit=0`);
      assert.equal(bad.status, 422, bad.text);
      assert.deepEqual(bad.json.detail[0].loc, ["query", "limit"]);
      const anonymous = await http("GET", `/v1/admin/projects/${project.id}/webhook-deliveries`);
      assert.equal(anonymous.status, 401);
    });

    await t.test("the secret is stored sealed: not in any file of the edge's state", () => {
      const files = [...walk(process.env.MAVEN_STATE_DIR)];
      assert.ok(files.length > 0);
      // SQLite removes its -shm/-wal files while the edge runs: one gone since the walk holds nothing.
      const read = (f) => { try { return readFileSync(f); } catch (e) { if (e.code === "ENOENT") return Buffer.alloc(0); throw e; } };
      const found = files.filter((f) => read(f).includes(Buffer.from(secret)));
      assert.deepEqual(found, []);
    });
  } finally {
    await receiver.close();
    sim.close();
  }
});

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(p);
    else if (entry.isFile()) yield p;
  }
}
