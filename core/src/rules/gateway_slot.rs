//! `PUT …/projects/{id}/gateways/{env}/{gateway}` `{"base_url"?, "credentials"}`: the gateway's
//! credentials (its own field list, `GatewayKind::credential_fields`), suited to the slot's
//! environment (`crate::credential_env`), and its API host for that environment
//! (`crate::url_policy::gateway_base_url`; the sandbox or production host when absent).

use super::finish;
use crate::auth::Environment;
use crate::credential_env;
use crate::error::{ApiError, FieldError};
use crate::gateway::{Credentials, GatewayKind};
use crate::url_policy::{self, Deployment, UrlError};
use crate::validate::Fields;
use serde_json::Value;

/// A valid slot configuration: what the worker seals and stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewaySlot {
    pub base_url: String,
    pub credentials: Credentials,
}

/// Longest `base_url` accepted.
const MAX_BASE_URL_CHARS: usize = 300;

pub fn gateway_slot(
    body: &Value,
    gw: GatewayKind,
    env: Environment,
    at: Deployment,
) -> Result<GatewaySlot, ApiError> {
    let mut f = Fields::new(body, vec!["body".into()]);
    // The gateway's documented hosts for this environment (the simulator on loopback only in
    // local development's test slots); without one, the sandbox (test) or production (live).
    let base_url = f
        .string("base_url", false, false, MAX_BASE_URL_CHARS)
        .and_then(|u| {
            url_policy::gateway_base_url(&u, gw, env, at)
                .map_err(|e| f.push("base_url", "value_error", base_url_message(e, gw, env)))
                .ok()
        });
    let credentials = match f.get("credentials") {
        Some(v) => {
            let mut c = Fields::new(v, f.at("credentials"));
            let parsed = gw.parse_credentials(&mut c);
            f.errors.extend(c.finish());
            parsed
        }
        None => {
            if f.is_object() {
                f.push("credentials", "missing", "Field required");
            }
            None
        }
    };
    // A test slot takes no live key and a live slot no test key.
    if let Some(wrong) = credentials
        .as_ref()
        .and_then(|c| credential_env::check(c, env))
    {
        let mut loc = f.at("credentials");
        loc.push(wrong.field.into());
        f.errors
            .push(FieldError::new(loc, "value_error", wrong.message));
    }
    finish(f)?;
    let credentials = credentials.ok_or_else(|| ApiError::Internal("credentials".into()))?;
    Ok(GatewaySlot {
        base_url: base_url.unwrap_or_else(|| url_policy::default_base_url(gw, env)),
        credentials,
    })
}

