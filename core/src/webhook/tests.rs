use super::*;
use crate::auth::Environment;
use crate::customization::Overrides;
use crate::gateway::{ApprovedStatus, GatewayKind, Mode};
use crate::session::ChargeResult;
use serde_json::{json, Value};

const NOW: u64 = 1_767_225_600; // 2026-01-01T00:00:00Z

fn session(status: SessionStatus, result: Option<ChargeResult>) -> Session {
    Session {
        id: "3396b0da-a248-408f-bed1-9c46ade3ec5e".into(),
        account_id: "acct".into(),
        project_id: "proj".into(),
        project_slug: "demo".into(),
        environment: Environment::Test,
        amount_cents: 1234,
        currency: "usd".into(),
        gateway: GatewayKind::Stripe,
        mode: Mode::Charge,
        capture: true,
        description: Some("Order #1042".into()),
        metadata: [("order_id".to_string(), "1042".to_string())].into(),
        overrides: Overrides::default(),
        created_at: NOW - 60,
        expires_at: NOW + 240,
        status,
        result,
        locale: None,
        color_scheme: None,
    }
}

fn approved(status: ApprovedStatus, token: Option<&str>) -> Option<ChargeResult> {
    Some(ChargeResult {
        status,
        transaction_id: "pi_123".into(),
        token: token.map(str::to_string),
        card_brand: "visa".into(),
        card_last4: "4242".into(),
    })
}

fn body(p: &Payload) -> Value {
    serde_json::to_value(p).unwrap()
}

#[test]
fn events_by_status() {
    use SessionStatus::*;
    let events: Vec<_> = [
        Pending, Processing, Succeeded, Tokenized, Authorized, Failed,
    ]
    .map(|s| Event::for_status(s).map(Event::as_str))
    .into();
    assert_eq!(
        events,
        [
            None,
            None,
            Some("payment-success"),
            Some("payment-success"),
            Some("payment-authorized"),
            Some("payment-failed")
        ]
    );
    assert_eq!(json!(Event::PaymentAuthorized), json!("payment-authorized"));
}

#[test]
fn success_payload_has_every_field_of_the_spec() {
    let s = session(
        SessionStatus::Succeeded,
        approved(ApprovedStatus::Succeeded, None),
    );
    let p = Payload::for_session(&s, None, NOW)
        .unwrap()
        .for_event("evt_1", None);
    assert_eq!(
        body(&p),
        json!({
            "event_id": "evt_1",
            "event": "payment-success",
            "session_id": "3396b0da-a248-408f-bed1-9c46ade3ec5e",
            "status": "succeeded",
            "project": "demo",
            "environment": "test",
            "amount": "12.34",
            "amount_cents": 1234,
            "currency": "usd",
            "mode": "charge",
            "processor": {"gateway": "stripe", "transaction_id": "pi_123", "token": null},
            "card_brand": "visa",
            "card_last4": "4242",
            "error_code": null,
            "caller": null,
            "source": "chat",
            "metadata": {"order_id": "1042"},
            "created_at": "2026-01-01T00:00:00Z",
        })
    );
}

#[test]
fn tokenized_and_authorized_and_zero_decimal() {
    let mut s = session(
        SessionStatus::Tokenized,
        approved(ApprovedStatus::Tokenized, Some("cus_1/pm_1")),
    );
    s.mode = Mode::Tokenize;
    let p = body(&Payload::for_session(&s, None, NOW).unwrap());
    assert_eq!(p["event"], "payment-success");
    assert_eq!(p["status"], "tokenized");
    assert_eq!(p["mode"], "tokenize");
    assert_eq!(p["processor"]["token"], "cus_1/pm_1");

    let mut s = session(
        SessionStatus::Authorized,
        approved(ApprovedStatus::Authorized, None),
    );
    s.currency = "jpy".into();
    s.amount_cents = 1000;
    let p = body(&Payload::for_session(&s, None, NOW).unwrap());
    assert_eq!(p["event"], "payment-authorized");
    assert_eq!(p["amount"], "1000");
}

