//! API keys: `mvn_test_<random>` / `mvn_live_<random>`. The prefix is the environment; only the
//! SHA-256 of a key is stored.

use crate::error::ApiError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Test,
    Live,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Test => "test",
            Environment::Live => "live",
        }
    }

    pub fn parse(s: &str) -> Option<Environment> {
        match s {
            "test" => Some(Environment::Test),
            "live" => Some(Environment::Live),
            _ => None,
        }
    }
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

pub use crate::crypto::{constant_time_eq, hex};

/// A presented key, checked for shape only (the store decides whether it exists).
#[derive(Debug, PartialEq, Eq)]
pub struct PresentedKey {
    pub environment: Environment,
    pub hash: String,
}

const UNAUTHORIZED: &str =
    "Invalid or missing API key. Send 'Authorization: Bearer mvn_test_…' or 'mvn_live_…'.";

/// Reads `Authorization: Bearer mvn_<env>_<random>`.
pub fn parse_bearer(header: Option<&str>) -> Result<PresentedKey, ApiError> {
    let unauthorized = || ApiError::Unauthorized(UNAUTHORIZED.into());
    let token = header
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or_else(unauthorized)?;
    let (environment, rest) = if let Some(r) = token.strip_prefix("mvn_test_") {
        (Environment::Test, r)
    } else if let Some(r) = token.strip_prefix("mvn_live_") {
        (Environment::Live, r)
    } else {
        return Err(unauthorized());
    };
    if rest.len() < 16 || rest.len() > 128 || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(unauthorized());
    }
    Ok(PresentedKey {
        environment,
        hash: sha256_hex(token.as_bytes()),
    })
}

/// Builds a key from 24 random bytes (base62-ish, alphanumeric only).
pub fn new_key(environment: Environment, random: &[u8; 24]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let body: String = random
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    format!("mvn_{}_{body}", environment.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_test_and_live_keys() {
        let k = parse_bearer(Some("Bearer mvn_test_abcdefghijklmnop1234")).unwrap();
        assert_eq!(k.environment, Environment::Test);
        assert_eq!(k.hash, sha256_hex(b"mvn_test_abcdefghijklmnop1234"));
        let k = parse_bearer(Some("Bearer mvn_live_abcdefghijklmnop1234")).unwrap();
        assert_eq!(k.environment, Environment::Live);
    }

    #[test]
    fn rejects_malformed() {
        for h in [
            None,
            Some(""),
            Some("Bearer"),
            Some("Basic abc"),
            Some("Bearer sk_test_abcdefghijklmnop"),
            Some("Bearer mvn_test_short"),
            Some("Bearer mvn_test_abcdefghijklmnop-bad!"),
        ] {
            assert_eq!(parse_bearer(h).unwrap_err().status(), 401, "{h:?}");
        }
    }

    #[test]
    fn new_keys_round_trip() {
        let key = new_key(Environment::Live, &[7u8; 24]);
        assert!(key.starts_with("mvn_live_"));
        assert!(parse_bearer(Some(&format!("Bearer {key}"))).is_ok());
    }

    #[test]
    fn sha256_known_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
