// The merchant dashboard's API (/v1/dashboard/…): owner invites from the operator, password
// sign-in with lockout, the session cookie's attributes, CSRF on every state change, sign-out
// (one and every session), roles, and account isolation. Each test makes its own accounts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { acceptInvite as accept, admin, cookieOf, dash, http, sleep, BASE } from "./lib.mjs";

const PASSWORD = "correct horse battery";

/** A fresh account, its owner signed in: {id, email, cookie, csrf}. */
async function owner() {
  const suffix = randomBytes(4).toString("hex");
  const a = await admin("POST", "/v1/admin/accounts", { name: `Dash ${suffix}` });
  assert.equal(a.status, 201, a.text);
  const email = `owner-${suffix}@shop.test`;
  const inv = await admin("POST", `/v1/admin/accounts/${a.json.id}/invites`, { email });
  assert.equal(inv.status, 201, inv.text);
  const s = await accept(inv.json.code, "Olive Owner", PASSWORD);
  return { id: a.json.id, email, ...s };
}

const signIn = (email, password) => http("POST", "/v1/dashboard/session", { body: { email, password } });

test("owner invite → accept → signed in; the cookie is HttpOnly, Secure, SameSite=Strict; the link works once", async () => {
  const suffix = randomBytes(4).toString("hex");
  const a = await admin("POST", "/v1/admin/accounts", { name: `Invite ${suffix}` });
  const email = `Owner-${suffix}@Shop.test`;
  const inv = await admin("POST", `/v1/admin/accounts/${a.json.id}/invites`, { email });
  assert.equal(inv.status, 201, inv.text);
  assert.equal(inv.json.email, email.toLowerCase());
  assert.equal(inv.json.role, "owner");
  assert.equal(inv.json.invite_url, `${BASE}/dashboard/#invite=${inv.json.code}`);
  assert.equal((await http("POST", `/v1/admin/accounts/${a.json.id}/invites`, { body: { email } })).status, 401, "operator only");

  const short = await http("POST", "/v1/dashboard/invites/accept", { body: { code: inv.json.code, name: "O", password: "short" } });
  assert.equal(short.status, 422);
  assert.deepEqual(short.json.detail.map((d) => d.loc.join(".")), ["body.password"]);
  const r = await http("POST", "/v1/dashboard/invites/accept", { body: { code: inv.json.code, name: "Olive", password: PASSWORD } });
  assert.equal(r.status, 201, r.text);
  const set = r.headers.getSetCookie().find((c) => c.startsWith("mvn_session="));
  for (const attr of ["HttpOnly", "Secure", "SameSite=Strict", "Path=/", "Max-Age=43200"]) assert.ok(set.includes(attr), `${attr} in ${set}`);
  assert.equal(r.json.user.role, "owner");
  assert.equal(r.json.account_id, a.json.id);
  const me = await dash("GET", "/session", { cookie: cookieOf(r) });
  assert.equal(me.status, 200);
  assert.equal(me.json.user.email, email.toLowerCase());
  assert.match(me.json.csrf_token, /^[0-9a-f]{64}$/);
  const again = await http("POST", "/v1/dashboard/invites/accept", { body: { code: inv.json.code, name: "X", password: PASSWORD } });
  assert.equal(again.status, 404, "one-time");
  assert.equal((await admin("POST", `/v1/admin/accounts/${a.json.id}/invites`, { email })).status, 409, "already a user");
});

test("sign-in: wrong password and unknown e-mail answer alike; PBKDF2 cost measured", async () => {
  const o = await owner();
  const wrong = await signIn(o.email, "not the password!");
  assert.equal(wrong.status, 401);
  assert.equal(wrong.json.detail, "Incorrect e-mail or password.");
  const unknown = await signIn(`nobody-${o.id}@shop.test`, "not the password!");
  assert.equal(unknown.status, 401);
  assert.equal(unknown.json.detail, wrong.json.detail);
  assert.equal(wrong.headers.getSetCookie().length, 0, "no cookie for a failure");
  // Time a hashing request against a refused one that hashes nothing (422: no password).
  const time = async (fn) => { const t = performance.now(); await fn(); return performance.now() - t; };
  const median = (xs) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const hashed = [], bare = [];
  for (let i = 0; i < 5; i++) {
    hashed.push(await time(() => signIn(`nobody-${i}@shop.test`, "whatever password")));
    bare.push(await time(() => http("POST", "/v1/dashboard/session", { body: { email: "x@shop.test" } })));
  }
  const cost = median(hashed) - median(bare);
  console.log(`# PBKDF2-SHA256 600000 iterations in the local Worker: ~${cost.toFixed(0)} ms per sign-in (median ${median(hashed).toFixed(0)} vs ${median(bare).toFixed(0)} ms)`);
  assert.ok(cost > 20, `the hash is really computed (${cost} ms)`);
  const ok = await signIn(o.email.toUpperCase(), PASSWORD);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.user.email, o.email);
  assert.equal((await dash("GET", "/session", { cookie: cookieOf(ok) })).status, 200);
});

