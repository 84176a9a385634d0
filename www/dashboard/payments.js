// Dashboard "Payments": the project's ledger (newest first) with filters and pages, and one
// payment's detail: what the ledger and the session's object know (every attempt, capture,
// void and refund), and the actions its status allows, each confirmed first. An action sends an
// Idempotency-Key made when its confirmation opens, so a double click or a retry cannot move
// money twice. API: /v1/dashboard/projects/{id}/payments…?environment=test|live

import { h } from "./dom.js";

const PAGE_SIZE = 20;

const STATUS = {
  pending: ["Open", "off"],
  processing: ["Processing", "warn"],
  succeeded: ["Succeeded", "ok"],
  authorized: ["Authorized", "warn"],
  tokenized: ["Card saved", "ok"],
  failed: ["Failed", "bad"],
  cancelled: ["Cancelled", "off"],
  captured: ["Captured", "ok"],
  voided: ["Voided", "off"],
  partially_refunded: ["Partially refunded", "warn"],
  refunded: ["Refunded", "off"],
};

const EVENTS = {
  "session.created": "Session created",
  "session.cancelled": "Cancelled",
  "payment.declined": "Attempt declined",
  "payment.rejected": "Attempt rejected by the gateway",
  "payment.approved": "Attempt approved",
  "payment.failed": "Attempt failed: no attempts left",
  "payment.captured": "Captured",
  "payment.voided": "Voided",
  "payment.refunded": "Refunded",
  "capture.pending": "Capture sent, waiting for the gateway",
  "void.pending": "Void sent, waiting for the gateway",
  "refund.pending": "Refund sent, waiting for the gateway",
};

const ACTIONS = {
  cancel: { label: "Cancel payment", verb: "Cancel", done: "Payment cancelled", danger: true,
    text: "The customer can no longer pay in this session. Nothing was charged." },
  capture: { label: "Capture", verb: "Capture", done: "Captured", danger: false,
    text: "Takes the held money. What you do not capture is released to the customer." },
  void: { label: "Void", verb: "Void", done: "Authorization voided", danger: true,
    text: "Releases the whole hold on the customer's card. Nothing is taken; this cannot be undone." },
  refund: { label: "Refund", verb: "Refund", done: "Refunded", danger: true,
    text: "Sends money back to the customer's card. This cannot be undone." },
};

const REASONS = [["", "No reason given"], ["requested_by_customer", "Requested by the customer"], ["duplicate", "Duplicate"], ["fraudulent", "Fraudulent"]];

const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString("en-US", { month: "short", day: "numeric", hour: "numeric", minute: "2-digit", second: "2-digit" }) : "—");

/** ISO 4217 exponents from the edge (GET /v1/dashboard/currencies), loaded once. */
let EXPONENTS = {};

/**
 * The minor unit's digits of `currency` (2 for usd, 0 for jpy, 3 for kwd) as the API counts
 * amounts: not the browser's Intl, which writes HUF, IDR and MGA without decimals although their
 * amounts are in hundredths. Unknown codes count as 2, as on the edge.
 */
function exponent(currency) {
  return EXPONENTS[currency.toLowerCase()] ?? 2;
}

function money(cents, currency) {
  const cur = currency.toUpperCase();
  const e = exponent(cur);
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: cur, minimumFractionDigits: e, maximumFractionDigits: e })
      .format(cents / 10 ** e);
  } catch {
    return `${cents} ${cur}`;
  }
}

/** "12.34" → 1234 minor units, or null when it is not an amount. */
function parseAmount(text, currency) {
  const e = exponent(currency.toUpperCase());
  const m = new RegExp(`^\\s*(\\d{1,9})(?:[.,](\\d{1,${e || 1}}))?\\s*$`).exec(text);
  if (!m || (e === 0 && m[2])) return null;
  return Number(m[1]) * 10 ** e + Number((m[2] || "").padEnd(e, "0") || 0);
}

const badge = (status) => {
  const [label, tone] = STATUS[status] || [status, "off"];
  return h("span", { className: `badge badge-${tone}` }, label);
};
const card = (p) => (p.card ? `${p.card.brand} •••• ${p.card.last4}` : "—");

/**
 * Renders the page into `root`. `api(method, path, body, headers)` → `{status, json}`; `env()` →
 * "test" | "live"; `project()` → the open project; `say(text)` shows a toast; `detail(json,
 * fallback)` reads an error body.
 */
