// Listing a project's ledger at 10,000 sessions: GET /v1/widget-sessions?project=…&limit=100,
// the first page and a page deep in the listing (after 5,000 sessions: the cursor's seek must
// cost the same as the first page, docs/ledger.md). The sessions are created first, untimed,
// in a project of their own (operator preview sessions); the ledger is written by each session's outbox, so the run waits
// until the listing holds them all.
// usage (under bench/edge.sh or scripts/with-edge.sh): node bench/list.mjs [sessions] [requests]
import { save, pct, round } from "./lib.mjs";

const SESSIONS = Number(process.argv[2] || process.env.BENCH_LIST_SESSIONS || 10_000);
const N = Number(process.argv[3] || process.env.BENCH_LISTS || 200);
const EDGE = process.env.MAVEN_BASE_URL, KEY = process.env.MAVEN_TEST_KEY, ADMIN = process.env.MAVEN_ADMIN_TOKEN;
const PROJECT = process.env.MAVEN_PROJECT_ID;
if (!EDGE || !KEY || !ADMIN || !PROJECT) throw new Error("run under bench/edge.sh or scripts/with-edge.sh");

async function call(method, path, key, body) {
  const res = await fetch(EDGE + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body && JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

// A project of its own in the demo account (the test key's), with the demo's Stripe slot.
const demo = await call("GET", `/v1/admin/projects/${PROJECT}`, ADMIN);
const slug = `bench-list-${process.pid}`;
const project = await call("POST", `/v1/admin/accounts/${demo.account_id}/projects`, ADMIN, { slug, name: "Bench list" });
await call("PUT", `/v1/admin/projects/${project.id}/gateways/test/stripe`, ADMIN, {
  base_url: `${process.env.MAVEN_SIM_URL}/stripe`, credentials: { secret_key: "sk_test_maven_sim" },
});

// Seeded through the operator's preview sessions: the same create path (and ledger note) as a
// merchant's, without the per-account create limit (600 a minute) a merchant's key has.
const t0 = performance.now();
for (let done = 0; done < SESSIONS; done += 20) {
  await Promise.all(Array.from({ length: Math.min(20, SESSIONS - done) }, () =>
    call("POST", `/v1/admin/projects/${project.id}/preview-session`, ADMIN)));
}
const page = (q) => call("GET", `/v1/widget-sessions?${new URLSearchParams({ project: slug, limit: "100", ...q })}`, KEY);
// Wait until the ledger holds every session (the outbox writes it right after each create).
let count = 0, middle;
for (let tries = 0; count < SESSIONS; tries++) {
  if (tries > 60) throw new Error(`the ledger holds ${count} of ${SESSIONS} sessions`);
  count = 0;
  let after;
  for (;;) {
    const p = await page(after ? { starting_after: after } : {});
    count += p.data.length;
    if (count === Math.floor(SESSIONS / 2 / 100) * 100) middle = p.data.at(-1).session_id;
    if (!p.has_more) break;
    after = p.data.at(-1).session_id;
  }
  if (count < SESSIONS) await new Promise((r) => setTimeout(r, 2000));
}
const seeded_s = round((performance.now() - t0) / 1000, 1);

async function timed(q) {
  const t = performance.now();
  const p = await page(q);
  const ms = performance.now() - t;
  if (p.data.length !== 100) throw new Error(`a page of ${p.data.length}`);
  return ms;
}
const first = [], deep = [];
for (let i = 0; i < N + 10; i++) {
  const a = await timed({});
  const b = await timed({ starting_after: middle });
  if (i >= 10) { first.push(a); deep.push(b); }
}
const st = (xs) => ({ p50_ms: round(pct(xs, 50), 2), p99_ms: round(pct(xs, 99), 2) });
const out = { sessions: SESSIONS, n: N, seeded_s, first_page: st(first), deep_page: st(deep) };
save("list", out);
console.log(JSON.stringify(out));
