// URLs stored before today's URL policy (issue 13, docs/url-policy.md) are checked again where
// they are used, not only when they are set. Here a project is configured in local development
// (loopback gateway base URLs, webhook URL and embedding origin are allowed there), then its own
// edge restarts as a deployed edge (DEV_MODE=false), where those loopback URLs break the policy:
// a charge is refused with 400 and reaches no gateway, a webhook is not sent (the delivery says
// why), and the form's frame-ancestors leaves the origin out.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { formToken, startPrivateSim, startReceiver, waitFor } from "./lib.mjs";
import { hex, privateEdge } from "./private_edge.mjs";

const year = new Date().getUTCFullYear();
const VISA = { number: "4242424242424242", exp_month: 12, exp_year: year + 3, cvc: "123", name: "Jane Doe", postal_code: "94107" };

describe("stored URLs checked again at use", { concurrency: 1, timeout: 300_000 }, () => {
  const KEY = hex(32);
  let sim;
  let receiver;
  let edge;
  let seeded;

  const newSession = async () => {
    const s = await edge.call("POST", "/v1/widget-sessions", { key: seeded.testKey, body: { project: "demo", amount_cents: 1234, gateway: "stripe" } });
    assert.equal(s.status, 201, s.text);
    return s.json.session_id;
  };
  const pay = async (id) =>
    edge.call("POST", `/v1/widget-sessions/${id}/charge`, { key: null, body: { card: VISA }, headers: { "maven-form-token": await formToken(id, edge.url) } });
  const frameAncestors = async (id) => {
    const page = await edge.call("GET", `/widget/${id}`, { key: null });
    return /frame-ancestors ([^;]*)/.exec(page.headers.get("content-security-policy"))[1];
  };

  before(async () => {
    sim = await startPrivateSim();
    receiver = await startReceiver();
    edge = await privateEdge();
    await edge.boot({ key: KEY });
    seeded = edge.seed(sim.url, receiver.url);
  });

  after(async () => {
    await edge?.stop();
    sim?.close();
    await receiver?.close();
  });

  test("a deployed edge refuses the loopback URLs a local one stored: no charge, no webhook, no framing", async () => {
    const projectId = seeded.project.project_id;
    const o = await edge.call("PATCH", `/v1/admin/projects/${projectId}`, { body: { allowed_origins: ["http://localhost:8080", "https://shop.example.com"] } });
    assert.equal(o.status, 200, o.text);
    // Local development: all of it works.
    const paid = await newSession();
    assert.equal(await frameAncestors(paid), "'self' http://localhost:8080 https://shop.example.com");
    assert.equal((await pay(paid)).status, 200);
    await waitFor("the payment webhook", () => receiver.hits.length >= 1, 30_000);
    const deliveries = await edge.call("GET", `/v1/admin/projects/${projectId}/webhook-deliveries`);
    assert.equal(deliveries.status, 200, deliveries.text);
    const delivery = deliveries.json.deliveries[0];
    const pending = await newSession();

    // The same state, served as a deployed edge.
    await edge.boot({ key: KEY, vars: { DEV_MODE: "false" } });
    const dev = await edge.call("POST", "/v1/dev/faults", { body: {} });
    assert.equal(dev.status, 404, "still in development mode");

    assert.equal(await frameAncestors(pending), "'self' https://shop.example.com");
    const callsBefore = (await sim.calls()).length;
    const r = await pay(pending);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error_code, "gateway_not_configured");
    assert.match(r.json.detail, /gateway address is not allowed/);
    assert.equal((await sim.calls()).length, callsBefore, "the card reached the gateway");
    assert.equal((await edge.call("GET", `/v1/widget-sessions/${pending}`, { key: null })).json.status, "pending");

    const hits = receiver.hits.length;
    const resent = await edge.call("POST", `/v1/admin/webhook-deliveries/${delivery.id}/resend`);
    assert.equal(resent.status, 202, resent.text);
    let attempts;
    await waitFor("the resend's attempt", async () => {
      const d = await edge.call("GET", `/v1/admin/projects/${projectId}/webhook-deliveries`);
      attempts = d.json.deliveries.find((x) => x.id === delivery.id)?.attempts ?? [];
      return attempts.some((a) => /not allowed/.test(a.error ?? ""));
    }, 30_000);
    assert.equal(receiver.hits.length, hits, "the webhook was sent to a URL the policy refuses");
  });
});