test("five wrong passwords lock the user out (429, Retry-After), even with the right one", async () => {
  const o = await owner();
  for (let i = 0; i < 5; i++) assert.equal((await signIn(o.email, `wrong password ${i}`)).status, 401);
  const locked = await signIn(o.email, PASSWORD);
  assert.equal(locked.status, 429);
  assert.equal(locked.json.error_code, "account_locked");
  assert.match(locked.json.detail, /Try again in 15 minutes/);
  const wait = Number(locked.headers.get("retry-after"));
  assert.ok(wait > 800 && wait <= 900, `Retry-After ${wait}`);
  assert.equal((await dash("GET", "/session", o)).status, 200, "existing sessions go on");
  const other = await owner();
  assert.equal((await signIn(other.email, PASSWORD)).status, 200, "other users are not locked");
});

test("every dashboard endpoint refuses a missing session and a foreign or forged cookie", async () => {
  const a = await owner();
  const b = await owner();
  const key = (await dash("POST", "/keys", a, { body: { environment: "test" } })).json;
  const endpoints = [
    ["GET", "/session"], ["DELETE", "/session"], ["POST", "/session/revoke-all"], ["GET", "/members"],
    ["POST", "/invites", { email: "m@shop.test", role: "member" }], ["GET", "/projects"], ["GET", "/keys"],
    ["POST", "/keys", { environment: "test" }], ["DELETE", `/keys/${key.key_id}`],
    ["POST", `/keys/${key.key_id}/roll`, { expires_in_secs: 0 }],
  ];
  const [, bToken] = b.cookie.split(".");
  const forged = { cookie: `mvn_session=${a.id}.${bToken}`, csrf: b.csrf };
  for (const [method, path, body] of endpoints) {
    const none = await dash(method, path, null, { body });
    assert.equal(none.status, 401, `${method} ${path} without a session`);
    assert.equal(none.json.detail, "Sign in to the dashboard first.");
    assert.equal((await dash(method, path, forged, { body })).status, 401, `${method} ${path} with b's token on a's account`);
  }
  // b's own session sees only b's account: a's key is not there and cannot be touched.
  const bKeys = await dash("GET", "/keys", b);
  assert.deepEqual(bKeys.json.keys, []);
  assert.equal((await dash("DELETE", `/keys/${key.key_id}`, b)).status, 404);
  assert.equal((await dash("POST", `/keys/${key.key_id}/roll`, b, { body: { expires_in_secs: 0 } })).status, 404);
  assert.equal((await http("GET", "/v1/auth/check", { key: key.key })).status, 200, "a's key untouched");
  assert.equal((await dash("GET", "/projects", b)).json.projects.length, 0);
});

test("CSRF: every state change needs the session's X-CSRF-Token and a same-origin Origin", async () => {
  const o = await owner();
  const changes = [
    ["POST", "/keys", { environment: "test" }], ["POST", "/invites", { email: "m2@shop.test", role: "member" }],
    ["DELETE", "/keys/7f1c9a52-0000-4000-8000-000000000000"],
    ["POST", "/keys/7f1c9a52-0000-4000-8000-000000000000/roll", { expires_in_secs: 0 }],
    ["POST", "/session/revoke-all"], ["DELETE", "/session"],
  ];
  for (const [method, path, body] of changes) {
    const missing = await dash(method, path, o, { body, csrf: null });
    assert.equal(missing.status, 403, `${method} ${path} without a token`);
    assert.match(missing.json.detail, /X-CSRF-Token/);
    assert.equal((await dash(method, path, o, { body, csrf: "0".repeat(64) })).status, 403, `${method} ${path} wrong token`);
    assert.equal((await dash(method, path, o, { body, headers: { origin: "https://evil.example" } })).status, 403, `${method} ${path} cross-site`);
  }
  assert.equal((await dash("GET", "/keys", o)).json.keys.length, 0, "nothing was created");
  const ok = await dash("POST", "/keys", o, { body: { environment: "test", name: "From the dashboard" }, headers: { origin: BASE } });
  assert.equal(ok.status, 201, ok.text);
});

test("members: no keys or invites; projects and members are fine", async () => {
  const o = await owner();
  const inv = await dash("POST", "/invites", o, { body: { email: `member-${o.id}@shop.test`, role: "member" } });
  assert.equal(inv.status, 201, inv.text);
  assert.equal(inv.json.role, "member");
  const m = await accept(inv.json.code, "Max Member", PASSWORD);
  assert.equal(m.user.role, "member");
  for (const [method, path, body] of [
    ["GET", "/keys"], ["POST", "/keys", { environment: "test" }], ["DELETE", "/keys/x"],
    ["POST", "/keys/x/roll", { expires_in_secs: 0 }], ["POST", "/invites", { email: "z@shop.test", role: "owner" }],
  ]) {
    const r = await dash(method, path, m, { body });
    assert.equal(r.status, 403, `${method} ${path}`);
    assert.equal(r.json.detail, "Only an owner of this account can do this.");
  }
  assert.equal((await dash("GET", "/projects", m)).status, 200);
  const members = await dash("GET", "/members", m);
  assert.deepEqual(members.json.members.map((x) => [x.name, x.role]), [["Olive Owner", "owner"], ["Max Member", "member"]]);
  assert.ok(!members.text.includes("salt") && !members.text.includes("hash"), "no password material");
});

