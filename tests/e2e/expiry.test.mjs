// Expiry: a session answers 410 after `expires_at` (and KV drops it a day later by itself).
// Its own file so the minute-long wait runs beside the other suites.
import { test } from "node:test";
import assert from "node:assert/strict";
import { http, createSession, kvList, sleep } from "./lib.mjs";

test("a session is 410 after expires_at, with a KV expiration one day later", { timeout: 120_000 }, async () => {
  const r = await createSession({ project: "demo", amount_cents: 500, gateway: "shift4", expires_in: 60 });
  assert.equal(r.status, 201, r.text);
  const { session_id, expires_at } = r.json;
  const exp = Date.parse(expires_at) / 1000;
  const rec = kvList().find((k) => k.name === `session:${session_id}`);
  assert.equal(rec.expiration, exp + 86400);

  assert.equal((await http("GET", `/v1/widget-sessions/${session_id}`)).status, 200);
  await sleep(Math.max(0, exp * 1000 - Date.now()) + 1500);
  const gone = await http("GET", `/v1/widget-sessions/${session_id}`);
  assert.equal(gone.status, 410);
  assert.equal(gone.json.error_code, "session_expired");
  assert.match(gone.json.detail, /expired/);
});
