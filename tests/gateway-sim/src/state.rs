//! Shared in-memory state: the call log, fault injection, the Idempotency-Key store (Stripe,
//! Shift4), id generation, and each gateway's own store. Everything sits behind `Mutex`es held
//! only for the few instructions that touch the map, never across a sleep or a socket write.

use crate::http::Response;
use crate::ledger::{self, Ledger, Money, Movement};
use crate::{authorizenet, braintree, shift4, stripe};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
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
    /// The fault this call got, as `mode:phase` (`error500:after`), or null.
    pub fault: Option<String>,
}

/// When a fault strikes: before the gateway processes the request (nothing happens at the
/// gateway) or after (the charge is recorded, then the answer is damaged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Before,
    After,
}

impl Phase {
    pub fn parse(s: &str) -> Option<Phase> {
        match s {
            "before" => Some(Phase::Before),
            "after" => Some(Phase::After),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Before => "before",
            Phase::After => "after",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FaultMode {
    Slow,
    Error500,
    Malformed,
    Reset,
    /// An error answer, in the gateway's own error shape, whose message quotes the card number
    /// the request carried: a gateway that echoes card data back (the edge must not log it).
    Echo,
}

impl FaultMode {
    pub fn parse(s: &str) -> Option<Option<FaultMode>> {
        Some(match s {
            "slow" => Some(FaultMode::Slow),
            "error500" => Some(FaultMode::Error500),
            "malformed" => Some(FaultMode::Malformed),
            "reset" => Some(FaultMode::Reset),
            "echo" => Some(FaultMode::Echo),
            "none" => None,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FaultMode::Slow => "slow",
            FaultMode::Error500 => "error500",
            FaultMode::Malformed => "malformed",
            FaultMode::Reset => "reset",
            FaultMode::Echo => "echo",
        }
    }

    /// The phase when a fault spec names none: the behaviour these modes always had
    /// (error500 and reset stop the request before processing; slow and malformed process it).
    pub fn default_phase(self) -> Phase {
        match self {
            FaultMode::Error500 | FaultMode::Reset | FaultMode::Echo => Phase::Before,
            FaultMode::Slow | FaultMode::Malformed => Phase::After,
        }
    }
}

/// A fault picked for one request (by `/_sim/faults` or by chaos).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Injected {
    pub mode: FaultMode,
    pub phase: Phase,
    pub delay_ms: u64,
}

/// `POST /_sim/chaos`: a random fault on a share of the gateway requests.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Chaos {
    pub seed: u64,
    pub rate: f64,
    pub modes: Vec<FaultMode>,
    pub phases: Vec<Phase>,
    pub delay_ms: u64,
    pub gateways: Option<Vec<String>>,
    pub operations: Option<Vec<String>>,
}

struct ChaosState {
    config: Option<Chaos>,
    rng: u64,
    /// Faults chaos injected, by `mode:phase`.
    injected: BTreeMap<String, u64>,
    /// Faults `/_sim/faults` injected, by `mode:phase`.
    explicit: BTreeMap<String, u64>,
}

/// splitmix64: a seedable, well-mixed sequence (any seed, 0 included).
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
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
    pub phase: Phase,
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
    chaos: Mutex<ChaosState>,
    ledger: Mutex<Ledger>,
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
            chaos: Mutex::new(ChaosState {
                config: None,
                rng: 0,
                injected: BTreeMap::new(),
                explicit: BTreeMap::new(),
            }),
            ledger: Mutex::default(),
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

    fn next_seq(&self) -> u64 {
        let mut next = lock(&self.next_seq);
        let seq = *next;
        *next += 1;
        seq
    }

    pub fn record(&self, gateway: &'static str, status: u16, info: CallInfo) {
        self.record_fault(gateway, status, info, None);
    }

    /// Logs a call; `fault` = the fault it got, if any.
    pub fn record_fault(
        &self,
        gateway: &'static str,
        status: u16,
        info: CallInfo,
        fault: Option<Injected>,
    ) {
        let seq = self.next_seq();
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
            fault: fault.map(|f| format!("{}:{}", f.mode.as_str(), f.phase.as_str())),
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
        phase: Option<Phase>,
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
                    phase: phase.unwrap_or(mode.default_phase()),
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
    pub fn take_fault(&self, gateway: &str, operation: &str) -> Option<Injected> {
        let mut faults = lock(&self.faults);
        let key = [gateway, "*"].into_iter().find(|k| {
            faults
                .get(*k)
                .is_some_and(|f| f.operation.as_deref().is_none_or(|o| o == operation))
        })?;
        let fault = faults.get_mut(key)?;
        let taken = Injected {
            mode: fault.mode,
            phase: fault.phase,
            delay_ms: fault.delay_ms,
        };
        if let Some(left) = fault.remaining.as_mut() {
            *left = left.saturating_sub(1);
            if *left == 0 {
                faults.remove(key);
            }
        }
        Some(taken)
    }

    /// The fault for this request: an explicit one first, else a chaos roll. Counted.
    pub fn fault_for(&self, gateway: &str, operation: &str) -> Option<Injected> {
        if let Some(f) = self.take_fault(gateway, operation) {
            let mut chaos = lock(&self.chaos);
            let k = format!("{}:{}", f.mode.as_str(), f.phase.as_str());
            *chaos.explicit.entry(k).or_default() += 1;
            return Some(f);
        }
        let mut guard = lock(&self.chaos);
        let chaos = &mut *guard;
        let config = chaos.config.as_ref()?;
        let applies = config
            .gateways
            .as_ref()
            .is_none_or(|g| g.iter().any(|g| g == gateway))
            && config
                .operations
                .as_ref()
                .is_none_or(|o| o.iter().any(|o| o == operation));
        if !applies || config.modes.is_empty() || config.phases.is_empty() {
            return None;
        }
        // 53 random bits → [0, 1).
        let roll = (splitmix(&mut chaos.rng) >> 11) as f64 / (1u64 << 53) as f64;
        if roll >= config.rate {
            return None;
        }
        let r = splitmix(&mut chaos.rng);
        let mode = config.modes[(r % config.modes.len() as u64) as usize];
        let phase = config.phases[((r >> 32) % config.phases.len() as u64) as usize];
        let delay_ms = config.delay_ms;
        let k = format!("{}:{}", mode.as_str(), phase.as_str());
        *chaos.injected.entry(k).or_default() += 1;
        Some(Injected {
            mode,
            phase,
            delay_ms,
        })
    }

    /// Starts (or with `rate` 0 / `None`, stops) chaos; the counters start again from zero.
    pub fn set_chaos(&self, config: Option<Chaos>) {
        let mut chaos = lock(&self.chaos);
        chaos.rng = config.as_ref().map_or(0, |c| c.seed);
        chaos.config = config.filter(|c| c.rate > 0.0);
        chaos.injected.clear();
    }

    /// `GET /_sim/chaos`.
    pub fn chaos_report(&self) -> serde_json::Value {
        let chaos = lock(&self.chaos);
        let total: u64 = chaos.injected.values().sum();
        let explicit: u64 = chaos.explicit.values().sum();
        serde_json::json!({
            "config": chaos.config, "injected": chaos.injected, "total": total,
            "explicit": chaos.explicit, "explicit_total": explicit,
        })
    }

    // ---- settlement ----

    /// Closes the settlement batch of `gateway` (`*`: both that settle): captured
    /// transactions become settled, and only then refundable. Stripe and Shift4 refund
    /// unsettled charges, so they have no batch here. Returns how many settled per gateway.
    pub fn settle(&self, gateway: &str) -> serde_json::Value {
        let all = gateway == "*";
        let anet = (all || gateway == "authorizenet").then(|| authorizenet::settle(self));
        let bt = (all || gateway == "braintree").then(|| braintree::settle(self));
        serde_json::json!({"authorizenet": anet, "braintree": bt})
    }

    // ---- ledger ----

    /// A money movement the gateway really made.
    pub fn ledger_move(&self, gateway: &'static str, operation: &str, status: Movement, m: Money) {
        let seq = self.next_seq();
        lock(&self.ledger).entries.push(ledger::Entry {
            seq,
            gateway,
            object_id: m.object_id,
            reference: m.reference,
            attempt: m.attempt,
            status,
            amount: m.amount,
            currency: m.currency.to_ascii_lowercase(),
            operation: operation.to_string(),
        });
    }

    /// A decline (`m.object_id` may be empty when the gateway made no object).
    pub fn ledger_decline(&self, gateway: &'static str, operation: &str, code: &str, m: Money) {
        let seq = self.next_seq();
        lock(&self.ledger).declines.push(ledger::Decline {
            seq,
            gateway,
            object_id: Some(m.object_id).filter(|o| !o.is_empty()),
            reference: m.reference,
            attempt: m.attempt,
            code: code.to_string(),
            amount: m.amount,
            currency: m.currency.to_ascii_lowercase(),
            operation: operation.to_string(),
        });
    }

    /// `GET /_sim/ledger`.
    pub fn ledger_report(&self) -> serde_json::Value {
        let l = lock(&self.ledger);
        serde_json::json!({"ledger": l.entries, "declines": l.declines})
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

    /// Replaces the stored answer of a key processed by this request (fault `error500` after
    /// processing: Stripe and Shift4 then replay the 500 for that key).
    pub fn idem_replace(&self, gateway: &'static str, key: &str, handled: &Handled) {
        let mut idem = lock(&self.idem);
        if let Some(e) = idem.get_mut(&(gateway, key.to_string())) {
            if e.done.is_some() {
                e.done = Some(handled.clone());
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

/// Idempotency keys are scoped per API key (Stripe: "keys are scoped to the account"): the
/// stored key is the Authorization header plus the key.
pub fn idem_scope(req: &crate::http::Request, key: &str) -> String {
    format!("{}\n{key}", req.header("authorization").unwrap_or(""))
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
    let key = idem_scope(req, &key);
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
        sim.set_fault("*", None, Some(FaultMode::Slow), None, 10, 0);
        sim.set_fault("stripe", None, Some(FaultMode::Error500), None, 0, 2);
        let take = |g| sim.take_fault(g, "charges").map(|f| (f.mode, f.delay_ms));
        assert_eq!(take("stripe"), Some((FaultMode::Error500, 0)));
        assert_eq!(take("stripe"), Some((FaultMode::Error500, 0)));
        assert_eq!(take("stripe"), Some((FaultMode::Slow, 10)));
        assert_eq!(take("shift4"), Some((FaultMode::Slow, 10)));
        sim.set_fault("*", None, None, None, 0, 0);
        assert_eq!(take("shift4"), None);
    }

    #[test]
    fn a_fault_for_one_operation_lets_the_others_through() {
        let sim = Sim::new();
        sim.set_fault(
            "stripe",
            Some("payment_intents"),
            Some(FaultMode::Slow),
            Some(Phase::Before),
            5,
            1,
        );
        assert_eq!(sim.take_fault("stripe", "payment_methods"), None);
        assert_eq!(sim.take_fault("shift4", "payment_intents"), None);
        assert_eq!(
            sim.take_fault("stripe", "payment_intents"),
            Some(Injected {
                mode: FaultMode::Slow,
                phase: Phase::Before,
                delay_ms: 5
            })
        );
        assert_eq!(sim.take_fault("stripe", "payment_intents"), None);
    }

    fn chaos(seed: u64, rate: f64) -> Chaos {
        Chaos {
            seed,
            rate,
            modes: vec![FaultMode::Error500, FaultMode::Reset],
            phases: vec![Phase::Before, Phase::After],
            delay_ms: 1,
            gateways: Some(vec!["stripe".into()]),
            operations: None,
        }
    }

    #[test]
    fn chaos_is_deterministic_per_seed_and_counts_what_it_injects() {
        let run = |seed| {
            let sim = Sim::new();
            sim.set_chaos(Some(chaos(seed, 0.5)));
            let picks: Vec<Option<Injected>> = (0..200)
                .map(|_| sim.fault_for("stripe", "payment_intents"))
                .collect();
            assert_eq!(sim.fault_for("shift4", "charges"), None, "other gateway");
            (picks, sim.chaos_report())
        };
        let (a, report) = run(7);
        assert_eq!(a, run(7).0);
        assert_ne!(a, run(8).0);
        let hits = a.iter().flatten().count() as u64;
        assert!((60..=140).contains(&hits), "{hits}");
        assert_eq!(report["total"], hits);
        let kinds = report["injected"].as_object().map_or(0, |m| m.len());
        assert_eq!(kinds, 4, "{report}");

        let sim = Sim::new();
        sim.set_chaos(Some(chaos(1, 0.0)));
        assert!((0..100).all(|_| sim.fault_for("stripe", "x").is_none()));
        assert_eq!(sim.chaos_report()["config"], serde_json::Value::Null);
    }
}
