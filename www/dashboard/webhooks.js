// Dashboard "Developers → Webhooks": the endpoint URL of the environment the switch shows, a
// test event, the signing secret (rolled by owners, shown once, with an overlap during which
// the old secret signs too), and the deliveries with every attempt, the exact signed body and
// a re-send. API: /v1/dashboard/projects/{id}/webhooks…

import { h } from "./dom.js";

const OVERLAP_CHOICES = [
  [0, "Stop at once"],
  [3600, "1 hour"],
  [86400, "24 hours"],
  [3 * 86400, "3 days"],
  [7 * 86400, "7 days"],
];

const STATUS = { delivered: ["Delivered", "ok"], pending: ["Pending", "warn"], failed: ["Failed", "off"] };

const fmt = (iso) => (iso ? new Date(iso).toLocaleString("en-US", { month: "short", day: "numeric", hour: "numeric", minute: "2-digit", second: "2-digit" }) : "—");

/**
 * Renders the page into `root`. `api(method, path, body)` → `{status, json}`; `env()` → "test" |
 * "live"; `project()` → the open project; `say(text)` shows a toast; `detail(json, fallback)`
 * reads an error body.
 */
export function webhooksPage({ root, api, env, project, say, detail }) {
  let settings = null;
  let deliveries = [];
  let role = "member";
  const open = new Set(); // delivery ids whose details are shown
  const base = () => `/v1/dashboard/projects/${encodeURIComponent(project().id)}/webhooks`;

  const err = h("div", { className: "banner", role: "alert", hidden: true });
  const reveal = h("section", { className: "card reveal", hidden: true, "aria-labelledby": "h-wh-reveal" });
  const url = h("input", { id: "wh-url", type: "url", maxLength: 500, autocomplete: "off", spellcheck: false, placeholder: "https://shop.example.com/hooks/maven" });
  url.setAttribute("aria-describedby", "wh-url-help err-wh-url");
  const urlLabel = h("label", { htmlFor: "wh-url" }, "Endpoint URL");
  const urlErr = h("p", { className: "err", id: "err-wh-url" });
  const saveBtn = h("button", { type: "submit", className: "btn btn-primary", id: "wh-save" }, "Save URL");
  const testBtn = h("button", { type: "button", className: "btn", id: "wh-test", onclick: sendTest }, "Send test event");
  const urlForm = h("form", { className: "key-create", id: "wh-url-form", noValidate: true, onsubmit: saveUrl },
    h("div", { className: "field" }, urlLabel, url,
      h("p", { className: "help", id: "wh-url-help" }, "Each environment posts its events to its own URL. Leave it empty to send nothing."), urlErr),
    h("div", { className: "row-actions" }, saveBtn, testBtn));

  const secretState = h("p", { id: "wh-secret-state" });
  const overlap = h("select", { id: "wh-overlap" }, ...OVERLAP_CHOICES.map(([v, t]) => h("option", { value: String(v), selected: v === 86400 }, t)));
  const rollBtn = h("button", { type: "button", className: "btn", id: "wh-roll", onclick: roll }, "Roll secret");
  const rollRow = h("div", { className: "key-create" },
    h("div", { className: "field" }, h("label", { htmlFor: "wh-overlap" }, "Old secret keeps signing for"), overlap), rollBtn);
  const ownerNote = h("p", { className: "help", hidden: true }, "Only an owner of this account can roll the signing secret.");

  const tbody = h("tbody", { id: "wh-deliveries" });
  const table = h("table", { className: "keys" }, h("caption", { className: "sr" }, "Webhook deliveries"),
    h("thead", {}, h("tr", {}, ...["Event", "Created", "Status", "Attempts"].map((t) => h("th", { scope: "col" }, t)),
      h("th", { scope: "col" }, h("span", { className: "sr" }, "Actions")))),
    tbody);
  const empty = h("p", { className: "empty", hidden: true }, "No deliveries in this environment yet.");
  const refresh = h("button", { type: "button", className: "btn btn-sm", id: "wh-refresh", onclick: () => loadDeliveries() }, "Refresh");

  root.replaceChildren(
    h("div", { className: "page-head" }, h("div", {},
      h("p", { className: "crumbs" }, "Developers"),
      h("h1", {}, "Webhooks"),
      h("p", { className: "lede" }, "Your server hears about every payment outcome. Each event is signed twice: Maven-Signature and the Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature)."))),
    err, reveal,
    h("section", { className: "card", "aria-labelledby": "h-wh-endpoint" },
      h("header", { className: "card-head" }, h("h2", { id: "h-wh-endpoint" }, "Endpoint"), h("p", { id: "wh-env-note" }, "")),
      h("div", { className: "card-body" }, urlForm)),
    h("section", { className: "card", "aria-labelledby": "h-wh-secret" },
      h("header", { className: "card-head" }, h("h2", { id: "h-wh-secret" }, "Signing secret"),
        h("p", {}, "One secret signs both environments. Roll it with an overlap: while it lasts, every event carries both signatures.")),
      h("div", { className: "card-body" }, secretState, rollRow, ownerNote)),
    h("section", { className: "card", "aria-labelledby": "h-wh-deliveries" },
      h("header", { className: "card-head" }, h("h2", { id: "h-wh-deliveries" }, "Deliveries"),
        h("p", {}, "The latest 20, newest first, kept 30 days. A delivery is retried for about 7 hours until your server answers 2xx.")),
      h("div", { className: "card-body" }, h("div", {}, refresh), h("div", { className: "table-wrap" }, table), empty)));

  function fail(text) {
    err.textContent = text;
    err.hidden = !text;
  }

  function showSecret(secret, until) {
    const code = h("code", { className: "secret", id: "wh-revealed" }, secret);
    const copy = h("button", {
      type: "button", className: "btn", id: "wh-copy",
      onclick: async () => {
        try { await navigator.clipboard.writeText(secret); say("Secret copied"); } catch { say("Select the secret and copy it"); }
      },
    }, "Copy");
    reveal.replaceChildren(
      h("header", { className: "card-head" }, h("h2", { id: "h-wh-reveal" }, "Copy your new signing secret now"),
        h("p", {}, until ? `It is shown only this once. The old secret also signs until ${fmt(until)}.` : "It is shown only this once. The old secret no longer signs.")),
      h("div", { className: "card-body reveal-body" }, h("div", { className: "secret-row" }, code, copy),
        h("button", { type: "button", className: "btn btn-quiet", onclick: () => { reveal.hidden = true; } }, "Done")));
    reveal.hidden = false;
    copy.focus();
  }

  function attemptLine(a) {
    const result = a.status_code != null ? `HTTP ${a.status_code}` : a.error || "no answer";
    return h("li", {}, `${fmt(a.at)} · ${result} · ${a.duration_ms} ms`, a.url ? h("span", { className: "until" }, ` → ${a.url}`) : null);
  }

  function detailRow(d) {
    const signed = d.attempts.length
      ? `${d.id}.${d.attempts[d.attempts.length - 1].timestamp}.${d.body}`
      : null;
    return h("tr", { className: "wh-detail", "data-detail-of": d.id },
      h("td", { colSpan: 5 },
        h("h3", { className: "group" }, "Attempts"),
        d.attempts.length ? h("ol", { className: "wh-attempts" }, ...d.attempts.map(attemptLine)) : h("p", { className: "empty" }, "Not attempted yet."),
        h("h3", { className: "group" }, "Body, exactly as sent"),
        h("pre", { className: "wh-body", tabIndex: 0, "aria-label": "Body, exactly as sent" }, d.body),
        signed ? h("p", { className: "help" }, "webhook-signature signs “webhook-id.webhook-timestamp.body”; the last attempt signed:") : null,
        signed ? h("pre", { className: "wh-body", tabIndex: 0, "aria-label": "Signed content of the last attempt" }, signed) : null,
        h("button", { type: "button", className: "btn btn-sm", onclick: () => resend(d), "aria-label": `Re-send ${d.event} ${d.id}` }, "Re-send")));
  }

  function rows(d) {
    const [label, tone] = STATUS[d.status] || [d.status, "off"];
    const shown = open.has(d.id);
    const toggle = h("button", {
      type: "button", className: "btn btn-sm", "aria-expanded": String(shown),
      onclick: () => { shown ? open.delete(d.id) : open.add(d.id); render(); },
    }, shown ? "Hide" : "Details");
    const main = h("tr", { "data-delivery-id": d.id },
      h("th", { scope: "row" }, h("code", {}, d.event)),
      h("td", {}, fmt(d.created_at)),
      h("td", {}, h("span", { className: `badge badge-${tone}` }, label)),
      h("td", {}, String(d.attempts.length)),
      h("td", {}, h("div", { className: "row-actions" }, toggle)));
    return shown ? [main, detailRow(d)] : [main];
  }

  function render() {
    const e = env();
    root.querySelector("#wh-env-note").textContent = e === "live" ? "Live events: real payments." : "Test events: sandbox payments.";
    urlLabel.textContent = `${e === "live" ? "Live" : "Test"} endpoint URL`;
    testBtn.textContent = e === "live" ? "Send live test event" : "Send test event";
    if (settings && document.activeElement !== url) url.value = settings.urls[e] || "";
    if (settings) {
      secretState.textContent = !settings.secret_set
        ? "No secret yet: roll one before events can be signed."
        : settings.previous_secret_until
          ? `Set. The previous secret also signs until ${fmt(settings.previous_secret_until)}.`
          : "Set. It was shown once, when it was rolled.";
    }
    rollBtn.textContent = settings?.secret_set ? "Roll secret" : "Create secret";
    rollRow.hidden = role !== "owner";
    ownerNote.hidden = role === "owner";
    // Card-testing alerts belong to no environment: shown in both.
    const mine = deliveries.filter((d) => d.environment === e || d.environment == null);
    tbody.replaceChildren(...mine.flatMap(rows));
    table.hidden = mine.length === 0;
    empty.hidden = mine.length !== 0;
  }

  async function loadDeliveries() {
    const r = await api("GET", `${base()}/deliveries?limit=20`);
    if (r.status !== 200) return fail(detail(r.json, `Could not load the deliveries (HTTP ${r.status}).`));
    deliveries = r.json.deliveries;
    render();
  }

  async function load() {
    fail("");
    root.dataset.state = "loading";
    const r = await api("GET", base());
    if (r.status !== 200) {
      root.dataset.state = "ready";
      return fail(detail(r.json, `Could not load the webhook settings (HTTP ${r.status}).`));
    }
    settings = r.json;
    url.value = settings.urls[env()] || "";
    await loadDeliveries();
    root.dataset.state = "ready";
  }

  async function saveUrl(e) {
    e.preventDefault();
    urlErr.textContent = "";
    saveBtn.disabled = true;
    try {
      const value = url.value.trim();
      const r = await api("PUT", `${base()}/urls/${env()}`, { url: value || null });
      if (r.status === 422) {
        urlErr.textContent = r.json.detail.map((d) => d.msg.replace(/^Value error, /, "")).join(" ");
        return url.focus();
      }
      if (r.status !== 200) return fail(detail(r.json, `Could not save the URL (HTTP ${r.status}).`));
      settings = r.json;
      say(value ? "Webhook URL saved" : "Webhook URL removed");
      render();
    } finally {
      saveBtn.disabled = false;
    }
  }

  async function sendTest() {
    fail("");
    testBtn.disabled = true;
    try {
      const r = await api("POST", `${base()}/test`, { environment: env() });
      if (r.status === 422) return fail(r.json.detail.map((d) => d.msg.replace(/^Value error, /, "")).join(" "));
      if (r.status !== 202) return fail(detail(r.json, `Could not send a test event (HTTP ${r.status}).`));
      say("Test event queued");
      open.add(r.json.id);
      await loadDeliveries();
      // Delivery runs in the background: look again once it has had time to land.
      setTimeout(() => loadDeliveries(), 1500);
    } finally {
      testBtn.disabled = false;
    }
  }

  async function roll() {
    const secs = Number(overlap.value);
    rollBtn.disabled = true;
    try {
      const r = await api("POST", `${base()}/secret`, { overlap_secs: secs });
      if (r.status !== 201) return fail(detail(r.json, `Could not roll the secret (HTTP ${r.status}).`));
      const { webhook_secret: secret, ...rest } = r.json;
      settings = rest;
      render();
      showSecret(secret, rest.previous_secret_until);
    } finally {
      rollBtn.disabled = false;
    }
  }

  async function resend(d) {
    const r = await api("POST", `${base()}/deliveries/${encodeURIComponent(d.id)}/resend`);
    if (r.status !== 202) return fail(detail(r.json, `Could not re-send (HTTP ${r.status}).`));
    say("Re-send queued");
    await loadDeliveries();
    setTimeout(() => loadDeliveries(), 1500);
  }

  return {
    /** Loads the open project's settings and deliveries (again on every visit). */
    async open(r) {
      role = r;
      reveal.hidden = true;
      await load();
    },
    render,
  };
}
