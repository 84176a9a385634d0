//! AES-256-GCM sealing of stored secrets (gateway credentials, webhook secrets), docs/keys.md.
//!
//! - The key is the `Seal` subkey of the `CREDENTIALS_KEY` Worker secret (`crypto::subkey`), so
//!   the master secret never encrypts anything itself.
//! - A sealed blob is `v2.<key id>.<base64(nonce || ciphertext+tag)>`. The key id names the
//!   master it came from, so a blob says which key opens it and the key can be rotated.
//! - The blob is bound to where it is stored (its [`Slot`]: project, environment, gateway) as
//!   associated data: a blob copied to another project or slot does not open.
//! - Blobs written before key ids (plain base64, sealed with the master itself, no associated
//!   data) still open, so that a rotation can re-seal them; nothing writes them any more.

use crate::crypto::{hex, hmac, subkey, Purpose};
use crate::error::ApiError;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

const PREFIX: &str = "v2";

/// Where a sealed blob lives; its text is the associated data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot<'a> {
    /// A project's gateway credentials in one environment.
    Credentials {
        project_id: &'a str,
        environment: &'a str,
        gateway: &'a str,
    },
    /// A project's webhook signing secret.
    WebhookSecret { project_id: &'a str },
}

impl Slot<'_> {
    fn aad(&self) -> String {
        // Lengths first, so no two different slots can give the same text.
        let parts: Vec<&str> = match self {
            Slot::Credentials {
                project_id,
                environment,
                gateway,
            } => vec!["credentials", project_id, environment, gateway],
            Slot::WebhookSecret { project_id } => vec!["webhook-secret", project_id],
        };
        let mut out = String::from("maven/seal/v2");
        for p in parts {
            out.push_str(&format!("|{}:{p}", p.len()));
        }
        out
    }
}

/// One master secret's sealing keys.
struct MasterKey {
    id: String,
    aead: Aes256Gcm,
    /// The master itself as an AES key: only to open blobs from before key ids.
    legacy: Aes256Gcm,
}

impl MasterKey {
    fn from_hex(hex_key: &str) -> Option<MasterKey> {
        let hex_key = hex_key.trim();
        if hex_key.len() != 64 {
            return None;
        }
        let mut raw = [0u8; 32];
        for (i, chunk) in hex_key.as_bytes().chunks(2).enumerate() {
            let s = std::str::from_utf8(chunk).ok()?;
            raw[i] = u8::from_str_radix(s, 16).ok()?;
        }
        // The subkeys are derived from the secret's text, as every other subkey is (keys.rs).
        let seal = subkey(hex_key.as_bytes(), Purpose::Seal);
        Some(MasterKey {
            id: key_id(hex_key),
            aead: Aes256Gcm::new(&seal.into()),
            legacy: Aes256Gcm::new(&raw.into()),
        })
    }
}

/// The key id of a master secret: 8 hex digits of an HMAC under it, public by design (it names
/// the key, it does not weaken it).
pub fn key_id(master_hex: &str) -> String {
    hex(&hmac(master_hex.trim().as_bytes(), b"maven/key-id/v1")[..4])
}

/// The current sealing key, and during a rotation the previous one (which only opens).
pub struct Keyring {
    current: MasterKey,
    previous: Option<MasterKey>,
}

impl Keyring {
    /// From the current master (64 hex characters) and, during a rotation, the previous one.
    pub fn from_hex(current: &str, previous: Option<&str>) -> Option<Keyring> {
        let current = MasterKey::from_hex(current)?;
        let previous = match previous {
            Some(p) => Some(MasterKey::from_hex(p)?),
            None => None,
        };
        Some(Keyring { current, previous })
    }

    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    pub fn previous_id(&self) -> Option<&str> {
        self.previous.as_ref().map(|k| k.id.as_str())
    }

