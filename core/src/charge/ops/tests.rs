use super::*;
use crate::auth::Environment;
use crate::customization::Overrides;
use crate::gateway::{ApprovedStatus, GatewayKind, Mode};
use crate::operation::rules;
use crate::session::{ChargeResult, Session};

const T: Timing = Timing {
    deadline_ms: 10_000,
    quiet_ms: 30_000,
    retry_ms: 1_000,
    max_retry_ms: 60_000,
};

fn paid(capture: bool) -> ChargeState {
    let status = if capture {
        ApprovedStatus::Succeeded
    } else {
        ApprovedStatus::Authorized
    };
    let session = Session {
        id: "s1".into(),
        account_id: "a".into(),
        project_id: "p".into(),
        project_slug: "demo".into(),
        environment: Environment::Test,
        amount_cents: 1000,
        currency: "usd".into(),
        gateway: GatewayKind::Stripe,
        mode: Mode::Charge,
        capture,
        description: None,
        metadata: Default::default(),
        overrides: Overrides::default(),
        created_at: 0,
        expires_at: 900,
        status: status.into(),
        result: Some(ChargeResult {
            status,
            transaction_id: "pi_1".into(),
            token: None,
            card_brand: "visa".into(),
            card_last4: "4242".into(),
        }),
        locale: None,
        color_scheme: None,
    };
    ChargeState {
        session: Some(session),
        ..Default::default()
    }
}

fn ids() -> impl FnMut() -> String {
    let mut n = 0;
    move || {
        n += 1;
        format!("d{n}")
    }
}

fn order(kind: OpKind, amount: Option<u64>) -> OpOrder {
    OpOrder {
        kind,
        amount_cents: amount,
        reason: None,
    }
}

const STRIPE: Rules = Rules {
    partial_capture: true,
    refund_needs_settlement: false,
};

fn nobody(_: &str) -> bool {
    false
}

fn applied() -> OpOutcome {
    OpOutcome::Applied {
        gateway_id: Some("re_1".into()),
        voided: false,
    }
}

/// Begins and commits `o` with `outcome`; the answer.
fn run(s: &mut ChargeState, o: OpOrder, outcome: OpOutcome) -> OpAnswer {
    let claim = match s.begin_op(&o, None, STRIPE, 10, &T, |_| true) {
        Ok(c) => c,
        Err(answer) => return answer,
    };
    s.op_sent(&claim.token);
    s.commit_op(&claim.token, &outcome, 20, &mut ids())
}

fn refused(a: &OpAnswer) -> Option<OpRefusal> {
    match a {
        OpAnswer::Refused { refusal } => Some(*refusal),
        _ => None,
    }
}

fn object(a: &OpAnswer) -> &SessionObject {
    match a {
        OpAnswer::Done { object } => object,
        other => panic!("not done: {other:?}"),
    }
}