#[test]
fn failed_payload_names_the_last_decline() {
    let s = session(SessionStatus::Failed, None);
    let decline = LastDecline {
        card_brand: "visa".into(),
        card_last4: "0002".into(),
        error_code: DeclineCode::CardDeclined,
    };
    let p = body(&Payload::for_session(&s, Some(&decline), NOW).unwrap());
    assert_eq!(p["event"], "payment-failed");
    assert_eq!(p["status"], "failed");
    assert_eq!(
        p["processor"],
        json!({"gateway": "stripe", "transaction_id": null, "token": null})
    );
    assert_eq!(
        (&p["card_brand"], &p["card_last4"]),
        (&json!("visa"), &json!("0002"))
    );
    assert_eq!(p["error_code"], "card_declined");
}

#[test]
fn no_event_no_payload() {
    assert!(Payload::for_session(&session(SessionStatus::Pending, None), None, NOW).is_none());
}

#[test]
fn signature_matches_an_independent_hmac() {
    // python3: hmac.new(b"whsec_test", b'1767225600.{"a":1}', hashlib.sha256).hexdigest()
    assert_eq!(
        sign("whsec_test", NOW, r#"{"a":1}"#),
        "t=1767225600,v1=6d204545ff126a339c00513d93603299c984074ce1331c3537c3f6c976b49019"
    );
}

#[test]
fn verify_accepts_the_signature_and_rejects_changes() {
    let body = r#"{"event":"payment-success"}"#;
    let header = sign("whsec_a", NOW, body);
    assert_eq!(verify("whsec_a", &header, body, NOW + 10, 300), Ok(()));
    assert_eq!(
        verify("whsec_b", &header, body, NOW, 300),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        verify(
            "whsec_a",
            &header,
            &body.replace("success", "failed"),
            NOW,
            300
        ),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        verify("whsec_a", &header, body, NOW + 301, 300),
        Err(VerifyError::Stale)
    );
    for bad in ["", "t=abc,v1=00", "v1=00", &format!("t={NOW}")] {
        assert_eq!(
            verify("whsec_a", bad, body, NOW, 300),
            Err(VerifyError::Malformed),
            "{bad}"
        );
    }
    // During a rotation several v1 entries may be sent: any match is enough.
    let old = sign("whsec_old", NOW, body);
    let both = format!("{old},v1={}", &header[header.find("v1=").unwrap() + 3..]);
    assert_eq!(verify("whsec_a", &both, body, NOW, 300), Ok(()));
}

#[test]
fn secrets_look_like_whsec() {
    let s = new_secret(&[0xab; 24]);
    assert_eq!(s, format!("whsec_{}", "ab".repeat(24)));
    assert_ne!(new_secret(&[1; 24]), new_secret(&[2; 24]));
}

#[test]
fn standard_signature_matches_the_spec_vector() {
    // The test vector the Standard Webhooks reference libraries ship.
    let key = standard_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    assert_eq!(
        standard_sign(
            &key,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            r#"{"test": 2432232314}"#
        ),
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    );
    // Our generated secrets are base64 too: 48 hex digits decode to 36 bytes.
    assert_eq!(
        standard_key(&new_secret(&[0xab; 24])).map(|k| k.len()),
        Some(36)
    );
    // Not base64: no standard signature rather than one no library could verify.
    assert_eq!(standard_key("whsec_a"), None);
    assert_eq!(standard_sign_all(&["whsec_a"], "d1", NOW, "{}"), None);
}

#[test]
fn verify_standard_accepts_any_listed_signature_and_rejects_changes() {
    let (old, new) = (new_secret(&[1; 24]), new_secret(&[2; 24]));
    let sig = standard_sign_all(&[&new, &old], "d1", NOW, "{}").unwrap();
    assert_eq!(sig.split(' ').count(), 2);
    let t = NOW.to_string();
    for s in [&old, &new] {
        assert_eq!(verify_standard(s, "d1", &t, &sig, "{}", NOW, 300), Ok(()));
    }
    let other = new_secret(&[3; 24]);
    let check = |secret: &str, id: &str, t: &str, body: &str, now: u64| {
        verify_standard(secret, id, t, &sig, body, now, 300)
    };
    assert_eq!(
        check(&other, "d1", &t, "{}", NOW),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(check(&new, "d2", &t, "{}", NOW), Err(VerifyError::Mismatch));
    assert_eq!(
        check(&new, "d1", &t, "{ }", NOW),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        check(&new, "d1", &t, "{}", NOW + 301),
        Err(VerifyError::Stale)
    );
    assert_eq!(
        check(&new, "d1", "x", "{}", NOW),
        Err(VerifyError::Malformed)
    );
}

#[test]
fn the_request_is_a_json_post_signed_both_ways() {
    let secret = new_secret(&[0xab; 24]);
    let call = http_call(
        "https://shop.example.com/hooks",
        &[&secret],
        "d1",
        "{}",
        NOW,
    );
    assert_eq!(
        (call.method, call.url.as_str(), call.body.as_str()),
        ("POST", "https://shop.example.com/hooks", "{}")
    );
    let header = |n: &str| {
        call.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.clone())
    };
    assert_eq!(header("content-type").as_deref(), Some("application/json"));
    assert_eq!(header("maven-delivery").as_deref(), Some("d1"));
    let sig = header("maven-signature").unwrap();
    assert_eq!(
        verify(&secret, &sig, "{}", NOW, DEFAULT_TOLERANCE_SECS),
        Ok(())
    );
    assert_eq!(header("webhook-id").as_deref(), Some("d1"));
    assert_eq!(header("webhook-timestamp"), Some(NOW.to_string()));
    // python3: base64.b64encode(hmac.new(base64.b64decode("ab"*24), b"d1.1767225600.{}",
    // hashlib.sha256).digest())
    assert_eq!(
        header("webhook-signature").as_deref(),
        Some("v1,nv8uoMPZ4DYImTw9XBhN4g9RXjMRzgs7TZJ21isM+9I=")
    );
}

#[test]
fn during_a_roll_both_secrets_sign_both_headers() {
    let (old, new) = (new_secret(&[1; 24]), new_secret(&[2; 24]));
    let call = http_call(
        "https://shop.example.com/hooks",
        &[&new, &old],
        "d1",
        "{}",
        NOW,
    );
    let header = |n: &str| {
        call.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    let maven = header("maven-signature");
    assert_eq!(maven.matches("v1=").count(), 2);
    for s in [&old, &new] {
        assert_eq!(verify(s, &maven, "{}", NOW, 300), Ok(()));
        assert_eq!(
            verify_standard(
                s,
                "d1",
                &NOW.to_string(),
                &header("webhook-signature"),
                "{}",
                NOW,
                300
            ),
            Ok(())
        );
    }
}

#[test]
fn operations_raise_their_own_events_with_totals() {
    use crate::operation::OpKind;
    use crate::webhook::Operation;
    let mut s = session(
        SessionStatus::PartiallyRefunded,
        approved(ApprovedStatus::Succeeded, None),
    );
    let op = Operation {
        kind: OpKind::Refund,
        amount_cents: 200,
        amount: "2.00".into(),
        reason: None,
        voided: false,
        amount_captured_cents: 1234,
        amount_refunded_cents: 200,
    };
    let p = Payload::for_session(&s, None, NOW)
        .unwrap()
        .for_event("evt_2", Some(&op));
    let b = body(&p);
    assert_eq!(b["event"], "payment-refunded");
    assert_eq!(b["event_id"], "evt_2");
    assert_eq!(b["operation"]["amount_refunded_cents"], 200);
    assert_eq!(b["operation"]["kind"], "refund");
    for (status, event) in [
        (SessionStatus::Captured, "payment-captured"),
        (SessionStatus::Voided, "payment-voided"),
        (SessionStatus::Refunded, "payment-refunded"),
    ] {
        s.status = status;
        let p = Payload::for_session(&s, None, NOW).unwrap();
        assert_eq!(body(&p)["event"], event);
    }
}
