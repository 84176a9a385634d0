// Dashboard "Customize" (SPEC §5): edits a project's theme, labels and fields through the admin
// API, with the real widget as a live preview. The preview is a short-lived test session of the
// project (POST /v1/dashboard/projects/{id}/preview-session) mounted with Maven.createPayment; every
// edit reaches it through updateTheme / updateLabels / updateFields, the calls a merchant page
// makes, so what the operator sees is what customers get.
// The merchant signs in with e-mail and password (session.js); the page talks to /v1/dashboard.

import { paymentsPage } from "./payments.js";
import { keysPage } from "./keys.js";
import { webhooksPage } from "./webhooks.js";
import { gatewaysPage } from "./gateways.js";
import { settingsPage } from "./settings.js";
import { auditPage } from "./audit.js";
import { teamPage } from "./team.js";
import { api, current, signIn, acceptInvite, signOut as endSession, whenEnded } from "./session.js";

const ENV_KEY = "maven.dashboard.env";
const THEME_KEYS = ["primary_color", "background_color", "text_color", "error_color", "border_radius", "font_family"];
const COLOR_KEYS = ["primary_color", "background_color", "text_color", "error_color"];
const FORM_LABELS = [
  ["title", "Title", "Secure payment"],
  ["card_number", "Card number", "Card number"],
  ["expiry", "Expiry", "Expiry (MM/YY)"],
  ["cvc", "CVC", "CVC"],
  ["cardholder_name", "Name on card", "Name on card"],
  ["postal_code", "Postal code", "Postal code"],
  ["pay_button", "Pay button", "Pay {amount}", "{amount} becomes the formatted amount, e.g. $12.34."],
];
const RESULT_LABELS = [
  ["success", "Success title", "Payment successful"],
  ["failure", "Failure title", "Payment failed"],
  ["try_again", "Try again button", "Try again"],
];
const LABEL_KEYS = [...FORM_LABELS, ...RESULT_LABELS].map((l) => l[0]);
const FIELD_KEYS = ["cardholder_name", "postal_code"];
const KEYS = { theme: THEME_KEYS, labels: LABEL_KEYS, fields: FIELD_KEYS };
const UPDATE = { theme: "updateTheme", labels: "updateLabels", fields: "updateFields" };
const PREVIEW_DEBOUNCE_MS = 120;
const HEX = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

const state = {
  me: null,
  project: null,
  saved: null, // {theme, labels, fields} as the API last returned them
  draft: null, // the same shape, as the controls hold them
  controller: null,
  previewGen: 0, // discards answers of superseded preview sessions
  pending: { theme: {}, labels: {}, fields: {} },
  timer: 0,
  saving: false,
};

const detailText = (json, fallback) => (json && typeof json.detail === "string" ? json.detail : fallback);

// ------------------------------------------------------------ sign in ----

function showView(name) {
  const inside = name !== "signin" && name !== "invite";
  $("signin-view").hidden = name !== "signin";
  $("invite-view").hidden = name !== "invite";
  $("editor-view").hidden = name !== "editor";
  $("payments-view").hidden = name !== "payments";
  $("keys-view").hidden = name !== "keys";
  $("webhooks-view").hidden = name !== "webhooks";
  $("gateways-view").hidden = name !== "gateways";
  $("settings-view").hidden = name !== "settings";
  $("audit-view").hidden = name !== "audit";
  $("team-view").hidden = name !== "team";
  for (const id of ["signout", "env-pill", "switcher", "nav", "env-switch"]) $(id).hidden = !inside;
  for (const [view, link] of [["payments", "nav-payments"], ["editor", "nav-customize"], ["keys", "nav-keys"], ["webhooks", "nav-webhooks"], ["gateways", "nav-gateways"], ["settings", "nav-settings"], ["audit", "nav-audit"], ["team", "nav-team"]]) {
    if (view === name) $(link).setAttribute("aria-current", "page");
    else $(link).removeAttribute("aria-current");
  }
  document.body.dataset.view = name;
}

// ------------------------------------------------- sections, environment ----

const currentEnv = () => (document.querySelector("input[name=env]:checked")?.value === "live" ? "live" : "test");
const payments = paymentsPage({ root: $("payments-view"), api, env: currentEnv, project: () => state.project, say: toast, detail: detailText });
const keys = keysPage({ root: $("keys-view"), api, env: currentEnv, say: toast, detail: detailText });
const webhooks = webhooksPage({ root: $("webhooks-view"), api, env: currentEnv, project: () => state.project, say: toast, detail: detailText });
const gateways = gatewaysPage({ root: $("gateways-view"), api, env: currentEnv, project: () => state.project, say: toast, detail: detailText });
const settings = settingsPage({ root: $("settings-view"), api, project: () => state.project, saved: (p) => { state.project = p; }, say: toast, detail: detailText });
const audit = auditPage({ root: $("audit-view"), api, detail: detailText });
const team = teamPage({ root: $("team-view"), api, detail: detailText, say: toast });

