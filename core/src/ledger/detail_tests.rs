use super::*;
use crate::charge::{ChargeState, DoneOp, OpenOp};
use crate::customization::Overrides;
use crate::gateway::{ApprovedStatus, Mode};
use crate::ledger::LedgerFacts;
use crate::session::{ChargeResult, Session};

fn session(gateway: GatewayKind, status: SessionStatus) -> Session {
    Session {
        id: "6f1c2a4e-8b0d-4c1e-9f3a-2b7d5e8c1a90".into(),
        account_id: "acct".into(),
        project_id: "proj".into(),
        project_slug: "demo".into(),
        environment: Environment::Test,
        amount_cents: 5000,
        currency: "usd".into(),
        gateway,
        mode: Mode::Charge,
        capture: true,
        description: None,
        metadata: Default::default(),
        overrides: Overrides::default(),
        created_at: 1_790_000_000,
        expires_at: 1_790_000_300,
        status,
        result: (status != SessionStatus::Pending).then(|| ChargeResult {
            status: ApprovedStatus::Succeeded,
            transaction_id: "ch_1".into(),
            token: None,
            card_brand: "visa".into(),
            card_last4: "4242".into(),
        }),
        locale: None,
        color_scheme: None,
    }
}

fn object(
    gateway: GatewayKind,
    status: SessionStatus,
    captured: u64,
    refunded: u64,
) -> SessionObject {
    let facts = LedgerFacts {
        amount_captured_cents: captured,
        amount_refunded_cents: refunded,
        ..Default::default()
    };
    SessionObject::build(&session(gateway, status), &facts)
}

fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
    q.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn locs(e: ApiError) -> Vec<String> {
    e.body()["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{}:{}",
                d["loc"][1].as_str().unwrap(),
                d["type"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn list_query_takes_the_ledger_filters_for_this_project_and_needs_an_environment() {
    let (env, f) = dashboard_list_query(
        &pairs(&[
            ("environment", "live"),
            ("status", "refunded"),
            ("limit", "5"),
            ("project", "someone-elses"),
        ]),
        "proj-1",
    )
    .unwrap();
    assert_eq!(env, Environment::Live);
    assert_eq!(f.status, Some(SessionStatus::Refunded));
    assert_eq!(f.limit, 5);

    let e = dashboard_list_query(&pairs(&[("status", "paid"), ("limit", "0")]), "p").unwrap_err();
    assert_eq!(
        locs(e),
        [
            "environment:missing",
            "status:literal_error",
            "limit:greater_than_equal"
        ]
    );
    let e = dashboard_list_query(&pairs(&[("environment", "prod")]), "p").unwrap_err();
    assert_eq!(locs(e), ["environment:literal_error"]);
}

#[test]
fn actions_follow_the_status_and_the_gateway() {
    let names = |o: &SessionObject| {
        available_actions(o)
            .into_iter()
            .map(|a| (a.action, a.max_amount_cents, a.partial))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&object(GatewayKind::Stripe, SessionStatus::Pending, 0, 0)),
        [("cancel".to_string(), None, false)]
    );
    assert_eq!(
        names(&object(
            GatewayKind::Stripe,
            SessionStatus::Authorized,
            0,
            0
        )),
        [
            ("capture".to_string(), Some(5000), true),
            ("void".to_string(), None, false)
        ]
    );
    // Shift4 captures the whole authorization only.
    assert!(
        !available_actions(&object(
            GatewayKind::Shift4,
            SessionStatus::Authorized,
            0,
            0
        ))[0]
            .partial
    );
    assert_eq!(
        names(&object(GatewayKind::Stripe, SessionStatus::Succeeded, 0, 0)),
        [("refund".to_string(), Some(5000), true)]
    );
    assert_eq!(
        names(&object(
            GatewayKind::Stripe,
            SessionStatus::PartiallyRefunded,
            5000,
            1200
        )),
        [("refund".to_string(), Some(3800), true)]
    );
    for done in [
        SessionStatus::Refunded,
        SessionStatus::Voided,
        SessionStatus::Failed,
        SessionStatus::Cancelled,
    ] {
        assert!(
            available_actions(&object(GatewayKind::Stripe, done, 5000, 5000)).is_empty(),
            "{done:?}"
        );
    }
}

fn state_with_ops() -> ChargeState {
    let mut s = ChargeState {
        attempt: 2,
        declines: 1,
        session: Some(session(
            GatewayKind::Stripe,
            SessionStatus::PartiallyRefunded,
        )),
        ..Default::default()
    };
    s.ops.done.push(DoneOp {
        number: 1,
        kind: OpKind::Refund,
        amount_cents: 1200,
        voided: false,
        gateway_id: Some("re_1".into()),
        request_key: Some("hashed-merchant-key".into()),
        at_ms: 1_790_000_100_500,
    });
    s
}

#[test]
fn history_keeps_operations_but_not_the_merchants_key() {
    let h = PaymentHistory::of(&state_with_ops());
    assert_eq!((h.attempts, h.declines, h.attempt_open), (2, 1, false));
    assert_eq!(h.operations[0].gateway_id.as_deref(), Some("re_1"));
    assert!(!serde_json::to_string(&h)
        .unwrap()
        .contains("hashed-merchant-key"));
}

#[test]
fn timeline_numbers_attempts_and_puts_amounts_on_operations() {
    let history = PaymentHistory::of(&state_with_ops());
    let events = [
        ("session.created", 1_790_000_000_000),
        ("payment.declined", 1_790_000_010_000),
        ("payment.approved", 1_790_000_020_000),
        ("payment.refunded", 1_790_000_100_500),
    ]
    .map(|(e, at)| LedgerEvent {
        event: e.into(),
        at_ms: at,
    });
    let o = object(
        GatewayKind::Stripe,
        SessionStatus::PartiallyRefunded,
        5000,
        1200,
    );
    let d = PaymentDetail::build(o.clone(), &events, Some(&history));
    let line: Vec<_> = d
        .timeline
        .iter()
        .map(|t| {
            (
                t.event.as_str(),
                t.attempt,
                t.amount_cents,
                t.gateway_id.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        line,
        [
            ("session.created", None, None, None),
            ("payment.declined", Some(1), None, None),
            ("payment.approved", Some(2), None, None),
            ("payment.refunded", None, Some(1200), Some("re_1")),
        ]
    );
    assert_eq!(d.timeline[3].at, rfc3339(1_790_000_100));
    assert_eq!(d.actions[0].max_amount_cents, Some(3800));
    assert!(d.history_kept);

    // The ledger has not received the refund yet: it still shows, from the object.
    let d = PaymentDetail::build(o.clone(), &events[..3], Some(&history));
    assert_eq!(d.timeline.last().unwrap().event, "payment.refunded");

    // The object forgot the session: the ledger's events alone.
    let d = PaymentDetail::build(o, &events, None);
    assert_eq!(d.timeline[3].amount_cents, None);
    assert!(!d.history_kept);
}

#[test]
fn an_operation_in_flight_shows_and_offers_no_action() {
    let mut s = state_with_ops();
    s.ops.open = Some(OpenOp {
        number: 2,
        kind: OpKind::Refund,
        amount_cents: 300,
        reason: None,
        gateway_key: "k".into(),
        request_key: None,
        whole: false,
        holder: None,
        sent: true,
    });
    let o = object(
        GatewayKind::Stripe,
        SessionStatus::PartiallyRefunded,
        5000,
        1200,
    );
    let d = PaymentDetail::build(o, &[], Some(&PaymentHistory::of(&s)));
    assert_eq!(d.timeline.last().unwrap().event, "refund.pending");
    assert_eq!(d.timeline.last().unwrap().amount_cents, Some(300));
    assert!(d.actions.is_empty());
}
