//! The per-session charge state machine, owned by the session's Durable Object:
//! pending → processing → succeeded / authorized / tokenized, or → failed after 3 declines.
//! One claim at a time (a lease), and an unknown gateway outcome keeps the same attempt number
//! with `recovering` set, so the retry reuses the idempotency keys and never charges twice.

use crate::error::{ApiError, DeclineCode, FieldError};
use crate::gateway::Outcome;
use crate::session::{ChargeResult, MAX_ATTEMPTS};
use serde::{Deserialize, Serialize};

/// How long a claim may stay in flight before another submit may take over (the worker that
/// held it died): longer than the whole gateway flow (4 calls × 10 s timeout).
pub const LEASE_SECS: u64 = 60;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChargeState {
    /// The attempt the next claim will use (1-based once claimed).
    pub attempt: u32,
    pub declines: u32,
    /// The last try of `attempt` ended without a known outcome.
    pub recovering: bool,
    /// Keyed hash of the card used by the unresolved attempt (never the number itself).
    pub fingerprint: Option<String>,
    /// Unix time until which a claim is in flight.
    pub in_flight_until: Option<u64>,
    pub result: Option<ChargeResult>,
}

/// Permission to call the gateway once, for this attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    pub attempt: u32,
    pub recovering: bool,
}

/// What a finished gateway flow means for the customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finished {
    Approved(ChargeResult),
    Declined {
        code: DeclineCode,
        attempts_left: u32,
    },
    Unavailable {
        reason: String,
    },
}

impl Finished {
    /// The error a declined or unavailable finish answers with.
    pub fn error(&self) -> Option<ApiError> {
        match self {
            Finished::Approved(_) => None,
            Finished::Declined {
                code,
                attempts_left,
            } => Some(ApiError::Declined {
                code: *code,
                attempts_left: *attempts_left,
            }),
            Finished::Unavailable { .. } => Some(ApiError::GatewayUnavailable(
                "The payment processor is unavailable. Your card was not charged twice; try again."
                    .into(),
            )),
        }
    }
}

/// The answer to another card while an earlier attempt's outcome is unknown. That attempt may
/// have charged its card (a timeout after the gateway took the money), and only the same card
/// can find out through the same idempotency keys, order id or duplicate check; a new attempt
/// with another card could charge the session twice. A 422 on the card number, so the form
/// shows it at the field.
pub fn other_card_error() -> ApiError {
    ApiError::validation(vec![FieldError::new(
        vec!["body".into(), "card".into(), "number".into()],
        "value_error",
        "We could not confirm your earlier payment attempt yet. To make sure you are not \
         charged twice, enter the same card again.",
    )])
}

impl ChargeState {
    pub fn is_failed(&self) -> bool {
        self.declines >= MAX_ATTEMPTS
    }

    /// Takes the session for one gateway flow, or says why not.
    pub fn claim(&mut self, now: u64, fingerprint: &str) -> Result<Claim, ApiError> {
        if self.result.is_some() {
            return Err(ApiError::Conflict {
                detail: "This payment session is already completed.".into(),
                code: "already_completed",
            });
        }
        if self.is_failed() {
            return Err(ApiError::TooManyAttempts);
        }
        if self.in_flight_until.is_some_and(|t| now < t) {
            return Err(ApiError::Conflict {
                detail: "A payment for this session is already in progress.".into(),
                code: "in_progress",
            });
        }
        if self.in_flight_until.take().is_some() {
            // The previous holder never finished: its outcome is unknown.
            self.recovering = true;
        }
        if self.attempt == 0 {
            self.attempt = 1;
        }
        if self.recovering && self.fingerprint.as_deref() != Some(fingerprint) {
            // Nothing changes: the unresolved attempt stays recoverable with its own card.
            return Err(other_card_error());
        }
        self.fingerprint = Some(fingerprint.to_string());
        self.in_flight_until = Some(now + LEASE_SECS);
        Ok(Claim {
            attempt: self.attempt,
            recovering: self.recovering,
        })
    }

