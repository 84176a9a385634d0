// Servers for the widget's browser tests and for working on the widget without the edge.
//
// - startMerchant({ edge }): the merchant test page, on its own origin (a different port from
//   the edge), served with a strict Content-Security-Policy. `?csp=` picks a policy preset.
// - startMockEdge(): a stand-in for the edge's widget routes (GET /widget/{id} with the form's
//   CSP, the public session view, the charge endpoint with the SPEC's test cards, the demo
//   session endpoint, static files from www/dist). Only for iterating and for `MAVEN_BASE_URL`-
//   less runs; the real tests run against `wrangler dev` (scripts/with-edge.sh).
//
// CLI: node tests/browser/server.mjs [--edge-port 8788] [--merchant-port 8790] [--edge URL]
//   starts the mock edge (unless --edge is given) and the merchant page, prints their URLs.
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { extname, join, normalize, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const DIST = join(HERE, "../../www/dist");
const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8", ".wasm": "application/wasm", ".json": "application/json",
  ".svg": "image/svg+xml", ".ts": "text/plain; charset=utf-8", ".png": "image/png",
};

function listen(server, port = 0) {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const { port: p } = server.address();
      resolve({
        url: `http://127.0.0.1:${p}`,
        server,
        close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
      });
    });
  });
}

async function serveFile(res, root, path, headers = {}) {
  const file = normalize(join(root, decodeURIComponent(path)));
  if (!file.startsWith(root)) return send(res, 404, { detail: "Not Found" });
  try {
    const body = await readFile(file.endsWith("/") ? join(file, "index.html") : file);
    const type = TYPES[extname(file.endsWith("/") ? "index.html" : file)] || "application/octet-stream";
    res.writeHead(200, { "content-type": type, ...headers });
    res.end(body);
  } catch {
    send(res, 404, { detail: "Not Found" });
  }
}

// The column of core/src/l10n.json for a BCP 47 tag: the tag, then its language, then English.
const L10N = JSON.parse(readFileSync(join(HERE, "../../core/src/l10n.json"), "utf8"));
// maven_core::l10n::lang_index: the exact tag, then its language subtag, then English (0).
function langIndex(tag) {
  const { langs } = L10N, lang = tag.split(/[-_]/)[0].toLowerCase();
  let col = langs.findIndex((l) => l.toLowerCase() === tag.toLowerCase());
  if (col < 0) col = langs.findIndex((l) => l.split("-")[0].toLowerCase() === lang);
  return Math.max(col, 0);
}
const translate = (tag, en) => L10N.rows.find((r) => r[0] === en)?.[langIndex(tag)] ?? en;
// maven_core::l10n::localize_page: form.html's own texts (`page`) in the page's language.
const escapeHtml = (t) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
export function localizePage(html, tag) {
  if (langIndex(tag) === 0) return html;
  for (const en of L10N.page) {
    const tr = escapeHtml(translate(tag, en));
    html = html.split(`>${en}<`).join(`>${tr}<`).split(`="${en}"`).join(`="${tr}"`);
  }
  return html;
}
// The page's strings block: none for English; never the texts only the edge's screens show.
async function pageStrings(tag) {
  const col = langIndex(tag);
  if (col === 0) return null;
  const rows = L10N.rows.filter((r) => !L10N.edge_only.includes(r[0]) && !L10N.page.includes(r[0]));
  return JSON.stringify(Object.fromEntries(rows.map((r) => [r[0], r[col]]))).replace(/</g, "\\u003c");
}