/** The section named by the URL's hash (#keys, #team, #audit, else Customize). */
async function showSection() {
  if (!state.project) return;
  if (location.hash === "#payments") {
    showView("payments");
    document.title = `Payments · ${state.project.name} · Maven dashboard`;
    await payments.open();
  } else if (location.hash === "#team") {
    showView("team");
    document.title = `Team · ${state.project.name} · Maven dashboard`;
    await team.open(state.me.user.role);
  } else if (location.hash === "#audit") {
    showView("audit");
    document.title = `Audit log · ${state.project.name} · Maven dashboard`;
    await audit.open(state.me.user.role);
  } else if (location.hash === "#settings") {
    showView("settings");
    document.title = `Settings · ${state.project.name} · Maven dashboard`;
    settings.open();
  } else if (location.hash === "#gateways") {
    showView("gateways");
    document.title = `Gateways · ${state.project.name} · Maven dashboard`;
    await gateways.open(state.me.user.role);
  } else if (location.hash === "#webhooks") {
    showView("webhooks");
    document.title = `Webhooks · ${state.project.name} · Maven dashboard`;
    await webhooks.open(state.me.user.role);
  } else if (location.hash === "#keys") {
    showView("keys");
    document.title = `API keys · ${state.project.name} · Maven dashboard`;
    await keys.open(state.me.user.role);
  } else {
    showView("editor");
    document.title = `Customize · ${state.project.name} · Maven dashboard`;
  }
}

window.addEventListener("hashchange", showSection);
$(sessionStorage.getItem(ENV_KEY) === "live" ? "env-live" : "env-test").checked = true;
$("env-switch").addEventListener("change", () => {
  sessionStorage.setItem(ENV_KEY, currentEnv());
  document.body.dataset.env = currentEnv();
  keys.render();
  payments.render();
  webhooks.render();
  gateways.render();
});
document.body.dataset.env = currentEnv();

function showSignin(message) {
  showView("signin");
  setErr("err-email", "");
  setErr("err-password", message || "");
  $("password").value = "";
  ($("email").value ? $("password") : $("email")).focus();
}

function signedOut(message) {
  state.me = null;
  state.project = null;
  destroyPreview();
  showSignin(message);
}
whenEnded(signedOut);

/** Signed in: the projects of the account; the one in ?project= (or the first) opens. */
async function enter(me) {
  state.me = me;
  $("env-pill").textContent = me.user.role === "owner" ? "Owner" : "Member";
  $("nav-keys").hidden = me.user.role !== "owner";
  $("nav-gateways").hidden = me.user.role !== "owner";
  $("nav-audit").hidden = me.user.role !== "owner";
  const r = await api("GET", "/v1/dashboard/projects");
  if (r.status !== 200) return showSignin(detailText(r.json, `Unexpected answer from the edge (HTTP ${r.status}).`));
  const list = r.json.projects;
  if (!list.length) return showSignin("This account has no projects yet.");
  const wanted = list.find((p) => p.id === params.get("project")) || list[0];
  return openProject(wanted, list);
}

$("signin").addEventListener("submit", async (e) => {
  e.preventDefault();
  setErr("err-email", "");
  setErr("err-password", "");
  const btn = $("connect");
  btn.disabled = true;
  btn.textContent = "Signing in…";
  try {
    const r = await signIn($("email").value.trim(), $("password").value);
    if (r.me) return await enter(r.me);
    setErr(`err-${r.field}`, r.error);
    $(r.field).focus();
  } finally {
    btn.disabled = false;
    btn.textContent = "Sign in";
  }
});

$("invite").addEventListener("submit", async (e) => {
  e.preventDefault();
  for (const id of ["err-invite-name", "err-invite-password", "err-invite"]) setErr(id, "");
  const code = location.hash.slice("#invite=".length);
  const r = await acceptInvite(code, $("invite-name").value.trim(), $("invite-password").value);
  if (r.me) {
    history.replaceState(null, "", location.pathname);
    return enter(r.me);
  }
  const { name, password, form } = r.errors;
  if (name) setErr("err-invite-name", name);
  if (password) setErr("err-invite-password", password);
  if (form) setErr("err-invite", form);
  $(name ? "invite-name" : "invite-password").focus();
});

