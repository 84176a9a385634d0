//! Shared in-memory state: the call log, fault injection, the Idempotency-Key store (Stripe,
//! Shift4), id generation, and each gateway's own store. Everything sits behind `Mutex`es held
//! only for the few instructions that touch the map, never across a sleep or a socket write.

use crate::http::Response;
use crate::{authorizenet, braintree, shift4, stripe};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

/// Locks, recovering from a poisoned lock (a panicked handler must not wedge the simulator).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// FNV-1a over several byte strings (separated, so ("ab","c") ≠ ("a","bc")).
pub fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.iter().chain(&[0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// What a handler tells the log about one call (the router adds gateway and HTTP status).
#[derive(Debug, Clone, PartialEq)]
pub struct CallInfo {
    pub operation: String,
    pub idempotency_key: Option<String>,
    pub outcome: String,
    /// Minor units (cents) on every gateway, also where the wire carries "12.34".
    pub amount: Option<u64>,
    pub card_last4: Option<String>,
    pub replayed: bool,
    /// The id of what the call created or found (`pi_…`, `transId`, `char_…`, `cus_…`): what
    /// the edge reports as `transaction_id`.
    pub object_id: Option<String>,
    /// The merchant reference the request carried (session id in metadata, Authorize.net
    /// `invoiceNumber` / `merchantCustomerId`, Braintree `orderId`), so tests can find the
    /// calls of one session on gateways without an Idempotency-Key.
    pub reference: Option<String>,
}

impl CallInfo {
    pub fn new(operation: &str, idempotency_key: Option<String>) -> CallInfo {
        CallInfo {
            operation: operation.to_string(),
            idempotency_key,
            outcome: "invalid_request".to_string(),
            amount: None,
            card_last4: None,
            replayed: false,
            object_id: None,
            reference: None,
        }
    }
}

/// A handler's answer plus its log entry.
#[derive(Debug, Clone)]
pub struct Handled {
    pub response: Response,
    pub info: CallInfo,
}

/// One entry of `GET /_sim/calls` (WIRE.md, control API).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Call {
    pub seq: u64,
    pub gateway: &'static str,
    pub operation: String,
    pub idempotency_key: Option<String>,
    /// HTTP status as sent (0 = connection reset, nothing sent).
    pub status: u16,
    pub outcome: String,
    pub amount: Option<u64>,
    pub card_last4: Option<String>,
    pub replayed: bool,
    pub object_id: Option<String>,
    pub reference: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FaultMode {
    Slow,
    Error500,
    Malformed,
    Reset,
}

impl FaultMode {
    pub fn parse(s: &str) -> Option<Option<FaultMode>> {
        Some(match s {
            "slow" => Some(FaultMode::Slow),
            "error500" => Some(FaultMode::Error500),
            "malformed" => Some(FaultMode::Malformed),
            "reset" => Some(FaultMode::Reset),
            "none" => None,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Fault {
    pub gateway: String,
    pub mode: FaultMode,
    pub delay_ms: u64,
    /// Requests left; `None` = until cleared (`count: 0`).
    pub remaining: Option<u32>,
    /// Only requests of this operation (e.g. `payment_intents`, `chargeCreditCard`) get the
    /// fault, so a test can time out the money-moving step of a multi-call flow.
    pub operation: Option<String>,
}

pub enum IdemBegin {
    /// First use of the key: process, then `idem_finish`.
    Fresh,
    /// Same key and same request: the stored answer and its log entry.
    Replay(Box<Handled>),
    /// Same key, different request.
    Mismatch,
    /// Same key while the first request is still being processed.
    InFlight,
}

struct IdemEntry {
    fingerprint: u64,
    done: Option<Handled>,
}

pub struct Sim {
    calls: Mutex<Vec<Call>>,
    next_seq: Mutex<u64>,
    faults: Mutex<HashMap<String, Fault>>,
    idem: Mutex<HashMap<(&'static str, String), IdemEntry>>,
    rng: Mutex<u64>,
    pub stripe: Mutex<stripe::Store>,
    pub authorizenet: Mutex<authorizenet::Store>,
    pub braintree: Mutex<braintree::Store>,
    pub shift4: Mutex<shift4::Store>,
}

impl Default for Sim {
    fn default() -> Self {
        Sim::new()
    }
}

impl Sim {
    pub fn new() -> Sim {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9e37_79b9_7f4a_7c15);
        Sim {
            calls: Mutex::new(Vec::new()),
            next_seq: Mutex::new(1),
            faults: Mutex::new(HashMap::new()),
            idem: Mutex::new(HashMap::new()),
            rng: Mutex::new((nanos ^ u64::from(std::process::id()).rotate_left(32)) | 1),
            stripe: Mutex::default(),
            authorizenet: Mutex::default(),
            braintree: Mutex::default(),
            shift4: Mutex::default(),
        }
    }

    // ---- ids (xorshift64*: random-looking, not secret) ----

    pub fn rand(&self) -> u64 {
        let mut s = lock(&self.rng);
        *s ^= *s >> 12;
        *s ^= *s << 25;
        *s ^= *s >> 27;
        s.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn pick(&self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[(self.rand() % alphabet.len() as u64) as usize] as char)
            .collect()
    }

    /// `prefix` + n mixed-case alphanumerics, e.g. `pi_3Nx…`.
    pub fn id(&self, prefix: &str, n: usize) -> String {
        let alnum = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        format!("{prefix}{}", self.pick(alnum, n))
    }

    pub fn lower_id(&self, n: usize) -> String {
        self.pick(b"0123456789abcdefghijklmnopqrstuvwxyz", n)
    }

    /// n decimal digits, the first not 0.
    pub fn digits(&self, n: usize) -> String {
        format!(
            "{}{}",
            self.pick(b"123456789", 1),
            self.pick(b"0123456789", n - 1)
        )
    }

    // ---- call log ----

    pub fn record(&self, gateway: &'static str, status: u16, info: CallInfo) {
        let seq = {
            let mut next = lock(&self.next_seq);
            let seq = *next;
            *next += 1;
            seq
        };
        lock(&self.calls).push(Call {
            seq,
            gateway,
            operation: info.operation,
            idempotency_key: info.idempotency_key,
            status,
            outcome: info.outcome,
            amount: info.amount,
            card_last4: info.card_last4,
            replayed: info.replayed,
            object_id: info.object_id,
            reference: info.reference,
        });
    }

    pub fn calls(&self) -> Vec<Call> {
        let mut calls = lock(&self.calls).clone();
        calls.sort_by_key(|c| c.seq);
        calls
    }

    /// Clears the log; `seq` keeps counting so entries never reuse a number.
    pub fn clear_calls(&self) -> usize {
        let mut calls = lock(&self.calls);
        let n = calls.len();
        calls.clear();
        n
    }

    // ---- faults ----

    /// `mode: None` clears: for "*" every fault, otherwise that gateway's own.
    pub fn set_fault(
        &self,
        gateway: &str,
        operation: Option<&str>,
        mode: Option<FaultMode>,
        delay_ms: u64,
        count: u32,
    ) {
        let mut faults = lock(&self.faults);
        match mode {
            None if gateway == "*" => faults.clear(),
            None => {
                faults.remove(gateway);
            }
            Some(mode) => {
                let fault = Fault {
                    gateway: gateway.to_string(),
                    mode,
                    delay_ms,
                    remaining: (count > 0).then_some(count),
                    operation: operation.map(str::to_string),
                };
                faults.insert(gateway.to_string(), fault);
            }
        }
    }

    pub fn faults(&self) -> Vec<Fault> {
        let mut f: Vec<Fault> = lock(&self.faults).values().cloned().collect();
        f.sort_by(|a, b| a.gateway.cmp(&b.gateway));
        f
    }

    /// The fault for this request, if any (the gateway's own before "*", skipping a fault
    /// meant for another operation), counting it down.
    pub fn take_fault(&self, gateway: &str, operation: &str) -> Option<(FaultMode, u64)> {
        let mut faults = lock(&self.faults);
        let key = [gateway, "*"].into_iter().find(|k| {
            faults
                .get(*k)
                .is_some_and(|f| f.operation.as_deref().is_none_or(|o| o == operation))
        })?;
        let fault = faults.get_mut(key)?;
        let taken = (fault.mode, fault.delay_ms);
        if let Some(left) = fault.remaining.as_mut() {
            *left = left.saturating_sub(1);
            if *left == 0 {
                faults.remove(key);
            }
        }
        Some(taken)
    }

    // ---- Idempotency-Key (Stripe, Shift4) ----

    pub fn idem_begin(&self, gateway: &'static str, key: &str, fingerprint: u64) -> IdemBegin {
        let mut idem = lock(&self.idem);
        match idem.get(&(gateway, key.to_string())) {
            Some(e) if e.fingerprint != fingerprint => IdemBegin::Mismatch,
            Some(IdemEntry { done: Some(h), .. }) => IdemBegin::Replay(Box::new(h.clone())),
            Some(_) => IdemBegin::InFlight,
            None => {
                let entry = IdemEntry {
                    fingerprint,
                    done: None,
                };
                idem.insert((gateway, key.to_string()), entry);
                IdemBegin::Fresh
            }
        }
    }

    /// Stores the answer for replay, or forgets the key (`None`: the request failed validation
    /// before the endpoint ran, which real gateways do not save either).
    pub fn idem_finish(&self, gateway: &'static str, key: &str, result: Option<&Handled>) {
        let mut idem = lock(&self.idem);
        let k = (gateway, key.to_string());
        match result {
            Some(h) => {
                if let Some(e) = idem.get_mut(&k) {
                    e.done = Some(h.clone());
                }
            }
            None => {
                idem.remove(&k);
            }
        }
    }
}

/// Runs `process` under the request's Idempotency-Key, the way Stripe and Shift4 do: replay the
/// first answer for the same key and request, `mismatch` for the same key with another
/// request, `conflict` while the first is in flight. Answers that mean "the endpoint ran"
/// (2xx, 402, 5xx) are stored; validation errors are not.
pub fn with_idempotency(
    sim: &Sim,
    gateway: &'static str,
    req: &crate::http::Request,
    info: CallInfo,
    mismatch: impl FnOnce() -> Response,
    conflict: impl FnOnce() -> Response,
    process: impl FnOnce(&mut CallInfo) -> Response,
) -> Handled {
    let Some(key) = info.idempotency_key.clone() else {
        let mut info = info;
        let response = process(&mut info);
        return Handled { response, info };
    };
    let fingerprint = fnv(&[req.method.as_bytes(), req.path.as_bytes(), &req.body]);
    match sim.idem_begin(gateway, &key, fingerprint) {
        IdemBegin::Replay(first) => {
            let mut info = first.info;
            info.replayed = true;
            let response = first.response.with_header("Idempotent-Replayed", "true");
            Handled { response, info }
        }
        IdemBegin::Mismatch => {
            let mut info = info;
            info.outcome = "idempotency_error".into();
            Handled {
                response: mismatch(),
                info,
            }
        }
        IdemBegin::InFlight => {
            let mut info = info;
            info.outcome = "idempotency_conflict".into();
            Handled {
                response: conflict(),
                info,
            }
        }
        IdemBegin::Fresh => {
            let mut info = info;
            let response = process(&mut info);
            let handled = Handled { response, info };
            let s = handled.response.status;
            let store = s < 300 || s == 402 || s >= 500;
            sim.idem_finish(gateway, &key, store.then_some(&handled));
            handled
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_random() {
        let sim = Sim::new();
        let a = sim.id("pi_", 24);
        let b = sim.id("pi_", 24);
        assert_eq!(a.len(), 27);
        assert!(a.starts_with("pi_") && a != b);
        assert!(a[3..].chars().all(|c| c.is_ascii_alphanumeric()));
        let d = sim.digits(11);
        assert!(d.len() == 11 && !d.starts_with('0'));
    }

    #[test]
    fn faults_count_down_and_fall_back_to_star() {
        let sim = Sim::new();
        sim.set_fault("*", None, Some(FaultMode::Slow), 10, 0);
        sim.set_fault("stripe", None, Some(FaultMode::Error500), 0, 2);
        let take = |g| sim.take_fault(g, "charges");
        assert_eq!(take("stripe"), Some((FaultMode::Error500, 0)));
        assert_eq!(take("stripe"), Some((FaultMode::Error500, 0)));
        assert_eq!(take("stripe"), Some((FaultMode::Slow, 10)));
        assert_eq!(take("shift4"), Some((FaultMode::Slow, 10)));
        sim.set_fault("*", None, None, 0, 0);
        assert_eq!(take("shift4"), None);
    }

    #[test]
    fn a_fault_for_one_operation_lets_the_others_through() {
        let sim = Sim::new();
        sim.set_fault(
            "stripe",
            Some("payment_intents"),
            Some(FaultMode::Slow),
            5,
            1,
        );
        assert_eq!(sim.take_fault("stripe", "payment_methods"), None);
        assert_eq!(sim.take_fault("shift4", "payment_intents"), None);
        assert_eq!(
            sim.take_fault("stripe", "payment_intents"),
            Some((FaultMode::Slow, 5))
        );
        assert_eq!(sim.take_fault("stripe", "payment_intents"), None);
    }
}
