//! `Flow` itself: dispatch, the call budget, what happens after `Done`, and that nothing a
//! worker might log (`{:?}` of a flow or step) shows a card number, CVC or key.

use super::testutil::*;
use super::*;
use crate::secret::Secret;

fn configs() -> Vec<GatewayConfig> {
    let base = |g: &str| format!("http://127.0.0.1:8788/{g}");
    vec![
        GatewayConfig {
            base_url: base("stripe"),
            credentials: Credentials::Stripe {
                secret_key: Secret::new("sk_test_SECRETKEY"),
            },
        },
        GatewayConfig {
            base_url: base("authorizenet"),
            credentials: Credentials::Authorizenet {
                api_login_id: Secret::new("LOGINSECRET"),
                transaction_key: Secret::new("KEYSECRET"),
            },
        },
        GatewayConfig {
            base_url: base("braintree"),
            credentials: Credentials::Braintree {
                public_key: Secret::new("PUBSECRET"),
                private_key: Secret::new("PRIVSECRET"),
                merchant_account_id: None,
                merchant_accounts: Default::default(),
                default_currency: None,
            },
        },
        GatewayConfig {
            base_url: base("shift4"),
            credentials: Credentials::Shift4 {
                secret_key: Secret::new("sk_test_SHIFT4SECRET"),
            },
        },
    ]
}

#[test]
fn dispatches_by_credentials_and_hides_secrets_in_debug() {
    let mut req = charge("4000000000000127");
    req.card.cvc = Secret::new("987");
    for config in configs() {
        let mut flow = Flow::new(&config, &req);
        assert_eq!(flow.kind(), config.credentials.kind());
        let Step::Call(call) = flow.next(None) else {
            panic!("{:?} made no call", flow.kind())
        };
        assert!(call.url.starts_with(&config.base_url), "{}", call.url);
        assert!(
            call.body.contains("4000000000000127"),
            "the first call carries the card"
        );
        let shown = format!("{flow:?} {call:?} {:?}", Step::Call(call.clone()));
        for secret in [
            "4000000000000127",
            "987",
            "SECRET",
            &basic_auth::base64_encode(b"PUBSECRET:PRIVSECRET"),
        ] {
            assert!(!shown.contains(secret), "{secret} leaked: {shown}");
        }
        assert_eq!(flow.calls(), 1);
    }
}

#[test]
fn missing_reply_and_after_done() {
    let config = &configs()[0];
    let mut flow = Flow::new(config, &charge("4242424242424242"));
    assert!(matches!(flow.next(None), Step::Call(_)));
    let Step::Done(outcome) = flow.next(None) else {
        panic!("expected done")
    };
    assert!(unavailable_reason(&outcome).contains("without the reply"));
    // Done is sticky: the same outcome, no new call.
    assert_eq!(flow.next(Some(reply(200, "{}"))), Step::Done(outcome));
    assert_eq!(flow.calls(), 1);
}

#[test]
fn every_flow_fits_the_call_budget() {
    // The longest path: Braintree recovering with nothing found = search, tokenize, charge.
    let mut req = charge("4242424242424242");
    req.recovering = true;
    let config = &configs()[2];
    let empty = r#"{"data":{"search":{"transactions":{"edges":[]}}}}"#;
    let tokenized = r#"{"data":{"tokenizeCreditCard":{"paymentMethod":{"id":"tokencc_1"}}}}"#;
    let charged = r#"{"data":{"chargeCreditCard":{"transaction":{"id":"t1","status":"SUBMITTED_FOR_SETTLEMENT"}}}}"#;
    let (calls, outcome) = drive(
        config,
        &req,
        vec![
            reply(200, empty),
            reply(200, tokenized),
            reply(200, charged),
        ],
    );
    assert!(calls.len() as u32 <= MAX_CALLS);
    assert!(matches!(outcome, Outcome::Approved { .. }));
}

#[test]
fn flow_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<Flow>();
}

#[test]
fn free_text_of_an_outcome_never_carries_a_card_number() {
    let o = super::flow::masked(crate::gateway::Outcome::Rejected(
        "card 4242424242424242 refused".into(),
    ));
    let crate::gateway::Outcome::Rejected(r) = o else {
        panic!("{o:?}")
    };
    assert!(!r.contains("424242424242"), "{r}");
    assert!(r.ends_with("4242 refused"), "{r}");
}
