//! Card-testing defences (docs/card-testing.md): the per-project counters a `ProjectGuard`
//! Durable Object keeps, and its decisions, without I/O.
//!
//! - Fixed windows on charge attempts per client IP (within the project: every key here is
//!   already per project) and per project, counted when the attempt is let through.
//! - Declines per card (a project-wide fingerprint of the card number, across sessions).
//! - A decline-ratio breaker: when the project saw at least `breaker_min_declines` declines in
//!   `breaker_window_secs` and declines are at least `breaker_ratio_pct` % of its outcomes, the
//!   IPs whose own outcomes look the same are refused for `cooldown_secs`.
//!
//! A refusal carries the seconds until it lifts (`Retry-After`).

use crate::time::rfc3339;
use crate::webhook::delivery::{Delivery, DeliveryStatus};
use crate::webhook::Event;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Attempts one IP may make on one project per minute.
pub const DEFAULT_IP_PER_MIN: u32 = 600;
/// Attempts one project accepts per minute, all sources together.
pub const DEFAULT_PROJECT_PER_MIN: u32 = 3000;
/// Declines one card number may collect on one project per hour, across sessions.
pub const DEFAULT_CARD_DECLINES_PER_HOUR: u32 = 12;
pub const DEFAULT_BREAKER_WINDOW_SECS: u64 = 300;
pub const DEFAULT_BREAKER_MIN_DECLINES: u32 = 10;
pub const DEFAULT_BREAKER_RATIO_PCT: u32 = 80;
pub const DEFAULT_COOLDOWN_SECS: u64 = 900;

const MINUTE: u64 = 60;
const HOUR: u64 = 3600;
/// Outcomes kept for the breaker, newest last (bounds the object's storage).
const MAX_OUTCOMES: usize = 2000;
/// Trips kept for the admin API.
const MAX_TRIPS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    pub ip_per_min: u32,
    pub project_per_min: u32,
    pub card_declines_per_hour: u32,
    pub breaker_window_secs: u64,
    pub breaker_min_declines: u32,
    pub breaker_ratio_pct: u32,
    pub cooldown_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            ip_per_min: DEFAULT_IP_PER_MIN,
            project_per_min: DEFAULT_PROJECT_PER_MIN,
            card_declines_per_hour: DEFAULT_CARD_DECLINES_PER_HOUR,
            breaker_window_secs: DEFAULT_BREAKER_WINDOW_SECS,
            breaker_min_declines: DEFAULT_BREAKER_MIN_DECLINES,
            breaker_ratio_pct: DEFAULT_BREAKER_RATIO_PCT,
            cooldown_secs: DEFAULT_COOLDOWN_SECS,
        }
    }
}

impl Limits {
    /// Reads a partial `card_testing` object at `loc` (e.g. `["body", "card_testing"]`) over
    /// `current`: each key is optional and bounded, unknown keys are refused. `None` when any
    /// error was pushed to `errors`.
    pub fn parse(
        value: &serde_json::Value,
        loc: Vec<crate::Loc>,
        current: Limits,
        errors: &mut Vec<crate::FieldError>,
    ) -> Option<Limits> {
        let mut f = crate::validate::Fields::new(value, loc);
        let mut out = current;
        // Bounds: at least 1 of everything (0 would refuse every charge), windows of a minute to
        // a day, and ceilings far above any real checkout.
        if let Some(v) = f.int("ip_per_min", false, 1, 100_000) {
            out.ip_per_min = v as u32;
        }
        if let Some(v) = f.int("project_per_min", false, 1, 1_000_000) {
            out.project_per_min = v as u32;
        }
        if let Some(v) = f.int("card_declines_per_hour", false, 1, 100_000) {
            out.card_declines_per_hour = v as u32;
        }
        if let Some(v) = f.int("breaker_window_secs", false, 60, 86_400) {
            out.breaker_window_secs = v as u64;
        }
        if let Some(v) = f.int("breaker_min_declines", false, 1, 100_000) {
            out.breaker_min_declines = v as u32;
        }
        if let Some(v) = f.int("breaker_ratio_pct", false, 1, 100) {
            out.breaker_ratio_pct = v as u32;
        }
        if let Some(v) = f.int("cooldown_secs", false, 60, 86_400) {
            out.cooldown_secs = v as u64;
        }
        let found = f.finish();
        let ok = found.is_empty();
        errors.extend(found);
        ok.then_some(out)
    }
}

