//! Form tokens: the card form page (`GET /widget/{session_id}`) is served with a short-lived
//! token bound to its session, and the charge endpoint takes only requests that carry it
//! (header `Maven-Form-Token`). The token is `<expiry>.<mac>`: the expiry in Unix seconds and
//! HMAC-SHA256, in hex, of the session id and that expiry under the `FormToken` subkey of
//! `CREDENTIALS_KEY`. Nothing is stored: any edge with the key can check it.

use crate::crypto::{constant_time_eq, hmac_hex};
use crate::error::{ApiError, ErrorCode};

/// The header the form sends the token in.
pub const HEADER: &str = "maven-form-token";

/// How long a token is good for at most; never past its session's `expires_at`.
pub const TTL_SECS: u64 = 30 * 60;

/// Longest token accepted before any work is done (20 digits, a dot, 64 hex digits).
const MAX_LEN: usize = 20 + 1 + 64;

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormTokenError {
    Missing,
    /// Malformed, forged, tampered with, or issued for another session.
    Invalid,
    /// Authentic, but past its expiry.
    Expired,
}

impl From<FormTokenError> for ApiError {
    fn from(e: FormTokenError) -> Self {
        let (detail, code) = match e {
            FormTokenError::Missing => (
                "Charges are accepted only from the payment form (Maven-Form-Token header is missing).",
                ErrorCode::FormTokenMissing,
            ),
            FormTokenError::Invalid => (
                "The payment form's token is not valid for this session.",
                ErrorCode::FormTokenInvalid,
            ),
            FormTokenError::Expired => (
                "This payment form has expired. Reload it to pay.",
                ErrorCode::FormTokenExpired,
            ),
        };
        ApiError::Forbidden {
            detail: detail.into(),
            code,
        }
    }
}

fn mac(key: &[u8], session_id: &str, expires: u64) -> String {
    hmac_hex(
        key,
        format!("form-token/v1\n{session_id}\n{expires}").as_bytes(),
    )
}

/// The token for the form page of `session_id`, served at `now`: good for `TTL_SECS`, or until
/// the session expires if that is sooner. `key` is `subkey(master, Purpose::FormToken)`.
pub fn issue(key: &[u8], session_id: &str, now: u64, session_expires_at: u64) -> String {
    let expires = now.saturating_add(TTL_SECS).min(session_expires_at);
    format!("{expires}.{}", mac(key, session_id, expires))
}

