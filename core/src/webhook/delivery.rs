//! One webhook delivery: an event for a project's URL, delivered at least once. Every attempt
//! is recorded (time, URL, HTTP status or error, duration). A failed attempt is retried on an
//! exponential schedule; when a round's attempts are used up the delivery is `failed`, and a
//! manual resend starts a new round with the whole schedule.

use super::{Event, Payload};
use crate::auth::Environment;
use crate::time::rfc3339;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Delays before retries 1…6, in units of the base (10 s in production):
/// 10 s, 30 s, 2 min, 10 min, 1 h, 6 h, so a round spans about 7 h 13 min.
pub const RETRY_FACTORS: [u32; 6] = [1, 3, 12, 60, 360, 2160];
/// The first try plus one per retry delay.
pub const ATTEMPTS_PER_ROUND: usize = RETRY_FACTORS.len() + 1;
pub const DEFAULT_RETRY_BASE_SECS: u32 = 10;
/// Cloudflare Queues refuse longer delays.
pub const MAX_DELAY_SECS: u32 = 12 * 3600;
/// KV keeps a delivery this long after its last change.
pub const RETENTION_SECS: u64 = 30 * 24 * 3600;

/// Seconds to wait after `failed` consecutive failures of a round, or `None` when the round is
/// over. `base_secs` scales the whole schedule (tests run it with 1).
pub fn retry_delay(failed: usize, base_secs: u32) -> Option<u32> {
    let factor = RETRY_FACTORS.get(failed.checked_sub(1)?)?;
    Some(factor.saturating_mul(base_secs.max(1)).min(MAX_DELAY_SECS))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Queued or waiting for a retry.
    Pending,
    /// A 2xx answer was received.
    Delivered,
    /// The round's attempts are used up; a manual resend starts another.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// Unix seconds when the request started.
    pub at: u64,
    /// The URL posted to (the project's URL at that time); null if none was set.
    pub url: Option<String>,
    /// The receiver's HTTP status; null when no answer came.
    pub status_code: Option<u16>,
    /// Why there was no 2xx answer from a reachable receiver (timeout, unreachable, no URL…).
    pub error: Option<String>,
    pub duration_ms: u64,
}

impl Attempt {
    pub fn succeeded(&self) -> bool {
        self.status_code.is_some_and(|s| (200..300).contains(&s))
    }
}

/// What the queue consumer does with the message after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Ack,
    RetryIn(u32),
    /// The round is over without success: ack, the delivery stays `failed`.
    GiveUp,
}

/// The KV record `delivery:<id>`. The queue message carries only the id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: String,
    pub project_id: String,
    pub session_id: String,
    pub event: Event,
    /// The environment whose URL receives it; `None` for events of no environment (card
    /// testing) and deliveries recorded before environments had URLs of their own.
    #[serde(default)]
    pub environment: Option<Environment>,
    pub created_at: u64,
    /// The exact JSON body of every attempt (each attempt signs it with its own timestamp).
    pub body: String,
    pub status: DeliveryStatus,
    pub attempts: Vec<Attempt>,
    /// Index in `attempts` where the current round (the first send or a resend) began.
    #[serde(default)]
    pub round_start: usize,
    /// Unix seconds of the scheduled retry, while one is scheduled.
    #[serde(default)]
    pub next_attempt_at: Option<u64>,
}

impl Delivery {
    pub fn new(id: String, project_id: String, payload: &Payload, now: u64) -> Delivery {
        Delivery {
            id,
            project_id,
            session_id: payload.session_id.clone(),
            event: payload.event,
            environment: Environment::parse(&payload.environment),
            created_at: now,
            // Serializing plain strings, numbers and maps cannot fail.
            body: serde_json::to_string(payload).unwrap_or_default(),
            status: DeliveryStatus::Pending,
            attempts: Vec::new(),
            round_start: 0,
            next_attempt_at: None,
        }
    }

    /// Records an attempt and decides what happens next.
    pub fn record(&mut self, attempt: Attempt, base_secs: u32) -> Next {
        let ok = attempt.succeeded();
        let at = attempt.at;
        self.attempts.push(attempt);
        self.next_attempt_at = None;
        if ok {
            self.status = DeliveryStatus::Delivered;
            return Next::Ack;
        }
        let failed = self.attempts.len().saturating_sub(self.round_start);
        match retry_delay(failed, base_secs) {
            Some(delay) => {
                self.status = DeliveryStatus::Pending;
                self.next_attempt_at = Some(at + u64::from(delay));
                Next::RetryIn(delay)
            }
            None => {
                self.status = DeliveryStatus::Failed;
                Next::GiveUp
            }
        }
    }

    /// A manual re-send: a new round with the full schedule, whatever the status was.
    pub fn resend(&mut self) {
        self.round_start = self.attempts.len();
        self.status = DeliveryStatus::Pending;
        self.next_attempt_at = None;
    }

