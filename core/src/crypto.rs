//! The crypto helpers every module shares: hex, HMAC-SHA256, constant-time comparison, and a
//! subkey per purpose, so one server secret never keys two different jobs.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// Constant-time comparison, for tokens and signatures.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// HMAC-SHA256 of `data` under `key`.
pub fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

pub fn hmac_hex(key: &[u8], data: &[u8]) -> String {
    hex(&hmac(key, data))
}

/// What a derived key is for; each purpose gets its own key from the one master secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Sealing gateway credentials and webhook secrets at rest.
    Seal,
    /// Card fingerprints (same card details or not, within a session).
    CardFingerprint,
    /// Form tokens: the card form page's proof that a charge comes from it (`form_token`).
    FormToken,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::Seal => b"maven/seal/v1",
            Purpose::CardFingerprint => b"maven/card-fingerprint/v1",
            Purpose::FormToken => b"maven/form-token/v1",
        }
    }
}

/// A 32-byte subkey of `master` for `purpose`: HKDF-Expand (RFC 5869) of one block with the
/// master as the pseudorandom key, which it is (64 random hex digits, `CREDENTIALS_KEY`).
pub fn subkey(master: &[u8], purpose: Purpose) -> [u8; 32] {
    let mut info = purpose.label().to_vec();
    info.push(1);
    hmac(master, &info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_hex(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            mac,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn subkeys_differ_by_purpose_and_master() {
        let a = subkey(b"master-1", Purpose::Seal);
        assert_ne!(a, subkey(b"master-1", Purpose::CardFingerprint));
        assert_ne!(a, subkey(b"master-1", Purpose::FormToken));
        assert_ne!(a, subkey(b"master-2", Purpose::Seal));
        assert_eq!(a, subkey(b"master-1", Purpose::Seal));
    }

    #[test]
    fn constant_time_eq_compares_whole_values() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
