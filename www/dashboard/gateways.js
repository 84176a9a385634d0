// Dashboard "Gateways" (owners): each gateway's credentials in the environment the switch
// shows. Credentials are write-only: the form sends them, the edge seals them, and no answer
// ever carries them again. "Test connection" makes one harmless authenticated call to the
// gateway. API: /v1/dashboard/projects/{id}/gateways…; the gateways and their credential fields
// come from GET /v1/dashboard/gateways (core's gateway modules), not from a copy here. The page
// asks for the secret fields; the non-secret settings (Braintree's merchant accounts per
// currency) are set through the admin API.

import { h } from "./dom.js";

/**
 * Renders the page into `root`. `api(method, path, body)` → `{status, json}`; `env()` → "test" |
 * "live"; `project()` → the open project; `say(text)` shows a toast; `detail(json, fallback)`
 * reads an error body.
 */
export function gatewaysPage({ root, api, env, project, say, detail }) {
  let set = { test: {}, live: {} };
  let gateways = null; // GET /v1/dashboard/gateways, once
  const base = () => `/v1/dashboard/projects/${encodeURIComponent(project().id)}/gateways`;
  const err = h("div", { className: "banner", role: "alert", hidden: true });
  const cards = h("div", { id: "gw-cards" });

  root.replaceChildren(
    h("div", { className: "page-head" }, h("div", {},
      h("p", { className: "crumbs" }, "Settings"),
      h("h1", {}, "Gateways"),
      h("p", { className: "lede" }, "The processors your payments go through, per environment. Credentials are stored encrypted and never shown again: to change them, enter new ones."))),
    err, cards);

  function fail(text) {
    err.textContent = text;
    err.hidden = !text;
  }

  function card({ gateway: gw, name, fields: all }) {
    const fields = all.filter((f) => f.secret).map((f) => [f.name, f.label]);
    const e = env();
    const current = set[e][gw];
    const id = (f) => `gw-${gw}-${f}`;
    const inputs = fields.map(([f, label]) => {
      const input = h("input", { id: id(f), type: "password", autocomplete: "off", spellcheck: false, maxLength: 500 });
      input.setAttribute("aria-describedby", `err-${id(f)}`);
      return [f, input, h("div", { className: "field" }, h("label", { htmlFor: id(f) }, label), input, h("p", { className: "err", id: `err-${id(f)}` }))];
    });
    const baseUrl = h("input", { id: id("base_url"), type: "url", autocomplete: "off", spellcheck: false, maxLength: 300, value: current?.base_url || "" });
    baseUrl.setAttribute("aria-describedby", `help-${id("base_url")} err-${id("base_url")}`);
    const baseField = h("div", { className: "field" }, h("label", { htmlFor: id("base_url") }, "API base URL"), baseUrl,
      h("p", { className: "help", id: `help-${id("base_url")}` }, `Empty: ${name}'s documented ${e === "live" ? "production" : "sandbox"} host.`),
      h("p", { className: "err", id: `err-${id("base_url")}` }));
    const result = h("p", { className: "gw-result", id: `gw-${gw}-result`, role: "status" });
    const save = h("button", { type: "submit", className: "btn btn-primary", id: `gw-${gw}-save` }, current ? "Replace credentials" : "Save credentials");
    const testBtn = h("button", { type: "button", className: "btn", id: `gw-${gw}-test`, disabled: !current, onclick: () => test(gw, name, result, testBtn) }, "Test connection");
    const remove = current
      ? h("button", { type: "button", className: "btn btn-danger", id: `gw-${gw}-remove`, onclick: () => removeGw(gw, name) }, "Remove")
      : null;
    const form = h("form", { className: "gw-form", noValidate: true, onsubmit: (ev) => saveGw(ev, gw, name, inputs, baseUrl) },
      ...inputs.map(([, , field]) => field), baseField, h("div", { className: "row-actions" }, save, testBtn, remove));
    return h("section", { className: "card", "data-gateway": gw, "aria-labelledby": `h-gw-${gw}` },
      h("header", { className: "card-head" }, h("h2", { id: `h-gw-${gw}` }, name),
        h("p", {}, current ? h("span", { className: "badge badge-ok" }, "Set") : h("span", { className: "badge badge-off" }, "Not set"),
          current ? ` · ${current.base_url}` : ` · no ${e} credentials`)),
      h("div", { className: "card-body" }, form, result));
  }

  function render() {
    cards.replaceChildren(...(gateways || []).map(card));
  }

  async function load() {
    fail("");
    root.dataset.state = "loading";
    if (!gateways) {
      const c = await api("GET", "/v1/dashboard/gateways");
      if (c.status !== 200) {
        root.dataset.state = "ready";
        return fail(detail(c.json, `Could not load the gateways (HTTP ${c.status}).`));
      }
      gateways = c.json.gateways;
    }
    const r = await api("GET", base());
    root.dataset.state = "ready";
    if (r.status !== 200) return fail(detail(r.json, `Could not load the gateways (HTTP ${r.status}).`));
    set = r.json;
    render();
  }

  async function saveGw(ev, gw, name, inputs, baseUrl) {
    ev.preventDefault();
    fail("");
    const credentials = {};
    for (const [f, input] of inputs) {
      root.querySelector(`#err-gw-${gw}-${f}`).textContent = "";
      credentials[f] = input.value.trim();
    }
    root.querySelector(`#err-gw-${gw}-base_url`).textContent = "";
    const body = { credentials };
    if (baseUrl.value.trim()) body.base_url = baseUrl.value.trim();
    const r = await api("PUT", `${base()}/${env()}/${gw}`, body);
    if (r.status === 422) {
      for (const d of r.json.detail) {
        const f = d.loc[1] === "base_url" ? "base_url" : d.loc[2];
        const target = f && root.querySelector(`#err-gw-${gw}-${f}`);
        if (target) target.textContent = d.msg.replace(/^Value error, /, "");
        else fail(d.msg);
      }
      return;
    }
    if (r.status !== 200) return fail(detail(r.json, `Could not save the ${name} credentials (HTTP ${r.status}).`));
    set = r.json.gateways;
    say(`${name} credentials saved`);
    render();
  }

  async function test(gw, name, result, btn) {
    btn.disabled = true;
    result.textContent = "Testing…";
    result.dataset.tone = "";
    try {
      const r = await api("POST", `${base()}/${env()}/${gw}/test`);
      if (r.status !== 200) {
        result.textContent = detail(r.json, `Could not test (HTTP ${r.status}).`);
        result.dataset.tone = "bad";
        return;
      }
      result.dataset.tone = r.json.ok ? "ok" : "bad";
      result.textContent = r.json.ok
        ? `Connected: ${name} accepted the credentials (${r.json.duration_ms} ms).`
        : `Failed: ${r.json.message}`;
    } finally {
      btn.disabled = false;
    }
  }

  async function removeGw(gw, name) {
    if (!window.confirm(`Remove the ${env()} ${name} credentials? New sessions cannot use ${name} until you set them again.`)) return;
    const r = await api("DELETE", `${base()}/${env()}/${gw}`);
    if (r.status !== 200) return fail(detail(r.json, `Could not remove ${name} (HTTP ${r.status}).`));
    set = r.json;
    say(`${name} removed`);
    render();
  }

  return {
    async open(role) {
      if (role !== "owner") {
        cards.replaceChildren();
        return fail("Only an owner of this account can see and change gateway credentials.");
      }
      await load();
    },
    render: () => { if (!err.textContent) render(); },
  };
}