export function paymentsPage({ root, api, env, project, say, detail }) {
  let cursors = [null]; // starting_after of each page seen; the last is the current page's
  let page = { data: [], has_more: false };
  let shown = null; // the payment detail shown, or null for the list
  const fresh = new Map(); // session id → the object a detail or action returned (the ledger lags a moment)
  const base = () => `/v1/dashboard/projects/${encodeURIComponent(project().id)}/payments`;

  const err = h("div", { className: "banner", role: "alert", hidden: true });
  const status = h("select", { id: "pay-status" }, h("option", { value: "" }, "Any status"),
    ...Object.entries(STATUS).map(([v, [t]]) => h("option", { value: v }, t)));
  const from = h("input", { id: "pay-from", type: "date" });
  const to = h("input", { id: "pay-to", type: "date" });
  const filters = h("form", { className: "pay-filters", id: "pay-filters", noValidate: true, onsubmit: (e) => { e.preventDefault(); cursors = [null]; load(); } },
    h("div", { className: "field" }, h("label", { htmlFor: "pay-status" }, "Status"), status),
    h("div", { className: "field" }, h("label", { htmlFor: "pay-from" }, "Created on or after"), from),
    h("div", { className: "field" }, h("label", { htmlFor: "pay-to" }, "Created on or before"), to),
    h("button", { type: "submit", className: "btn", id: "pay-apply" }, "Apply filters"));
  const tbody = h("tbody", { id: "pay-body" });
  const table = h("table", { className: "keys pay-table" }, h("caption", { className: "sr" }, "Payments, newest first"),
    h("thead", {}, h("tr", {}, ...["Created", "Amount", "Status", "Gateway", "Card", "Session"].map((t) => h("th", { scope: "col" }, t)))),
    tbody);
  const empty = h("p", { className: "empty", hidden: true }, "No payments match in this environment.");
  const prev = h("button", { type: "button", className: "btn btn-sm", id: "pay-prev", onclick: () => { cursors.pop(); load(); } }, "Previous");
  const next = h("button", { type: "button", className: "btn btn-sm", id: "pay-next", onclick: () => { cursors.push(page.data[page.data.length - 1].session_id); load(); } }, "Next");
  const where = h("span", { className: "pay-where", id: "pay-page", "aria-live": "polite" });
  const listCard = h("section", { className: "card", "aria-labelledby": "h-pay-list" },
    h("header", { className: "card-head" }, h("h2", { id: "h-pay-list" }, "All payments"), h("p", { id: "pay-env-note" }, "")),
    h("div", { className: "card-body" }, filters, h("div", { className: "table-wrap" }, table), empty,
      h("nav", { className: "pager", "aria-label": "Pages of payments" }, prev, where, next)));
  const detailView = h("div", { id: "pay-detail", hidden: true });
  const dialog = h("dialog", { className: "dialog", id: "pay-dialog", "aria-labelledby": "pay-dialog-title" });

  root.replaceChildren(
    h("div", { className: "page-head" }, h("div", {},
      h("p", { className: "crumbs" }, "Payments"),
      h("h1", { id: "pay-title", tabIndex: -1 }, "Payments"),
      h("p", { className: "lede" }, "Every payment session of this project, kept 13 months. Open one to see each attempt and operation, and to capture, void, refund or cancel it."))),
    err, listCard, detailView, dialog);

  function fail(text) {
    err.textContent = text;
    err.hidden = !text;
  }

  const day = (input, end) => (input.value ? Math.floor(Date.parse(`${input.value}T00:00:00Z`) / 1000) + (end ? 86400 : 0) : null);

  async function load() {
    fail("");
    root.dataset.state = "loading";
    const q = new URLSearchParams({ environment: env(), limit: String(PAGE_SIZE) });
    if (status.value) q.set("status", status.value);
    if (day(from)) q.set("created_gte", String(day(from)));
    if (day(to, true)) q.set("created_lt", String(day(to, true)));
    const after = cursors[cursors.length - 1];
    if (after) q.set("starting_after", after);
    const r = await api("GET", `${base()}?${q}`);
    root.dataset.state = "ready";
    if (r.status !== 200) {
      page = { data: [], has_more: false };
      renderList();
      return fail(r.status === 422 ? `Check the filters: ${r.json.detail.map((d) => d.msg).join("; ")}.` : detail(r.json, `Could not load the payments (HTTP ${r.status}).`));
    }
    page = r.json;
    renderList();
  }

  function row(p) {
    const openBtn = h("button", { type: "button", className: "linkish", onclick: () => show(p.session_id), "aria-label": `Open payment ${p.session_id}` },
      h("code", {}, p.session_id.slice(0, 8)), "…");
    return h("tr", { "data-session-id": p.session_id, className: "pay-row", onclick: (e) => { if (e.target.closest("button") !== openBtn) show(p.session_id); } },
      h("td", {}, fmtTime(p.created_at)),
      h("td", { className: "num" }, money(p.amount_cents, p.currency)),
      h("td", {}, badge(p.status)),
      h("td", {}, p.gateway),
      h("td", {}, card(p)),
      h("td", {}, openBtn));
  }

  /** The ledger's row, or what this page saw more recently of the same payment. */
  const latest = (p) => {
    const f = fresh.get(p.session_id);
    return f && f.updated_at >= p.updated_at ? f : p;
  };

  function renderList() {
    tbody.replaceChildren(...page.data.map((p) => row(latest(p))));
    table.hidden = page.data.length === 0;
    empty.hidden = page.data.length !== 0;
    prev.disabled = cursors.length <= 1;
    next.disabled = !page.has_more;
    where.textContent = `Page ${cursors.length}`;
    root.querySelector("#pay-env-note").textContent = env() === "live" ? "Live payments: real money." : "Test payments: the gateways' sandboxes.";
  }

  // ------------------------------------------------------------ detail ----

  async function show(id) {
    fail("");
    root.dataset.state = "loading";
    const r = await api("GET", `${base()}/${encodeURIComponent(id)}?environment=${env()}`);
    root.dataset.state = "ready";
    if (r.status !== 200) return fail(detail(r.json, `Could not open the payment (HTTP ${r.status}).`));
    shown = r.json;
    fresh.set(id, r.json.payment);
    renderDetail();
    listCard.hidden = true;
    detailView.hidden = false;
    detailView.querySelector("h2").focus();
  }

  function back() {
    shown = null;
    detailView.hidden = true;
    listCard.hidden = false;
    load().then(() => root.querySelector("#h-pay-list").scrollIntoView({ block: "nearest" }));
  }

  function renderDetail(result) {
    const p = shown.payment;
    const fact = (term, value) => [h("div", {}, h("dt", {}, term), h("dd", {}, value))];
    const facts = h("dl", { className: "pay-facts" },
      ...fact("Amount", money(p.amount_cents, p.currency)),
      ...fact("Status", badge(p.status)),
      ...fact("Captured", money(p.amount_captured_cents, p.currency)),
      ...fact("Refunded", money(p.amount_refunded_cents, p.currency)),
      ...fact("Gateway", p.gateway),
      ...fact("Card", card(p)),
      ...fact("Gateway transaction", p.processor ? h("code", {}, p.processor.transaction_id) : "—"),
      ...fact("Mode", `${p.mode}${p.capture ? "" : ", authorize only"}`),
      ...fact("Created", fmtTime(p.created_at)),
      ...fact("Description", p.description || "—"),
      ...fact("Session", h("code", { id: "pay-session-id" }, p.session_id)));
    const steps = shown.timeline.map((t) => h("li", { "data-event": t.event },
      h("span", { className: "pay-when" }, fmtTime(t.at_ms ? new Date(t.at_ms).toISOString() : t.at)),
      h("span", { className: "pay-what" }, `${EVENTS[t.event] || t.event}${t.attempt ? ` (attempt ${t.attempt})` : ""}`,
        t.amount_cents != null ? ` · ${money(t.amount_cents, p.currency)}` : "",
        t.voided ? " (voided before settlement)" : ""),
      t.gateway_id ? h("code", { className: "pay-gw" }, t.gateway_id) : null));
    const buttons = shown.actions.map((a) => h("button", {
      type: "button", className: `btn ${ACTIONS[a.action].danger ? "btn-danger" : "btn-primary"}`, id: `pay-${a.action}`, onclick: () => ask(a),
    }, ACTIONS[a.action].label));
    detailView.replaceChildren(
      h("div", { className: "pay-back" }, h("button", { type: "button", className: "btn btn-quiet", id: "pay-back", onclick: back }, "← All payments")),
      h("section", { className: "card", "aria-labelledby": "h-pay-detail" },
        h("header", { className: "card-head pay-detail-head" },
          h("h2", { id: "h-pay-detail", tabIndex: -1 }, `${money(p.amount_cents, p.currency)} · `, badge(p.status)),
          h("p", {}, `${p.environment === "live" ? "Live" : "Test"} payment of ${p.project}`)),
        h("div", { className: "card-body" },
          result ? h("p", { className: `pay-result pay-result-${result.tone}`, id: "pay-result", role: "status" }, result.text) : null,
          buttons.length ? h("div", { className: "row-actions pay-actions" }, ...buttons) : h("p", { className: "help", id: "pay-no-actions" }, "Nothing more can be done with this payment."),
          facts)),
      h("section", { className: "card", "aria-labelledby": "h-pay-timeline" },
        h("header", { className: "card-head" }, h("h2", { id: "h-pay-timeline" }, "Timeline"),
          h("p", {}, shown.history_kept ? "Every attempt and operation, oldest first." : "From the ledger (the session's own record ended a day after it expired).")),
        h("div", { className: "card-body" }, h("ol", { className: "pay-timeline", id: "pay-timeline" }, ...steps))));
  }

  /** The confirmation: an amount where a part may be asked, a reason for refunds. */
  function ask(a) {
    const spec = ACTIONS[a.action];
    const p = shown.payment;
    const key = crypto.randomUUID(); // one per confirmation: its repeats replay, never redo
    const amount = a.max_amount_cents != null
      ? h("input", { id: "pay-amount", type: "text", inputMode: "decimal", autocomplete: "off", value: (a.max_amount_cents / 10 ** exponent(p.currency.toUpperCase())).toFixed(exponent(p.currency.toUpperCase())), readOnly: !a.partial })
      : null;
    const amountErr = h("p", { className: "err", id: "err-pay-amount", role: "alert" });
    const reason = a.action === "refund" ? h("select", { id: "pay-reason" }, ...REASONS.map(([v, t]) => h("option", { value: v }, t))) : null;
    const formErr = h("p", { className: "err", id: "err-pay-dialog", role: "alert" });
    const confirmBtn = h("button", { type: "submit", className: `btn ${spec.danger ? "btn-danger-solid" : "btn-primary"}`, id: "pay-confirm" }, `${spec.verb}`);
    if (amount) {
      amount.setAttribute("aria-describedby", "pay-amount-help err-pay-amount");
      const sync = () => {
        const cents = parseAmount(amount.value, p.currency);
        confirmBtn.textContent = cents ? `${spec.verb} ${money(cents, p.currency)}` : spec.verb;
      };
      amount.addEventListener("input", () => { amountErr.textContent = ""; sync(); });
      sync();
    }
    let busy = false;
    dialog.replaceChildren(h("form", { method: "dialog", className: "dialog-body", noValidate: true, onsubmit: async (e) => {
      e.preventDefault();
      if (busy) return;
      amountErr.textContent = "";
      formErr.textContent = "";
      const body = {};
      if (amount) {
        const cents = parseAmount(amount.value, p.currency);
        if (!cents || cents > a.max_amount_cents) {
          amountErr.textContent = `Enter an amount from ${money(1, p.currency)} to ${money(a.max_amount_cents, p.currency)}.`;
          return amount.focus();
        }
        if (a.action !== "cancel" && cents !== a.max_amount_cents) body.amount_cents = cents;
      }
      if (reason?.value) body.reason = reason.value;
      busy = true;
      confirmBtn.disabled = true;
      try {
        const path = `${base()}/${encodeURIComponent(p.session_id)}/${a.action}?environment=${env()}`;
        const r = await api("POST", path, a.action === "cancel" ? undefined : body, { "idempotency-key": key });
        if (r.status !== 200) {
          formErr.textContent = detail(r.json, `The edge answered HTTP ${r.status}.`);
          return;
        }
        dialog.close();
        say(spec.done);
        await show(p.session_id);
        const now = shown.payment;
        renderDetail({ tone: "ok", text: `${spec.done}. Status: ${(STATUS[now.status] || [now.status])[0]}; captured ${money(now.amount_captured_cents, now.currency)}, refunded ${money(now.amount_refunded_cents, now.currency)}.` });
        detailView.querySelector("h2").focus();
      } finally {
        busy = false;
        confirmBtn.disabled = false;
      }
    } },
    h("h2", { id: "pay-dialog-title" }, `${spec.verb} this payment?`),
    h("p", {}, spec.text),
    amount ? h("div", { className: "field" }, h("label", { htmlFor: "pay-amount" }, "Amount"), amount,
      h("p", { className: "help", id: "pay-amount-help" }, a.partial ? `Up to ${money(a.max_amount_cents, p.currency)}.` : "This gateway takes the whole amount only."), amountErr) : null,
    reason ? h("div", { className: "field" }, h("label", { htmlFor: "pay-reason" }, "Reason"), reason) : null,
    formErr,
    h("div", { className: "dialog-actions" },
      h("button", { type: "button", className: "btn", id: "pay-dismiss", onclick: () => dialog.close() }, "Keep as is"),
      confirmBtn)));
    dialog.showModal();
    (amount && a.partial ? amount : confirmBtn).focus();
  }

  return {
    /** The list, first page (reloaded on every visit: payments come in all the time). */
    async open() {
      if (!Object.keys(EXPONENTS).length) {
        // Without them amounts could be shown and refunded in the wrong unit: no list at all.
        const c = await api("GET", "/v1/dashboard/currencies");
        if (c.status !== 200) return fail(detail(c.json, `Could not load the currencies (HTTP ${c.status}).`));
        EXPONENTS = c.json.currencies;
      }
      shown = null;
      detailView.hidden = true;
      listCard.hidden = false;
      cursors = [null];
      await load();
    },
    /** The environment switch changed: back to the first page of the list. */
    render() {
      if (!root.isConnected || root.hidden) return;
      this.open();
    },
  };
}
