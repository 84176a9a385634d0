// What the simulated gateways really did with money: `GET /_sim/ledger` when the simulator has
// it, else derived from its call log (`GET /_sim/calls`, tests/gateway-sim/WIRE.md), and which of
// our sessions each movement belongs to.

/** Operations that move money or vault a card, per gateway (WIRE.md "charge recorded"). */
export const MONEY_OPS = {
  stripe: ["payment_intents", "customers"],
  authorizenet: ["createTransactionRequest", "createCustomerProfileRequest"],
  braintree: ["chargeCreditCard", "authorizeCreditCard", "vaultPaymentMethod"],
  shift4: ["charges", "customers"],
};
const VAULT_OPS = new Set(["customers", "createCustomerProfileRequest", "vaultPaymentMethod"]);

async function getJson(url) {
  const r = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`GET ${url} → ${r.status} ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

/** Whether the simulator serves `/_sim/ledger`. */
export async function hasLedger(sim) {
  try {
    const r = await fetch(`${sim}/_sim/ledger`, { signal: AbortSignal.timeout(5_000) });
    const j = r.status === 200 ? await r.json() : null;
    return Array.isArray(j?.charges ?? j?.ledger);
  } catch {
    return false;
  }
}

export const simCalls = (sim) => getJson(`${sim}/_sim/calls`);

/**
 * Every money movement as `{gateway, object_id, reference, attempt, status, amount, currency,
 * seq, operation, idempotency_key}`; `currency` is null when only the call log was available
 * (it holds none), `status` then comes from the operation and the session's mode.
 */
export async function readMovements(sim, useLedger) {
  if (useLedger) {
    const l = await getJson(`${sim}/_sim/ledger`);
    // `charges` (the agreed name) or `ledger` (what the gateway-sim branch serves today).
    return (l.charges ?? l.ledger ?? []).map((c) => ({
      gateway: c.gateway,
      object_id: c.object_id ?? null,
      reference: c.reference ?? null,
      attempt: c.attempt ?? null,
      status: c.status,
      amount: c.amount ?? null,
      currency: c.currency ? String(c.currency).toLowerCase() : null,
      seq: c.seq,
      operation: c.operation ?? null,
      idempotency_key: c.idempotency_key ?? null,
    }));
  }
  const calls = await simCalls(sim);
  return calls
    .filter((c) => MONEY_OPS[c.gateway]?.includes(c.operation) && !c.replayed && c.outcome === "approved")
    .map((c) => ({
      gateway: c.gateway,
      object_id: c.object_id ?? null,
      reference: c.reference ?? null,
      attempt: null,
      status: VAULT_OPS.has(c.operation) ? "vaulted" : c.operation === "authorizeCreditCard" ? "authorized" : null,
      amount: c.amount ?? null,
      currency: null,
      seq: c.seq,
      operation: c.operation,
      idempotency_key: c.idempotency_key ?? null,
    }));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** Maps merchant references, idempotency keys and transaction ids back to our session ids. */
export class SessionIndex {
  constructor() {
    this.ids = new Set();
    this.anet = new Map(); // first 16 hex digits → session id (Authorize.net invoiceNumber)
    this.txns = new Map(); // transaction id the edge reported → session id
  }

  add(id) {
    this.ids.add(id);
    this.anet.set(id.replace(/-/g, "").slice(0, 16), id);
  }

  addTxn(txn, id) {
    if (txn) this.txns.set(txn, id);
  }

  /** The session a movement or call belongs to, or null. */
  sessionOf(m) {
    const key = m.idempotency_key ?? "";
    if (key.startsWith("mvn-")) {
      const u = UUID.exec(key.slice(4));
      if (u && this.ids.has(u[0])) return u[0];
    }
    const ref = m.reference ?? "";
    if (ref) {
      const u = UUID.exec(ref); // Stripe/Shift4 metadata.session_id = S; Braintree orderId = S-A
      if (u && this.ids.has(u[0])) return u[0];
      const a = /^([0-9a-f]{16})(-\d+)?$/.exec(ref); // Authorize.net: 16 hex digits of S, "-A"
      if (a && this.anet.has(a[1])) return this.anet.get(a[1]);
    }
    // Braintree's vault carries no reference: the verification id the edge answered names it.
    if (m.object_id && this.txns.has(m.object_id)) return this.txns.get(m.object_id);
    return null;
  }
}
