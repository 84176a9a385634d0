use super::*;
use crate::charge::{CardSeen, ChargeState, OutboxItem, Timing};
use crate::customization::Overrides;
use crate::gateway::{ApprovedStatus, Mode, Outcome};
use serde_json::json;

fn session() -> Session {
    Session {
        id: "6f1c2a4e-8b0d-4c1e-9f3a-2b7d5e8c1a90".into(),
        account_id: "acct".into(),
        project_id: "proj".into(),
        project_slug: "demo".into(),
        environment: Environment::Test,
        amount_cents: 5000,
        currency: "usd".into(),
        gateway: GatewayKind::Stripe,
        mode: Mode::Charge,
        capture: false,
        description: Some("Order 7".into()),
        metadata: [("order".to_string(), "7".to_string())].into(),
        overrides: Overrides::default(),
        created_at: 1_790_000_000,
        expires_at: 1_790_000_300,
        status: SessionStatus::Pending,
        result: None,
        locale: None,
        color_scheme: None,
    }
}

fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
    q.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn problems(e: ApiError) -> Vec<(String, String)> {
    e.body()["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let loc: Vec<String> = d["loc"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_str().unwrap().to_string())
                .collect();
            (loc.join("."), d["type"].as_str().unwrap().to_string())
        })
        .collect()
}

#[test]
fn a_created_session_is_pending_with_nothing_charged() {
    let mut s = ChargeState::default();
    s.record_created(&session(), 1_790_000_000_500);
    let row = s.ledger_row("session.created", 1).unwrap();
    assert_eq!(row.seq, 1);
    assert_eq!(row.keep_until(), 1_790_000_000 + 396 * 86_400);
    let o = serde_json::to_value(&row.object).unwrap();
    assert_eq!(o["status"], "pending");
    assert_eq!(o["is_terminal"], false);
    assert_eq!(o["amount_captured_cents"], 0);
    assert_eq!(o["processor"], json!(null));
    assert_eq!(o["card"], json!(null));
    assert_eq!(o["error"], json!(null));
    assert_eq!(o["attempts"], 0);
    assert_eq!(o["created_at"], "2026-09-21T14:13:20Z");
    assert_eq!(o["completed_at"], json!(null));
    assert_eq!(o["metadata"], json!({"order": "7"}));
    assert!(
        matches!(&s.outbox[0].item, OutboxItem::Ledger { event, .. } if event == "session.created")
    );
}

#[test]
fn a_decline_then_an_authorization_show_in_the_object() {
    let t = Timing::default();
    let mut s = ChargeState::default();
    s.record_created(&session(), 1_790_000_000_000);
    let card = CardSeen {
        fingerprint: "fp",
        brand: "visa",
        last4: "4242",
    };
    let mut ids = || "d".to_string();
    let c = s.claim(1_790_000_010_000, &card, &t, |_| false).unwrap();
    let declined = Outcome::Declined {
        code: DeclineCode::InsufficientFunds,
        message: "nsf".into(),
    };
    s.commit(&c.token, &declined, 1_790_000_011_000, &t, &mut ids);
    let o = s.ledger_row("x", 0).unwrap().object;
    assert_eq!((o.attempts, o.status), (1, SessionStatus::Pending));
    assert_eq!(o.error.as_ref().unwrap().code, "insufficient_funds");
    assert_eq!(o.updated_at, "2026-09-21T14:13:31Z");

    let c = s.claim(1_790_000_020_000, &card, &t, |_| false).unwrap();
    let approved = Outcome::Approved {
        status: ApprovedStatus::Authorized,
        transaction_id: "pi_1".into(),
        token: None,
        card_brand: crate::card::Brand::Visa,
        card_last4: "4242".into(),
    };
    s.commit(&c.token, &approved, 1_790_000_021_000, &t, &mut ids);
    let row = s.ledger_row("payment.approved", 0).unwrap();
    let o = row.object;
    assert_eq!(row.seq, 3);
    assert_eq!(
        (o.attempts, o.status, o.is_terminal),
        (2, SessionStatus::Authorized, true)
    );
    assert_eq!(o.error, None);
    assert_eq!(o.amount_captured_cents, 0, "authorized, not captured");
    let p = o.processor.unwrap();
    assert_eq!(
        (p.gateway.as_str(), p.transaction_id.as_str()),
        ("stripe", "pi_1")
    );
    let card = o.card.unwrap();
    assert_eq!((card.brand.as_str(), card.last4.as_str()), ("visa", "4242"));
    assert_eq!(o.completed_at.as_deref(), Some("2026-09-21T14:13:41Z"));
}

