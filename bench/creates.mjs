// Sequential session creates against a running edge: p50/p99 latency and throughput.
// usage (under bench/edge.sh or scripts/with-edge.sh): node bench/creates.mjs [count]
const base = process.env.MAVEN_BASE_URL;
const key = process.env.MAVEN_TEST_KEY;
const count = Number(process.argv[2] ?? 1000);
const body = JSON.stringify({ project: "demo", amount_cents: 1234, gateway: "stripe" });

const times = [];
const started = performance.now();
for (let i = 0; i < count; i++) {
  const t0 = performance.now();
  const res = await fetch(`${base}/v1/widget-sessions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`create ${i} answered ${res.status}`);
  times.push(performance.now() - t0);
}
const total = (performance.now() - started) / 1000;
times.sort((a, b) => a - b);
const pct = (p) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))];
const row = {
  creates: count,
  p50_ms: +pct(50).toFixed(2),
  p99_ms: +pct(99).toFixed(2),
  max_ms: +times[times.length - 1].toFixed(2),
  per_second: +(count / total).toFixed(1),
};
console.log(JSON.stringify(row));