/// Why an attempt was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Too many attempts from this IP or on this project.
    RateLimited,
    /// The breaker blocked this IP, or the card collected too many declines.
    CardTestingSuspected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum Verdict {
    Allow,
    Refuse {
        reason: Reason,
        retry_after_secs: u64,
    },
}

/// A fixed window: `count` events since `start`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Window {
    start: u64,
    count: u32,
}

impl Window {
    fn current(&self, now: u64, len: u64) -> u32 {
        if now < self.start + len {
            self.count
        } else {
            0
        }
    }

    fn bump(&mut self, now: u64, len: u64) {
        if self.count == 0 || now >= self.start + len {
            *self = Window {
                start: now,
                count: 0,
            };
        }
        self.count += 1;
    }

    fn retry_after(&self, now: u64, len: u64) -> u64 {
        (self.start + len).saturating_sub(now).max(1)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Outcome {
    at: u64,
    ip: String,
    declined: bool,
}

/// One trip of the breaker: what the merchant is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trip {
    pub at: u64,
    pub until: u64,
    pub ips: Vec<String>,
    pub declines: u32,
    pub outcomes: u32,
}

/// Everything one project's guard stores.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardState {
    ips: BTreeMap<String, Window>,
    project: Window,
    card_declines: BTreeMap<String, Window>,
    outcomes: Vec<Outcome>,
    /// IP → refused until (unix seconds).
    blocked: BTreeMap<String, u64>,
    /// Newest last.
    trips: Vec<Trip>,
}

/// What the admin API shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// True while any source is blocked by the breaker.
    pub card_testing: bool,
    pub blocked: BTreeMap<String, u64>,
    pub trips: Vec<Trip>,
}

impl GuardState {
    /// Decides one charge attempt from `ip` with `card` (its project-wide fingerprint) and, if
    /// it is let through, counts it.
    pub fn check(&mut self, limits: &Limits, now: u64, ip: &str, card: &str) -> Verdict {
        self.forget(limits, now);
        if let Some(&until) = self.blocked.get(ip) {
            return refuse(Reason::CardTestingSuspected, until - now);
        }
        if let Some(w) = self.card_declines.get(card) {
            if w.current(now, HOUR) >= limits.card_declines_per_hour {
                return refuse(Reason::CardTestingSuspected, w.retry_after(now, HOUR));
            }
        }
        let ip_window = self.ips.get(ip).copied().unwrap_or_default();
        if ip_window.current(now, MINUTE) >= limits.ip_per_min {
            return refuse(Reason::RateLimited, ip_window.retry_after(now, MINUTE));
        }
        if self.project.current(now, MINUTE) >= limits.project_per_min {
            return refuse(Reason::RateLimited, self.project.retry_after(now, MINUTE));
        }
        self.ips
            .entry(ip.to_string())
            .or_default()
            .bump(now, MINUTE);
        self.project.bump(now, MINUTE);
        Verdict::Allow
    }

    /// Records the gateway's answer to an attempt let through. Returns the trip when this
    /// outcome trips the breaker for at least one IP not already blocked.
    pub fn report(
        &mut self,
        limits: &Limits,
        now: u64,
        ip: &str,
        card: &str,
        declined: bool,
    ) -> Option<Trip> {
        self.forget(limits, now);
        if declined {
            self.card_declines
                .entry(card.to_string())
                .or_default()
                .bump(now, HOUR);
        }
        self.outcomes.push(Outcome {
            at: now,
            ip: ip.to_string(),
            declined,
        });
        if self.outcomes.len() > MAX_OUTCOMES {
            let extra = self.outcomes.len() - MAX_OUTCOMES;
            self.outcomes.drain(..extra);
        }
        let (declines, total) = tally(self.outcomes.iter());
        if declines < limits.breaker_min_declines || !high(declines, total, limits) {
            return None;
        }
        // The offending sources: IPs whose own outcomes in the window are as bad.
        let mut per_ip: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
        for o in &self.outcomes {
            let e = per_ip.entry(o.ip.as_str()).or_default();
            e.0 += u32::from(o.declined);
            e.1 += 1;
        }
        let until = now + limits.cooldown_secs;
        let ips: Vec<String> = per_ip
            .into_iter()
            .filter(|(ip, (d, t))| {
                *d > 0 && high(*d, *t, limits) && !self.blocked.contains_key(*ip)
            })
            .map(|(ip, _)| ip.to_string())
            .collect();
        if ips.is_empty() {
            return None;
        }
        for ip in &ips {
            self.blocked.insert(ip.clone(), until);
        }
        let trip = Trip {
            at: now,
            until,
            ips,
            declines,
            outcomes: total,
        };
        self.trips.push(trip.clone());
        if self.trips.len() > MAX_TRIPS {
            self.trips.remove(0);
        }
        Some(trip)
    }