test("project settings are the owner's; a member keeps Customize (theme, labels, fields)", async () => {
  const o = await owner();
  const p = await admin("POST", `/v1/admin/accounts/${o.id}/projects`, { slug: "perm", name: "Perm" });
  assert.equal(p.status, 201, p.text);
  const path = `/projects/${p.json.id}`;
  const inv = await dash("POST", "/invites", o, { body: { email: `member-${o.id}@shop.test`, role: "member" } });
  const m = await accept(inv.json.code, "Max Member", PASSWORD);
  const before = (await admin("GET", `/v1/admin/projects/${p.json.id}`)).json;
  for (const body of [
    { allowed_origins: ["https://evil.example.com"] }, { currency: "eur" }, { capture: false },
    { session_lifetime_secs: 3600 }, { color_scheme: "dark" }, { locale: "de" },
    { card_testing: { ip_per_min: 100000 } },
    // Mixed with Customize, or invalid: still refused before anything is read or stored.
    { theme: { primary_color: "#112233" }, allowed_origins: [] }, { currency: "not a currency" },
  ]) {
    const r = await dash("PATCH", path, m, { body });
    assert.equal(r.status, 403, `${JSON.stringify(body)}: ${r.text}`);
    assert.equal(r.json.error_code, "owner_required");
    assert.match(r.json.detail, /^Only an owner of this account can change /);
    assert.ok(r.json.detail.includes(Object.keys(body).filter((k) => k !== "theme")[0]), r.json.detail);
  }
  assert.deepEqual((await admin("GET", `/v1/admin/projects/${p.json.id}`)).json, before, "nothing changed");

  const custom = await dash("PATCH", path, m, {
    body: { theme: { primary_color: "#112233" }, labels: { title: "Pay us" }, fields: { postal_code: "hidden" } },
  });
  assert.equal(custom.status, 200, custom.text);
  assert.equal(custom.json.theme.primary_color, "#112233");
  assert.equal(custom.json.labels.title, "Pay us");
  assert.equal(custom.json.fields.postal_code, "hidden");
  assert.deepEqual(custom.json.allowed_origins, []);

  const settings = { allowed_origins: ["https://shop.example.com"], currency: "eur", capture: false, session_lifetime_secs: 900 };
  const r = await dash("PATCH", path, o, { body: settings });
  assert.equal(r.status, 200, r.text);
  for (const [k, v] of Object.entries(settings)) assert.deepEqual(r.json[k], v, k);
  assert.equal(r.json.labels.title, "Pay us", "the member's Customize kept");
  // Another account's owner cannot reach it at all.
  const stranger = await owner();
  assert.equal((await dash("PATCH", path, stranger, { body: { currency: "usd" } })).status, 404);
});

test("sign out one session, and sign out everywhere", async () => {
  const o = await owner();
  const second = await signIn(o.email, PASSWORD);
  const s2 = { cookie: cookieOf(second), csrf: second.json.csrf_token };
  const third = await signIn(o.email, PASSWORD);
  const s3 = { cookie: cookieOf(third), csrf: third.json.csrf_token };
  const out = await dash("DELETE", "/session", s2);
  assert.equal(out.status, 200);
  assert.match(out.headers.getSetCookie()[0], /^mvn_session=; .*Max-Age=0/);
  assert.equal((await dash("GET", "/session", s2)).status, 401);
  assert.equal((await dash("GET", "/session", s3)).status, 200, "other sessions go on");
  const all = await dash("POST", "/session/revoke-all", s3);
  assert.equal(all.status, 200);
  assert.equal(all.json.signed_out, 2);
  for (const s of [o, s3]) {
    const r = await dash("GET", "/session", s);
    assert.equal(r.status, 401);
    assert.equal(r.json.detail, "Your session has ended. Sign in again.");
  }
});

test("a key revoked from the dashboard is 401 on every API route within 5 s", async () => {
  const o = await owner();
  const k = (await dash("POST", "/keys", o, { body: { environment: "test" } })).json;
  assert.equal((await http("GET", "/v1/projects", { key: k.key })).status, 200);
  assert.equal((await dash("DELETE", `/keys/${k.key_id}`, o)).status, 200);
  const t0 = Date.now();
  for (;;) {
    const s = [
      (await http("GET", "/v1/auth/check", { key: k.key })).status,
      (await http("GET", "/v1/projects", { key: k.key })).status,
      (await http("POST", "/v1/widget-sessions", { key: k.key, body: { project: "x", amount_cents: 100, gateway: "stripe" } })).status,
    ];
    if (s.every((x) => x === 401)) break;
    assert.ok(Date.now() - t0 < 5_000, `still ${s} after 5 s`);
    await sleep(100);
  }
});
