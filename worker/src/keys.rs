//! The server's keys, from the `CREDENTIALS_KEY` Worker secret (never from the repository): a
//! subkey per job (`maven_core::crypto::subkey`): sealing credentials and webhook secrets at
//! rest, card fingerprints, form tokens. One secret never keys two jobs (docs/keys.md).

use maven_core::crypto::{subkey, Purpose};
use maven_core::error::ApiError;
use maven_core::seal::Keyring;
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

/// Seals and opens gateway credentials and webhook secrets (docs/keys.md): the `Seal` subkey
/// of `CREDENTIALS_KEY`, plus, during a key rotation, that of `CREDENTIALS_KEY_PREVIOUS`, which
/// only opens blobs not yet re-sealed.
pub fn seal_key(env: &Env) -> ApiResult<Keyring> {
    let previous = env
        .secret("CREDENTIALS_KEY_PREVIOUS")
        .map(|s| s.to_string())
        .ok()
        .filter(|s| !s.is_empty());
    Keyring::from_hex(&master(env)?, previous.as_deref()).ok_or_else(|| {
        ApiError::Internal(
            "CREDENTIALS_KEY or CREDENTIALS_KEY_PREVIOUS is not 64 hex characters".into(),
        )
    })
}

/// Keys the card fingerprints (`maven_core::charge::card_fingerprint`).
pub fn fingerprint_key(env: &Env) -> ApiResult<[u8; 32]> {
    Ok(subkey(master(env)?.as_bytes(), Purpose::CardFingerprint))
}

/// Keys the card form's tokens (`maven_core::form_token`).
pub fn form_token_key(env: &Env) -> ApiResult<[u8; 32]> {
    Ok(subkey(master(env)?.as_bytes(), Purpose::FormToken))
}