    pub fn status(&self, now: u64) -> Status {
        let blocked: BTreeMap<String, u64> = self
            .blocked
            .iter()
            .filter(|(_, &until)| until > now)
            .map(|(ip, until)| (ip.clone(), *until))
            .collect();
        Status {
            card_testing: !blocked.is_empty(),
            blocked,
            trips: self.trips.clone(),
        }
    }

    /// Drops what no longer counts, so storage stays bounded.
    fn forget(&mut self, limits: &Limits, now: u64) {
        self.ips.retain(|_, w| w.current(now, MINUTE) > 0);
        self.card_declines.retain(|_, w| w.current(now, HOUR) > 0);
        self.blocked.retain(|_, until| *until > now);
        let since = now.saturating_sub(limits.breaker_window_secs);
        self.outcomes.retain(|o| o.at > since);
    }
}

fn refuse(reason: Reason, retry_after_secs: u64) -> Verdict {
    Verdict::Refuse {
        reason,
        retry_after_secs: retry_after_secs.max(1),
    }
}

fn tally<'a>(outcomes: impl Iterator<Item = &'a Outcome>) -> (u32, u32) {
    outcomes.fold((0, 0), |(d, t), o| (d + u32::from(o.declined), t + 1))
}

fn high(declines: u32, total: u32, limits: &Limits) -> bool {
    u64::from(declines) * 100 >= u64::from(total) * u64::from(limits.breaker_ratio_pct)
}

impl Trip {
    /// The `fraud.card_testing` webhook of this trip for the project `slug`, as a delivery
    /// `id` (no session: `session_id` is empty). The body holds counts and IPs, no card data.
    pub fn delivery(&self, id: String, project_id: &str, slug: &str) -> Delivery {
        let body = serde_json::json!({
            "event": Event::FraudCardTesting.as_str(),
            "project": slug,
            "blocked_ips": self.ips,
            "declines": self.declines,
            "attempts": self.outcomes,
            "blocked_until": rfc3339(self.until),
            "created_at": rfc3339(self.at),
        });
        Delivery {
            id,
            project_id: project_id.to_string(),
            session_id: String::new(),
            event: Event::FraudCardTesting,
            environment: None,
            created_at: self.at,
            body: body.to_string(),
            status: DeliveryStatus::Pending,
            attempts: Vec::new(),
            round_start: 0,
            next_attempt_at: None,
        }
    }
}

/// Keyed hash of the card number alone, per project: the same card across the project's
/// sessions (whatever expiry, CVC or name is tried with it) has one fingerprint.
pub fn card_key(key: &[u8], project_id: &str, number: &str) -> String {
    let input = format!("guard|{}:{}|{}", project_id.len(), project_id, number);
    crate::crypto::hmac_hex(key, input.as_bytes())
}

