// Where a worker isolate spends its time during session creates: a V8 CPU profile taken through
// wrangler dev's inspector (Chrome DevTools Protocol, loopback) while wrk sends creates on 2
// connections, split into categories per completed request. Used to say what dominates the
// difference between our edge and the JS baseline (bench/RESULTS.md). Profiling slows both
// isolates (1 ms sampling); compare the categories, not the absolute times with the load figures.
// usage: node bench/profile.mjs NAME INSPECTOR_PORT CREATE_URL SECONDS   (BENCH_KEY = API key)
import { spawn } from "node:child_process";
import { join } from "node:path";
import { HERE, OUT, save, timeout } from "./lib.mjs";
import { readFileSync, existsSync } from "node:fs";

const [name, port, url, secs] = process.argv.slice(2);
const targets = await timeout(fetch(`http://127.0.0.1:${port}/json`).then((r) => r.json()), 10_000, "inspector targets");
if (!targets.length) throw new Error("no inspector target");
// The inspector proxy accepts loopback origins only (miniflare's ALLOWED_ORIGIN_HOSTNAMES).
const ws = new WebSocket(targets[0].webSocketDebuggerUrl, { headers: { origin: "http://127.0.0.1" } });
await timeout(new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = () => reject(new Error("inspector websocket failed")); }), 10_000, "inspector websocket");
let seq = 0;
const waiting = new Map();
ws.onmessage = (m) => { const d = JSON.parse(m.data); if (d.id && waiting.has(d.id)) { waiting.get(d.id)(d); waiting.delete(d.id); } };
const call = (method, params = {}) => timeout(new Promise((resolve) => {
  const id = ++seq; waiting.set(id, resolve); ws.send(JSON.stringify({ id, method, params }));
}), 30_000, method);

let wrkOut = "";
try {
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: 1000 });
  await call("Profiler.start");
  await new Promise((resolve, reject) => {
    const p = spawn("wrk", ["-t1", "-c2", `-d${secs}s`, "--timeout", "10s", "-s", join(HERE, "create.lua"), url], { stdio: ["ignore", "pipe", "inherit"] });
    p.stdout.on("data", (d) => { wrkOut += d; });
    p.on("error", reject);
    p.on("exit", resolve);
  });
  const { result } = await call("Profiler.stop");
  const prof = result.profile;
  const wrk = JSON.parse(/BENCH_JSON (.*)/.exec(wrkOut)[1]);
  const time = new Map();
  prof.samples.forEach((node, i) => time.set(node, (time.get(node) || 0) + (prof.timeDeltas[i] || 0)));
  const cats = {};
  for (const n of prof.nodes) {
    const cf = n.callFrame, us = time.get(n.id) || 0;
    let c;
    if (cf.functionName === "(idle)") c = "idle";
    else if (cf.url.startsWith("wasm://")) c = "worker code: Rust (wasm)";
    else if (cf.url && /index\.js$/.test(cf.url)) c = name === "js" ? "worker code: JavaScript" : "wasm-bindgen / workers-rs JS glue";
    else if (!cf.url && /^(get|put)$/.test(cf.functionName)) c = "KV binding (get/put)";
    else c = "V8 and runtime (GC, builtins, JS↔wasm crossings, streams)";
    cats[c] = (cats[c] || 0) + us;
  }
  // The heaviest Rust functions (self time), names without their hashes.
  const fns = {};
  for (const n of prof.nodes) {
    if (!n.callFrame.url.startsWith("wasm://")) continue;
    const f = n.callFrame.functionName.replace(/::h[0-9a-f]{16}$/, "").replace(/\[[0-9a-f]{16}\]/g, "");
    fns[f] = (fns[f] || 0) + (time.get(n.id) || 0);
  }
  const topWasm = Object.entries(fns).sort((a, b) => b[1] - a[1]).slice(0, 6)
    .map(([fn, us]) => ({ fn, ms_per_request: +(us / 1000 / wrk.requests).toFixed(3) }));
  const per = Object.fromEntries(Object.entries(cats).map(([k, v]) => [k, +(v / 1000 / wrk.requests).toFixed(3)]));
  const file = join(OUT, "profile.json");
  const all = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  all[name] = { requests: wrk.requests, seconds: +secs, rps: +(wrk.requests / (wrk.duration_us / 1e6)).toFixed(1), profile_ms: +(Object.values(cats).reduce((a, b) => a + b, 0) / 1000).toFixed(0), ms_per_request: per, top_wasm: topWasm };
  save("profile", all);
  console.log(JSON.stringify(all[name]));
} finally {
  ws.close();
}
process.exit(0); // the inspector socket would keep the event loop alive
