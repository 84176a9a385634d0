// The merchant's webhook endpoint, on loopback: records every delivery (event, session id,
// transaction id, amount, currency, signature header and raw body) and answers 200, or an error
// first for the sessions `failFirst` names (a receiver that is down for a moment).
import { createServer } from "node:http";
import { createHmac, timingSafeEqual } from "node:crypto";

export async function startReceiver() {
  const hits = [];
  /** session id → how many deliveries to answer 500 before accepting. */
  const failFirst = new Map();
  let failed = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let json;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const sid = json?.session_id;
      const left = failFirst.get(sid) ?? 0;
      const status = left > 0 ? 500 : 200;
      if (left > 0) {
        failFirst.set(sid, left - 1);
        failed++;
      }
      hits.push({
        at: Date.now(),
        answered: status,
        signature: req.headers["maven-signature"],
        body,
        event: json?.event,
        session_id: sid,
        status: json?.status,
        transaction_id: json?.processor?.transaction_id ?? null,
        gateway: json?.processor?.gateway,
        amount_cents: json?.amount_cents,
        currency: json?.currency,
      });
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "down");
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks/maven`,
    hits,
    failFirst,
    failedCount: () => failed,
    /** Deliveries the receiver accepted (2xx), i.e. the ones the merchant acted on. */
    accepted: () => hits.filter((h) => h.answered === 200),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** The merchant's check (SPEC §7): HMAC-SHA256(secret, "<t>.<body>") in hex, t within 5 min. */
export function signatureOk(header, body, secret, at = Date.now()) {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? "");
  if (!m || !secret) return false;
  const expected = createHmac("sha256", secret).update(`${m[1]}.${body}`).digest();
  if (!timingSafeEqual(expected, Buffer.from(m[2], "hex"))) return false;
  return Math.abs(at / 1000 - Number(m[1])) < 300;
}
