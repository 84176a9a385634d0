// Dashboard "Customize" (SPEC §5): edits a project's theme, labels and fields, with the real
// widget as a live preview. The preview is a short-lived test session of the project
// (POST /v1/dashboard/projects/{id}/preview-session) mounted with Maven.createPayment; every
// edit reaches it through updateTheme / updateLabels / updateFields, the calls a merchant page
// makes, so what the merchant sees is what customers get. The keys, their defaults and the
// labels' names come from the edge (GET /v1/dashboard/customization), not from copies here.

const UPDATE = { theme: "updateTheme", labels: "updateLabels", fields: "updateFields" };
const KINDS = ["theme", "labels", "fields"];
const PREVIEW_DEBOUNCE_MS = 120;
const HEX = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;

const $ = (id) => document.getElementById(id);
const pick = (p) => ({ theme: { ...p.theme }, labels: { ...p.labels }, fields: { ...p.fields } });
const clone = (v) => JSON.parse(JSON.stringify(v));
const expandHex = (v) => (v.length === 4 ? "#" + [...v.slice(1)].map((c) => c + c).join("") : v).toLowerCase();

/**
 * The Customize page in the static markup of index.html (#editor-view). `api(method, path,
 * body)` → `{status, json}`; `say(text)` shows a toast; `setErr(id, text, source)` shows a
 * control's error; `detail(json, fallback)` reads an error body; `saved(project)` tells the
 * shell the project changed.
 */
export function customizePage({ api, say, setErr, detail, saved: onSaved }) {
  const state = {
    catalog: null, // GET /v1/dashboard/customization
    keys: { theme: [], labels: [], fields: [] },
    colorKeys: [],
    project: null,
    saved: null, // {theme, labels, fields} as the API last returned them
    draft: null, // the same shape, as the controls hold them
    controller: null,
    previewGen: 0, // discards answers of superseded preview sessions
    pending: { theme: {}, labels: {}, fields: {} },
    timer: 0,
    saving: false,
  };

  // ------------------------------------------------------ the catalog ----

  /** The keys, defaults and label names, once per page load; builds the label inputs. */
  async function init() {
    if (state.catalog) return true;
    const r = await api("GET", "/v1/dashboard/customization");
    if (r.status !== 200) {
      banner(detail(r.json, `Could not load the form's settings (HTTP ${r.status}).`));
      return false;
    }
    const c = r.json;
    state.catalog = c;
    state.keys = { theme: c.theme.keys, labels: c.labels.map((l) => l.key), fields: c.fields.keys };
    state.colorKeys = c.theme.color_keys;
    buildLabelInputs(c.labels, c.limits.max_label_chars);
    $("theme-border_radius").max = String(c.limits.max_radius_px);
    return true;
  }

  function buildLabelInputs(labels, maxChars) {
    const make = ({ key, name, default: placeholder, hint }) => {
      const wrap = document.createElement("div");
      wrap.className = "field";
      const label = document.createElement("label");
      label.htmlFor = `labels-${key}`;
      label.textContent = name;
      const input = document.createElement("input");
      Object.assign(input, { type: "text", id: `labels-${key}`, maxLength: maxChars, placeholder, autocomplete: "off", spellcheck: true });
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
    $("labels-form").replaceChildren(...labels.filter((l) => l.group === "form").map(make));
    $("labels-result").replaceChildren(...labels.filter((l) => l.group === "result").map(make));
  }

  // ---------------------------------------------------------- controls ----

  function fillControls(d) {
    for (const key of state.colorKeys) setColor(key, d.theme[key]);
    $("theme-border_radius").value = d.theme.border_radius;
    $("radius-out").value = `${d.theme.border_radius} px`;
    $("theme-font_family").value = d.theme.font_family;
    for (const key of state.keys.labels) $(`labels-${key}`).value = d.labels[key];
    for (const key of state.keys.fields) {
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
    if (state.colorKeys.includes(key) && HEX.test(value)) $(`theme-${key}-picker`).value = expandHex(value);
    return [kind, key, value];
  }

  function onEdit(e) {
    if (!state.draft) return;
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
    if (!state.draft) return patch;
    for (const kind of KINDS) {
      for (const key of state.keys[kind]) {
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
        onSaved(r.json);
        say("Changes saved");
        $("save-state").textContent = "All changes saved";
        $("save-state").dataset.tone = "saved";
      } else if (r.status === 422 && Array.isArray(r.json?.detail)) {
        const stray = showValidation(r.json.detail);
        banner(`Nothing was saved: ${stray.length ? stray.join(" ") : "fix the highlighted fields and save again."}`);
      } else if (r.status !== 401) {
        banner(`Nothing was saved: ${detail(r.json, `the edge answered HTTP ${r.status}.`)}`);
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
    if (r.status !== 200) return banner(detail(r.json, `Could not reload the project (HTTP ${r.status}).`));
    load(r.json);
    // A fresh preview session: the edits already sent to the form cannot be taken back one by one.
    startPreview();
  }

  $("save").addEventListener("click", save);
  $("reset").addEventListener("click", reset);
  document.addEventListener("keydown", (e) => {
    if ((e.metaKey || e.ctrlKey) && e.key === "s" && state.project) { e.preventDefault(); save(); }
  });
  window.addEventListener("beforeunload", (e) => { if (state.project && updateDirty()) e.preventDefault(); });

  // --------------------------------------------------------------- errors ----

  function clearErrors(source) {
    for (const el of document.querySelectorAll("#editor-view .err")) {
      if (!source || el.dataset.source === source) setErr(el.id, "");
    }
  }

  /** Puts each 422 problem under its control; returns the messages that have no control. */
  function showValidation(list) {
    const stray = [];
    let first = null;
    for (const d of list) {
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

  /** Queues the unsaved edits for the preview. The preview session already carries the saved
   *  customization, with default labels in the session's language: sending those again as
   *  options would show them as written (in English). */
  function queueAll() {
    for (const kind of KINDS) {
      for (const [key, value] of Object.entries(state.draft[kind])) {
        if (value !== state.saved?.[kind]?.[key]) state.pending[kind][key] = value;
      }
    }
  }

  /** Sends pending edits to the form, key by key: a value the SDK refuses stays out of the preview. */
  function flushPreview() {
    clearTimeout(state.timer);
    const c = state.controller;
    if (!c) return;
    for (const kind of KINDS) {
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
      previewMsg(detail(r.json, `Could not start a preview session (HTTP ${r.status}).`), "error");
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

  /** Shows `p`'s saved customization in the controls (nothing unsaved). */
  function load(p) {
    state.project = p;
    state.saved = pick(p);
    state.draft = clone(state.saved);
    fillControls(state.draft);
    clearErrors();
    banner("");
    updateDirty();
  }

  return {
    init,
    /** A project was opened: its saved values in the controls (nothing unsaved). */
    load,
    /** A new preview session of the open project. */
    startPreview,
    /** Signed out: no project, no preview. */
    close() {
      state.project = null;
      state.draft = null;
      destroyPreview();
    },
    confirmDiscard,
    banner,
  };
}
