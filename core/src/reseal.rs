//! Re-sealing a project's secrets under the current key: the step of a key rotation that
//! touches stored data (docs/keys.md). Sans-I/O: the caller loads and saves the project and
//! supplies fresh nonces.

use crate::auth::Environment;
use crate::error::ApiError;
use crate::model::Project;
use crate::seal::Keyring;
use serde::Serialize;

/// What re-sealing one project did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Resealed {
    /// Blobs sealed again under the current key.
    pub resealed: u32,
    /// Blobs already under the current key, left alone.
    pub current: u32,
    /// Slots whose blob no key of the ring opens (left as they were), e.g. `test/stripe`.
    pub failed: Vec<String>,
}

impl Resealed {
    pub fn changed(&self) -> bool {
        self.resealed > 0
    }

    pub fn add(&mut self, other: &Resealed, project_id: &str) {
        self.resealed += other.resealed;
        self.current += other.current;
        self.failed
            .extend(other.failed.iter().map(|s| format!("{project_id}:{s}")));
    }
}

/// Seals every stale blob of `p` (gateway credentials in both environments, the webhook secret)
/// again under `ring`'s current key, bound to its slot. A blob that does not open is reported
/// and left untouched: nothing is lost, and the operator keeps the previous key until it is
/// fixed.
pub fn reseal_project(
    p: &mut Project,
    ring: &Keyring,
    mut nonce: impl FnMut() -> Result<[u8; 12], ApiError>,
) -> Result<Resealed, ApiError> {
    let mut out = Resealed::default();
    let id = p.id.clone();
    for env in [Environment::Test, Environment::Live] {
        let gateways: Vec<_> = p.gateways.get(env).keys().copied().collect();
        for gw in gateways {
            let sealed = p.gateways.get(env)[&gw].credentials_sealed.clone();
            if !ring.is_stale(&sealed) {
                out.current += 1;
                continue;
            }
            let slot = crate::seal::Slot::Credentials {
                project_id: &id,
                environment: env.as_str(),
                gateway: gw.as_str(),
            };
            match ring.open(&sealed, &slot) {
                Ok(plain) => {
                    let fresh = ring.seal(nonce()?, &plain, &slot)?;
                    if let Some(s) = p.gateways.get_mut(env).get_mut(&gw) {
                        s.credentials_sealed = fresh;
                    }
                    out.resealed += 1;
                }
                Err(_) => out.failed.push(format!("{}/{}", env.as_str(), gw.as_str())),
            }
        }
    }
    if let Some(sealed) = p.webhook_secret_sealed.clone() {
        if !ring.is_stale(&sealed) {
            out.current += 1;
        } else {
            let slot = crate::seal::Slot::WebhookSecret { project_id: &id };
            match ring.open(&sealed, &slot) {
                Ok(plain) => {
                    p.webhook_secret_sealed = Some(ring.seal(nonce()?, &plain, &slot)?);
                    out.resealed += 1;
                }
                Err(_) => out.failed.push("webhook_secret".into()),
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::GatewayKind;
    use crate::model::StoredGateway;

    const OLD: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const NEW: &str = "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn project(ring: &Keyring) -> Project {
        let mut p: Project = serde_json::from_value(serde_json::json!({
            "id": "p1", "account_id": "a1", "slug": "shop", "name": "Shop", "currency": "usd",
            "created_at": 0
        }))
        .unwrap();
        for (env, gw) in [
            (Environment::Test, GatewayKind::Stripe),
            (Environment::Live, GatewayKind::Shift4),
        ] {
            let slot = p.credentials_slot(env, gw);
            let sealed = ring.seal([1; 12], b"{\"k\":1}", &slot).unwrap();
            p.gateways.get_mut(env).insert(
                gw,
                StoredGateway {
                    base_url: "https://example.test".into(),
                    credentials_sealed: sealed,
                },
            );
        }
        let slot = p.webhook_secret_slot();
        p.webhook_secret_sealed = Some(ring.seal([2; 12], b"whsec", &slot).unwrap());
        p
    }

    #[test]
    fn a_rotation_reseals_everything_once_and_the_new_key_alone_opens_it() {
        let old = Keyring::from_hex(OLD, None).unwrap();
        let mut p = project(&old);
        let rotating = Keyring::from_hex(NEW, Some(OLD)).unwrap();
        let r = reseal_project(&mut p, &rotating, || Ok([5; 12])).unwrap();
        assert_eq!((r.resealed, r.current, r.failed.len()), (3, 0, 0));
        // Again: nothing left to do.
        let again = reseal_project(&mut p, &rotating, || Ok([6; 12])).unwrap();
        assert_eq!((again.resealed, again.current), (0, 3));
        assert!(!again.changed());
        // The previous key is gone: every blob still opens, in its own slot only.
        let new = Keyring::from_hex(NEW, None).unwrap();
        let stripe = &p.gateways.get(Environment::Test)[&GatewayKind::Stripe];
        let slot = p.credentials_slot(Environment::Test, GatewayKind::Stripe);
        assert_eq!(
            new.open(&stripe.credentials_sealed, &slot).unwrap(),
            b"{\"k\":1}"
        );
        let secret = p.webhook_secret_sealed.as_deref().unwrap();
        assert_eq!(
            new.open(secret, &p.webhook_secret_slot()).unwrap(),
            b"whsec"
        );
    }

    #[test]
    fn a_blob_no_key_opens_is_reported_and_kept() {
        let stranger = Keyring::from_hex(&"ab".repeat(32), None).unwrap();
        let mut p = project(&stranger);
        let before = p.clone();
        let rotating = Keyring::from_hex(NEW, Some(OLD)).unwrap();
        let r = reseal_project(&mut p, &rotating, || Ok([5; 12])).unwrap();
        assert_eq!(r.resealed, 0);
        assert_eq!(
            r.failed,
            vec!["test/stripe", "live/shift4", "webhook_secret"]
        );
        assert_eq!(p, before);
    }
}