/// Counts one event of `key` and says whether it is the first of a run of `n` (the 1st, the
/// `n+1`th, …): a caller that reports to a shared counter once per `n` events (the session
/// create limiter) undercounts by fewer than `n` per isolate. At `bound` keys the map is cleared:
/// forgetting only makes each key's next event report early.
pub fn first_of_every(
    counts: &mut std::collections::HashMap<String, u32>,
    key: &str,
    n: u32,
    bound: usize,
) -> bool {
    if counts.len() >= bound && !counts.contains_key(key) {
        counts.clear();
    }
    let c = counts.entry(key.to_string()).or_insert(0);
    let first = *c == 0;
    *c = (*c + 1) % n.max(1);
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Limits {
        Limits {
            ip_per_min: 3,
            project_per_min: 5,
            card_declines_per_hour: 2,
            breaker_min_declines: 4,
            ..Limits::default()
        }
    }

    #[test]
    fn ip_limit_is_per_ip_and_resets_with_the_window() {
        let l = small();
        let mut g = GuardState::default();
        for i in 0..3 {
            assert_eq!(g.check(&l, 100, "a", &format!("c{i}")), Verdict::Allow);
        }
        assert_eq!(
            g.check(&l, 130, "a", "c9"),
            Verdict::Refuse {
                reason: Reason::RateLimited,
                retry_after_secs: 30
            }
        );
        assert_eq!(g.check(&l, 130, "b", "c9"), Verdict::Allow);
        assert_eq!(g.check(&l, 160, "a", "c9"), Verdict::Allow);
    }

    #[test]
    fn project_limit_counts_every_ip() {
        let l = small();
        let mut g = GuardState::default();
        for ip in ["a", "b", "c", "d", "e"] {
            assert_eq!(g.check(&l, 10, ip, "card"), Verdict::Allow);
        }
        assert!(matches!(
            g.check(&l, 10, "f", "card"),
            Verdict::Refuse {
                reason: Reason::RateLimited,
                ..
            }
        ));
    }

    #[test]
    fn a_card_declined_too_often_is_refused_on_every_ip() {
        let l = small();
        let mut g = GuardState::default();
        assert_eq!(g.report(&l, 10, "a", "card", true), None);
        assert_eq!(g.report(&l, 20, "b", "card", true), None);
        assert_eq!(
            g.check(&l, 30, "c", "card"),
            Verdict::Refuse {
                reason: Reason::CardTestingSuspected,
                retry_after_secs: 3580
            }
        );
        assert_eq!(g.check(&l, 30, "c", "other"), Verdict::Allow);
        assert_eq!(g.check(&l, 10 + HOUR, "c", "card"), Verdict::Allow);
    }

    #[test]
    fn breaker_trips_once_blocks_the_offending_ip_only_and_cools_down() {
        let l = Limits {
            breaker_min_declines: 4,
            ..Limits::default()
        };
        let mut g = GuardState::default();
        // A good source: approvals.
        assert_eq!(g.report(&l, 1, "good", "g", false), None);
        // The tester: declines on many cards.
        for i in 0..3 {
            assert_eq!(g.report(&l, 2 + i, "bad", &format!("c{i}"), true), None);
        }
        let trip = g.report(&l, 10, "bad", "c3", true).expect("trips");
        assert_eq!(trip.ips, vec!["bad".to_string()]);
        assert_eq!((trip.declines, trip.outcomes), (4, 5));
        assert_eq!(trip.until, 10 + DEFAULT_COOLDOWN_SECS);
        // Once: another decline does not trip again.
        assert_eq!(g.report(&l, 11, "bad", "c4", true), None);
        assert_eq!(
            g.check(&l, 20, "bad", "new"),
            Verdict::Refuse {
                reason: Reason::CardTestingSuspected,
                retry_after_secs: DEFAULT_COOLDOWN_SECS - 10
            }
        );
        assert_eq!(g.check(&l, 20, "good", "g"), Verdict::Allow);
        let s = g.status(20);
        assert!(s.card_testing);
        assert_eq!(s.trips.len(), 1);
        // Cool-down over: let through, and the flag clears.
        assert_eq!(
            g.check(&l, 10 + DEFAULT_COOLDOWN_SECS, "bad", "new"),
            Verdict::Allow
        );
        assert!(!g.status(10 + DEFAULT_COOLDOWN_SECS).card_testing);
    }

    #[test]
    fn a_low_ratio_never_trips() {
        let l = Limits::default();
        let mut g = GuardState::default();
        // 30 % declines (like the fault-injection suite), many of them.
        for i in 0..300u64 {
            assert_eq!(g.report(&l, i, "local", "c", i % 10 < 3), None);
        }
    }

    #[test]
    fn old_outcomes_leave_the_window() {
        let l = Limits {
            breaker_min_declines: 3,
            ..Limits::default()
        };
        let mut g = GuardState::default();
        g.report(&l, 0, "a", "c", true);
        g.report(&l, 1, "a", "c", true);
        // 300 s later the first two no longer count.
        assert_eq!(g.report(&l, 302, "a", "c", true), None);
        assert!(g.report(&l, 303, "a", "c", true).is_none());
        assert!(g.report(&l, 304, "a", "c", true).is_some());
    }

    #[test]
    fn card_key_depends_on_project_and_number() {
        let k = [7u8; 32];
        assert_eq!(card_key(&k, "p", "4242"), card_key(&k, "p", "4242"));
        assert_ne!(card_key(&k, "p", "4242"), card_key(&k, "q", "4242"));
        assert_ne!(card_key(&k, "p", "4242"), card_key(&k, "p", "4243"));
    }

    #[test]
    fn trip_delivery_is_the_fraud_event_without_card_data() {
        let trip = Trip {
            at: 0,
            until: 900,
            ips: vec!["203.0.113.9".into()],
            declines: 10,
            outcomes: 11,
        };
        let d = trip.delivery("d1".into(), "p1", "shop");
        let body: serde_json::Value = serde_json::from_str(&d.body).unwrap();
        assert_eq!(body["event"], "fraud.card_testing");
        assert_eq!(body["blocked_ips"][0], "203.0.113.9");
        assert_eq!(serde_json::json!(d.event), "fraud.card_testing");
    }

    #[test]
    fn limits_parse_over_the_current_ones_and_refuse_bad_values() {
        let mut errors = Vec::new();
        let body = serde_json::json!({"card_declines_per_hour": 40, "cooldown_secs": 120});
        let l = Limits::parse(&body, vec!["body".into()], small(), &mut errors).unwrap();
        assert_eq!((l.card_declines_per_hour, l.cooldown_secs), (40, 120));
        assert_eq!(l.ip_per_min, 3, "keys not given keep the current value");
        assert!(errors.is_empty());
        let bad = serde_json::json!({"ip_per_min": 0, "breaker_ratio_pct": 101, "per_card": 1, "cooldown_secs": "60"});
        assert_eq!(
            Limits::parse(&bad, vec!["body".into()], small(), &mut errors),
            None
        );
        let got: Vec<(String, &str)> = errors
            .iter()
            .map(|e| (serde_json::json!(e.loc).to_string(), e.kind))
            .collect();
        assert!(
            got.contains(&(r#"["body","ip_per_min"]"#.into(), "greater_than_equal")),
            "{got:?}"
        );
        assert!(
            got.contains(&(r#"["body","breaker_ratio_pct"]"#.into(), "less_than_equal")),
            "{got:?}"
        );
        assert!(
            got.contains(&(r#"["body","cooldown_secs"]"#.into(), "int_type")),
            "{got:?}"
        );
        assert!(got.iter().any(|(l, _)| l.contains("per_card")), "{got:?}");
        let mut e2 = Vec::new();
        assert_eq!(
            Limits::parse(
                &serde_json::json!([1]),
                vec!["body".into()],
                small(),
                &mut e2
            ),
            None
        );
        assert_eq!(e2[0].kind, "dict_type");
    }

    #[test]
    fn limits_parse_partially() {
        let l: Limits = serde_json::from_str(r#"{"breaker_min_declines": 5}"#).unwrap();
        assert_eq!(l.breaker_min_declines, 5);
        assert_eq!(l.ip_per_min, DEFAULT_IP_PER_MIN);
    }

    #[test]
    fn first_of_every_reports_the_first_of_each_run_per_key_and_forgets_at_the_bound() {
        let mut counts = std::collections::HashMap::new();
        let a: Vec<bool> = (0..21)
            .map(|_| first_of_every(&mut counts, "a", 10, 100))
            .collect();
        let firsts: Vec<usize> = a
            .iter()
            .enumerate()
            .filter(|(_, f)| **f)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(firsts, vec![0, 10, 20]);
        // Another key has its own run.
        assert!(first_of_every(&mut counts, "b", 10, 100));
        assert!(!first_of_every(&mut counts, "b", 10, 100));
        // At the bound a new key clears the map: "a" then starts a new run.
        let mut small = std::collections::HashMap::new();
        assert!(first_of_every(&mut small, "a", 10, 1));
        assert!(!first_of_every(&mut small, "a", 10, 1));
        assert!(first_of_every(&mut small, "b", 10, 1));
        assert!(first_of_every(&mut small, "a", 10, 1));
    }
}
