//! `Idempotency-Key` for session creates, as one strongly consistent slot per key (kept by a
//! Durable Object): the first request claims it, concurrent twins wait for nothing and get 409,
//! later ones get the first reply replayed. Same key with another body is 409 too.

use crate::error::ApiError;
use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};

/// Replies are replayed for this long (SPEC §3), then the key is free again.
pub const WINDOW_SECS: u64 = 24 * 3600;
/// A claim whose request never finished (its worker died) frees the key after this.
pub const CLAIM_SECS: u64 = 30;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredReply {
    pub status: u16,
    /// The JSON text sent the first time, replayed byte for byte.
    pub body: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IdemSlot {
    pub body_hash: Option<String>,
    pub created_at: u64,
    pub in_flight_until: Option<u64>,
    pub reply: Option<StoredReply>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Begin {
    /// Go ahead, then `finish` (or `abort` on failure).
    Fresh,
    Replay(StoredReply),
    /// The key was used with another body.
    KeyReused,
    /// The first request with this key has not finished yet.
    InProgress,
}

impl Begin {
    /// The 409 a refused begin answers with (typed across the Durable Object boundary).
    pub fn error(&self) -> Option<ApiError> {
        match self {
            Begin::KeyReused => Some(ApiError::Conflict {
                detail: "This Idempotency-Key was already used with a different request body."
                    .into(),
                code: ErrorCode::IdempotencyKeyReused,
            }),
            Begin::InProgress => Some(ApiError::Conflict {
                detail: "A request with this Idempotency-Key is still in progress; retry shortly."
                    .into(),
                code: ErrorCode::IdempotencyInProgress,
            }),
            Begin::Fresh | Begin::Replay(_) => None,
        }
    }
}

impl IdemSlot {
    pub fn begin(&mut self, body_hash: &str, now: u64) -> Begin {
        let expired = self.body_hash.is_some() && now >= self.created_at + WINDOW_SECS;
        let abandoned = self.reply.is_none() && self.in_flight_until.is_some_and(|t| now >= t);
        if expired || abandoned {
            *self = IdemSlot::default();
        }
        match &self.body_hash {
            Some(h) if h != body_hash => Begin::KeyReused,
            Some(_) => match &self.reply {
                Some(r) => Begin::Replay(r.clone()),
                None => Begin::InProgress,
            },
            None => {
                self.body_hash = Some(body_hash.to_string());
                self.created_at = now;
                self.in_flight_until = Some(now + CLAIM_SECS);
                Begin::Fresh
            }
        }
    }

    pub fn finish(&mut self, reply: StoredReply) {
        self.in_flight_until = None;
        self.reply = Some(reply);
    }

    /// The claimed request failed (validation, storage): the key is free for a corrected retry.
    pub fn abort(&mut self) {
        *self = IdemSlot::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply() -> StoredReply {
        StoredReply {
            status: 201,
            body: "{}".into(),
        }
    }

    #[test]
    fn first_claims_twin_waits_then_replays() {
        let mut s = IdemSlot::default();
        assert_eq!(s.begin("h", 10), Begin::Fresh);
        let twin = s.begin("h", 11).error().unwrap();
        assert_eq!(twin.body()["error_code"], "idempotency_in_progress");
        s.finish(reply());
        assert_eq!(s.begin("h", 12), Begin::Replay(reply()));
        let other = s.begin("other", 13).error().unwrap();
        assert_eq!(other.body()["error_code"], "idempotency_key_reused");
    }

    #[test]
    fn abandoned_or_aborted_claims_free_the_key() {
        let mut s = IdemSlot::default();
        s.begin("h", 10);
        assert_eq!(s.begin("other", 10 + CLAIM_SECS), Begin::Fresh);
        s.abort();
        assert_eq!(s.begin("third", 50), Begin::Fresh);
    }

    #[test]
    fn the_window_ends_after_a_day() {
        let mut s = IdemSlot::default();
        s.begin("h", 0);
        s.finish(reply());
        assert_eq!(s.begin("other", WINDOW_SECS), Begin::Fresh);
    }
}