    /// The view of the operator and the dashboard: the payload and the exact body as sent
    /// (each attempt signs `body` at its `at`), every attempt, times in RFC 3339.
    pub fn view(&self) -> Value {
        let attempts: Vec<Value> = self
            .attempts
            .iter()
            .map(|a| {
                json!({
                    "at": rfc3339(a.at),
                    "timestamp": a.at,
                    "url": a.url,
                    "status_code": a.status_code,
                    "error": a.error,
                    "duration_ms": a.duration_ms,
                })
            })
            .collect();
        json!({
            "id": self.id,
            "project_id": self.project_id,
            "session_id": self.session_id,
            "event": self.event,
            "environment": self.environment.map(Environment::as_str),
            "status": self.status,
            "created_at": rfc3339(self.created_at),
            "next_attempt_at": self.next_attempt_at.map(rfc3339),
            "attempts": attempts,
            "payload": serde_json::from_str::<Value>(&self.body).unwrap_or(Value::Null),
            "body": self.body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(at: u64, status_code: Option<u16>) -> Attempt {
        Attempt {
            at,
            url: Some("https://shop.example.com/hooks".into()),
            status_code,
            error: status_code.is_none().then(|| "timed out".into()),
            duration_ms: 12,
        }
    }

    fn delivery() -> Delivery {
        Delivery {
            id: "d1".into(),
            project_id: "p1".into(),
            session_id: "s1".into(),
            event: Event::PaymentSuccess,
            environment: None,
            created_at: 1000,
            body: r#"{"event":"payment-success"}"#.into(),
            status: DeliveryStatus::Pending,
            attempts: vec![],
            round_start: 0,
            next_attempt_at: None,
        }
    }

    #[test]
    fn schedule_is_exponential_and_bounded() {
        let secs: Vec<_> = (1..=ATTEMPTS_PER_ROUND)
            .map(|n| retry_delay(n, DEFAULT_RETRY_BASE_SECS))
            .collect();
        assert_eq!(
            secs,
            [10, 30, 120, 600, 3600, 21_600]
                .map(Some)
                .into_iter()
                .chain([None])
                .collect::<Vec<_>>()
        );
        assert_eq!(retry_delay(0, 10), None);
        assert_eq!(retry_delay(1, 1), Some(1));
        assert_eq!(retry_delay(6, 1000), Some(MAX_DELAY_SECS));
        assert_eq!(retry_delay(1, 0), Some(1), "a zero base still waits");
    }

    #[test]
    fn success_acks_and_failures_retry_then_give_up() {
        let mut d = delivery();
        assert_eq!(d.record(attempt(2000, Some(500)), 10), Next::RetryIn(10));
        assert_eq!(d.status, DeliveryStatus::Pending);
        assert_eq!(d.next_attempt_at, Some(2010));
        assert_eq!(d.record(attempt(2010, None), 10), Next::RetryIn(30));
        assert_eq!(d.record(attempt(2040, Some(200)), 10), Next::Ack);
        assert_eq!(d.status, DeliveryStatus::Delivered);
        assert_eq!(d.next_attempt_at, None);

        let mut d = delivery();
        for _ in 1..ATTEMPTS_PER_ROUND {
            assert!(matches!(
                d.record(attempt(1, Some(404)), 10),
                Next::RetryIn(_)
            ));
        }
        assert_eq!(d.record(attempt(1, Some(302)), 10), Next::GiveUp);
        assert_eq!(d.status, DeliveryStatus::Failed);
        assert_eq!(d.attempts.len(), ATTEMPTS_PER_ROUND);
    }

    #[test]
    fn resend_starts_a_new_round_and_keeps_history() {
        let mut d = delivery();
        for _ in 0..ATTEMPTS_PER_ROUND {
            d.record(attempt(1, Some(500)), 10);
        }
        assert_eq!(d.status, DeliveryStatus::Failed);
        d.resend();
        assert_eq!(d.status, DeliveryStatus::Pending);
        assert_eq!(d.record(attempt(5, Some(503)), 10), Next::RetryIn(10));
        assert_eq!(d.record(attempt(20, Some(204)), 10), Next::Ack);
        assert_eq!(d.attempts.len(), ATTEMPTS_PER_ROUND + 2);
        // A resend of a delivered event sends it again (the merchant asked for it).
        d.resend();
        assert_eq!(d.record(attempt(30, Some(200)), 10), Next::Ack);
    }

    #[test]
    fn view_shows_attempts_and_payload() {
        let mut d = delivery();
        d.record(attempt(1_767_225_600, None), 10);
        let v = d.view();
        assert_eq!(v["status"], "pending");
        assert_eq!(v["event"], "payment-success");
        assert_eq!(v["created_at"], "1970-01-01T00:16:40Z");
        assert_eq!(v["next_attempt_at"], "2026-01-01T00:00:10Z");
        assert_eq!(v["attempts"][0]["at"], "2026-01-01T00:00:00Z");
        assert_eq!(v["attempts"][0]["status_code"], Value::Null);
        assert_eq!(v["attempts"][0]["error"], "timed out");
        assert_eq!(v["payload"]["event"], "payment-success");
    }
}
