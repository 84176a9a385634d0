//! "Test connection": one harmless authenticated call per gateway that moves no money and
//! creates nothing, and what its answer says about the credentials.
//! - Stripe: `GET /v1/balance` (Bearer secret key).
//! - Authorize.net: `authenticateTestRequest` (the API's own credentials check).
//! - Braintree: the GraphQL `query { ping }` (Basic public:private).
//! - Shift4: `GET /charges?limit=1` (Basic secret key).

use super::basic_auth::basic_auth;
use super::{Credentials, HttpCall, HttpReply};
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeError {
    /// The gateway answered and refused the credentials.
    Refused(String),
    /// Anything else: an unexpected status or body.
    Failed(String),
}

impl ProbeError {
    pub fn code(&self) -> &'static str {
        match self {
            ProbeError::Refused(_) => "credentials_refused",
            ProbeError::Failed(_) => "gateway_error",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            ProbeError::Refused(m) | ProbeError::Failed(m) => m,
        }
    }
}

/// The call for `credentials` at `base` (no trailing slash, as stored).
pub fn call(base: &str, credentials: &Credentials) -> HttpCall {
    let base = base.trim_end_matches('/');
    match credentials {
        Credentials::Stripe { secret_key } => HttpCall {
            method: "GET",
            url: format!("{base}/v1/balance"),
            headers: vec![(
                "Authorization".into(),
                format!("Bearer {}", secret_key.expose()),
            )],
            body: String::new(),
        },
        Credentials::Authorizenet {
            api_login_id,
            transaction_key,
        } => HttpCall {
            method: "POST",
            url: format!("{base}/xml/v1/request.api"),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: json!({"authenticateTestRequest": {"merchantAuthentication": {
                "name": api_login_id.expose(), "transactionKey": transaction_key.expose()}}})
            .to_string(),
        },
        Credentials::Braintree {
            public_key,
            private_key,
            ..
        } => HttpCall {
            method: "POST",
            url: format!("{base}/graphql"),
            headers: vec![
                (
                    "Authorization".into(),
                    basic_auth(public_key.expose(), private_key.expose()),
                ),
                (
                    "Braintree-Version".into(),
                    super::braintree::API_VERSION.into(),
                ),
                ("Content-Type".into(), "application/json".into()),
            ],
            body: json!({"query": "query { ping }"}).to_string(),
        },
        Credentials::Shift4 { secret_key } => HttpCall {
            method: "GET",
            url: format!("{base}/charges?limit=1"),
            headers: vec![("Authorization".into(), basic_auth(secret_key.expose(), ""))],
            body: String::new(),
        },
    }
}

/// Reads the answer to `call(…, credentials)`.
pub fn outcome(credentials: &Credentials, reply: &HttpReply) -> Result<(), ProbeError> {
    // Authorize.net starts its JSON with a UTF-8 byte order mark.
    let body: Value =
        serde_json::from_str(reply.body.trim_start_matches('\u{feff}')).unwrap_or(Value::Null);
    let said = |v: &Value| v.as_str().map(short).unwrap_or_default();
    match credentials {
        Credentials::Authorizenet { .. } => {
            let m = &body["messages"];
            let code = m["message"][0]["code"].as_str().unwrap_or_default();
            match (reply.status, m["resultCode"].as_str()) {
                (200, Some("Ok")) => Ok(()),
                (200, Some("Error")) if code == "E00007" => Err(ProbeError::Refused(format!(
                    "Authorize.net refused the API login ID or transaction key ({code})."
                ))),
                _ => Err(failed(
                    reply.status,
                    &format!("{code} {}", said(&m["message"][0]["text"])),
                )),
            }
        }
        Credentials::Braintree { .. } => match reply.status {
            200 if body["data"]["ping"] == "pong" => Ok(()),
            401 => Err(ProbeError::Refused(
                "Braintree refused the public or private key.".into(),
            )),
            s => Err(failed(s, &said(&body["errors"][0]["message"]))),
        },
        Credentials::Stripe { .. } | Credentials::Shift4 { .. } => {
            let name = if matches!(credentials, Credentials::Stripe { .. }) {
                "Stripe"
            } else {
                "Shift4"
            };
            match reply.status {
                200 => Ok(()),
                401 => Err(ProbeError::Refused(format!(
                    "{name} refused the secret key."
                ))),
                s => Err(failed(s, &said(&body["error"]["message"]))),
            }
        }
    }
}

