// Dashboard "Settings": the project's defaults for new sessions (currency, capture or
// authorize only, lifetime), the payment form's default color scheme and language, and the
// origins allowed to embed the form. Saved with PATCH /v1/dashboard/projects/{id} (owners only:
// a member's save is refused with the API's 403, shown in the banner); each change is in the
// audit log.

import { h } from "./dom.js";

function field(id, label, input, help) {
  input.id = id;
  input.setAttribute("aria-describedby", `${help ? `help-${id} ` : ""}err-${id}`);
  return h("div", { className: "field" }, h("label", { htmlFor: id }, label), input,
    help ? h("p", { className: "help", id: `help-${id}` }, help) : null, h("p", { className: "err", id: `err-${id}` }));
}

/**
 * Renders the page into `root`. `api(method, path, body)` → `{status, json}`; `project()` → the
 * open project; `saved(p)` hands the updated project back; `say(text)` shows a toast;
 * `detail(json, fallback)` reads an error body.
 */
export function settingsPage({ root, api, project, saved, say, detail }) {
  const err = h("div", { className: "banner", role: "alert", hidden: true });
  const currency = h("input", { type: "text", maxLength: 3, autocomplete: "off", spellcheck: false });
  const capture = h("select", {}, h("option", { value: "true" }, "Charge at once (capture)"), h("option", { value: "false" }, "Authorize only, capture later"));
  const lifetime = h("input", { type: "number", min: 1, max: 60, step: 1, inputMode: "numeric" });
  const scheme = h("select", {}, h("option", { value: "" }, "Not set (light)"), h("option", { value: "light" }, "Light"),
    h("option", { value: "dark" }, "Dark"), h("option", { value: "auto" }, "Auto: follow the customer's device"));
  const locale = h("input", { type: "text", maxLength: 35, autocomplete: "off", spellcheck: false });
  const origins = h("textarea", { rows: 4, spellcheck: false, autocomplete: "off" });
  const save = h("button", { type: "submit", className: "btn btn-primary", id: "settings-save" }, "Save settings");
  const form = h("form", { id: "settings-form", noValidate: true, onsubmit: submit },
    h("section", { className: "card", "aria-labelledby": "h-set-sessions" },
      h("header", { className: "card-head" }, h("h2", { id: "h-set-sessions" }, "New sessions"),
        h("p", {}, "Defaults for sessions created without these fields. A session's own values win.")),
      h("div", { className: "card-body gw-form" },
        field("set-currency", "Default currency", currency, "ISO 4217, e.g. usd, eur, jpy."),
        field("set-capture", "Payment", capture, "Authorize only holds the money until you capture it."),
        field("set-lifetime", "Session lifetime (minutes)", lifetime, "1 to 60; an unpaid session expires after this."))),
    h("section", { className: "card", "aria-labelledby": "h-set-form" },
      h("header", { className: "card-head" }, h("h2", { id: "h-set-form" }, "Payment form"),
        h("p", {}, "How the form looks and speaks when neither the session nor your page says. A session's own values win, and a page's colorScheme or locale option wins over both.")),
      h("div", { className: "card-body gw-form" },
        field("set-scheme", "Color scheme", scheme, "Dark suits dark chats; auto follows the customer's light or dark setting."),
        field("set-locale", "Language", locale, "A language tag such as de, fr-CA or pt-BR; empty: English."))),
    h("section", { className: "card", "aria-labelledby": "h-set-origins" },
      h("header", { className: "card-head" }, h("h2", { id: "h-set-origins" }, "Allowed origins"),
        h("p", {}, "The sites that may embed the payment form, one per line (https://shop.example.com). Empty: any site, test sessions only; live forms then embed nowhere.")),
      h("div", { className: "card-body" }, field("set-origins", "Origins", origins))),
    h("div", { className: "row-actions" }, save));

  root.replaceChildren(
    h("div", { className: "page-head" }, h("div", {},
      h("p", { className: "crumbs" }, "Settings"),
      h("h1", {}, "Project settings"),
      h("p", { className: "lede" }, "How this project's payment sessions behave by default, and where its form may appear."))),
    err, form);

  function fail(text) {
    err.textContent = text;
    err.hidden = !text;
  }

  function fill(p) {
    currency.value = p.currency;
    capture.value = String(p.capture);
    lifetime.value = String(Math.round(p.session_lifetime_secs / 60));
    origins.value = (p.allowed_origins || []).join("\n");
    scheme.value = p.color_scheme || "";
    locale.value = p.locale || "";
  }

  const ERR_OF = { currency: "set-currency", capture: "set-capture", session_lifetime_secs: "set-lifetime", allowed_origins: "set-origins",
    color_scheme: "set-scheme", locale: "set-locale" };

  async function submit(e) {
    e.preventDefault();
    fail("");
    for (const id of Object.values(ERR_OF)) root.querySelector(`#err-${id}`).textContent = "";
    const minutes = Number(lifetime.value);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 60) {
      root.querySelector("#err-set-lifetime").textContent = "Enter a whole number of minutes from 1 to 60.";
      return lifetime.focus();
    }
    const body = {
      currency: currency.value.trim().toLowerCase(),
      capture: capture.value === "true",
      session_lifetime_secs: minutes * 60,
      allowed_origins: origins.value.split("\n").map((o) => o.trim()).filter(Boolean),
      color_scheme: scheme.value || null,
      locale: locale.value.trim() || null,
    };
    save.disabled = true;
    try {
      const r = await api("PATCH", `/v1/dashboard/projects/${encodeURIComponent(project().id)}`, body);
      if (r.status === 422) {
        for (const d of r.json.detail) {
          const target = root.querySelector(`#err-${ERR_OF[d.loc[1]] || ""}`);
          const msg = d.msg.replace(/^Value error, /, "") + (d.loc.length > 2 ? ` (line ${d.loc[2] + 1})` : "");
          if (target) target.textContent = msg;
          else fail(msg);
        }
        return;
      }
      if (r.status !== 200) return fail(detail(r.json, `Could not save the settings (HTTP ${r.status}).`));
      saved(r.json);
      fill(r.json);
      say("Settings saved");
    } finally {
      save.disabled = false;
    }
  }

  return {
    open() {
      fail("");
      fill(project());
      root.dataset.state = "ready";
    },
  };
}