    /// `v2.<key id>.<base64(nonce || ciphertext+tag)>` under the current key, bound to `slot`.
    pub fn seal(&self, nonce: [u8; 12], plaintext: &[u8], slot: &Slot) -> Result<String, ApiError> {
        let aad = slot.aad();
        let ct = self
            .current
            .aead
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| ApiError::Internal("could not seal a secret".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(format!("{PREFIX}.{}.{}", self.current.id, B64.encode(out)))
    }

    /// Opens a blob stored at `slot`, under whichever of the ring's keys its id names.
    pub fn open(&self, sealed: &str, slot: &Slot) -> Result<Vec<u8>, ApiError> {
        let fail =
            |why: &str| ApiError::Internal(format!("stored secret could not be opened: {why}"));
        match parse(sealed) {
            Some((id, raw)) => {
                let key = self
                    .keys()
                    .find(|k| k.id == id)
                    .ok_or_else(|| fail("sealed under a key id this edge does not hold"))?;
                let (nonce, ct) = split(&raw).ok_or_else(|| fail("too short"))?;
                let aad = slot.aad();
                key.aead
                    .decrypt(
                        Nonce::from_slice(nonce),
                        Payload {
                            msg: ct,
                            aad: aad.as_bytes(),
                        },
                    )
                    .map_err(|_| fail("altered, or stored in another slot"))
            }
            None => {
                let raw = B64.decode(sealed.trim()).map_err(|_| fail("not base64"))?;
                let (nonce, ct) = split(&raw).ok_or_else(|| fail("too short"))?;
                self.keys()
                    .find_map(|k| k.legacy.decrypt(Nonce::from_slice(nonce), ct).ok())
                    .ok_or_else(|| fail("no key of this edge opens it"))
            }
        }
    }

    /// Whether a rotation should seal this blob again: it predates key ids or names another key.
    pub fn is_stale(&self, sealed: &str) -> bool {
        parse(sealed).is_none_or(|(id, _)| id != self.current.id)
    }

    fn keys(&self) -> impl Iterator<Item = &MasterKey> {
        std::iter::once(&self.current).chain(self.previous.as_ref())
    }
}

/// The key id of a blob, `None` for one from before key ids.
pub fn blob_key_id(sealed: &str) -> Option<String> {
    parse(sealed).map(|(id, _)| id.to_string())
}

fn parse(sealed: &str) -> Option<(&str, Vec<u8>)> {
    let mut parts = sealed.trim().splitn(3, '.');
    if parts.next()? != PREFIX {
        return None;
    }
    let id = parts.next()?;
    let raw = B64.decode(parts.next()?).ok()?;
    Some((id, raw))
}

fn split(raw: &[u8]) -> Option<(&[u8], &[u8])> {
    (raw.len() >= 12 + 16).then(|| raw.split_at(12))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const NEW: &str = "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const CREDS: Slot = Slot::Credentials {
        project_id: "p1",
        environment: "test",
        gateway: "stripe",
    };

    fn ring(current: &str, previous: Option<&str>) -> Keyring {
        Keyring::from_hex(current, previous).unwrap()
    }

    /// A blob as the edge wrote them before key ids: the master itself, no associated data.
    fn legacy_blob(master: &str, plaintext: &[u8]) -> String {
        let k = MasterKey::from_hex(master).unwrap();
        let mut out = vec![7u8; 12];
        out.extend(
            k.legacy
                .encrypt(Nonce::from_slice(&[7; 12]), plaintext)
                .unwrap(),
        );
        B64.encode(out)
    }

    #[test]
    fn round_trip_names_the_key_and_hides_the_secret() {
        let k = ring(OLD, None);
        let sealed = k
            .seal([9; 12], b"{\"secret_key\":\"sk_test\"}", &CREDS)
            .unwrap();
        assert!(!sealed.contains("sk_test"));
        assert!(sealed.starts_with(&format!("v2.{}.", key_id(OLD))));
        assert_eq!(
            k.open(&sealed, &CREDS).unwrap(),
            b"{\"secret_key\":\"sk_test\"}"
        );
        assert!(!k.is_stale(&sealed));
        assert_eq!(blob_key_id(&sealed).as_deref(), Some(key_id(OLD).as_str()));
    }