// As the edge does (maven_core::form_screen, whose unit tests hold the rules): the screen the
// form shows for a charge answer or a session it cannot take a card for.
const BRANDS = { visa: "Visa", mastercard: "Mastercard", amex: "American Express", discover: "Discover", diners: "Diners Club", jcb: "JCB", unionpay: "UnionPay" };
export function screenFor(status, body, { locale = "en", amountText = "", labels = PROJECT.labels } = {}) {
  const tr = (en) => translate(locale, en);
  const screen = (state, tone, title, text, extra = {}) => ({ state, tone, title: tr(title), text, retry: false, ...extra });
  const failure = (code, message, left, retry, extra = {}) => {
    let text = tr(message);
    if (retry && left === 1) text += " " + tr("1 attempt left.");
    else if (retry && left > 1) text += " " + tr("{n} attempts left.").replace("{n}", left);
    const error = { error_code: code, error_message: message, ...(left != null ? { attempts_left: left } : {}) };
    return screen("failure", "failure", labels.failure, text, { label: "failure", retry, event: "failure", error, ...extra });
  };
  const note = (state, tone, title, m, code) => screen(state, tone, title, tr(m), { event: "failure", error: { error_code: code, error_message: m } });
  const code = body?.error_code || null, detail = body?.detail && typeof body.detail === "string" ? body.detail : null;
  if (status === "expired" || status === 410) return screen("expired", "neutral", "This payment session has expired", tr("Ask for a new payment link to continue."), { event: "expired" });
  if (status === "failed") return failure("session_failed", "This payment can no longer be completed.", null, false);
  if (status === "unknown") return note("invalid", "failure", "Payment link not valid", "This payment link is not valid. Ask for a new one to continue.", "session_not_found");
  if (status >= 200 && status < 300) {
    const card = `${tr(BRANDS[body.card_brand] || "Card")} •••• ${body.card_last4 || ""}`;
    const tpl = { tokenized: "{card} saved", authorized: "{amount} authorized on {card}" }[body.status] || "{amount} paid with {card}";
    return screen("success", "success", labels.success, tr(tpl).replace("{amount}", amountText).replace("{card}", card), { label: "success", event: "success" });
  }
  if (status === 402) {
    const c = code || "card_declined", left = body.attempts_left;
    return failure(c, detail || "Your card was declined.", left, left !== 0, { focus: { incorrect_cvc: "cvc", expired_card: "exp_month" }[c] || "number" });
  }
  if (status === 409 && code === "in_progress") return screen("processing", "neutral", "Payment in progress", tr("This can take a few seconds."));
  if (status === 409 && code === "session_cancelled") return note("failure", "neutral", "Payment cancelled", "This payment was cancelled.", "session_cancelled");
  if (status === 409) return note("paid", "success", "Already paid", "This payment is already complete.", "already_completed");
  if (status === 429 && (code === "rate_limited" || code === "card_testing_suspected")) return failure(code, detail || "Too many payment attempts.", null, code === "rate_limited");
  if (status === 429) return failure("too_many_attempts", detail || "Too many declined attempts.", 0, false);
  return failure(code || `http_${status}`, detail || "The payment could not be completed. Please try again.", null, true, { focus: "number" });
}

// As the worker does (maven_core::form_page): the session rendered into the form page as a JSON
// data block, with the amount as the page's locale writes money. tests/e2e/form_page.test.mjs
// compares this with the worker's block for the same session.
export function canonicalLocale(tag) {
  try { return Intl.getCanonicalLocales(tag)[0] || "en"; } catch { return "en"; }
}
// The currency's minor digits as the edge counts them: maven_core::money's ISO 4217 table, read
// from its source (Intl's own, from CLDR, write HUF, IDR and MGA without decimals).
const EXPONENTS = Object.fromEntries([...readFileSync(join(HERE, "../../core/src/money.rs"), "utf8")
  .matchAll(/\("([a-z]{3})", (\d)\)/g)].map((m) => [m[1], Number(m[2])]));
