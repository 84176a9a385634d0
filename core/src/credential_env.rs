//! Environment-safe credentials (docs/url-policy.md): a gateway's test slot takes only test
//! credentials and its live slot only live ones, so a test key can never move real money and a
//! live key is never used where tests run.
//!
//! - Stripe and Shift4 keys say their mode in their prefix (`TEST_KEY_PREFIXES` /
//!   `LIVE_KEY_PREFIXES` in the gateway modules): a slot requires its own prefix.
//! - Authorize.net and Braintree credentials carry no marker; their mode is the API host
//!   (sandbox or production), which `url_policy::gateway_base_url` ties to the slot.

use crate::auth::Environment;
use crate::gateway::{shift4, stripe, Credentials};

/// A credential field that does not belong in the slot: the field's name under
/// `credentials`, and the 422 `msg` (which never repeats the key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrongEnvironment {
    pub field: &'static str,
    pub message: String,
}

/// `None` when `credentials` suit the `env` slot.
pub fn check(credentials: &Credentials, env: Environment) -> Option<WrongEnvironment> {
    let (name, key, test, live) = match credentials {
        Credentials::Stripe { secret_key } => (
            "Stripe",
            secret_key.expose(),
            stripe::TEST_KEY_PREFIXES,
            stripe::LIVE_KEY_PREFIXES,
        ),
        Credentials::Shift4 { secret_key } => (
            "Shift4",
            secret_key.expose(),
            shift4::TEST_KEY_PREFIXES,
            shift4::LIVE_KEY_PREFIXES,
        ),
        Credentials::Authorizenet { .. } | Credentials::Braintree { .. } => return None,
    };
    let (want, other) = match env {
        Environment::Test => (test, live),
        Environment::Live => (live, test),
    };
    let has = |prefixes: &[&str]| prefixes.iter().any(|p| key.starts_with(p));
    if has(want) {
        return None;
    }
    let other_env = match env {
        Environment::Test => "live",
        Environment::Live => "test",
    };
    let expected = want.join("… or ");
    let message = if has(other) {
        format!(
            "Value error, this is a {other_env} key: the {env} slot takes {name} {env} keys ({expected}…)",
            env = env.as_str()
        )
    } else {
        format!(
            "Value error, not a {name} {env} secret key: expected {expected}…",
            env = env.as_str()
        )
    };
    Some(WrongEnvironment {
        field: "secret_key",
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Environment::{Live, Test};
    use crate::secret::Secret;

    fn stripe(k: &str) -> Credentials {
        Credentials::Stripe {
            secret_key: Secret::new(k),
        }
    }

    fn shift4(k: &str) -> Credentials {
        Credentials::Shift4 {
            secret_key: Secret::new(k),
        }
    }

    #[test]
    fn key_prefixes_per_slot() {
        let cases: [(Credentials, Environment, bool); 16] = [
            (stripe("sk_test_abc"), Test, true),
            (stripe("rk_test_abc"), Test, true),
            (stripe("sk_live_abc"), Test, false),
            (stripe("rk_live_abc"), Test, false),
            (stripe("sk_live_abc"), Live, true),
            (stripe("rk_live_abc"), Live, true),
            (stripe("sk_test_abc"), Live, false),
            (stripe("rk_test_abc"), Live, false),
            // Publishable and unmarked keys belong in no slot.
            (stripe("pk_test_abc"), Test, false),
            (stripe("pk_live_abc"), Live, false),
            (stripe("whatever"), Test, false),
            (stripe("SK_TEST_abc"), Test, false),
            (shift4("sk_test_abc"), Test, true),
            (shift4("sk_live_abc"), Test, false),
            (shift4("sk_live_abc"), Live, true),
            (shift4("sk_test_abc"), Live, false),
        ];
        for (creds, env, ok) in cases {
            let got = check(&creds, env);
            assert_eq!(got.is_none(), ok, "{creds:?} in {env:?}: {got:?}");
            if let Some(e) = got {
                assert_eq!(e.field, "secret_key");
                assert!(!e.message.contains("abc"), "{}", e.message);
            }
        }
    }

    #[test]
    fn messages_name_the_mix_up() {
        let e = check(&stripe("sk_live_abc"), Test).unwrap();
        assert_eq!(
            e.message,
            "Value error, this is a live key: the test slot takes Stripe test keys (sk_test_… or rk_test_…)"
        );
        let e = check(&shift4("sk_test_abc"), Live).unwrap();
        assert_eq!(
            e.message,
            "Value error, this is a test key: the live slot takes Shift4 live keys (sk_live_…)"
        );
        let e = check(&stripe("pk_live_abc"), Live).unwrap();
        assert_eq!(
            e.message,
            "Value error, not a Stripe live secret key: expected sk_live_… or rk_live_…"
        );
    }

    #[test]
    fn host_decides_for_unmarked_credentials() {
        let anet = Credentials::Authorizenet {
            api_login_id: Secret::new("login"),
            transaction_key: Secret::new("key"),
        };
        assert_eq!(check(&anet, Test), None);
        assert_eq!(check(&anet, Live), None);
    }
}
