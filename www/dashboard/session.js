// The dashboard's session with the edge: sign in with e-mail and password, accept an invite,
// sign out; and `api()`, which every page uses. The session itself is an HttpOnly cookie the
// page cannot read; the page keeps only the session's CSRF token (in memory) and sends it in
// X-CSRF-Token on every state change.

let csrf = "";
let onEnded = () => {};

/** Called when the edge says the session is over (expired, signed out elsewhere). */
export function whenEnded(fn) {
  onEnded = fn;
}

/** `extra`: more request headers (the Payments page's Idempotency-Key). */
export async function api(method, path, body, extra = {}) {
  const headers = { ...extra };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrf) headers["x-csrf-token"] = csrf;
  let res;
  try {
    res = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin", cache: "no-store", signal: AbortSignal.timeout(20_000),
    });
  } catch (e) {
    return { status: 0, json: { detail: `The edge did not answer (${e.name === "TimeoutError" ? "timed out" : e.message}).` } };
  }
  let json = null;
  try { json = await res.json(); } catch { json = null; }
  if (res.status === 401 && csrf && !path.endsWith("/session")) {
    csrf = "";
    onEnded("Your session has ended. Sign in again.");
  }
  return { status: res.status, json };
}

/** The signed-in user ({account_id, user, csrf_token}), or null. */
export async function current() {
  const r = await api("GET", "/v1/dashboard/session");
  if (r.status !== 200) return null;
  csrf = r.json.csrf_token;
  return r.json;
}

/** `{me}` or `{error, field}` (field: "email" | "password"). */
export async function signIn(email, password) {
  const r = await api("POST", "/v1/dashboard/session", { email, password });
  if (r.status === 200) {
    csrf = r.json.csrf_token;
    return { me: r.json };
  }
  if (r.status === 422) {
    const missing = r.json.detail.find((d) => d.loc[1] === "email") ? "email" : "password";
    return { field: missing, error: missing === "email" ? "Enter your e-mail address." : "Enter your password." };
  }
  const text = typeof r.json?.detail === "string" ? r.json.detail : `Unexpected answer from the edge (HTTP ${r.status}).`;
  return { field: "password", error: text };
}

/** `{me}` or `{errors: {name?, password?, form?}}`. */
export async function acceptInvite(code, name, password) {
  const r = await api("POST", "/v1/dashboard/invites/accept", { code, name, password });
  if (r.status === 201) {
    csrf = r.json.csrf_token;
    return { me: r.json };
  }
  if (r.status === 422) {
    const errors = {};
    for (const d of r.json.detail) errors[d.loc[1] === "name" ? "name" : "password"] = d.msg.replace(/^Value error, /, "");
    return { errors };
  }
  return { errors: { form: typeof r.json?.detail === "string" ? r.json.detail : `HTTP ${r.status}` } };
}

export async function signOut() {
  await api("DELETE", "/v1/dashboard/session");
  csrf = "";
}