$("signout").addEventListener("click", async () => {
  if (!confirmDiscard()) return;
  await endSession();
  signedOut("");
});

// ------------------------------------------------------- the project ----

const pick = (p) => ({ theme: { ...p.theme }, labels: { ...p.labels }, fields: { ...p.fields } });
const clone = (v) => JSON.parse(JSON.stringify(v));

async function openProject(p, siblings) {
  state.project = p;
  state.saved = pick(p);
  state.draft = clone(state.saved);
  const url = new URL(location.href);
  url.search = `?project=${encodeURIComponent(p.id)}`;
  history.replaceState(null, "", url);
  $("crumb-project").textContent = p.name;
  fillControls(state.draft);
  clearErrors();
  banner("");
  updateDirty();
  await showSection();
  fillSwitcher(p, siblings);
  startPreview();
  return true;
}

async function fillSwitcher(p, siblings) {
  const select = $("project");
  const put = (list) => {
    select.replaceChildren(...list.map((x) => {
      const o = document.createElement("option");
      o.value = x.id;
      o.textContent = `${x.name} · ${x.slug}`;
      o.selected = x.id === p.id;
      return o;
    }));
  };
  put(siblings || [p]);
  if (!siblings) {
    const r = await api("GET", "/v1/dashboard/projects");
    if (r.status === 200 && state.project?.id === p.id) put(r.json.projects);
  }
}

$("project").addEventListener("change", async (e) => {
  const id = e.target.value;
  if (!confirmDiscard()) { e.target.value = state.project.id; return; }
  const r = await api("GET", `/v1/dashboard/projects/${encodeURIComponent(id)}`);
  if (r.status === 200) openProject(r.json);
  else banner(detailText(r.json, `Could not open that project (HTTP ${r.status}).`));
});

// ---------------------------------------------------------- controls ----

function buildLabelInputs() {
  const make = ([key, title, placeholder, hint]) => {
    const wrap = document.createElement("div");
    wrap.className = "field";
    const label = document.createElement("label");
    label.htmlFor = `labels-${key}`;
    label.textContent = title;
    const input = document.createElement("input");
    Object.assign(input, { type: "text", id: `labels-${key}`, maxLength: 120, placeholder, autocomplete: "off", spellcheck: true });
    input.dataset.key = `labels.${key}`;
    const err = document.createElement("p");
    err.className = "err";
    err.id = `err-labels-${key}`;
    const describedBy = [err.id];
    wrap.append(label, input);
    if (hint) {
      const h = document.createElement("p");
      h.className = "help";
      h.id = `help-labels-${key}`;
      h.textContent = hint;
      wrap.append(h);
      describedBy.unshift(h.id);
      wrap.classList.add("wide");
    }
    input.setAttribute("aria-describedby", describedBy.join(" "));
    wrap.append(err);
    return wrap;
  };
  $("labels-form").replaceChildren(...FORM_LABELS.map(make));
  $("labels-result").replaceChildren(...RESULT_LABELS.map(make));
}

const expandHex = (v) => (v.length === 4 ? "#" + [...v.slice(1)].map((c) => c + c).join("") : v).toLowerCase();

function fillControls(d) {
  for (const key of COLOR_KEYS) setColor(key, d.theme[key]);
  $("theme-border_radius").value = d.theme.border_radius;
  $("radius-out").value = `${d.theme.border_radius} px`;
  $("theme-font_family").value = d.theme.font_family;
  for (const key of LABEL_KEYS) $(`labels-${key}`).value = d.labels[key];
  for (const key of FIELD_KEYS) {
    const radio = $(`fields-${key}-${d.fields[key]}`);
    if (radio) radio.checked = true;
  }
}

function setColor(key, value) {
  const text = $(`theme-${key}`);
  const picker = $(`theme-${key}-picker`);
  const transparent = key === "background_color" && value === "transparent";
  text.value = value;
  if (key === "background_color") {
    $("theme-background_transparent").checked = transparent;
    text.disabled = transparent;
    picker.disabled = transparent;
  }
  if (HEX.test(value)) picker.value = expandHex(value);
  picker.closest(".color-input").classList.toggle("is-transparent", transparent);
}

