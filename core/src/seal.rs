//! AES-256-GCM sealing of stored secrets (gateway credentials, webhook secrets). The key comes
//! from the `CREDENTIALS_KEY` Worker secret (64 hex chars); the caller supplies a random nonce.

use crate::error::ApiError;
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

pub struct SealKey(Aes256Gcm);

impl SealKey {
    /// Parses 64 hex characters.
    pub fn from_hex(hex: &str) -> Option<SealKey> {
        let hex = hex.trim();
        if hex.len() != 64 {
            return None;
        }
        let mut key = [0u8; 32];
        for (i, chunk) in hex.as_bytes().chunks(2).enumerate() {
            let s = std::str::from_utf8(chunk).ok()?;
            key[i] = u8::from_str_radix(s, 16).ok()?;
        }
        Some(SealKey(Aes256Gcm::new(&key.into())))
    }

    /// base64(nonce || ciphertext+tag).
    pub fn seal(&self, nonce: [u8; 12], plaintext: &[u8]) -> Result<String, ApiError> {
        let ct = self
            .0
            .encrypt(Nonce::from_slice(&nonce), plaintext)
            .map_err(|_| ApiError::Internal("could not seal a secret".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(B64.encode(out))
    }

    pub fn open(&self, sealed: &str) -> Result<Vec<u8>, ApiError> {
        let fail = || ApiError::Internal("stored secret could not be decrypted".into());
        let raw = B64.decode(sealed).map_err(|_| fail())?;
        if raw.len() < 12 + 16 {
            return Err(fail());
        }
        let (nonce, ct) = raw.split_at(12);
        self.0
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| fail())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn round_trip_and_tamper() {
        let k = SealKey::from_hex(KEY).unwrap();
        let sealed = k.seal([9; 12], b"{\"secret_key\":\"sk_test\"}").unwrap();
        assert!(!sealed.contains("sk_test"));
        assert_eq!(k.open(&sealed).unwrap(), b"{\"secret_key\":\"sk_test\"}");
        let mut bytes = B64.decode(&sealed).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(k.open(&B64.encode(bytes)).is_err());
        let other = SealKey::from_hex(&KEY.replace("00", "ff")).unwrap();
        assert!(other.open(&sealed).is_err());
    }

    #[test]
    fn rejects_bad_keys() {
        assert!(SealKey::from_hex("abc").is_none());
        assert!(SealKey::from_hex(&"zz".repeat(32)).is_none());
    }
}