fn failed(status: u16, said: &str) -> ProbeError {
    let said = said.trim();
    ProbeError::Failed(if said.is_empty() {
        format!("The gateway answered HTTP {status}.")
    } else {
        format!("The gateway answered HTTP {status}: {said}")
    })
}

/// A gateway's message, cut to a readable length.
fn short(s: &str) -> String {
    s.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn stripe() -> Credentials {
        Credentials::Stripe {
            secret_key: Secret::new("sk_test_abc"),
        }
    }

    fn authnet() -> Credentials {
        Credentials::Authorizenet {
            api_login_id: Secret::new("login"),
            transaction_key: Secret::new("key"),
        }
    }

    fn braintree() -> Credentials {
        Credentials::Braintree {
            public_key: Secret::new("pub"),
            private_key: Secret::new("priv"),
            merchant_account_id: None,
            merchant_accounts: Default::default(),
            default_currency: None,
        }
    }

    fn shift4() -> Credentials {
        Credentials::Shift4 {
            secret_key: Secret::new("sk_test_s4"),
        }
    }

    fn reply(status: u16, body: &str) -> HttpReply {
        HttpReply {
            status,
            body: body.into(),
        }
    }

    #[test]
    fn each_gateway_gets_its_harmless_call() {
        let c = call("https://api.stripe.com/", &stripe());
        assert_eq!(
            (c.method, c.url.as_str()),
            ("GET", "https://api.stripe.com/v1/balance")
        );
        assert_eq!(c.headers[0].1, "Bearer sk_test_abc");
        let c = call("https://apitest.authorize.net", &authnet());
        assert_eq!(c.url, "https://apitest.authorize.net/xml/v1/request.api");
        let body: Value = serde_json::from_str(&c.body).unwrap();
        assert_eq!(
            body,
            json!({"authenticateTestRequest": {"merchantAuthentication": {"name": "login", "transactionKey": "key"}}})
        );
        let c = call("https://payments.sandbox.braintree-api.com", &braintree());
        assert_eq!(c.url, "https://payments.sandbox.braintree-api.com/graphql");
        assert_eq!(c.body, r#"{"query":"query { ping }"}"#);
        assert!(c
            .headers
            .iter()
            .any(|(k, v)| k == "Authorization" && v == &basic_auth("pub", "priv")));
        assert!(c.headers.iter().any(|(k, _)| k == "Braintree-Version"));
        let c = call("https://api.shift4.com", &shift4());
        assert_eq!(
            (c.method, c.url.as_str()),
            ("GET", "https://api.shift4.com/charges?limit=1")
        );
        // The call's Debug never shows the credentials.
        assert!(!format!("{c:?}").contains("sk_test_s4"));
    }

    #[test]
    fn answers_read_as_connected_refused_or_failed() {
        assert_eq!(
            outcome(&stripe(), &reply(200, r#"{"object":"balance"}"#)),
            Ok(())
        );
        assert!(matches!(
            outcome(
                &stripe(),
                &reply(401, r#"{"error":{"message":"Invalid API Key provided"}}"#)
            ),
            Err(ProbeError::Refused(_))
        ));
        assert_eq!(
            outcome(
                &shift4(),
                &reply(
                    500,
                    r#"{"error":{"type":"api_error","message":"Internal"}}"#
                )
            ),
            Err(ProbeError::Failed(
                "The gateway answered HTTP 500: Internal".into()
            ))
        );
        let ok = "\u{feff}{\"messages\":{\"resultCode\":\"Ok\",\"message\":[{\"code\":\"I00001\",\"text\":\"Successful.\"}]}}";
        assert_eq!(outcome(&authnet(), &reply(200, ok)), Ok(()));
        let refused = "\u{feff}{\"messages\":{\"resultCode\":\"Error\",\"message\":[{\"code\":\"E00007\",\"text\":\"User authentication failed\"}]}}";
        let e = outcome(&authnet(), &reply(200, refused)).unwrap_err();
        assert_eq!(e.code(), "credentials_refused");
        assert_eq!(
            outcome(&braintree(), &reply(200, r#"{"data":{"ping":"pong"}}"#)),
            Ok(())
        );
        assert!(matches!(
            outcome(&braintree(), &reply(401, "")),
            Err(ProbeError::Refused(_))
        ));
        assert_eq!(
            outcome(
                &braintree(),
                &reply(200, r#"{"errors":[{"message":"boom"}]}"#)
            ),
            Err(ProbeError::Failed(
                "The gateway answered HTTP 200: boom".into()
            ))
        );
    }
}
