// Charge path: what the edge adds on top of the gateway simulator.
//   charge: POST /v1/widget-sessions/{id}/charge with 4242424242424242 on stripe (the form's call;
//           the edge's Durable Object then calls the simulator: payment_methods, payment_intents)
//   sim:    the same two Stripe calls sent from node straight to the simulator (WIRE.md)
// Sessions are created first (untimed). The two measurements alternate, one charge then one
// direct pair, so load drift on the shared machine hits both alike. Edge-added = charge − sim
// at the same percentile (a difference of percentiles, not a percentile of differences).
// usage (under bench/edge.sh or scripts/with-edge.sh): node bench/charge.mjs [N]
import { save, pct, round, createSession } from "./lib.mjs";

const N = Number(process.argv[2] || process.env.BENCH_CHARGES || 300);
const WARMUP = 10;
const EDGE = process.env.MAVEN_BASE_URL, SIM = process.env.MAVEN_SIM_URL, KEY = process.env.MAVEN_TEST_KEY;
if (!EDGE || !SIM || !KEY) throw new Error("run under bench/edge.sh or scripts/with-edge.sh");
const year = new Date().getUTCFullYear() + 3;
const card = { number: "4242424242424242", exp_month: 12, exp_year: year, cvc: "123" };

// Each session's form token, from its form page like the real form (untimed, as the form has it
// before the customer presses Pay).
const ids = [];
const tokens = new Map();
for (let i = 0; i < N + WARMUP; i++) {
  const id = await createSession(EDGE, KEY);
  const page = await (await fetch(`${EDGE}/widget/${id}`, { signal: AbortSignal.timeout(15_000) })).text();
  const token = page.match(/<meta name="maven-form-token" content="([^"]*)">/)?.[1];
  if (!token) throw new Error(`form page of ${id} has no form token`);
  ids.push(id);
  tokens.set(id, token);
}

async function chargeOnce(id) {
  const t0 = performance.now();
  const res = await fetch(`${EDGE}/v1/widget-sessions/${id}/charge`, {
    method: "POST", headers: { "content-type": "application/json", "maven-form-token": tokens.get(id) },
    body: JSON.stringify({ card }), signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`charge ${id}: ${res.status} ${text}`);
  return ms;
}

// The form-encoded bodies of WIRE.md's Stripe flow, keys written as Stripe documents them.
const form = (pairs) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
async function stripe(path, body, idem) {
  const res = await fetch(`${SIM}/stripe${path}`, {
    method: "POST",
    headers: { authorization: "Bearer sk_test_maven_sim", "content-type": "application/x-www-form-urlencoded", "idempotency-key": idem },
    body, signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`sim ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}
async function simOnce(i) {
  const s = `bench-${process.pid}-${i}`;
  const t0 = performance.now();
  const pm = await stripe("/v1/payment_methods", form([["type", "card"], ["card[number]", card.number],
    ["card[exp_month]", "12"], ["card[exp_year]", String(year)], ["card[cvc]", card.cvc]]), `mvn-${s}-1-pm`);
  const pi = await stripe("/v1/payment_intents", form([["amount", "1234"], ["currency", "usd"], ["confirm", "true"],
    ["payment_method_types[]", "card"], ["error_on_requires_action", "true"], ["payment_method", pm.id],
    ["capture_method", "automatic"], ["metadata[session_id]", s]]), `mvn-${s}-1-pi`);
  const ms = performance.now() - t0;
  if (pi.status !== "succeeded") throw new Error(`sim intent ${pi.status}`);
  return ms;
}

const charge = [], sim = [];
for (let i = 0; i < N + WARMUP; i++) {
  const c = await chargeOnce(ids[i]);
  const d = await simOnce(i);
  if (i >= WARMUP) { charge.push(c); sim.push(d); }
}
const st = (xs) => ({ p50_ms: round(pct(xs, 50), 2), p99_ms: round(pct(xs, 99), 2) });
const out = { n: N, charge: st(charge), sim: st(sim) };
out.edge_added = { p50_ms: round(out.charge.p50_ms - out.sim.p50_ms, 2), p99_ms: round(out.charge.p99_ms - out.sim.p99_ms, 2) };
save("charge", out);
console.log(JSON.stringify(out));
