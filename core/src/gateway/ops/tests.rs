use super::*;
use crate::gateway::testutil::reply;
use crate::gateway::{Credentials, GatewayConfig};
use serde_json::json;

fn config(credentials: Credentials) -> GatewayConfig {
    GatewayConfig {
        base_url: "http://sim/".into(),
        credentials,
    }
}

fn stripe() -> GatewayConfig {
    config(Credentials::Stripe {
        secret_key: Secret::new("sk_test_x"),
    })
}

fn shift4() -> GatewayConfig {
    config(Credentials::Shift4 {
        secret_key: Secret::new("sk_test_y"),
    })
}

fn anet() -> GatewayConfig {
    config(Credentials::Authorizenet {
        api_login_id: Secret::new("login"),
        transaction_key: Secret::new("key"),
    })
}

fn braintree() -> GatewayConfig {
    config(Credentials::Braintree {
        public_key: Secret::new("pub"),
        private_key: Secret::new("priv"),
        merchant_account_id: None,
        merchant_accounts: Default::default(),
        default_currency: None,
    })
}

fn op(kind: OpKind, amount: u64, id: &str) -> OpRequest {
    OpRequest {
        kind,
        amount_cents: amount,
        currency: "usd".into(),
        transaction_id: id.into(),
        whole: false,
        gateway_key: "mvn-1a2b3c4d-5e6f-7a8b-9c0d-112233445566-op1".into(),
        reason: None,
        card_last4: "4242".into(),
        resume: false,
    }
}

/// Runs an operation with canned replies: its calls and its outcome.
fn drive(
    config: &GatewayConfig,
    r: &OpRequest,
    replies: Vec<HttpReply>,
) -> (Vec<HttpCall>, OpOutcome) {
    let mut flow = OpFlow::new(config, r);
    let mut replies = replies.into_iter();
    let mut calls = Vec::new();
    let mut next = None;
    loop {
        match flow.next(next.take()) {
            OpStep::Call(c) => {
                calls.push(c);
                next = Some(replies.next().expect("more calls than replies"));
            }
            OpStep::Done(o) => return (calls, o),
        }
    }
}

fn header<'a>(c: &'a HttpCall, name: &str) -> Option<&'a str> {
    c.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn body(c: &HttpCall) -> Value {
    serde_json::from_str(&c.body).unwrap()
}

fn is_applied(o: &OpOutcome, voided: bool) -> bool {
    matches!(o, OpOutcome::Applied { voided: v, .. } if *v == voided)
}

