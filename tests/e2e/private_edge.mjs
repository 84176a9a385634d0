// An edge of a test's own (wrangler dev on a free port, its own vars file and persisted
// state), for suites that must restart the edge with other secrets or vars (keys.test.mjs,
// stored_urls.test.mjs): the shared edge of scripts/with-edge.sh is never touched. Every wait
// is bounded (tests/chaos/procs.mjs).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { freePort, startEdge, stopGroup } from "../chaos/procs.mjs";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const hex = (n) => randomBytes(n).toString("hex");

export async function privateEdge() {
  const work = mkdtempSync(path.join(tmpdir(), "maven-edge-"));
  const varsFile = path.join(work, "dev.vars");
  const stateDir = path.join(work, "state");
  const log = path.join(work, "edge.log");
  const admin = hex(24);
  const port = await freePort();
  const self = {
    work, stateDir, admin, edge: null,
    get url() { return self.edge.url; },
    /** (Re)starts on the same state with these secrets and extra vars (e.g. DEV_MODE). */
    async boot({ key, previousKey, vars = {} }) {
      if (self.edge) await stopGroup(self.edge.child);
      writeFileSync(varsFile, `ADMIN_TOKEN=${admin}\nCREDENTIALS_KEY=${key}\n${previousKey ? `CREDENTIALS_KEY_PREVIOUS=${previousKey}\n` : ""}`, { mode: 0o600 });
      self.edge = await startEdge({ root, port, varsFile, stateDir, log, vars });
    },
    /** scripts/seed.mjs: the demo project on all four gateways at `simUrl`; its test key. */
    seed(simUrl, webhookUrl) {
      const r = spawnSync(process.execPath, ["scripts/seed.mjs", self.url, varsFile, simUrl, work], {
        cwd: root, env: { ...process.env, ...(webhookUrl && { MAVEN_DEMO_WEBHOOK_URL: webhookUrl }) }, encoding: "utf8", timeout: 60_000,
      });
      if (r.status !== 0) throw new Error(`seeding failed: ${r.stderr || r.stdout}`);
      return {
        testKey: readFileSync(path.join(work, "test-key"), "utf8").trim(),
        project: JSON.parse(readFileSync(path.join(work, "demo.json"), "utf8")),
        webhookSecret: webhookUrl ? readFileSync(path.join(work, "webhook-secret"), "utf8").trim() : null,
      };
    },
    /** A request to this edge: `{status, text, json, headers}`; the operator token by default. */
    async call(method, p, { key = admin, body, headers = {} } = {}) {
      const res = await fetch(self.url + p, {
        method,
        headers: { ...(key && { authorization: `Bearer ${key}` }), ...(body && { "content-type": "application/json" }), ...headers },
        body: body && JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      let json;
      try { json = JSON.parse(text); } catch { json = undefined; }
      return { status: res.status, text, json, headers: res.headers };
    },
    async stop() {
      if (self.edge) await stopGroup(self.edge.child);
      self.edge = null;
      rmSync(work, { recursive: true, force: true });
    },
  };
  return self;
}