#[test]
fn partial_capture_then_two_refunds_then_over_refund_is_refused() {
    let mut s = paid(false);
    let a = run(&mut s, order(OpKind::Capture, Some(600)), applied());
    assert_eq!(object(&a).status, SessionStatus::Captured);
    assert_eq!(object(&a).amount_captured_cents, 600);
    let a = run(&mut s, order(OpKind::Refund, Some(200)), applied());
    assert_eq!(object(&a).status, SessionStatus::PartiallyRefunded);
    assert_eq!(object(&a).amount_refunded_cents, 200);
    let a = run(&mut s, order(OpKind::Refund, Some(401)), applied());
    assert_eq!(refused(&a), Some(OpRefusal::ExceedsRefundable));
    let a = run(&mut s, order(OpKind::Refund, None), applied());
    assert_eq!(object(&a).status, SessionStatus::Refunded);
    assert_eq!(object(&a).amount_refunded_cents, 600);
    let a = run(&mut s, order(OpKind::Refund, Some(1)), applied());
    assert_eq!(refused(&a), Some(OpRefusal::ExceedsRefundable));
    // Each applied operation queued the view, a ledger row and its webhook.
    let hooks: Vec<_> = s
        .outbox
        .iter()
        .filter_map(|e| match &e.item {
            OutboxItem::Webhook { operation, .. } => operation.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(hooks.len(), 3);
    assert_eq!(hooks[2].amount_refunded_cents, 600);
    assert_eq!(hooks[2].kind, OpKind::Refund);
}

#[test]
fn capture_rules() {
    let mut s = paid(false);
    let a = run(&mut s, order(OpKind::Capture, Some(1001)), applied());
    assert_eq!(refused(&a), Some(OpRefusal::ExceedsAuthorized));
    let no_partial = Rules {
        partial_capture: false,
        refund_needs_settlement: false,
    };
    let e = s
        .begin_op(
            &order(OpKind::Capture, Some(500)),
            None,
            no_partial,
            0,
            &T,
            nobody,
        )
        .unwrap_err();
    assert_eq!(refused(&e), Some(OpRefusal::PartialCaptureUnsupported));
    let full = s
        .begin_op(
            &order(OpKind::Capture, None),
            None,
            no_partial,
            0,
            &T,
            nobody,
        )
        .unwrap();
    assert_eq!(full.op.amount_cents, 1000);
    // A charged (captured) session is neither captured nor voided again.
    let mut c = paid(true);
    for kind in [OpKind::Capture, OpKind::Void] {
        let a = run(&mut c, order(kind, None), applied());
        assert_eq!(refused(&a), Some(OpRefusal::NotAuthorized), "{kind:?}");
    }
}

#[test]
fn void_releases_an_authorization_and_nothing_can_follow() {
    let mut s = paid(false);
    let a = run(&mut s, order(OpKind::Refund, None), applied());
    assert_eq!(refused(&a), Some(OpRefusal::NotRefundable));
    let a = run(&mut s, order(OpKind::Void, None), applied());
    assert_eq!(object(&a).status, SessionStatus::Voided);
    assert_eq!(object(&a).amount_captured_cents, 0);
    for kind in [OpKind::Capture, OpKind::Void, OpKind::Refund] {
        assert!(refused(&run(&mut s, order(kind, None), applied())).is_some());
    }
}

#[test]
fn a_charge_refunds_in_full_and_a_refund_taken_as_void_captures_nothing() {
    let mut s = paid(true);
    let a = run(&mut s, order(OpKind::Refund, None), applied());
    assert_eq!(object(&a).status, SessionStatus::Refunded);
    assert_eq!(object(&a).amount_refunded_cents, 1000);

    let mut s = paid(true);
    let claim = s
        .begin_op(&order(OpKind::Refund, None), None, STRIPE, 0, &T, nobody)
        .unwrap();
    assert!(claim.op.whole);
    let voided = OpOutcome::Applied {
        gateway_id: None,
        voided: true,
    };
    let a = s.commit_op(&claim.token, &voided, 1, &mut ids());
    assert_eq!(object(&a).status, SessionStatus::Voided);
    assert_eq!(object(&a).amount_captured_cents, 0);
    assert_eq!(object(&a).amount_refunded_cents, 0);
    // A partial refund is never "whole".
    let mut s = paid(true);
    let claim = s
        .begin_op(
            &order(OpKind::Refund, Some(10)),
            None,
            STRIPE,
            0,
            &T,
            nobody,
        )
        .unwrap();
    assert!(!claim.op.whole);
}

#[test]
fn one_operation_at_a_time_and_it_is_stored_before_it_is_sent() {
    let mut s = paid(true);
    let first = s
        .begin_op(&order(OpKind::Refund, None), None, STRIPE, 0, &T, |_| true)
        .unwrap();
    // The open operation (with its gateway key) is in the state the object saves.
    let open = s.ops.open.clone().unwrap();
    assert_eq!(open.gateway_key, "mvn-s1-op1");
    assert!(!first.resume);
    let running = |t: &str| t == first.token;
    let second = s
        .begin_op(&order(OpKind::Refund, None), None, STRIPE, 1, &T, running)
        .unwrap_err();
    assert_eq!(refused(&second), Some(OpRefusal::InProgress));
    s.commit_op(&first.token, &applied(), 2, &mut ids());
    let again = run(&mut s, order(OpKind::Refund, None), applied());
    assert_eq!(refused(&again), Some(OpRefusal::ExceedsRefundable));
    assert_eq!(s.ledger.amount_refunded_cents, 1000);
}

#[test]
fn an_unknown_outcome_stays_open_and_is_resumed_with_the_same_key() {
    let mut s = paid(true);
    let first = s
        .begin_op(
            &order(OpKind::Refund, Some(300)),
            Some("k1"),
            STRIPE,
            0,
            &T,
            nobody,
        )
        .unwrap();
    s.op_sent(&first.token);
    let a = s.commit_op(
        &first.token,
        &OpOutcome::Unknown("timeout".into()),
        1,
        &mut ids(),
    );
    assert!(matches!(a, OpAnswer::Unknown { .. }));
    assert_eq!(a.error().unwrap().status(), 502);
    assert_eq!(s.ledger.amount_refunded_cents, 0, "never guessed");
    // Another request resumes it first (same key), then claims for its own order.
    let other = s
        .begin_op(
            &order(OpKind::Refund, Some(100)),
            Some("k2"),
            STRIPE,
            2,
            &T,
            nobody,
        )
        .unwrap();
    assert!(other.resume && other.other);
    assert_eq!(other.op.gateway_key, first.op.gateway_key);
    assert_eq!(other.op.amount_cents, 300);
    s.commit_op(&other.token, &applied(), 3, &mut ids());
    assert_eq!(s.ledger.amount_refunded_cents, 300);
    // The first caller's retry (same key) learns the result: nothing is refunded twice.
    let retry = s
        .begin_op(
            &order(OpKind::Refund, Some(300)),
            Some("k1"),
            STRIPE,
            4,
            &T,
            nobody,
        )
        .unwrap_err();
    assert_eq!(object(&retry).amount_refunded_cents, 300);
    assert_eq!(s.ops.count, 1);
}

#[test]
fn the_callers_own_retry_resumes_its_operation() {
    let mut s = paid(true);
    let first = s
        .begin_op(
            &order(OpKind::Refund, None),
            Some("k"),
            STRIPE,
            0,
            &T,
            nobody,
        )
        .unwrap();
    s.op_sent(&first.token);
    s.commit_op(
        &first.token,
        &OpOutcome::Unknown("reset".into()),
        1,
        &mut ids(),
    );
    let retry = s
        .begin_op(
            &order(OpKind::Refund, None),
            Some("k"),
            STRIPE,
            2,
            &T,
            nobody,
        )
        .unwrap();
    assert!(retry.resume && !retry.other);
    // A holder that died (evicted) is reaped: its request may have been sent.
    let mut s = paid(true);
    let c = s
        .begin_op(&order(OpKind::Refund, None), None, STRIPE, 0, &T, nobody)
        .unwrap();
    let next = s
        .begin_op(&order(OpKind::Refund, None), None, STRIPE, 1, &T, nobody)
        .unwrap();
    assert!(next.resume, "{c:?}");
    // The dead holder's late commit changes nothing.
    let late = s.commit_op(&c.token, &applied(), 2, &mut ids());
    assert_eq!(refused(&late), Some(OpRefusal::InProgress));
    assert_eq!(s.ledger.amount_refunded_cents, 0);
}

#[test]
fn a_gateway_refusal_closes_the_operation_without_moving_money() {
    let mut s = paid(true);
    let a = run(
        &mut s,
        order(OpKind::Refund, Some(10)),
        OpOutcome::Refused {
            refusal: Some(OpRefusal::NotSettled),
            message: "not settled".into(),
        },
    );
    assert_eq!(
        a.error().unwrap().body()["error_code"],
        "refund_before_settlement"
    );
    assert!(s.ops.open.is_none());
    assert_eq!(s.ledger.amount_refunded_cents, 0);
    let a = run(
        &mut s,
        order(OpKind::Refund, Some(10)),
        OpOutcome::Refused {
            refusal: None,
            message: "nope".into(),
        },
    );
    assert_eq!(a.error().unwrap().status(), 422);
    assert!(s.outbox.is_empty());
    let _ = rules(GatewayKind::Stripe);
}
