// Time to ready in headless Chromium (Debian's /usr/bin/chromium through playwright-core).
//
// Ours: a merchant page on its own loopback origin loads <edge>/widget/v1/widget.js and calls
// Maven.createPayment({sessionId, onReady}).mount('#slot'); the bench creates the session through
// the API first and passes its id in the query. Recorded in the page with performance.now()
// (0 = navigation start): `sdk` when Maven.ready resolves (loader + controller wasm evaluated),
// `ready` at onReady (iframe /widget/<id>, form css/js/wasm, session view, first render).
// Theirs: the same page shape with braintree-web's client + hosted-fields bundles (minified by
// esbuild, served from another loopback origin); `sdk` when braintree.client and
// braintree.hostedFields exist. Nothing can reach Braintree's servers here, so that is where
// their measurement ends.
//
// Cold cache: a new browser context (empty HTTP cache, no connections) per run. Warm cache: one
// context, one untimed first load, then RUNS navigations to the same page (new session each).
// The first cold run also records every response the merchant page and its iframe received
// (bench/out/fetched/ + fetched.json) for the widget-weight figure (weight.mjs).
// usage (under bench/edge.sh or scripts/with-edge.sh): node bench/ready.mjs BRAINTREE_DIR
import { chromium } from "playwright-core";
import { readFileSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { OUT, save, pct, round, timeout, serve, createSession } from "./lib.mjs";

const RUNS = Number(process.env.BENCH_READY_RUNS || 30);
const EDGE = process.env.MAVEN_BASE_URL;
const KEY = process.env.MAVEN_TEST_KEY;
const BT_DIR = process.argv[2];
if (!EDGE || !KEY || !BT_DIR) throw new Error("run under bench/edge.sh or scripts/with-edge.sh with the Braintree bundle dir");

const cdn = await serve({
  "/client.min.js": { type: "text/javascript", body: readFileSync(join(BT_DIR, "client.min.js")), headers: { "cache-control": "public, max-age=3600" } },
  "/hosted-fields.min.js": { type: "text/javascript", body: readFileSync(join(BT_DIR, "hosted-fields.min.js")), headers: { "cache-control": "public, max-age=3600" } },
});
const ourPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Merchant (Maven)</title>
<script src="${EDGE}/widget/v1/widget.js"></script></head>
<body><div id="slot"></div>
<script>
  window.__bench = {};
  Maven.ready.then(function () { window.__bench.sdk = performance.now(); });
  Maven.createPayment({
    sessionId: new URLSearchParams(location.search).get("session"),
    onReady: function () { window.__bench.ready = performance.now(); },
    onFailure: function (e) { window.__bench.error = JSON.stringify(e); },
  }).mount("#slot");
</script></body></html>`;
const theirPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Merchant (Braintree)</title>
<script src="${cdn.url}/client.min.js"></script>
<script src="${cdn.url}/hosted-fields.min.js"></script></head>
<body><div id="slot"></div>
<script>
  window.__bench = {};
  if (window.braintree && braintree.client && braintree.hostedFields) window.__bench.sdk = window.__bench.ready = performance.now();
  else window.__bench.error = "braintree globals missing";
</script></body></html>`;
const merchant = await serve({
  "/maven.html": { type: "text/html; charset=utf-8", body: ourPage, headers: { "cache-control": "no-store" } },
  "/braintree.html": { type: "text/html; charset=utf-8", body: theirPage, headers: { "cache-control": "no-store" } },
});

let browser;
try {
  browser = await timeout(chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  }), 30_000, "launching Chromium");

  // One load of `page` at `url`; resolves to window.__bench once `ready` (or an error) is set.
  async function load(page, url) {
    await timeout(page.goto(url, { waitUntil: "commit" }), 15_000, `opening ${url}`);
    const h = await page.waitForFunction(() => window.__bench && (window.__bench.ready || window.__bench.error) ? window.__bench : null,
      null, { timeout: 15_000, polling: 20 });
    const r = await h.jsonValue();
    if (r.error || !(r.ready > 0)) throw new Error(`${url}: ${r.error || "no ready time"}`);
    return r;
  }
  const ours = async () => `${merchant.url}/maven.html?session=${await createSession(EDGE, KEY)}`;
  const theirs = async () => `${merchant.url}/braintree.html`;

  async function cold(makeUrl, record) {
    const rows = [];
    for (let i = 0; i < RUNS; i++) {
      const url = await makeUrl();
      const context = await browser.newContext({ viewport: { width: 480, height: 900 } });
      try {
        const page = await context.newPage();
        const responses = [];
        if (record && i === 0) page.on("response", (r) => responses.push(r));
        rows.push(await load(page, url));
        if (record && i === 0) await saveFetched(responses);
      } finally {
        await context.close();
      }
    }
    return rows;
  }
  async function warm(makeUrl) {
    const rows = [];
    const context = await browser.newContext({ viewport: { width: 480, height: 900 } });
    try {
      const page = await context.newPage();
      await load(page, await makeUrl()); // fills the cache, untimed
      for (let i = 0; i < RUNS; i++) rows.push(await load(page, await makeUrl()));
    } finally {
      await context.close();
    }
    return rows;
  }
  // Every response of the first cold load of our page (the page itself excluded): what a
  // merchant page transfers to show the form.
  async function saveFetched(responses) {
    const dir = join(OUT, "fetched");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const list = [];
    for (const r of responses) {
      const u = new URL(r.url());
      if (u.origin !== EDGE) continue;
      const body = await r.body().catch(() => null);
      if (!body) continue;
      const file = `${list.length}-${u.pathname.split("/").pop() || "index"}`;
      writeFileSync(join(dir, file), body);
      list.push({ path: u.pathname, status: r.status(), type: r.request().resourceType(),
        content_type: r.headers()["content-type"] || "", frame: r.frame().parentFrame() ? "iframe" : "merchant page", file });
    }
    save("fetched", list);
  }
  const summary = (rows, key) => {
    const xs = rows.map((r) => r[key]);
    return { median_ms: round(pct(xs, 50)), p95_ms: round(pct(xs, 95)), min_ms: round(Math.min(...xs)), max_ms: round(Math.max(...xs)) };
  };

  // Ours and theirs alternate per mode, so drift on this shared machine hits both alike.
  const out = { runs: RUNS };
  const oc = await cold(ours, true);
  const tc = await cold(theirs, false);
  const ow = await warm(ours);
  const tw = await warm(theirs);
  out.ours = { cold: { ready: summary(oc, "ready"), sdk: summary(oc, "sdk") }, warm: { ready: summary(ow, "ready"), sdk: summary(ow, "sdk") } };
  out.braintree = { cold: { sdk: summary(tc, "sdk") }, warm: { sdk: summary(tw, "sdk") } };
  out.chromium = browser.version();
  save("ready", out);
  console.log(JSON.stringify(out));
} finally {
  await browser?.close().catch(() => {});
  await merchant.close();
  await cdn.close();
}