export function moneyText(minor, currency, tag) {
  const e = EXPONENTS[currency.toLowerCase()] ?? 2;
  try {
    return new Intl.NumberFormat(canonicalLocale(tag), { style: "currency", currency: currency.toUpperCase(), minimumFractionDigits: e, maximumFractionDigits: e })
      .format(minor / 10 ** e);
  } catch { return ""; }
}
// `view`: the public session view, or null for an unknown session; `expired`: the API's 410.
export function sessionBlock(view, expired, tag) {
  const locale = canonicalLocale(tag), labels = view?.labels || PROJECT.labels;
  // Labels in the page's language where they are the English defaults.
  const v = !view ? {} : expired ? { expired: true } : { ...view, amount_text: moneyText(view.amount_cents, view.currency, tag),
    labels: Object.fromEntries(Object.entries(view.labels).map(([k, t]) => [k, translate(locale, t)])) };
  const paid = ["succeeded", "authorized", "tokenized", "captured", "voided", "partially_refunded", "refunded"];
  const found = !view ? "unknown" : expired ? "expired" : paid.includes(view.status) ? "paid" : view.status;
  const answer = { paid: [409, "already_completed"], processing: [409, "in_progress"], cancelled: [409, "session_cancelled"] }[found];
  if (answer) v.screen = screenFor(answer[0], { error_code: answer[1] }, { locale, labels });
  else if (["unknown", "expired", "failed"].includes(found)) v.screen = screenFor(found, {}, { locale, labels });
  v.locale = locale;
  return `<script type="application/json" id="mv-session">${JSON.stringify(v).replace(/</g, "\\u003c")}</script>`;
}
// The page's locale: the mount's (`l`, when well-formed), else the session's, else English.
export function pageLocale(mount, session) {
  let ok = false;
  try { ok = !!mount && mount.length <= 35 && Intl.getCanonicalLocales(mount).length > 0; } catch { ok = false; }
  return ok ? mount : session || "en";
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

async function readJson(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  try { return JSON.parse(Buffer.concat(chunks).toString("utf8") || "null"); } catch { return undefined; }
}

// ---------------------------------------------------------------------------------------------
// Merchant page: strict CSP, different origin from the edge.
export const CSP_PRESETS = {
  // What SPEC §4 says a merchant needs (no default-src, so connect-src is open).
  strict: (edge) => `script-src ${edge} 'wasm-unsafe-eval'; frame-src ${edge}; style-src 'self'; object-src 'none'; base-uri 'none'`,
  // A locked-down page: default-src 'self', our origin allowed for scripts, frames and fetch.
  locked: (edge) => `default-src 'self'; script-src ${edge} 'wasm-unsafe-eval'; frame-src ${edge}; connect-src 'self' ${edge}; style-src 'self'`,
  // Missing 'wasm-unsafe-eval': mount must fail naming it.
  nowasm: (edge) => `script-src ${edge}; frame-src ${edge}; style-src 'self'`,
  // default-src 'self' without our origin in connect-src: the wasm fetch is blocked.
  noconnect: (edge) => `default-src 'self'; script-src ${edge} 'wasm-unsafe-eval'; frame-src ${edge}; style-src 'self'`,
};

export async function startMerchant({ edge, port = 0 }) {
  const page = (csp) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Merchant test page</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/merchant.css">
<script src="${edge}/widget/v1/widget.js"></script>
</head><body><main><h1>Checkout</h1><div id="slot" class="slot"></div><div id="slot2" class="slot"></div></main></body></html>`;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname === "/favicon.ico") { res.writeHead(204); return res.end(); }
    if (url.pathname === "/merchant.css") {
      res.writeHead(200, { "content-type": "text/css" });
      return res.end("body{margin:0;font:16px system-ui;background:#f6f7f9}main{max-width:520px;margin:24px auto;padding:0 16px}.slot{background:#fff;border-radius:12px;padding:12px}");
    }
    if (url.pathname === "/" || url.pathname === "/index.html") {
      const preset = CSP_PRESETS[url.searchParams.get("csp") || "strict"] || CSP_PRESETS.strict;
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-security-policy": preset(edge) });
      return res.end(page());
    }
    send(res, 404, { detail: "Not Found" });
  });
  return listen(server, port);
}

// ---------------------------------------------------------------------------------------------
// Mock edge.
export const PROJECT = {
  project_name: "Demo Store",
  theme: { primary_color: "#4f46e5", background_color: "transparent", text_color: "#1f2937", error_color: "#dc2626", border_radius: 8, font_family: "system-ui, sans-serif" },
  labels: { title: "Payment details", card_number: "Card number", expiry: "Expiry", cvc: "CVC", cardholder_name: "Name on card", postal_code: "Postal code", pay_button: "Pay {amount}", success: "Payment successful", failure: "Payment failed", try_again: "Try again" },
  fields: { cardholder_name: "optional", postal_code: "hidden" },
};
const DECLINES = {
  "4000000000000002": ["card_declined", "Your card was declined."],
  "4000000000009995": ["insufficient_funds", "Your card has insufficient funds."],
  "4000000000000069": ["expired_card", "Your card has expired."],
  "4000000000000127": ["incorrect_cvc", "Your card's security code is incorrect."],
  "4000000000000119": ["processing_error", "An error occurred while processing your card. Try again."],
};
const luhn = (d) => [...d].reverse().reduce((s, c, i) => { let x = +c; if (i % 2) { x *= 2; if (x > 9) x -= 9; } return s + x; }, 0) % 10 === 0;

// The Cloudflare `_headers` rules of www/_headers, applied by the mock like the real asset server.
async function headerRules() {
  const rules = [];
  let text = "";
  try { text = await readFile(join(DIST, "_headers"), "utf8"); } catch { return rules; }
  for (const line of text.split("\n")) {
    if (!line.trim() || line.trim().startsWith("#")) continue;
    if (!/^\s/.test(line)) {
      const re = new RegExp("^" + line.trim().replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*") + "$");
      rules.push({ re, headers: {} });
    } else if (rules.length) {
      const i = line.indexOf(":");
      rules.at(-1).headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
  }
  return rules;
}

export async function startMockEdge({ port = 0, formCsp } = {}) {
  // Load failures the browser tests switch on: the form's wasm answers 404 (`wasm`), or the
  // form page never answers (`hang`).
  const faults = { wasm: false, hang: false };
  const held = [];
  const rules = await headerRules();
  const assetHeaders = (path) => Object.assign({}, ...rules.filter((r) => r.re.test(path)).map((r) => r.headers));
  const sessions = new Map();
  const create = (b = {}) => {
    const id = randomUUID();
    const expiresIn = Number.isInteger(b.expires_in) ? b.expires_in : 300;
    const s = {
      session_id: id, status: "pending", amount_cents: b.amount_cents ?? 1234, currency: b.currency || "usd",
      description: b.description ?? null, mode: b.mode || "charge", capture: b.capture ?? true,
      expires_at: new Date(Date.now() + expiresIn * 1000).toISOString(), environment: "test",
      ...(b.locale ? { locale: b.locale } : {}),
      ...(b.color_scheme ? { color_scheme: b.color_scheme } : {}),
      project_name: PROJECT.project_name,
      theme: { ...PROJECT.theme, ...b.theme }, labels: { ...PROJECT.labels, ...b.labels }, fields: { ...PROJECT.fields, ...b.fields },
      attempts: 0,
    };
    sessions.set(id, s);
    return s;
  };
  const view = (s) => { const { attempts, ...v } = s; return v; };
  const expired = (s) => Date.parse(s.expires_at) <= Date.now();

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    const p = url.pathname;
    const cors = { "access-control-allow-origin": "*" };
    let m;
    if (p === "/health") return send(res, 200, { status: "ok" });
    if (req.method === "POST" && (p === "/v1/widget-sessions" || p === "/demo/api/session")) {
      const s = create((await readJson(req)) || {});
      return send(res, 201, { session_id: s.session_id, widget_url: `http://${req.headers.host}/widget/${s.session_id}`, expires_at: s.expires_at, project: "demo", amount_cents: s.amount_cents, currency: s.currency, gateway: "stripe", mode: s.mode, description: s.description, status: "pending", ...(p === "/demo/api/session" ? { amount_text: moneyText(s.amount_cents, s.currency, "en-US") } : {}) });
    }
    if ((m = p.match(/^\/v1\/widget-sessions\/([^/]+)$/)) && req.method === "GET") {
      const s = sessions.get(m[1]);
      if (!s) return send(res, 404, { detail: "Widget session not found" }, cors);
      if (expired(s)) return send(res, 410, { detail: "This payment session has expired", error_code: "session_expired" }, cors);
      return send(res, 200, view(s), { ...cors, "cache-control": "no-store" });
    }
    if ((m = p.match(/^\/v1\/widget-sessions\/([^/]+)\/charge$/)) && req.method === "POST") {
      const s = sessions.get(m[1]);
      // Every answer with its screen, in the page's language (the form sends it).
      const locale = pageLocale(req.headers["accept-language"], s?.locale);
      const answer = (status, body) => send(res, status, { ...body, screen: screenFor(status, body,
        { locale, amountText: s ? moneyText(s.amount_cents, s.currency, locale) : "", labels: s?.labels }) });
      if (!s) return answer(404, { detail: "Widget session not found" });
      if (expired(s)) return answer(410, { detail: "This payment session has expired", error_code: "session_expired" });
      if (s.status === "failed") return answer(429, { detail: "Too many declined attempts", error_code: "too_many_attempts" });
      if (s.status !== "pending") return answer(409, { detail: "This payment is already complete", error_code: "already_completed" });
      const card = (await readJson(req))?.card || {};
      const errs = [];
      const num = String(card.number || "");
      if (!/^\d{12,19}$/.test(num) || !luhn(num)) errs.push({ loc: ["body", "card", "number"], msg: "Card number is invalid", type: "value_error" });
      const now = new Date();
      if (!(card.exp_month >= 1 && card.exp_month <= 12)) errs.push({ loc: ["body", "card", "exp_month"], msg: "Expiry month must be between 1 and 12", type: "value_error" });
      else if (card.exp_year * 12 + card.exp_month < now.getUTCFullYear() * 12 + now.getUTCMonth() + 1) errs.push({ loc: ["body", "card", "exp_year"], msg: "Card expiry date is in the past", type: "value_error" });
      const want = /^3[47]/.test(num) ? 4 : 3;
      if (String(card.cvc || "").length !== want) errs.push({ loc: ["body", "card", "cvc"], msg: `Security code must be ${want} digits`, type: "value_error" });
      if (errs.length) return answer(422, { detail: errs });
      await new Promise((r) => setTimeout(r, 350)); // a gateway takes a moment
      if (DECLINES[num]) {
        s.attempts += 1;
        if (s.attempts >= 3) s.status = "failed";
        const [code, detail] = DECLINES[num];
        return answer(402, { detail, error_code: code, attempts_left: Math.max(0, 3 - s.attempts) });
      }
      s.status = s.mode === "tokenize" ? "tokenized" : s.capture ? "succeeded" : "authorized";
      const brand = num.startsWith("4") ? "visa" : /^3[47]/.test(num) ? "amex" : "mastercard";
      return answer(200, { status: s.status, transaction_id: "txn_" + randomUUID().slice(0, 12), ...(s.mode === "tokenize" ? { token: "tok_" + randomUUID().slice(0, 12) } : {}), card_brand: brand, card_last4: num.slice(-4), amount_cents: s.amount_cents, currency: s.currency });
    }
    if (faults.wasm && /^\/widget\/v1\/maven-form-.*\.wasm$/.test(p)) return send(res, 404, { detail: "Not Found" });
    if ((m = p.match(/^\/widget\/([^/]+)\/state$/)) && req.method === "GET") {
      // The page's session block as it is now (the form's poll).
      const s = sessions.get(m[1]);
      const block = sessionBlock(s ? view(s) : null, !!s && expired(s), pageLocale(url.searchParams.get("l"), s?.locale));
      return send(res, 200, JSON.parse(block.replace(/^<script[^>]*>|<\/script>$/g, "")), { "cache-control": "no-store" });
    }
    if ((m = p.match(/^\/widget\/([^/]+)$/)) && !p.startsWith("/widget/v1") && faults.hang) return held.push(res);
    if ((m = p.match(/^\/widget\/([^/]+)$/)) && !p.startsWith("/widget/v1")) {
      // What the worker sends for test sessions until allowed origins are set.
      const csp = formCsp || "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors *";
      // As the worker does (maven_core::l10n): the form's strings in the mount's locale (`l`),
      // else the session's, as a JSON data block first in <head>; none for English.
      const s = sessions.get(m[1]);
      const tag = pageLocale(url.searchParams.get("l"), s?.locale);
      const strings = await pageStrings(tag);
      const block = sessionBlock(s ? view(s) : null, !!s && expired(s), tag);
      const html = localizePage(await readFile(join(DIST, "widget/v1/form.html"), "utf8"), tag)
        .replace("<head>", `<head>\n${block}` + (strings ? `\n<script type="application/json" id="mv-l10n">${strings}</script>` : ""));
      res.writeHead(200, { "content-type": TYPES[".html"], "content-security-policy": csp, "cache-control": "no-store" });
      return res.end(html);
    }
    if (p === "/demo") { res.writeHead(301, { location: "/demo/" }); return res.end(); }
    return serveFile(res, DIST, p, assetHeaders(p));
  });
  const handle = await listen(server, port);
  const close = () => { for (const r of held.splice(0)) r.destroy(); return handle.close(); };
  return { ...handle, close, sessions, faults };
}

// ---------------------------------------------------------------------------------------------
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
  let edge = arg("--edge");
  if (!edge) {
    const mock = await startMockEdge({ port: +arg("--edge-port", 8788) });
    edge = mock.url;
    console.log(`mock edge     ${edge}   (demo: ${edge}/demo/)`);
  }
  const merchant = await startMerchant({ edge, port: +arg("--merchant-port", 8790) });
  console.log(`merchant page ${merchant.url}/   (?csp=strict|locked|nowasm|noconnect)`);
}