/** The control that changed → [kind, key, value], or null. */
function readControl(el) {
  if (el.name?.startsWith("fields-")) return ["fields", el.name.slice(7), el.value];
  if (el.id === "theme-background_transparent") {
    const v = el.checked ? "transparent" : (HEX.test($("theme-background_color").value) ? $("theme-background_color").value : "#ffffff");
    setColor("background_color", v);
    return ["theme", "background_color", v];
  }
  if (el.type === "color") {
    const key = el.id.replace(/^theme-|-picker$/g, "");
    $(`theme-${key}`).value = el.value;
    return ["theme", key, el.value];
  }
  const path = el.dataset.key;
  if (!path) return null;
  const [kind, key] = path.split(".");
  if (key === "border_radius") {
    $("radius-out").value = `${el.value} px`;
    return [kind, key, Number(el.value)];
  }
  const value = kind === "theme" ? el.value.trim() : el.value;
  if (COLOR_KEYS.includes(key) && HEX.test(value)) $(`theme-${key}-picker`).value = expandHex(value);
  return [kind, key, value];
}

function onEdit(e) {
  const change = readControl(e.target);
  if (!change) return;
  const [kind, key, value] = change;
  state.draft[kind][key] = value;
  setErr(`err-${kind}-${key}`, "");
  updateDirty();
  state.pending[kind][key] = value;
  clearTimeout(state.timer);
  state.timer = setTimeout(flushPreview, PREVIEW_DEBOUNCE_MS);
}

// "input" fires for every control here: text, range, color, checkbox and radio.
$("settings").addEventListener("input", onEdit);
$("settings").addEventListener("submit", (e) => { e.preventDefault(); save(); });

// ------------------------------------------------------ dirty + save ----

function dirtyPatch() {
  const patch = {};
  for (const kind of ["theme", "labels", "fields"]) {
    for (const key of KEYS[kind]) {
      if (state.draft[kind][key] !== state.saved[kind][key]) (patch[kind] ||= {})[key] = state.draft[kind][key];
    }
  }
  return patch;
}

function updateDirty() {
  const n = Object.values(dirtyPatch()).reduce((sum, o) => sum + Object.keys(o).length, 0);
  $("save").disabled = n === 0 || state.saving;
  $("reset").disabled = n === 0 || state.saving;
  const s = $("save-state");
  if (n) { s.textContent = n === 1 ? "1 unsaved change" : `${n} unsaved changes`; s.dataset.tone = "dirty"; }
  else if (s.dataset.tone === "dirty") { s.textContent = ""; s.dataset.tone = ""; }
  return n;
}

function confirmDiscard() {
  return !state.project || !updateDirty() || confirm("Discard your unsaved changes?");
}

async function save() {
  const patch = dirtyPatch();
  if (!Object.keys(patch).length || state.saving) return;
  state.saving = true;
  const btn = $("save");
  btn.textContent = "Saving…";
  updateDirty();
  clearErrors("api");
  banner("");
  try {
    const r = await api("PATCH", `/v1/dashboard/projects/${encodeURIComponent(state.project.id)}`, patch);
    if (r.status === 200) {
      state.project = r.json;
      state.saved = pick(r.json);
      toast("Changes saved");
      $("save-state").textContent = "All changes saved";
      $("save-state").dataset.tone = "saved";
    } else if (r.status === 422 && Array.isArray(r.json?.detail)) {
      const stray = showValidation(r.json.detail);
      banner(`Nothing was saved: ${stray.length ? stray.join(" ") : "fix the highlighted fields and save again."}`);
    } else if (r.status !== 401) {
      banner(`Nothing was saved: ${detailText(r.json, `the edge answered HTTP ${r.status}.`)}`);
    }
  } finally {
    state.saving = false;
    btn.textContent = "Save";
    updateDirty();
  }
}

async function reset() {
  if (!state.project) return;
  const r = await api("GET", `/v1/dashboard/projects/${encodeURIComponent(state.project.id)}`);
  if (r.status !== 200) return banner(detailText(r.json, `Could not reload the project (HTTP ${r.status}).`));
  state.project = r.json;
  state.saved = pick(r.json);
  state.draft = clone(state.saved);
  fillControls(state.draft);
  clearErrors();
  banner("");
  updateDirty();
  queueAll();
  flushPreview();
}

$("save").addEventListener("click", save);
$("reset").addEventListener("click", reset);
document.addEventListener("keydown", (e) => {
  if ((e.metaKey || e.ctrlKey) && e.key === "s" && state.project) { e.preventDefault(); save(); }
});
window.addEventListener("beforeunload", (e) => { if (state.project && updateDirty()) e.preventDefault(); });

// --------------------------------------------------------------- errors ----

function setErr(id, text, source = "api") {
  const el = $(id);
  if (!el) return false;
  el.textContent = text;
  el.dataset.source = text ? source : "";
  const control = el.closest(".field, .mode-row")?.querySelector("input[type=text], input[type=email], input[type=password], input[type=range], .segmented");
  if (control) {
    if (text) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
  }
  return true;
}