    #[test]
    fn a_blob_opens_only_in_its_own_slot() {
        let k = ring(OLD, None);
        let sealed = k.seal([1; 12], b"secret", &CREDS).unwrap();
        for other in [
            Slot::Credentials {
                project_id: "p2",
                environment: "test",
                gateway: "stripe",
            },
            Slot::Credentials {
                project_id: "p1",
                environment: "live",
                gateway: "stripe",
            },
            Slot::Credentials {
                project_id: "p1",
                environment: "test",
                gateway: "shift4",
            },
            Slot::WebhookSecret { project_id: "p1" },
        ] {
            assert!(k.open(&sealed, &other).is_err(), "{other:?}");
        }
    }

    #[test]
    fn slots_never_share_associated_data() {
        // Without lengths these two would both read "p|1|x…".
        let a = Slot::Credentials {
            project_id: "p|1",
            environment: "x",
            gateway: "y",
        };
        let b = Slot::Credentials {
            project_id: "p",
            environment: "1|x",
            gateway: "y",
        };
        assert_ne!(a.aad(), b.aad());
    }

    #[test]
    fn tampering_and_foreign_keys_are_refused() {
        let k = ring(OLD, None);
        let sealed = k.seal([9; 12], b"secret", &CREDS).unwrap();
        let (id, mut raw) = parse(&sealed).map(|(i, r)| (i.to_string(), r)).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        assert!(k
            .open(&format!("v2.{id}.{}", B64.encode(&raw)), &CREDS)
            .is_err());
        // Another key entirely: its id is unknown here.
        let err = ring(NEW, None).open(&sealed, &CREDS).unwrap_err();
        assert!(err.to_string().contains("key id"), "{err}");
        // A blob that lies about its key id does not open either.
        let relabelled = sealed.replace(&key_id(OLD), &key_id(NEW));
        assert!(ring(NEW, Some(OLD)).open(&relabelled, &CREDS).is_err());
    }

    #[test]
    fn rotation_opens_old_blobs_and_seals_under_the_new_key() {
        let old = ring(OLD, None).seal([3; 12], b"secret", &CREDS).unwrap();
        let rotating = ring(NEW, Some(OLD));
        assert_eq!(rotating.open(&old, &CREDS).unwrap(), b"secret");
        assert!(rotating.is_stale(&old));
        let resealed = rotating.seal([4; 12], b"secret", &CREDS).unwrap();
        assert!(!rotating.is_stale(&resealed));
        // After the rotation (previous key removed) the re-sealed blob still opens.
        assert_eq!(ring(NEW, None).open(&resealed, &CREDS).unwrap(), b"secret");
        assert!(ring(NEW, None).open(&old, &CREDS).is_err());
        assert_eq!(rotating.current_id(), key_id(NEW));
        assert_eq!(rotating.previous_id(), Some(key_id(OLD).as_str()));
    }

    #[test]
    fn blobs_from_before_key_ids_open_and_are_stale() {
        let legacy = legacy_blob(OLD, b"{\"a\":1}");
        assert_eq!(ring(OLD, None).open(&legacy, &CREDS).unwrap(), b"{\"a\":1}");
        assert_eq!(
            ring(NEW, Some(OLD)).open(&legacy, &CREDS).unwrap(),
            b"{\"a\":1}"
        );
        assert!(ring(OLD, None).is_stale(&legacy));
        assert!(ring(NEW, None).open(&legacy, &CREDS).is_err());
        assert_eq!(blob_key_id(&legacy), None);
    }

    #[test]
    fn rejects_bad_keys() {
        assert!(Keyring::from_hex("abc", None).is_none());
        assert!(Keyring::from_hex(&"zz".repeat(32), None).is_none());
        assert!(Keyring::from_hex(OLD, Some("short")).is_none());
        assert_ne!(key_id(OLD), key_id(NEW));
    }
}
