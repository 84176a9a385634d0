// Dashboard "Developers → API keys": create (shown once, with a copy button), list (name, key
// prefix and last 4, created, last used, status), revoke and roll, through /v1/dashboard/keys
// (owners only). The environment comes from the page's test/live switch.
// Revoked keys are refused everywhere within 5 s; a rolled key works until its chosen expiry.

import { h } from "./dom.js";

const ROLL_CHOICES = [
  [0, "Now"],
  [3600, "In 1 hour"],
  [86400, "In 24 hours"],
  [3 * 86400, "In 3 days"],
  [7 * 86400, "In 7 days"],
];

const fmtTime = (secs) =>
  secs == null ? "Never" : new Date(secs * 1000).toLocaleString("en-US", { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
const fmtDate = (secs) => new Date(secs * 1000).toLocaleDateString("en-US", { dateStyle: "medium" });

const STATUS = {
  active: ["Active", "ok"],
  expiring: ["Expiring", "warn"],
  expired: ["Expired", "off"],
  revoked: ["Revoked", "off"],
};

/**
 * Renders the page into `root`. `api(method, path, body)` → `{status, json}`; `env()` → "test" |
 * "live"; `say(text)` shows a toast; `detail(json, fallback)` reads an error body.
 */
export function keysPage({ root, api, env, say, detail }) {
  let keys = [];
  const base = () => "/v1/dashboard/keys";

  const err = h("div", { className: "banner", role: "alert", hidden: true });
  const reveal = h("section", { className: "card reveal", hidden: true, "aria-labelledby": "h-reveal" });
  const name = h("input", { id: "key-name", type: "text", maxLength: 100, autocomplete: "off", placeholder: "e.g. Checkout server" });
  const nameErr = h("p", { className: "err", id: "err-key-name" });
  name.setAttribute("aria-describedby", "err-key-name");
  const createBtn = h("button", { type: "submit", className: "btn btn-primary", id: "key-create" }, "Create secret key");
  const form = h("form", { className: "key-create", id: "key-form", noValidate: true, onsubmit: create },
    h("div", { className: "field" }, h("label", { htmlFor: "key-name" }, "Key name"), name, nameErr), createBtn);
  const tbody = h("tbody", { id: "keys-body" });
  const caption = h("caption", { className: "sr" }, "API keys");
  const table = h("table", { className: "keys" }, caption,
    h("thead", {}, h("tr", {}, ...["Name", "Key", "Created", "Last used", "Status"].map((t) => h("th", { scope: "col" }, t)),
      h("th", { scope: "col" }, h("span", { className: "sr" }, "Actions")))),
    tbody);
  const empty = h("p", { className: "empty", hidden: true }, "No keys in this environment yet.");
  const dialog = h("dialog", { className: "dialog", id: "key-dialog", "aria-labelledby": "key-dialog-title" });

  root.replaceChildren(
    h("div", { className: "page-head" }, h("div", {},
      h("p", { className: "crumbs" }, "Developers"),
      h("h1", {}, "API keys"),
      h("p", { className: "lede" }, "Secret keys let your server create payment sessions. Keep them on your server; revoke a key that leaks (it stops working within 5 seconds) or roll it to replace it without downtime."))),
    err, reveal,
    h("section", { className: "card", "aria-labelledby": "h-keys" },
      h("header", { className: "card-head" }, h("h2", { id: "h-keys" }, "Secret keys"), h("p", { id: "keys-env-note" }, "")),
      h("div", { className: "card-body" }, form, h("div", { className: "table-wrap" }, table), empty)),
    dialog);

  function fail(text) {
    err.textContent = text;
    err.hidden = !text;
  }

  function showReveal(k, note) {
    const code = h("code", { className: "secret", id: "revealed-key" }, k.key);
    const copy = h("button", {
      type: "button", className: "btn", id: "copy-key",
      onclick: async () => {
        try { await navigator.clipboard.writeText(k.key); say("Key copied"); } catch { say("Select the key and copy it"); }
      },
    }, "Copy");
    reveal.replaceChildren(
      h("header", { className: "card-head" }, h("h2", { id: "h-reveal" }, `Copy your new key “${k.name}” now`),
        h("p", {}, note || "It is shown only this once. Store it in your server's secrets.")),
      h("div", { className: "card-body reveal-body" }, h("div", { className: "secret-row" }, code, copy),
        h("button", { type: "button", className: "btn btn-quiet", onclick: () => { reveal.hidden = true; } }, "Done")));
    reveal.hidden = false;
    copy.focus();
  }

  function row(k) {
    const [label, tone] = STATUS[k.status] || [k.status, "off"];
    const live = k.status === "active" || k.status === "expiring";
    return h("tr", { "data-key-id": k.key_id },
      h("th", { scope: "row" }, k.name),
      h("td", {}, h("code", {}, `${k.prefix}…${k.last4}`)),
      h("td", {}, fmtDate(k.created_at)),
      h("td", {}, fmtTime(k.last_used_at)),
      h("td", {}, h("span", { className: `badge badge-${tone}` }, label),
        k.status === "expiring" ? h("span", { className: "until" }, `until ${fmtTime(k.expires_at)}`) : null),
      h("td", {}, h("div", { className: "row-actions" },
        k.status === "active" && !k.rolled_to
          ? h("button", { type: "button", className: "btn btn-sm", onclick: () => askRoll(k), "aria-label": `Roll ${k.name}` }, "Roll")
          : null,
        live ? h("button", { type: "button", className: "btn btn-sm btn-danger", onclick: () => askRevoke(k), "aria-label": `Revoke ${k.name}` }, "Revoke") : null)));
  }

  function render() {
    const mine = keys.filter((k) => k.environment === env());
    tbody.replaceChildren(...mine.map(row));
    table.hidden = mine.length === 0;
    empty.hidden = mine.length !== 0;
    root.querySelector("#keys-env-note").textContent = env() === "live"
      ? "Live keys move real money."
      : "Test keys reach the gateways' sandboxes only.";
    createBtn.textContent = `Create ${env()} key`;
  }

  async function load() {
    fail("");
    root.dataset.state = "loading";
    const r = await api("GET", base());
    root.dataset.state = "ready";
    if (r.status !== 200) return fail(detail(r.json, `Could not load the keys (HTTP ${r.status}).`));
    keys = r.json.keys;
    render();
  }

  async function create(e) {
    e.preventDefault();
    nameErr.textContent = "";
    createBtn.disabled = true;
    try {
      const body = { environment: env() };
      if (name.value.trim()) body.name = name.value.trim();
      const r = await api("POST", base(), body);
      if (r.status === 422) {
        nameErr.textContent = r.json.detail.map((d) => d.msg).join(" ");
        return name.focus();
      }
      if (r.status !== 201) return fail(detail(r.json, `Could not create the key (HTTP ${r.status}).`));
      name.value = "";
      showReveal(r.json);
      await load();
    } finally {
      createBtn.disabled = false;
    }
  }

  /** A modal with `body` and a confirm button; resolves to the confirmation's value or null. */
  function ask(title, body, confirmText, danger, value = () => true) {
    return new Promise((resolve) => {
      const done = (v) => { dialog.close(); resolve(v); };
      dialog.replaceChildren(h("form", { method: "dialog", className: "dialog-body", onsubmit: (e) => { e.preventDefault(); done(value()); } },
        h("h2", { id: "key-dialog-title" }, title), ...body,
        h("div", { className: "dialog-actions" },
          h("button", { type: "button", className: "btn", onclick: () => done(null) }, "Cancel"),
          h("button", { type: "submit", className: `btn ${danger ? "btn-danger-solid" : "btn-primary"}`, id: "key-confirm" }, confirmText))));
      dialog.oncancel = () => resolve(null);
      dialog.showModal();
    });
  }

  async function askRevoke(k) {
    const ok = await ask(`Revoke “${k.name}”?`,
      [h("p", {}, `Requests signed with ${k.prefix}…${k.last4} are refused everywhere within 5 seconds. This cannot be undone.`)],
      "Revoke key", true);
    if (!ok) return;
    const r = await api("DELETE", `${base()}/${encodeURIComponent(k.key_id)}`);
    if (r.status !== 200) return fail(detail(r.json, `Could not revoke the key (HTTP ${r.status}).`));
    say("Key revoked");
    await load();
  }

  async function askRoll(k) {
    const select = h("select", { id: "roll-expiry" }, ...ROLL_CHOICES.map(([v, t]) => h("option", { value: String(v), selected: v === 86400 }, t)));
    const secs = await ask(`Roll “${k.name}”?`, [
      h("p", {}, "A new key replaces this one. Keep the old key working while you deploy the new one:"),
      h("div", { className: "field" }, h("label", { htmlFor: "roll-expiry" }, "Old key expires"), select),
    ], "Roll key", false, () => Number(select.value));
    if (secs === null) return;
    const r = await api("POST", `${base()}/${encodeURIComponent(k.key_id)}/roll`, { expires_in_secs: secs });
    if (r.status !== 201) return fail(detail(r.json, `Could not roll the key (HTTP ${r.status}).`));
    showReveal(r.json.key, secs === 0
      ? "The old key has stopped working. This new key is shown only this once."
      : `The old key works until ${fmtTime(r.json.rolled.expires_at)}. This new key is shown only this once.`);
    await load();
  }

  return {
    /** Shows the account's keys (reloaded on every visit: others may have changed them). */
    async open(role) {
      if (role !== "owner") {
        keys = [];
        render();
        return fail("Only an owner of this account can see and change API keys.");
      }
      await load();
    },
    render,
  };
}