/// The policy's reason, with the hosts this slot accepts when the host was the problem.
fn base_url_message(e: UrlError, gw: GatewayKind, env: Environment) -> String {
    match e {
        UrlError::GatewayHost => format!(
            "{}: {}",
            e.message(),
            url_policy::hosts(gw, env)
                .iter()
                .map(|h| format!("https://{h}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => e.message().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::errors;
    use super::*;
    use crate::auth::Environment::{Live, Test};
    use crate::url_policy::Deployment::{Deployed, LocalDev};
    use serde_json::json;
    use GatewayKind::{Authorizenet, Braintree, Shift4, Stripe};

    const ANET: &str = r#"{"api_login_id": "login", "transaction_key": "key"}"#;

    /// (gateway, env, deployment, body, stored base_url or the errors' (loc, type))
    #[test]
    fn slots_take_their_own_hosts_and_keys() {
        let anet: Value = serde_json::from_str(ANET).unwrap();
        let stripe = |k: &str| json!({"credentials": {"secret_key": k}});
        type Case = (
            GatewayKind,
            Environment,
            Deployment,
            Value,
            Result<&'static str, Vec<(&'static str, &'static str)>>,
        );
        let cases: Vec<Case> = vec![
            (
                Stripe,
                Test,
                Deployed,
                stripe("sk_test_1"),
                Ok("https://api.stripe.com"),
            ),
            (
                Stripe,
                Live,
                Deployed,
                stripe("sk_live_1"),
                Ok("https://api.stripe.com"),
            ),
            (
                Stripe,
                Test,
                Deployed,
                stripe("sk_live_1"),
                Err(vec![("body.credentials.secret_key", "value_error")]),
            ),
            (
                Shift4,
                Live,
                Deployed,
                stripe("sk_test_1"),
                Err(vec![("body.credentials.secret_key", "value_error")]),
            ),
            (
                Authorizenet,
                Test,
                Deployed,
                json!({"credentials": anet}),
                Ok("https://apitest.authorize.net"),
            ),
            (
                Authorizenet,
                Live,
                Deployed,
                json!({"credentials": anet}),
                Ok("https://api2.authorize.net"),
            ),
            (
                Authorizenet,
                Live,
                Deployed,
                json!({"credentials": anet, "base_url": "https://api.authorize.net/"}),
                Ok("https://api.authorize.net"),
            ),
            // A sandbox host in the live slot, and the reverse.
            (
                Authorizenet,
                Live,
                Deployed,
                json!({"credentials": anet, "base_url": "https://apitest.authorize.net"}),
                Err(vec![("body.base_url", "value_error")]),
            ),
            (
                Braintree,
                Test,
                Deployed,
                json!({"credentials": {"public_key": "p", "private_key": "q"},
                       "base_url": "https://payments.braintree-api.com"}),
                Err(vec![("body.base_url", "value_error")]),
            ),
            // The simulator on loopback: local development's test slots only.
            (
                Stripe,
                Test,
                LocalDev,
                json!({"credentials": {"secret_key": "sk_test_1"},
                       "base_url": "http://127.0.0.1:9999/stripe/"}),
                Ok("http://127.0.0.1:9999/stripe"),
            ),
            (
                Stripe,
                Live,
                LocalDev,
                json!({"credentials": {"secret_key": "sk_live_1"},
                       "base_url": "http://127.0.0.1:9999"}),
                Err(vec![("body.base_url", "value_error")]),
            ),
            (
                Stripe,
                Test,
                Deployed,
                json!({"credentials": {"secret_key": "sk_test_1"},
                       "base_url": "http://127.0.0.1:9999"}),
                Err(vec![("body.base_url", "value_error")]),
            ),
            (
                Stripe,
                Test,
                Deployed,
                json!({}),
                Err(vec![("body.credentials", "missing")]),
            ),
            (
                Authorizenet,
                Test,
                Deployed,
                json!({"credentials": {"api_login_id": "l", "extra": 1}}),
                Err(vec![
                    ("body.credentials.transaction_key", "missing"),
                    ("body.credentials.extra", "extra_forbidden"),
                ]),
            ),
            (
                Stripe,
                Test,
                Deployed,
                json!({"credentials": "sk_test_1"}),
                Err(vec![("body.credentials", "dict_type")]),
            ),
            (
                Braintree,
                Test,
                Deployed,
                json!({"credentials": {"public_key": "p", "private_key": "q",
                       "merchant_accounts": {"jpy": "acct"}}}),
                Ok("https://payments.sandbox.braintree-api.com"),
            ),
        ];
        for (gw, env, at, body, want) in cases {
            let got = gateway_slot(&body, gw, env, at);
            match (got, want) {
                (Ok(slot), Ok(url)) => assert_eq!(slot.base_url, url, "{gw:?} {env:?} {body}"),
                (Err(e), Err(want)) => {
                    let want: Vec<(String, String)> = want
                        .iter()
                        .map(|(l, t)| (l.to_string(), t.to_string()))
                        .collect();
                    assert_eq!(errors(e), want, "{gw:?} {env:?} {body}");
                }
                (got, want) => panic!("{gw:?} {env:?} {body}: {got:?} vs {want:?}"),
            }
        }
    }

    #[test]
    fn a_wrong_host_lists_the_right_ones_and_no_key_is_echoed() {
        let body = json!({"credentials": {"secret_key": "sk_live_SECRET"},
                          "base_url": "https://evil.example.com"});
        let e = gateway_slot(&body, Stripe, Test, Deployed).unwrap_err();
        let text = e.body().to_string();
        assert!(text.contains("https://api.stripe.com"), "{text}");
        assert!(!text.contains("SECRET"), "{text}");
    }
}