function clearErrors(source) {
  for (const el of document.querySelectorAll(".err")) {
    if (!source || el.dataset.source === source) setErr(el.id, "");
  }
}

/** Puts each 422 problem under its control; returns the messages that have no control. */
function showValidation(detail) {
  const stray = [];
  let first = null;
  for (const d of detail) {
    const loc = d.loc.filter((x) => x !== "body");
    const msg = String(d.msg).replace(/^Value error, /, "");
    const id = `err-${loc.join("-")}`;
    if (loc.length === 2 && setErr(id, msg)) first ||= $(id);
    else stray.push(`${loc.join(".") || "body"}: ${msg}.`);
  }
  first?.closest(".field, .mode-row")?.querySelector("input, .segmented input")?.focus();
  return stray;
}

function banner(text) {
  $("banner").textContent = text;
  $("banner").hidden = !text;
}

let toastTimer = 0;
function toast(text) {
  $("toast-text").textContent = text;
  $("toast").hidden = false;
  $("toast").classList.add("show");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { $("toast").classList.remove("show"); $("toast").hidden = true; }, 2600);
}

// -------------------------------------------------------------- preview ----

function previewMsg(text, tone = "info") {
  $("preview-msg").textContent = text;
  $("preview-msg").dataset.tone = tone;
  $("preview-msg").hidden = !text;
}

function previewStatus(text, tone) {
  const s = $("preview-status");
  s.lastChild.textContent = text;
  s.dataset.tone = tone;
}

function destroyPreview() {
  state.previewGen++;
  try { state.controller?.destroy(); } catch { /* already gone */ }
  state.controller = null;
}

function queueAll() {
  for (const kind of ["theme", "labels", "fields"]) Object.assign(state.pending[kind], state.draft[kind]);
}

/** Sends pending edits to the form, key by key: a value the SDK refuses stays out of the preview. */
function flushPreview() {
  clearTimeout(state.timer);
  const c = state.controller;
  if (!c) return;
  for (const kind of ["theme", "labels", "fields"]) {
    const pending = state.pending[kind];
    state.pending[kind] = {};
    for (const [key, value] of Object.entries(pending)) {
      const errId = `err-${kind}-${key}`;
      try {
        c[UPDATE[kind]]({ [key]: value });
        if ($(errId)?.dataset.source === "preview") setErr(errId, "");
      } catch (e) {
        const why = String(e.message || e).replace(/^Maven: /, "").replace(`${kind}.${key} `, "");
        if ($(errId)?.dataset.source !== "api") setErr(errId, `Not valid: ${why}.`, "preview");
      }
    }
  }
}

async function startPreview() {
  destroyPreview();
  const gen = state.previewGen;
  const project = state.project;
  $("preview-slot").replaceChildren();
  previewMsg("");
  previewStatus("Loading", "loading");
  const r = await api("POST", `/v1/dashboard/projects/${encodeURIComponent(project.id)}/preview-session`);
  if (gen !== state.previewGen) return;
  if (r.status !== 201) {
    previewStatus("Unavailable", "off");
    previewMsg(detailText(r.json, `Could not start a preview session (HTTP ${r.status}).`), "error");
    return;
  }
  try {
    await window.Maven.ready;
  } catch (e) {
    previewStatus("Unavailable", "off");
    return previewMsg(String(e.message || e), "error");
  }
  if (gen !== state.previewGen) return;
  state.controller = window.Maven.createPayment({
    sessionId: r.json.session_id,
    onReady: () => { if (gen === state.previewGen) previewStatus("Live", "live"); },
    // The session lives 15 minutes; a new one keeps the preview (and the unsaved edits) alive.
    onExpired: () => { if (gen === state.previewGen) startPreview(); },
    onFailure: (e) => {
      if (gen === state.previewGen && e.error_code === "integration_error") previewMsg(e.error_message, "error");
    },
  }).mount($("preview-slot"));
  $("stage").dataset.session = r.json.session_id;
  queueAll();
  flushPreview();
}

$("restart").addEventListener("click", () => state.project && startPreview());
for (const radio of document.querySelectorAll("input[name=backdrop]")) {
  radio.addEventListener("change", () => { $("stage").dataset.backdrop = radio.value; });
}

// ----------------------------------------------------------------- boot ----

buildLabelInputs();
if (location.hash.startsWith("#invite=")) {
  showView("invite");
  $("invite-name").focus();
} else {
  current().then((me) => (me ? enter(me) : showSignin("")));
}