/// Checks a token for `session_id` at `now`. The MAC is checked (in constant time) before the
/// expiry, so only an authentic token is ever told it expired.
pub fn verify(
    key: &[u8],
    session_id: &str,
    token: Option<&str>,
    now: u64,
) -> Result<(), FormTokenError> {
    let token = token.map(str::trim).filter(|t| !t.is_empty());
    let token = token.ok_or(FormTokenError::Missing)?;
    if token.len() > MAX_LEN {
        return Err(FormTokenError::Invalid);
    }
    let (expires, given) = token.split_once('.').ok_or(FormTokenError::Invalid)?;
    if expires.is_empty() || !expires.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FormTokenError::Invalid);
    }
    let expires: u64 = expires.parse().map_err(|_| FormTokenError::Invalid)?;
    let expected = mac(key, session_id, expires);
    if !constant_time_eq(expected.as_bytes(), given.as_bytes()) {
        return Err(FormTokenError::Invalid);
    }
    if now >= expires {
        return Err(FormTokenError::Expired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{subkey, Purpose};

    const SID: &str = "0b6f1c1e-8a4b-4c55-9d1e-3f2a7b9c0d11";
    const OTHER: &str = "7d2e9f30-1c4b-4a8e-b6f1-0e5d3c2b1a90";
    const NOW: u64 = 1_800_000_000;

    fn key() -> [u8; 32] {
        subkey(&[7u8; 32], Purpose::FormToken)
    }

    #[test]
    fn a_fresh_token_is_valid_for_its_session() {
        let t = issue(&key(), SID, NOW, NOW + 3600);
        assert_eq!(verify(&key(), SID, Some(&t), NOW), Ok(()));
        assert_eq!(verify(&key(), SID, Some(&t), NOW + TTL_SECS - 1), Ok(()));
        // Surrounding whitespace from a header is ignored.
        assert_eq!(verify(&key(), SID, Some(&format!(" {t} ")), NOW), Ok(()));
    }

    #[test]
    fn expiry_is_capped_by_the_session() {
        let t = issue(&key(), SID, NOW, NOW + 60);
        assert!(t.starts_with(&format!("{}.", NOW + 60)));
        assert_eq!(verify(&key(), SID, Some(&t), NOW + 59), Ok(()));
        assert_eq!(
            verify(&key(), SID, Some(&t), NOW + 60),
            Err(FormTokenError::Expired)
        );
    }

    #[test]
    fn an_old_token_is_expired() {
        let t = issue(&key(), SID, NOW, NOW + 3600);
        assert_eq!(
            verify(&key(), SID, Some(&t), NOW + TTL_SECS),
            Err(FormTokenError::Expired)
        );
    }

    #[test]
    fn another_sessions_token_is_invalid() {
        let t = issue(&key(), OTHER, NOW, NOW + 3600);
        assert_eq!(
            verify(&key(), SID, Some(&t), NOW),
            Err(FormTokenError::Invalid)
        );
    }

    #[test]
    fn another_keys_token_is_invalid() {
        let other = subkey(&[8u8; 32], Purpose::FormToken);
        let t = issue(&other, SID, NOW, NOW + 3600);
        assert_eq!(
            verify(&key(), SID, Some(&t), NOW),
            Err(FormTokenError::Invalid)
        );
        // Nor does a token keyed with another purpose's subkey pass.
        let seal = subkey(&[7u8; 32], Purpose::Seal);
        let t = issue(&seal, SID, NOW, NOW + 3600);
        assert_eq!(
            verify(&key(), SID, Some(&t), NOW),
            Err(FormTokenError::Invalid)
        );
    }

    #[test]
    fn tampered_tokens_are_invalid() {
        let t = issue(&key(), SID, NOW, NOW + 3600);
        let (exp, mac) = t.split_once('.').unwrap();
        // A later expiry with the original MAC.
        let later = format!("{}.{mac}", exp.parse::<u64>().unwrap() + 3600);
        // One hex digit changed.
        let mut flipped = mac.to_string().into_bytes();
        flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
        let flipped = format!("{exp}.{}", String::from_utf8(flipped).unwrap());
        let cases = [
            later,
            flipped,
            format!("{exp}.{}", &mac[..63]),
            format!("{exp}.{mac}0"),
            format!("{exp}.{}", mac.to_uppercase()),
            format!("+{exp}.{mac}"),
            format!("{exp}{mac}"),
            mac.to_string(),
            ".".into(),
            "x".repeat(10_000),
        ];
        for c in cases {
            assert_eq!(
                verify(&key(), SID, Some(&c), NOW),
                Err(FormTokenError::Invalid),
                "{c}"
            );
        }
    }

    #[test]
    fn a_missing_token_is_missing() {
        assert_eq!(verify(&key(), SID, None, NOW), Err(FormTokenError::Missing));
        assert_eq!(
            verify(&key(), SID, Some("  "), NOW),
            Err(FormTokenError::Missing)
        );
    }

    #[test]
    fn the_mac_is_compared_in_constant_time() {
        // `verify` compares through `constant_time_eq`, which looks at every byte whatever
        // the first difference: the same answer for a difference at the start and at the end.
        let t = issue(&key(), SID, NOW, NOW + 3600);
        let (_, mac) = t.split_once('.').unwrap();
        let mut first = mac.as_bytes().to_vec();
        first[0] ^= 1;
        let mut last = mac.as_bytes().to_vec();
        last[63] ^= 1;
        assert!(!constant_time_eq(mac.as_bytes(), &first));
        assert!(!constant_time_eq(mac.as_bytes(), &last));
        assert!(constant_time_eq(mac.as_bytes(), mac.as_bytes()));
    }

    #[test]
    fn refusals_are_403_with_a_code() {
        for (e, code) in [
            (FormTokenError::Missing, "form_token_missing"),
            (FormTokenError::Invalid, "form_token_invalid"),
            (FormTokenError::Expired, "form_token_expired"),
        ] {
            let api = ApiError::from(e);
            assert_eq!(api.status(), 403);
            assert_eq!(api.body()["error_code"], code);
            assert!(api.body()["detail"].is_string());
        }
    }
}
