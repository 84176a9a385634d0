//! An account's API keys as its strongly consistent registry holds them: created, rolled (the
//! old key keeps working until a chosen expiry), revoked, last used. The worker keeps one
//! registry per account in a Durable Object; KV only maps a key's hash to its account.
//! Sans-I/O: every operation takes `now` (unix seconds).

use crate::auth::Environment;
use crate::error::{ApiError, ErrorCode};
use serde::{Deserialize, Serialize};

/// Longest overlap a roll may leave the old key working (as Stripe allows: 7 days).
pub const MAX_ROLL_EXPIRY_SECS: u64 = 7 * 24 * 3600;
/// How long the worker may trust a verdict it memoized, in milliseconds. Revocation must hold
/// everywhere within 5 s; 3 s leaves room for the registry's round trip and clock skew.
pub const VERDICT_TTL_MS: u64 = 3_000;
/// `last_used_at` is written at most this often per key (it is only a hint to the merchant).
pub const LAST_USED_GRANULARITY_SECS: u64 = 60;
pub const MAX_NAME_CHARS: usize = 100;
/// Revoked or expired keys stay listed this long, then are dropped (keeps the registry small).
pub const KEEP_DEAD_SECS: u64 = 90 * 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyEntry {
    pub key_id: String,
    pub name: String,
    pub environment: Environment,
    /// The last four characters of the key: enough to tell keys apart in a list.
    pub last4: String,
    pub created_at: u64,
    #[serde(default)]
    pub last_used_at: Option<u64>,
    /// Set by a roll: the key stops working at this time.
    #[serde(default)]
    pub expires_at: Option<u64>,
    #[serde(default)]
    pub revoked_at: Option<u64>,
    /// The key that replaced this one in a roll.
    #[serde(default)]
    pub rolled_to: Option<String>,
}

impl KeyEntry {
    /// The record of a freshly made key `key` (its plaintext is not kept).
    pub fn new(
        key_id: String,
        name: String,
        environment: Environment,
        key: &str,
        now: u64,
    ) -> Self {
        let last4 = key
            .get(key.len().saturating_sub(4)..)
            .unwrap_or_default()
            .to_string();
        KeyEntry {
            key_id,
            name,
            environment,
            last4,
            created_at: now,
            last_used_at: None,
            expires_at: None,
            revoked_at: None,
            rolled_to: None,
        }
    }

    pub fn status(&self, now: u64) -> KeyStatus {
        if self.revoked_at.is_some() {
            KeyStatus::Revoked
        } else if self.expires_at.is_some_and(|at| now >= at) {
            KeyStatus::Expired
        } else if self.expires_at.is_some() {
            KeyStatus::Expiring
        } else {
            KeyStatus::Active
        }
    }

