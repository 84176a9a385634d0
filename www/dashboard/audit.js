// Dashboard "Audit log" (owners): who changed API keys, gateway credentials, webhook settings,
// origins, customization and settings, or invited and joined, and when; the operator too.
// GET /v1/dashboard/audit, newest first.

const ACTIONS = {
  "api_key.created": "Created an API key",
  "api_key.revoked": "Revoked an API key",
  "api_key.rolled": "Rolled an API key",
  "gateway.credentials_set": "Set gateway credentials",
  "gateway.removed": "Removed a gateway",
  "gateway.tested": "Tested a gateway connection",
  "webhook.secret_rolled": "Rolled the webhook secret",
  "webhook.url_updated": "Changed the webhook URL",
  "webhook.test_sent": "Sent a test webhook",
  "webhook.resent": "Re-sent a webhook",
  "origins.updated": "Changed allowed origins",
  "customization.updated": "Customized the payment form",
  "settings.updated": "Changed project settings",
  "member.invited": "Invited a user",
  "member.joined": "Joined the account",
  "payment.cancelled": "Cancelled a payment",
  "payment.captured": "Captured a payment",
  "payment.voided": "Voided a payment",
  "payment.refunded": "Refunded a payment",
};

function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  Object.assign(el, props);
  el.append(...children.filter((c) => c !== null && c !== undefined));
  return el;
}

const when = (secs) => new Date(secs * 1000).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "medium" });

/** A short, secret-free line about what changed. */
function summary(e) {
  const d = e.details || {};
  switch (e.action) {
    case "api_key.created":
    case "api_key.revoked":
      return `${d.name} (mvn_${d.environment}_…${d.last4})`;
    case "api_key.rolled":
      return `${d.name}; the old key expires ${when(d.old_expires_at)}`;
    case "gateway.credentials_set":
    case "gateway.removed":
      return `${d.gateway}, ${d.environment}${d.base_url ? ` (${d.base_url})` : ""}`;
    case "gateway.tested":
      return `${d.gateway}, ${d.environment}: ${d.ok ? "connected" : "failed"}`;
    case "origins.updated":
      return (d.allowed_origins || []).join(", ") || "Any origin (test only)";
    case "webhook.url_updated":
      return `${d.environment ? `${d.environment}: ` : ""}${d.webhook_url || "Removed"}`;
    case "webhook.secret_rolled":
      return d.overlap_secs ? `the old secret signs for ${Math.round(d.overlap_secs / 3600)} h more` : "the old secret stopped at once";
    case "webhook.test_sent":
      return d.environment;
    case "webhook.resent":
      return d.delivery_id;
    case "customization.updated":
      return (d.changed || []).join(", ");
    case "settings.updated":
      return Object.entries(d).map(([k, v]) => `${k}: ${v}`).join(", ");
    case "member.invited":
      return `${e.target} as ${d.role}`;
    case "member.joined":
      return `${d.name} as ${d.role}`;
    case "payment.cancelled":
    case "payment.captured":
    case "payment.voided":
    case "payment.refunded": {
      const asked = d.amount_cents != null ? `${d.amount_cents} of ` : "";
      return `${e.target} (${d.environment}): ${asked}${d.currency}; now ${d.status}, refunded ${d.amount_refunded_cents}`;
    }
    default:
      return e.target;
  }
}

export function auditPage({ root, api, detail }) {
  const err = h("div", { className: "banner", role: "alert", hidden: true });
  const tbody = h("tbody", { id: "audit-body" });
  const head = h("tr", {}, ...["When", "Who", "What", "Details"].map((t) => h("th", { scope: "col" }, t)));
  const empty = h("p", { className: "empty", hidden: true }, "Nothing has changed yet.");
  root.replaceChildren(
    h("div", { className: "page-head" }, h("div", {},
      h("p", { className: "crumbs" }, "Settings"),
      h("h1", {}, "Audit log"),
      h("p", { className: "lede" }, "Changes to API keys, gateway credentials, webhooks, origins, the payment form and users: who made them and when. The operator's changes are listed too."))),
    err,
    h("section", { className: "card", ariaLabel: "Audit log entries" },
      h("div", { className: "card-body" },
        h("div", { className: "table-wrap" }, h("table", { className: "keys audit" }, h("caption", { className: "sr" }, "Audit log"), h("thead", {}, head), tbody)),
        empty)));

  return {
    async open(role) {
      err.hidden = true;
      if (role !== "owner") {
        tbody.replaceChildren();
        err.textContent = "Only an owner of this account can read the audit log.";
        err.hidden = false;
        return;
      }
      root.dataset.state = "loading";
      const r = await api("GET", "/v1/dashboard/audit?limit=200");
      root.dataset.state = "ready";
      if (r.status !== 200) {
        err.textContent = detail(r.json, `Could not load the audit log (HTTP ${r.status}).`);
        err.hidden = false;
        return;
      }
      tbody.replaceChildren(...r.json.entries.map((e) => h("tr", { className: "audit-row" },
        h("td", {}, when(e.at)),
        h("td", {}, e.actor.kind === "operator" ? "Maven operator" : e.actor.email),
        h("th", { scope: "row" }, ACTIONS[e.action] || e.action),
        h("td", { className: "audit-details" }, summary(e)))));
      empty.hidden = r.json.entries.length > 0;
    },
  };
}