#[test]
fn a_succeeded_charge_counts_as_captured() {
    let mut s = session();
    s.status = SessionStatus::Succeeded;
    let o = SessionObject::build(&s, &LedgerFacts::default());
    assert_eq!(o.amount_captured_cents, 5000);
}

#[test]
fn the_object_never_holds_more_of_the_card_than_brand_and_last4() {
    let mut s = session();
    s.status = SessionStatus::Succeeded;
    s.result = Some(crate::session::ChargeResult {
        status: ApprovedStatus::Succeeded,
        transaction_id: "t".into(),
        token: None,
        card_brand: "visa".into(),
        card_last4: "4242".into(),
    });
    let text = serde_json::to_string(&SessionObject::build(&s, &LedgerFacts::default())).unwrap();
    assert!(!text.contains("4242424242424242"));
    assert!(!text.contains("cvc"));
}

#[test]
fn a_listing_query_gets_defaults() {
    let q = parse_list_query(&pairs(&[("project", "demo")])).unwrap();
    assert_eq!(q.filters.limit, DEFAULT_LIMIT);
    assert_eq!(
        (
            q.filters.status,
            q.filters.created_gte,
            q.filters.starting_after
        ),
        (None, None, None)
    );
    let q = parse_list_query(&pairs(&[
        ("project", "demo"),
        ("status", "succeeded"),
        ("created_gte", "10"),
        ("created_lt", "20"),
        ("limit", "100"),
        ("starting_after", "6f1c2a4e-8b0d-4c1e-9f3a-2b7d5e8c1a90"),
        ("unknown", "ignored"),
    ]))
    .unwrap();
    assert_eq!(q.filters.status, Some(SessionStatus::Succeeded));
    assert_eq!(
        (q.filters.created_gte, q.filters.created_lt, q.filters.limit),
        (Some(10), Some(20), 100)
    );
}

#[test]
fn a_listing_query_reports_every_problem_at_once() {
    let e = parse_list_query(&pairs(&[
        ("status", "paid"),
        ("created_gte", "yesterday"),
        ("limit", "101"),
        ("starting_after", "s1"),
    ]))
    .unwrap_err();
    assert_eq!(e.status(), 422);
    let want = [
        ("query.project", "missing"),
        ("query.status", "literal_error"),
        ("query.created_gte", "int_parsing"),
        ("query.limit", "less_than_equal"),
        ("query.starting_after", "uuid_parsing"),
    ];
    assert_eq!(
        problems(e),
        want.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    );
    let e = parse_list_query(&pairs(&[("project", "p"), ("limit", "0")])).unwrap_err();
    assert_eq!(
        problems(e),
        [("query.limit".to_string(), "greater_than_equal".to_string())]
    );
    let e = parse_list_query(&pairs(&[("project", "p"), ("limit", "-1")])).unwrap_err();
    assert_eq!(
        problems(e),
        [("query.limit".to_string(), "int_parsing".to_string())]
    );
}

#[test]
fn the_create_routes_row_yields_to_any_row_of_the_sessions_object() {
    let created = LedgerRow::created(&session(), 1_790_000_000_500);
    assert_eq!(
        (created.seq, created.event.as_str()),
        (0, "session.created")
    );
    assert_eq!(created.object.status, SessionStatus::Pending);
    assert_eq!(created.object.attempts, 0);
    // The object's first change (whatever it is) carries a higher version, so the ledger's
    // keep-the-highest rule lets it replace the created row even if that row lands later.
    let t = Timing::default();
    let mut s = ChargeState::default();
    s.know_session(&session());
    let card = CardSeen {
        fingerprint: "fp",
        brand: "visa",
        last4: "4242",
    };
    let c = s.claim(1_790_000_010_000, &card, &t, |_| false).unwrap();
    let declined = Outcome::Declined {
        code: DeclineCode::InsufficientFunds,
        message: "nsf".into(),
    };
    s.commit(&c.token, &declined, 1_790_000_011_000, &t, &mut || {
        "d".to_string()
    });
    assert!(s.ledger_row("x", 0).unwrap().seq > created.seq);
}