    /// What a list shows: everything but the secret (which is not here anyway).
    pub fn view(&self, now: u64) -> KeyView {
        KeyView {
            key_id: self.key_id.clone(),
            name: self.name.clone(),
            environment: self.environment,
            prefix: format!("mvn_{}_", self.environment.as_str()),
            last4: self.last4.clone(),
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
            rolled_to: self.rolled_to.clone(),
            status: self.status(now),
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    Active,
    /// Rolled: still works until `expires_at`.
    Expiring,
    Expired,
    Revoked,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyView {
    pub key_id: String,
    pub name: String,
    pub environment: Environment,
    /// `mvn_test_` or `mvn_live_`.
    pub prefix: String,
    pub last4: String,
    pub created_at: u64,
    pub last_used_at: Option<u64>,
    pub expires_at: Option<u64>,
    pub revoked_at: Option<u64>,
    pub rolled_to: Option<String>,
    pub status: KeyStatus,
}

/// The registry's answer for a presented key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// Works; a rolled key only until `expires_at`, which a memoized verdict must still honour.
    Active {
        expires_at: Option<u64>,
    },
    Revoked,
    Expired,
    Unknown,
}

impl Verdict {
    /// Whether a verdict given earlier still lets a request through at `now`.
    pub fn allows(self, now: u64) -> bool {
        matches!(self, Verdict::Active { expires_at } if expires_at.is_none_or(|at| now < at))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRing {
    pub keys: Vec<KeyEntry>,
}

fn not_found() -> ApiError {
    ApiError::not_found("API key")
}

impl KeyRing {
    /// Adds a key, dropping keys dead (revoked or expired) for more than `KEEP_DEAD_SECS`.
    pub fn add(&mut self, entry: KeyEntry) {
        let now = entry.created_at;
        self.keys.retain(|k| {
            let dead_since = k.revoked_at.or(k.expires_at.filter(|at| *at <= now));
            dead_since.is_none_or(|at| now < at + KEEP_DEAD_SECS)
        });
        self.keys.push(entry);
    }

    fn find_mut(&mut self, key_id: &str) -> Result<&mut KeyEntry, ApiError> {
        self.keys
            .iter_mut()
            .find(|k| k.key_id == key_id)
            .ok_or_else(not_found)
    }

    /// Stops a key at once. Revoking a revoked key changes nothing (the first time stays).
    pub fn revoke(&mut self, key_id: &str, now: u64) -> Result<KeyEntry, ApiError> {
        let k = self.find_mut(key_id)?;
        k.revoked_at.get_or_insert(now);
        Ok(k.clone())
    }

    /// Replaces `key_id` with `new` (same name and environment); the old key works for
    /// `expires_in` more seconds (0 = stops now). A key already revoked, expired or rolled
    /// cannot be rolled again: roll its successor.
    pub fn roll(
        &mut self,
        key_id: &str,
        mut new: KeyEntry,
        expires_in: u64,
        now: u64,
    ) -> Result<(KeyEntry, KeyEntry), ApiError> {
        if expires_in > MAX_ROLL_EXPIRY_SECS {
            return Err(ApiError::BadRequest {
                detail: format!("expires_in_secs is at most {MAX_ROLL_EXPIRY_SECS} (7 days)"),
                code: ErrorCode::InvalidRequest,
            });
        }
        let old = self.find_mut(key_id)?;
        if old.status(now) != KeyStatus::Active || old.rolled_to.is_some() {
            return Err(ApiError::Conflict {
                detail: "This key was already revoked, rolled or has expired; roll an active key."
                    .into(),
                code: ErrorCode::KeyNotActive,
            });
        }
        old.expires_at = Some(now + expires_in);
        old.rolled_to = Some(new.key_id.clone());
        let old = old.clone();
        new.name = old.name.clone();
        new.environment = old.environment;
        self.keys.push(new.clone());
        Ok((old, new))
    }

    /// Whether `key_id` works at `now`; records the use (to the minute) when it does.
    /// Returns whether the ring changed (so the caller knows to persist it).
    pub fn check(&mut self, key_id: &str, now: u64) -> (Verdict, bool) {
        let Some(k) = self.keys.iter_mut().find(|k| k.key_id == key_id) else {
            return (Verdict::Unknown, false);
        };
        let verdict = match k.status(now) {
            KeyStatus::Revoked => Verdict::Revoked,
            KeyStatus::Expired => Verdict::Expired,
            KeyStatus::Active | KeyStatus::Expiring => Verdict::Active {
                expires_at: k.expires_at,
            },
        };
        let stale = k
            .last_used_at
            .is_none_or(|at| now >= at + LAST_USED_GRANULARITY_SECS);
        let touched = matches!(verdict, Verdict::Active { .. }) && stale;
        if touched {
            k.last_used_at = Some(now);
        }
        (verdict, touched)
    }

    /// Newest first.
    pub fn list(&self, now: u64) -> Vec<KeyView> {
        self.keys.iter().rev().map(|k| k.view(now)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_800_000_000;

    fn entry(id: &str) -> KeyEntry {
        KeyEntry::new(
            id.into(),
            "Server".into(),
            Environment::Test,
            "mvn_test_abcdefghijklmnopqrstWXYZ",
            T0,
        )
    }

    #[test]
    fn new_entry_keeps_only_the_last_four() {
        let e = entry("k1");
        assert_eq!(e.last4, "WXYZ");
        let v = e.view(T0);
        assert_eq!(v.prefix, "mvn_test_");
        assert_eq!(v.status, KeyStatus::Active);
        assert!(!serde_json::to_string(&v).unwrap().contains("abcdefgh"));
    }

    #[test]
    fn revoke_stops_the_key_and_keeps_the_first_time() {
        let mut ring = KeyRing::default();
        ring.add(entry("k1"));
        assert!(ring.check("k1", T0).0.allows(T0));
        ring.revoke("k1", T0 + 10).unwrap();
        ring.revoke("k1", T0 + 20).unwrap();
        assert_eq!(ring.check("k1", T0 + 30).0, Verdict::Revoked);
        assert_eq!(ring.keys[0].revoked_at, Some(T0 + 10));
        assert_eq!(
            ring.revoke("nope", T0).unwrap_err(),
            ApiError::NotFound("API key not found".into())
        );
    }

    #[test]
    fn roll_keeps_the_old_key_until_its_expiry() {
        let mut ring = KeyRing::default();
        ring.add(entry("old"));
        let mut new = entry("new");
        new.name = "ignored".into();
        let (old, new) = ring.roll("old", new, 3600, T0 + 5).unwrap();
        assert_eq!(old.expires_at, Some(T0 + 3605));
        assert_eq!(old.rolled_to.as_deref(), Some("new"));
        assert_eq!(new.name, "Server", "the successor keeps the name");
        let (v, _) = ring.check("old", T0 + 3604);
        assert_eq!(
            v,
            Verdict::Active {
                expires_at: Some(T0 + 3605)
            }
        );
        assert!(v.allows(T0 + 3604));
        assert!(
            !v.allows(T0 + 3605),
            "a memoized verdict honours the expiry"
        );
        assert_eq!(ring.check("old", T0 + 3605).0, Verdict::Expired);
        assert!(ring.check("new", T0 + 9999).0.allows(T0 + 9999));
        assert_eq!(ring.list(T0 + 10)[0].key_id, "new", "newest first");
        assert_eq!(ring.list(T0 + 10)[1].status, KeyStatus::Expiring);
    }

    #[test]
    fn roll_refuses_inactive_keys_and_long_overlaps() {
        let mut ring = KeyRing::default();
        ring.add(entry("a"));
        let e = ring
            .roll("a", entry("b"), MAX_ROLL_EXPIRY_SECS + 1, T0)
            .unwrap_err();
        assert_eq!(e.status(), 400);
        ring.roll("a", entry("b"), 0, T0).unwrap();
        assert_eq!(ring.check("a", T0).0, Verdict::Expired, "0 = stops now");
        let e = ring.roll("a", entry("c"), 60, T0).unwrap_err();
        assert_eq!(e.status(), 409);
        ring.revoke("b", T0).unwrap();
        assert_eq!(
            ring.roll("b", entry("d"), 60, T0).unwrap_err().status(),
            409
        );
        assert_eq!(ring.check("zzz", T0), (Verdict::Unknown, false));
    }

    #[test]
    fn last_used_is_written_at_most_once_a_minute() {
        let mut ring = KeyRing::default();
        ring.add(entry("k"));
        assert!(ring.check("k", T0).1);
        assert!(!ring.check("k", T0 + 59).1);
        assert_eq!(ring.keys[0].last_used_at, Some(T0));
        assert!(ring.check("k", T0 + 60).1);
        ring.revoke("k", T0 + 61).unwrap();
        assert!(
            !ring.check("k", T0 + 200).1,
            "refused uses are not recorded"
        );
    }

    #[test]
    fn long_dead_keys_are_dropped_when_a_key_is_added() {
        let mut ring = KeyRing::default();
        ring.add(entry("revoked"));
        ring.add(entry("rolled"));
        ring.add(entry("live"));
        ring.revoke("revoked", T0).unwrap();
        ring.roll("rolled", entry("next"), 0, T0).unwrap();
        let mut late = entry("late");
        late.created_at = T0 + KEEP_DEAD_SECS - 1;
        ring.add(late);
        assert_eq!(ring.keys.len(), 5, "still within the window");
        let mut later = entry("later");
        later.created_at = T0 + KEEP_DEAD_SECS;
        ring.add(later);
        let ids: Vec<_> = ring.keys.iter().map(|k| k.key_id.as_str()).collect();
        assert_eq!(ids, ["live", "next", "late", "later"]);
    }

    #[test]
    fn verdicts_serialize_tagged() {
        let v = serde_json::to_value(Verdict::Active { expires_at: None }).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"verdict": "active", "expires_at": null})
        );
        let back: Verdict =
            serde_json::from_value(serde_json::json!({"verdict": "revoked"})).unwrap();
        assert_eq!(back, Verdict::Revoked);
    }
}
