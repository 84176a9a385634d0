// The merchant dashboard's shell: sign-in (e-mail and password, session.js) and invites, which
// view shows, the sections' navigation, the test/live switch and the project switcher. Each
// page is its own module (customize.js, payments.js, keys.js, webhooks.js, gateways.js,
// settings.js, audit.js, team.js) and talks to /v1/dashboard itself.

import { customizePage } from "./customize.js";
import { paymentsPage } from "./payments.js";
import { keysPage } from "./keys.js";
import { webhooksPage } from "./webhooks.js";
import { gatewaysPage } from "./gateways.js";
import { settingsPage } from "./settings.js";
import { auditPage } from "./audit.js";
import { teamPage } from "./team.js";
import { api, current, signIn, acceptInvite, signOut as endSession, whenEnded } from "./session.js";

const ENV_KEY = "maven.dashboard.env";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

const state = { me: null, project: null };

const detailText = (json, fallback) => (json && typeof json.detail === "string" ? json.detail : fallback);

// ------------------------------------------------------------- views ----

const VIEWS = [
  ["payments", "nav-payments"], ["editor", "nav-customize"], ["keys", "nav-keys"], ["webhooks", "nav-webhooks"],
  ["gateways", "nav-gateways"], ["settings", "nav-settings"], ["audit", "nav-audit"], ["team", "nav-team"],
];

function showView(name) {
  const inside = name !== "signin" && name !== "invite";
  $("signin-view").hidden = name !== "signin";
  $("invite-view").hidden = name !== "invite";
  for (const [view, link] of VIEWS) {
    $(`${view}-view`).hidden = view !== name;
    if (view === name) $(link).setAttribute("aria-current", "page");
    else $(link).removeAttribute("aria-current");
  }
  for (const id of ["signout", "env-pill", "switcher", "nav", "env-switch"]) $(id).hidden = !inside;
  document.body.dataset.view = name;
}

/** A control's error text (and its aria-invalid), by the error element's id. */
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

let toastTimer = 0;
function toast(text) {
  $("toast-text").textContent = text;
  $("toast").hidden = false;
  $("toast").classList.add("show");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { $("toast").classList.remove("show"); $("toast").hidden = true; }, 2600);
}

// ------------------------------------------------- sections, environment ----

const currentEnv = () => (document.querySelector("input[name=env]:checked")?.value === "live" ? "live" : "test");
const common = { api, say: toast, detail: detailText };
const customize = customizePage({ ...common, setErr, saved: (p) => { state.project = p; } });
const payments = paymentsPage({ ...common, root: $("payments-view"), env: currentEnv, project: () => state.project });
const keys = keysPage({ ...common, root: $("keys-view"), env: currentEnv });
const webhooks = webhooksPage({ ...common, root: $("webhooks-view"), env: currentEnv, project: () => state.project });
const gateways = gatewaysPage({ ...common, root: $("gateways-view"), env: currentEnv, project: () => state.project });
const settings = settingsPage({ ...common, root: $("settings-view"), project: () => state.project, saved: (p) => { state.project = p; } });
const audit = auditPage({ root: $("audit-view"), api, detail: detailText });
const team = teamPage({ root: $("team-view"), api, detail: detailText, say: toast });

/** Hash → [view, title, open]; anything else is Customize. */
const SECTIONS = {
  "#payments": ["payments", "Payments", () => payments.open()],
  "#team": ["team", "Team", () => team.open(state.me.user.role)],
  "#audit": ["audit", "Audit log", () => audit.open(state.me.user.role)],
  "#settings": ["settings", "Settings", () => settings.open()],
  "#gateways": ["gateways", "Gateways", () => gateways.open(state.me.user.role)],
  "#webhooks": ["webhooks", "Webhooks", () => webhooks.open(state.me.user.role)],
  "#keys": ["keys", "API keys", () => keys.open(state.me.user.role)],
};

/** The section named by the URL's hash. */
async function showSection() {
  if (!state.project) return;
  const [view, title, open] = SECTIONS[location.hash] || ["editor", "Customize", () => {}];
  showView(view);
  document.title = `${title} · ${state.project.name} · Maven dashboard`;
  await open();
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

// ------------------------------------------------------------ sign in ----

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
  customize.close();
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
  if (!(await customize.init())) return showSignin("The dashboard could not load its settings. Reload the page.");
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
  if (!customize.confirmDiscard()) return;
  await endSession();
  signedOut("");
});

// ------------------------------------------------------- the project ----

async function openProject(p, siblings) {
  state.project = p;
  const url = new URL(location.href);
  url.search = `?project=${encodeURIComponent(p.id)}`;
  history.replaceState(null, "", url);
  $("crumb-project").textContent = p.name;
  customize.load(p);
  await showSection();
  fillSwitcher(p, siblings);
  customize.startPreview();
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
  // The name may be cut with an ellipsis in the top bar: its title has all of it.
  const full = `${p.name} · ${p.slug}`;
  $("project-name").textContent = full;
  $("project-pick").title = full;
  select.title = full;
  if (!siblings) {
    const r = await api("GET", "/v1/dashboard/projects");
    if (r.status === 200 && state.project?.id === p.id) put(r.json.projects);
  }
}

$("project").addEventListener("change", async (e) => {
  const id = e.target.value;
  if (!customize.confirmDiscard()) { e.target.value = state.project.id; return; }
  const r = await api("GET", `/v1/dashboard/projects/${encodeURIComponent(id)}`);
  if (r.status === 200) openProject(r.json);
  else customize.banner(detailText(r.json, `Could not open that project (HTTP ${r.status}).`));
});

// ----------------------------------------------------------------- boot ----

if (location.hash.startsWith("#invite=")) {
  showView("invite");
  $("invite-name").focus();
} else {
  current().then((me) => (me ? enter(me) : showSignin("")));
}
