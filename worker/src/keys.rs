//! The server's keys, from the `CREDENTIALS_KEY` Worker secret (never from the repository):
//! the sealing key for credentials and webhook secrets at rest, and the card-fingerprint
//! subkey and the form-token subkey (`maven_core::crypto::subkey`), so one secret never keys two
//! jobs.

use maven_core::crypto::{subkey, Purpose};
use maven_core::error::ApiError;
use maven_core::seal::SealKey;
use worker::Env;

type ApiResult<T> = Result<T, ApiError>;

/// The master secret: 64 hex characters.
fn master(env: &Env) -> ApiResult<String> {
    env.secret("CREDENTIALS_KEY")
        .map(|s| s.to_string())
        .ok()
        .filter(|k| k.len() == 64)
        .ok_or_else(|| {
            ApiError::Internal("CREDENTIALS_KEY secret is missing or not 64 hex characters".into())
        })
}

/// Seals gateway credentials and webhook secrets (the master key itself: sealed data at rest
/// predates the subkeys; rotating it is a separate change).
pub fn seal_key(env: &Env) -> ApiResult<SealKey> {
    SealKey::from_hex(&master(env)?)
        .ok_or_else(|| ApiError::Internal("CREDENTIALS_KEY secret is not 64 hex characters".into()))
}

/// Keys the card fingerprints (`maven_core::charge::card_fingerprint`).
pub fn fingerprint_key(env: &Env) -> ApiResult<[u8; 32]> {
    Ok(subkey(master(env)?.as_bytes(), Purpose::CardFingerprint))
}

/// Keys the card form's tokens (`maven_core::form_token`).
pub fn form_token_key(env: &Env) -> ApiResult<[u8; 32]> {
    Ok(subkey(master(env)?.as_bytes(), Purpose::FormToken))
}
