//! Merchant users of one account: invites (one-time links), password sign-in with throttling
//! and temporary lockout, dashboard sessions with their CSRF token, roles. Sans-I/O: the worker
//! hashes passwords (PBKDF2-SHA256 through WebCrypto) and keeps a `Team` per account in a
//! Durable Object; every method takes `now` (unix seconds) and hashes of tokens, never tokens.

use crate::crypto::constant_time_eq;
use crate::error::{ApiError, ErrorCode};
use serde::{Deserialize, Serialize};

/// OWASP Password Storage Cheat Sheet: PBKDF2-HMAC-SHA256 at 600,000 iterations.
pub const PBKDF2_ITERATIONS: u32 = 600_000;
pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Five wrong passwords within 15 minutes lock the user out for 15 minutes.
pub const MAX_FAILURES: usize = 5;
pub const FAILURE_WINDOW_SECS: u64 = 15 * 60;
pub const LOCKOUT_SECS: u64 = 15 * 60;
pub const SESSION_SECS: u64 = 12 * 3600;
pub const INVITE_SECS: u64 = 7 * 24 * 3600;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything.
    Owner,
    /// No API keys, gateway credentials or webhook secrets.
    Member,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "owner" => Some(Role::Owner),
            "member" => Some(Role::Member),
            _ => None,
        }
    }
}

/// A stored password: PBKDF2-HMAC-SHA256, hex salt and derived key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordHash {
    pub iterations: u32,
    pub salt: String,
    pub hash: String,
}

impl PasswordHash {
    pub fn matches(&self, derived_hex: &str) -> bool {
        constant_time_eq(self.hash.as_bytes(), derived_hex.as_bytes())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password: PasswordHash,
    pub created_at: u64,
    /// Times of recent wrong passwords (within `FAILURE_WINDOW_SECS`).
    #[serde(default)]
    pub failures: Vec<u64>,
    #[serde(default)]
    pub locked_until: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    pub token_hash: String,
    pub email: String,
    pub role: Role,
    pub expires_at: u64,
    /// Who sent it: `operator` or a user id.
    pub invited_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub token_hash: String,
    pub user_id: String,
    /// Sent back in `X-CSRF-Token` on every state change.
    pub csrf: String,
    pub expires_at: u64,
}

/// What a signed-in request knows about its caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub csrf_token: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub created_at: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub users: Vec<User>,
    pub invites: Vec<Invite>,
    pub sessions: Vec<Session>,
}

/// Lower-cased and trimmed; `None` unless it looks like `local@domain.tld` (254 chars at most).
pub fn normalize_email(s: &str) -> Option<String> {
    let e = s.trim().to_ascii_lowercase();
    let (local, domain) = e.split_once('@')?;
    let ok = e.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !e.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then_some(e)
}

/// The rule a new password must meet (length only, as NIST SP 800-63B advises).
pub fn password_problem(p: &str) -> Option<String> {
    let n = p.chars().count();
    (!(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&n))
        .then(|| format!("Use {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters."))
}

pub fn wrong_credentials() -> ApiError {
    ApiError::Unauthorized("Incorrect e-mail or password.".into())
}

pub fn locked(retry_after: u64) -> ApiError {
    ApiError::RateLimited {
        detail: format!(
            "Too many wrong passwords. Try again in {} minutes.",
            retry_after.div_ceil(60)
        ),
        code: ErrorCode::AccountLocked,
        retry_after,
    }
}

impl User {
    /// `Err(seconds to wait)` while locked.
    pub fn check_lock(&self, now: u64) -> Result<(), u64> {
        match self.locked_until {
            Some(t) if now < t => Err(t - now),
            _ => Ok(()),
        }
    }

    /// Counts a wrong password (callers count it *before* hashing, so concurrent attempts
    /// cannot slip past the limit); the `MAX_FAILURES`th within the window locks.
    pub fn record_failure(&mut self, now: u64) {
        self.failures
            .retain(|t| now < t + FAILURE_WINDOW_SECS && *t <= now);
        self.failures.push(now);
        if self.failures.len() >= MAX_FAILURES {
            self.locked_until = Some(now + LOCKOUT_SECS);
            self.failures.clear();
        }
    }