#[test]
fn stripe_capture_cancel_and_refund_with_the_operation_key() {
    let r = op(OpKind::Capture, 600, "pi_1");
    let (calls, o) = drive(
        &stripe(),
        &r,
        vec![reply(200, r#"{"id":"pi_1","status":"succeeded"}"#)],
    );
    assert_eq!(calls[0].url, "http://sim/v1/payment_intents/pi_1/capture");
    assert_eq!(calls[0].body, "amount_to_capture=600");
    assert_eq!(
        header(&calls[0], "idempotency-key"),
        Some(r.gateway_key.as_str())
    );
    assert!(is_applied(&o, false));

    let (calls, o) = drive(
        &stripe(),
        &op(OpKind::Void, 1000, "pi_1"),
        vec![reply(200, r#"{"id":"pi_1","status":"canceled"}"#)],
    );
    assert_eq!(calls[0].url, "http://sim/v1/payment_intents/pi_1/cancel");
    assert!(is_applied(&o, false));

    let mut r = op(OpKind::Refund, 250, "pi_1");
    r.reason = Some("requested_by_customer".into());
    let (calls, o) = drive(
        &stripe(),
        &r,
        vec![reply(200, r#"{"id":"re_1","status":"succeeded"}"#)],
    );
    assert_eq!(calls[0].url, "http://sim/v1/refunds");
    assert_eq!(
        calls[0].body,
        "payment_intent=pi_1&amount=250&reason=requested_by_customer"
    );
    assert_eq!(
        o,
        OpOutcome::Applied {
            gateway_id: Some("re_1".into()),
            voided: false
        }
    );
}

#[test]
fn stripe_errors_are_refusals_or_unknown() {
    let r = op(OpKind::Refund, 250, "pi_1");
    let over = r#"{"error":{"type":"invalid_request_error","code":"amount_too_large","message":"Refund amount ($2.50) is greater than unrefunded amount on charge ($1.00)"}}"#;
    let (_, o) = drive(&stripe(), &r, vec![reply(400, over)]);
    assert!(matches!(
        o,
        OpOutcome::Refused {
            refusal: Some(OpRefusal::ExceedsRefundable),
            ..
        }
    ));
    for (status, body) in [
        (500, r#"{"error":{"type":"api_error"}}"#),
        (409, r#"{"error":{"type":"idempotency_error"}}"#),
        (200, "{"),
    ] {
        let (_, o) = drive(&stripe(), &r, vec![reply(status, body)]);
        assert!(matches!(o, OpOutcome::Unknown(_)), "{status} {body}");
    }
}

#[test]
fn shift4_capture_refund_and_void_as_a_refund_of_the_uncaptured_charge() {
    let (calls, o) = drive(
        &shift4(),
        &op(OpKind::Capture, 1000, "char_1"),
        vec![reply(200, r#"{"id":"char_1","captured":true}"#)],
    );
    assert_eq!(calls[0].url, "http://sim/charges/char_1/capture");
    assert!(header(&calls[0], "idempotency-key").is_some());
    assert!(is_applied(&o, false));
    let (calls, o) = drive(
        &shift4(),
        &op(OpKind::Refund, 300, "char_1"),
        vec![reply(
            200,
            r#"{"id":"re_9","amount":300,"charge":"char_1"}"#,
        )],
    );
    assert_eq!(calls[0].url, "http://sim/refunds");
    assert_eq!(
        body(&calls[0]),
        json!({"chargeId": "char_1", "amount": 300})
    );
    assert!(is_applied(&o, false));
    let (calls, _) = drive(
        &shift4(),
        &op(OpKind::Void, 1000, "char_1"),
        vec![reply(200, r#"{"id":"re_8"}"#)],
    );
    assert_eq!(body(&calls[0]), json!({"chargeId": "char_1"}));
    let bad = r#"{"error":{"type":"invalid_request","message":"Refund amount exceeds the charge's remaining amount."}}"#;
    let (_, o) = drive(
        &shift4(),
        &op(OpKind::Refund, 300, "char_1"),
        vec![reply(400, bad)],
    );
    assert!(matches!(
        o,
        OpOutcome::Refused {
            refusal: Some(OpRefusal::ExceedsRefundable),
            ..
        }
    ));
}

fn anet_ok(trans_id: &str) -> HttpReply {
    reply(
        200,
        &format!(
            "\u{feff}{{\"transactionResponse\":{{\"responseCode\":\"1\",\"transId\":\"{trans_id}\",\"messages\":[{{\"code\":\"1\",\"description\":\"ok\"}}]}},\"messages\":{{\"resultCode\":\"Ok\",\"message\":[{{\"code\":\"I00001\",\"text\":\"Successful.\"}}]}}}}"
        ),
    )
}

fn anet_error(reason: &str, text: &str) -> HttpReply {
    reply(
        200,
        &format!(
            "{{\"transactionResponse\":{{\"responseCode\":\"3\",\"transId\":\"0\",\"errors\":[{{\"errorCode\":\"{reason}\",\"errorText\":\"{text}\"}}]}},\"messages\":{{\"resultCode\":\"Error\",\"message\":[{{\"code\":\"E00027\",\"text\":\"The transaction was unsuccessful.\"}}]}}}}"
        ),
    )
}

#[test]
fn authorizenet_capture_void_and_refund_in_xsd_order() {
    let (calls, o) = drive(
        &anet(),
        &op(OpKind::Capture, 600, "6001"),
        vec![anet_ok("6001")],
    );
    let tx = &body(&calls[0])["createTransactionRequest"]["transactionRequest"];
    assert_eq!(tx["transactionType"], "priorAuthCaptureTransaction");
    assert_eq!(tx["amount"], "6.00");
    assert_eq!(tx["refTransId"], "6001");
    assert!(is_applied(&o, false));

    let (calls, _) = drive(
        &anet(),
        &op(OpKind::Void, 1000, "6001"),
        vec![anet_ok("6001")],
    );
    let tx = &body(&calls[0])["createTransactionRequest"]["transactionRequest"];
    assert_eq!(tx["transactionType"], "voidTransaction");
    assert!(tx.get("amount").is_none());

    let (calls, o) = drive(
        &anet(),
        &op(OpKind::Refund, 250, "6001"),
        vec![anet_ok("7002")],
    );
    // Sequence order of the XSD: transactionType, amount, payment, refTransId, settings.
    let raw = &calls[0].body;
    let at = |k: &str| raw.find(k).unwrap();
    assert!(at("transactionType") < at("\"amount\"") && at("\"amount\"") < at("payment"));
    assert!(at("payment") < at("refTransId") && at("refTransId") < at("transactionSettings"));
    assert!(at("merchantAuthentication") < at("refId") && at("refId") < at("transactionRequest"));
    let tx = &body(&calls[0])["createTransactionRequest"]["transactionRequest"];
    assert_eq!(
        tx["payment"],
        json!({"creditCard": {"cardNumber": "4242", "expirationDate": "XXXX"}})
    );
    assert!(
        body(&calls[0])["createTransactionRequest"]["refId"]
            .as_str()
            .unwrap()
            .len()
            <= 20
    );
    assert_eq!(
        o,
        OpOutcome::Applied {
            gateway_id: Some("7002".into()),
            voided: false
        }
    );
}

#[test]
fn authorizenet_unsettled_refunds_void_when_whole_and_wait_when_partial() {
    let not_settled = || {
        anet_error(
            "54",
            "The referenced transaction does not meet the criteria for issuing a credit.",
        )
    };
    let (_, o) = drive(
        &anet(),
        &op(OpKind::Refund, 250, "6001"),
        vec![not_settled()],
    );
    assert!(matches!(
        o,
        OpOutcome::Refused {
            refusal: Some(OpRefusal::NotSettled),
            ..
        }
    ));
    let mut whole = op(OpKind::Refund, 1000, "6001");
    whole.whole = true;
    let (calls, o) = drive(&anet(), &whole, vec![not_settled(), anet_ok("6001")]);
    assert_eq!(calls.len(), 2);
    let tx = &body(&calls[1])["createTransactionRequest"]["transactionRequest"];
    assert_eq!(tx["transactionType"], "voidTransaction");
    assert!(is_applied(&o, true));
    let (_, o) = drive(
        &anet(),
        &op(OpKind::Refund, 250, "6001"),
        vec![anet_error("55", "The sum of credits against the referenced transaction would exceed the original debit amount.")],
    );
    assert!(matches!(
        o,
        OpOutcome::Refused {
            refusal: Some(OpRefusal::ExceedsRefundable),
            ..
        }
    ));
    // A resend the gateway recognises means the first one was applied.
    let mut again = op(OpKind::Refund, 250, "6001");
    again.resume = true;
    let (_, o) = drive(
        &anet(),
        &again,
        vec![anet_error(
            "11",
            "A duplicate transaction has been submitted.",
        )],
    );
    assert!(is_applied(&o, false));
    let mut cap = op(OpKind::Capture, 600, "6001");
    cap.resume = true;
    let (_, o) = drive(
        &anet(),
        &cap,
        vec![anet_error(
            "311",
            "This transaction has already been captured.",
        )],
    );
    assert!(is_applied(&o, false));
    // Without a resume, a duplicate is a refusal, never an approval.
    let (_, o) = drive(
        &anet(),
        &op(OpKind::Capture, 600, "6001"),
        vec![anet_error("311", "already captured")],
    );
    assert!(matches!(o, OpOutcome::Refused { .. }));
}

fn bt(data: Value) -> HttpReply {
    reply(200, &json!({"data": data}).to_string())
}

fn bt_error(legacy: &str, message: &str) -> HttpReply {
    reply(
        200,
        &json!({"data": null, "errors": [{"message": message,
            "extensions": {"errorClass": "VALIDATION", "legacyCode": legacy}}]})
        .to_string(),
    )
}

#[test]
fn braintree_capture_reverse_and_refund() {
    let (calls, o) = drive(
        &braintree(),
        &op(OpKind::Capture, 600, "dHJh"),
        vec![bt(
            json!({"captureTransaction": {"transaction": {"id": "dHJh", "status": "SUBMITTED_FOR_SETTLEMENT"}}}),
        )],
    );
    let b = body(&calls[0]);
    assert!(b["query"].as_str().unwrap().contains("captureTransaction"));
    assert_eq!(
        b["variables"]["input"],
        json!({"transactionId": "dHJh", "transaction": {"amount": "6.00"}})
    );
    assert_eq!(header(&calls[0], "braintree-version"), Some(API_VERSION));
    assert!(is_applied(&o, false));

    let (calls, o) = drive(
        &braintree(),
        &op(OpKind::Void, 1000, "dHJh"),
        vec![bt(
            json!({"reverseTransaction": {"reversal": {"id": "dHJh", "status": "VOIDED"}}}),
        )],
    );
    assert!(body(&calls[0])["query"]
        .as_str()
        .unwrap()
        .contains("reverseTransaction"));
    assert!(is_applied(&o, false));

    let r = op(OpKind::Refund, 250, "dHJh");
    let (calls, o) = drive(
        &braintree(),
        &r,
        vec![bt(
            json!({"refundTransaction": {"refund": {"id": "cmVm", "status": "SUBMITTED_FOR_SETTLEMENT"}}}),
        )],
    );
    assert_eq!(
        body(&calls[0])["variables"]["input"],
        json!({"transactionId": "dHJh", "refund": {"amount": "2.50", "orderId": r.gateway_key}})
    );
    assert!(is_applied(&o, false));
}

#[test]
fn braintree_unsettled_refunds_and_resumes_search_first() {
    let unsettled = || bt_error("91506", "Cannot refund transaction unless it is settled.");
    let (_, o) = drive(
        &braintree(),
        &op(OpKind::Refund, 250, "dHJh"),
        vec![unsettled()],
    );
    assert!(matches!(
        o,
        OpOutcome::Refused {
            refusal: Some(OpRefusal::NotSettled),
            ..
        }
    ));
    let mut whole = op(OpKind::Refund, 1000, "dHJh");
    whole.whole = true;
    let (calls, o) = drive(
        &braintree(),
        &whole,
        vec![
            unsettled(),
            bt(json!({"reverseTransaction": {"reversal": {"id": "dHJh", "status": "VOIDED"}}})),
        ],
    );
    assert_eq!(calls.len(), 2);
    assert!(is_applied(&o, true));
    // Resume: the refund is found by its orderId and not sent again.
    let mut again = op(OpKind::Refund, 250, "dHJh");
    again.resume = true;
    let (calls, o) = drive(
        &braintree(),
        &again,
        vec![
            bt(
                json!({"search": {"transactions": {"edges": [{"node": {"id": "dHJh", "status": "SUBMITTED_FOR_SETTLEMENT"}}]}}}),
            ),
            bt(
                json!({"search": {"transactions": {"edges": [{"node": {"id": "cmVm", "status": "SUBMITTED_FOR_SETTLEMENT"}}]}}}),
            ),
        ],
    );
    assert_eq!(calls.len(), 2);
    assert!(is_applied(&o, false));
    // Not found: sent now.
    let (calls, o) = drive(
        &braintree(),
        &again,
        vec![
            bt(
                json!({"search": {"transactions": {"edges": [{"node": {"id": "dHJh", "status": "SETTLED"}}]}}}),
            ),
            bt(json!({"search": {"transactions": {"edges": []}}})),
            bt(
                json!({"refundTransaction": {"refund": {"id": "cmVm", "status": "SUBMITTED_FOR_SETTLEMENT"}}}),
            ),
        ],
    );
    assert_eq!(calls.len(), 3);
    assert!(is_applied(&o, false));
    // A capture already done is found by the transaction's status.
    let mut cap = op(OpKind::Capture, 600, "dHJh");
    cap.resume = true;
    let (calls, o) = drive(
        &braintree(),
        &cap,
        vec![bt(
            json!({"search": {"transactions": {"edges": [{"node": {"id": "dHJh", "status": "SUBMITTED_FOR_SETTLEMENT"}}]}}}),
        )],
    );
    assert_eq!(calls.len(), 1);
    assert!(is_applied(&o, false));
    let (_, o) = drive(
        &braintree(),
        &op(OpKind::Refund, 250, "dHJh"),
        vec![reply(
            200,
            r#"{"errors":[{"message":"x","extensions":{"errorClass":"INTERNAL"}}]}"#,
        )],
    );
    assert!(matches!(o, OpOutcome::Unknown(_)));
}