    /// Records the outcome of the flow started by the claim for `attempt`.
    pub fn finish(&mut self, attempt: u32, outcome: &Outcome) -> Result<Finished, ApiError> {
        if attempt != self.attempt || self.in_flight_until.is_none() {
            return Err(ApiError::Conflict {
                detail: "This payment attempt is no longer current.".into(),
                code: "stale_attempt",
            });
        }
        self.in_flight_until = None;
        Ok(match outcome {
            Outcome::Approved {
                status,
                transaction_id,
                token,
                card_brand,
                card_last4,
            } => {
                let result = ChargeResult {
                    status: *status,
                    transaction_id: transaction_id.clone(),
                    token: token.clone(),
                    card_brand: card_brand.as_str().into(),
                    card_last4: card_last4.clone(),
                };
                self.result = Some(result.clone());
                self.recovering = false;
                self.fingerprint = None;
                Finished::Approved(result)
            }
            Outcome::Declined { code, .. } => {
                self.declines += 1;
                self.attempt += 1;
                self.recovering = false;
                self.fingerprint = None;
                Finished::Declined {
                    code: *code,
                    attempts_left: MAX_ATTEMPTS.saturating_sub(self.declines),
                }
            }
            // Rewritten with the Durable Object's commit (money-safety work in progress).
            Outcome::Rejected(reason) | Outcome::Mismatch { detail: reason, .. } => {
                self.attempt += 1;
                self.recovering = false;
                self.fingerprint = None;
                Finished::Unavailable {
                    reason: reason.clone(),
                }
            }
            Outcome::Unavailable(reason) => {
                self.recovering = true;
                Finished::Unavailable {
                    reason: reason.clone(),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::Brand;
    use crate::gateway::ApprovedStatus;

    fn approved() -> Outcome {
        Outcome::Approved {
            status: ApprovedStatus::Succeeded,
            transaction_id: "pi_1".into(),
            token: None,
            card_brand: Brand::Visa,
            card_last4: "4242".into(),
        }
    }

    fn declined() -> Outcome {
        Outcome::Declined {
            code: DeclineCode::CardDeclined,
            message: "no".into(),
        }
    }

    #[test]
    fn one_claim_at_a_time_then_completed() {
        let mut s = ChargeState::default();
        let c = s.claim(100, "fp").unwrap();
        assert_eq!(
            c,
            Claim {
                attempt: 1,
                recovering: false
            }
        );
        assert_eq!(s.claim(101, "fp").unwrap_err().status(), 409);
        assert!(matches!(
            s.finish(1, &approved()).unwrap(),
            Finished::Approved(_)
        ));
        let e = s.claim(102, "fp").unwrap_err();
        assert_eq!(e.body()["error_code"], "already_completed");
    }

    #[test]
    fn three_declines_then_429() {
        let mut s = ChargeState::default();
        for left in [2, 1, 0] {
            let c = s.claim(1, "fp").unwrap();
            match s.finish(c.attempt, &declined()).unwrap() {
                Finished::Declined { attempts_left, .. } => assert_eq!(attempts_left, left),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(s.claim(2, "fp").unwrap_err().status(), 429);
    }

    #[test]
    fn unknown_outcome_retries_the_same_attempt() {
        let mut s = ChargeState::default();
        let c = s.claim(1, "fp").unwrap();
        s.finish(c.attempt, &Outcome::Unavailable("timeout".into()))
            .unwrap();
        let again = s.claim(2, "fp").unwrap();
        assert_eq!(
            again,
            Claim {
                attempt: 1,
                recovering: true
            }
        );
        // Another card is refused while the outcome is unknown: the first try may have
        // charged, and a new attempt would charge the session a second time.
        s.finish(again.attempt, &Outcome::Unavailable("x".into()))
            .unwrap();
        let refused = s.claim(3, "other-card").unwrap_err();
        assert_eq!(refused.status(), 422);
        assert_eq!(
            refused.body()["detail"][0]["loc"],
            serde_json::json!(["body", "card", "number"])
        );
        // ...and leaves the state as it was: the same card still recovers attempt 1.
        assert_eq!(
            s.claim(4, "fp").unwrap(),
            Claim {
                attempt: 1,
                recovering: true
            }
        );
        // Once resolved (here: declined), any card may start the next attempt.
        s.finish(1, &declined()).unwrap();
        assert_eq!(
            s.claim(5, "other-card").unwrap(),
            Claim {
                attempt: 2,
                recovering: false
            }
        );
    }

    #[test]
    fn an_abandoned_claim_expires_into_recovery() {
        let mut s = ChargeState::default();
        s.claim(10, "fp").unwrap();
        assert_eq!(
            s.claim(10 + LEASE_SECS - 1, "fp").unwrap_err().status(),
            409
        );
        let c = s.claim(10 + LEASE_SECS, "fp").unwrap();
        assert_eq!(
            c,
            Claim {
                attempt: 1,
                recovering: true
            }
        );
        // The abandoned holder cannot finish over the new one... but the same attempt can.
        assert!(s.finish(1, &approved()).is_ok());
        assert!(s.finish(1, &approved()).is_err());
    }
}

/// Keyed hash identifying a card within one session, so a retry can tell "same card" from
/// "another card" without storing the number. `key` is a server secret.
pub fn card_fingerprint(key: &[u8], session_id: &str, number: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = match Hmac::<sha2::Sha256>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(session_id.as_bytes());
    mac.update(b":");
    mac.update(number.as_bytes());
    crate::auth::hex(&mac.finalize().into_bytes())
}

#[cfg(test)]
mod fingerprint_tests {
    use super::card_fingerprint;

    #[test]
    fn keyed_and_per_session() {
        let a = card_fingerprint(b"k1", "s1", "4242424242424242");
        assert_eq!(a.len(), 64);
        assert!(!a.contains("4242424242"));
        assert_eq!(a, card_fingerprint(b"k1", "s1", "4242424242424242"));
        assert_ne!(a, card_fingerprint(b"k2", "s1", "4242424242424242"));
        assert_ne!(a, card_fingerprint(b"k1", "s2", "4242424242424242"));
    }
}