    /// The right password: the count starts over (and the lock its own pessimistic count may
    /// just have set is lifted; a lock that was already on was checked before hashing).
    pub fn record_success(&mut self) {
        self.failures.clear();
        self.locked_until = None;
    }

    pub fn view(&self) -> MemberView {
        MemberView {
            user_id: self.user_id.clone(),
            email: self.email.clone(),
            name: self.name.clone(),
            role: self.role,
            created_at: self.created_at,
        }
    }
}

impl Team {
    fn prune(&mut self, now: u64) {
        self.sessions.retain(|s| now < s.expires_at);
        self.invites.retain(|i| now < i.expires_at);
    }

    pub fn user_by_email(&mut self, email: &str) -> Option<&mut User> {
        self.users.iter_mut().find(|u| u.email == email)
    }

    /// A new invite (a newer one for the same address replaces it).
    pub fn invite(&mut self, inv: Invite, now: u64) -> Result<(), ApiError> {
        self.prune(now);
        if self.users.iter().any(|u| u.email == inv.email) {
            return Err(ApiError::Conflict {
                detail: "This e-mail address already belongs to a user of this account.".into(),
                code: ErrorCode::AlreadyMember,
            });
        }
        self.invites.retain(|i| i.email != inv.email);
        self.invites.push(inv);
        Ok(())
    }

    /// Uses up an invite: the user it creates (its password already hashed).
    pub fn accept(
        &mut self,
        token_hash: &str,
        user_id: String,
        name: String,
        password: PasswordHash,
        now: u64,
    ) -> Result<User, ApiError> {
        self.prune(now);
        let i = self
            .invites
            .iter()
            .position(|i| constant_time_eq(i.token_hash.as_bytes(), token_hash.as_bytes()))
            .ok_or_else(|| {
                ApiError::NotFound("This invite link is invalid, used or expired.".into())
            })?;
        let inv = self.invites.remove(i);
        if self.users.iter().any(|u| u.email == inv.email) {
            return Err(ApiError::Conflict {
                detail: "This e-mail address already belongs to a user of this account.".into(),
                code: ErrorCode::AlreadyMember,
            });
        }
        let user = User {
            user_id,
            email: inv.email,
            name,
            role: inv.role,
            password,
            created_at: now,
            failures: vec![],
            locked_until: None,
        };
        self.users.push(user.clone());
        Ok(user)
    }

    pub fn start_session(&mut self, s: Session, now: u64) {
        self.prune(now);
        self.sessions.push(s);
    }

    /// The caller behind a session cookie, while the session lasts.
    pub fn me(&self, token_hash: &str, now: u64) -> Option<Me> {
        let s = self.sessions.iter().find(|s| {
            now < s.expires_at && constant_time_eq(s.token_hash.as_bytes(), token_hash.as_bytes())
        })?;
        let u = self.users.iter().find(|u| u.user_id == s.user_id)?;
        Some(Me {
            user_id: u.user_id.clone(),
            email: u.email.clone(),
            name: u.name.clone(),
            role: u.role,
            csrf_token: s.csrf.clone(),
        })
    }

    pub fn end_session(&mut self, token_hash: &str) {
        self.sessions.retain(|s| s.token_hash != token_hash);
    }

    /// Signs the user out of every browser; the number of sessions ended.
    pub fn end_all_sessions(&mut self, user_id: &str) -> usize {
        let before = self.sessions.len();
        self.sessions.retain(|s| s.user_id != user_id);
        before - self.sessions.len()
    }

    pub fn members(&self) -> Vec<MemberView> {
        self.users.iter().map(User::view).collect()
    }
}

/// Owners only: keys, credentials, webhook secrets, invites.
pub fn require_owner(me: &Me) -> Result<(), ApiError> {
    if me.role == Role::Owner {
        Ok(())
    } else {
        Err(ApiError::Forbidden {
            detail: "Only an owner of this account can do this.".into(),
            code: ErrorCode::OwnerRequired,
        })
    }
}

#[cfg(test)]
mod tests;
