use super::*;
use crate::auth::Environment;
use crate::card::{Brand, ValidCard};
use crate::customization::Overrides;
use crate::gateway::{ApprovedStatus, GatewayKind, Mode};
use crate::secret::Secret;

const T: Timing = Timing {
    deadline_ms: 10_000,
    quiet_ms: 30_000,
    retry_ms: 1_000,
    max_retry_ms: 60_000,
};

fn session() -> Session {
    Session {
        id: "s1".into(),
        account_id: "a".into(),
        project_id: "p".into(),
        project_slug: "demo".into(),
        environment: Environment::Test,
        amount_cents: 1234,
        currency: "usd".into(),
        gateway: GatewayKind::Braintree,
        mode: Mode::Charge,
        capture: true,
        description: None,
        metadata: Default::default(),
        overrides: Overrides::default(),
        created_at: 0,
        expires_at: 900,
        status: SessionStatus::Pending,
        result: None,
        locale: None,
        color_scheme: None,
    }
}

fn state() -> ChargeState {
    let mut s = ChargeState::default();
    s.know_session(&session());
    s
}

fn card(fp: &str) -> CardSeen<'_> {
    CardSeen {
        fingerprint: fp,
        brand: "visa",
        last4: "4242",
    }
}

fn approved() -> Outcome {
    Outcome::Approved {
        status: ApprovedStatus::Succeeded,
        transaction_id: "tx_1".into(),
        token: None,
        card_brand: Brand::Visa,
        card_last4: "4242".into(),
    }
}

fn declined() -> Outcome {
    Outcome::Declined {
        code: DeclineCode::CardDeclined,
        message: "no".into(),
    }
}

fn unknown() -> Outcome {
    Outcome::Unavailable("timeout".into())
}

fn ids() -> impl FnMut() -> String {
    let mut n = 0;
    move || {
        n += 1;
        format!("d{n}")
    }
}

fn nobody(_: &str) -> bool {
    false
}

fn everybody(_: &str) -> bool {
    true
}

#[test]
fn one_claim_at_a_time_then_completed_with_its_outbox() {
    let mut s = state();
    let c = s.claim(100, &card("fp"), &T, nobody).unwrap();
    assert_eq!(
        (c.attempt, c.lookup_first, c.deadline_ms),
        (1, false, 10_100)
    );
    let running = |t: &str| t == c.token;
    assert_eq!(
        s.claim(101, &card("fp"), &T, running),
        Err(Finished::Refused(Refusal::InProgress))
    );
    let f = s.commit(&c.token, &approved(), 200, &T, &mut ids());
    assert!(matches!(f, Finished::Approved(_)));
    let view = s.session.as_ref().unwrap();
    assert_eq!(view.status, SessionStatus::Succeeded);
    assert_eq!(view.result.as_ref().unwrap().transaction_id, "tx_1");
    // The view first, then the ledger row, then the webhook under a delivery id that stays
    // the same on retries.
    assert_eq!(s.outbox.len(), 3);
    assert_eq!(s.outbox[0].item, OutboxItem::PublishSession);
    assert!(
        matches!(&s.outbox[1].item, OutboxItem::Ledger { event, at_ms: 200 } if event == "payment.approved")
    );
    assert!(
        matches!(&s.outbox[2].item, OutboxItem::Webhook { delivery_id, .. } if delivery_id == "d1")
    );
    assert_eq!(
        s.claim(300, &card("fp"), &T, nobody),
        Err(Finished::Refused(Refusal::AlreadyCompleted))
    );
}

#[test]
fn three_declines_fail_the_session_and_queue_payment_failed() {
    let mut s = state();
    for left in [2, 1, 0] {
        let c = s.claim(1, &card("fp"), &T, nobody).unwrap();
        match s.commit(&c.token, &declined(), 2, &T, &mut ids()) {
            Finished::Declined { attempts_left, .. } => assert_eq!(attempts_left, left),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(s.session.as_ref().unwrap().status, SessionStatus::Failed);
    // Each decline changed the ledger's object; the last one failed the session.
    let kinds: Vec<String> = s
        .outbox
        .iter()
        .map(|e| match &e.item {
            OutboxItem::Ledger { event, .. } => event.clone(),
            other => format!("{other:?}")
                .split_whitespace()
                .next()
                .unwrap()
                .into(),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "payment.declined",
            "payment.declined",
            "PublishSession",
            "payment.failed",
            "Webhook"
        ]
    );
    let Some(OutboxItem::Webhook { decline, .. }) = s.outbox.last().map(|e| &e.item) else {
        panic!("no webhook queued")
    };
    assert_eq!(decline.as_ref().unwrap().card_last4, "4242");
    assert_eq!(
        s.claim(3, &card("fp"), &T, nobody),
        Err(Finished::Refused(Refusal::TooManyAttempts))
    );
}

#[test]
fn an_unknown_outcome_is_looked_up_before_anything_is_sent_again() {
    let mut s = state();
    let c = s.claim(0, &card("fp"), &T, nobody).unwrap();
    s.mark_sent(&c.token);
    let f = s.commit(&c.token, &unknown(), 5_000, &T, &mut ids());
    assert!(matches!(f, Finished::Unavailable { .. }));
    let again = s.claim(6_000, &card("fp"), &T, nobody).unwrap();
    assert_eq!((again.attempt, again.lookup_first), (1, true));
    // Found at the gateway: the approval is the attempt's, once.
    let v = s.lookup_result(
        &again.token,
        &LookupResult::Found(approved()),
        7_000,
        &T,
        false,
        &mut ids(),
    );
    assert!(matches!(v, LookupVerdict::Settled(Finished::Approved(_))));
    assert_eq!(s.outbox.len(), 3);
}

/// Defect 5: "the same card" is every detail sent to the gateway, not the number alone.
#[test]
fn another_expiry_is_another_card_while_an_attempt_is_unknown() {
    let key = b"fingerprint-subkey";
    let base = ValidCard {
        number: Secret::new("4111111111111111"),
        exp_month: 12,
        exp_year: 2030,
        cvc: Secret::new("123"),
        name: Some("Ada".into()),
        postal_code: Some("94107".into()),
        brand: Brand::Visa,
        last4: "1111".into(),
    };
    let fp = card_fingerprint(key, "s1", &base);
    assert_eq!(fp.len(), 64);
    assert!(!fp.contains("4111111111"));
    let other_expiry = ValidCard {
        exp_year: 2031,
        ..base.clone()
    };
    let other_zip = ValidCard {
        postal_code: Some("94108".into()),
        ..base.clone()
    };
    let other_name = ValidCard {
        name: None,
        ..base.clone()
    };
    for other in [&other_expiry, &other_zip, &other_name] {
        assert_ne!(fp, card_fingerprint(key, "s1", other));
    }
    assert_ne!(fp, card_fingerprint(key, "s2", &base));
    assert_ne!(fp, card_fingerprint(b"another key", "s1", &base));

    let mut s = state();
    let c = s.claim(0, &card(&fp), &T, nobody).unwrap();
    s.mark_sent(&c.token);
    s.commit(&c.token, &unknown(), 1, &T, &mut ids());
    let fp2 = card_fingerprint(key, "s1", &other_expiry);
    assert_eq!(
        s.claim(2, &card(&fp2), &T, nobody),
        Err(Finished::Refused(Refusal::OtherCard))
    );
    // Refusing changed nothing: the same details still recover attempt 1.
    assert_eq!(s.claim(3, &card(&fp), &T, nobody).unwrap().attempt, 1);
}

/// Defect 4: a holder keeps its attempt while it runs, however slow; a vanished holder's
/// attempt is looked up, and "not found" is believed only after the quiet period past its
/// deadline (a request it sent may still land).
#[test]
fn a_vanished_holder_is_recovered_by_lookup_after_the_quiet_period() {
    let mut s = state();
    let first = s.claim(0, &card("fp"), &T, nobody).unwrap();
    s.mark_sent(&first.token);
    // Still running in this object, within its lease: nobody else may take the attempt.
    assert_eq!(
        s.claim(9_000, &card("fp"), &T, everybody),
        Err(Finished::Refused(Refusal::InProgress))
    );
    // Past the lease, a holder is gone even if its token looks alive.
    let second = s
        .claim(T.lease_ms() + 1, &card("fp"), &T, everybody)
        .unwrap();
    assert!(second.lookup_first);
    // Not found, too early: not believed; the customer is asked to wait.
    let v = s.lookup_result(
        &second.token,
        &LookupResult::NotFound,
        16_000,
        &T,
        false,
        &mut ids(),
    );
    let LookupVerdict::Settled(Finished::Pending { retry_after_secs }) = v else {
        panic!("{v:?}")
    };
    assert!(retry_after_secs >= 1);
    assert!(s.open.is_some());
    // The first holder's late unknown changes nothing; its late approval is the attempt's.
    assert!(matches!(
        s.commit(&first.token, &unknown(), 16_500, &T, &mut ids()),
        Finished::Unavailable { .. }
    ));
    assert!(s.open.is_some());
    // After the quiet period past the first deadline (10 s), not found means not charged.
    let third = s.claim(41_000, &card("fp"), &T, nobody).unwrap();
    let v = s.lookup_result(
        &third.token,
        &LookupResult::NotFound,
        41_000,
        &T,
        false,
        &mut ids(),
    );
    assert_eq!(v, LookupVerdict::NotCharged);
    assert!(s.open.is_none());
    // The next claim is a fresh attempt with fresh keys; no decline was counted.
    let fourth = s.claim(41_001, &card("other"), &T, nobody).unwrap();
    assert_eq!((fourth.attempt, fourth.lookup_first), (2, false));
    assert_eq!(s.declines, 0);
}

#[test]
fn a_late_approval_from_the_previous_holder_wins_once() {
    let mut s = state();
    let first = s.claim(0, &card("fp"), &T, nobody).unwrap();
    s.mark_sent(&first.token);
    let second = s.claim(T.lease_ms() + 1, &card("fp"), &T, nobody).unwrap();
    let f = s.commit(&first.token, &approved(), 16_000, &T, &mut ids());
    assert!(matches!(f, Finished::Approved(_)));
    // The second holder's lookup finds the same approval: no second outbox, same answer.
    let v = s.lookup_result(
        &second.token,
        &LookupResult::Found(approved()),
        16_100,
        &T,
        false,
        &mut ids(),
    );
    assert!(matches!(v, LookupVerdict::Settled(Finished::Approved(_))));
    assert_eq!(s.outbox.len(), 3);
}

#[test]
fn a_rejected_attempt_closes_without_counting_a_decline() {
    let mut s = state();
    let c = s.claim(0, &card("fp"), &T, nobody).unwrap();
    let f = s.commit(
        &c.token,
        &Outcome::Rejected("400".into()),
        1,
        &T,
        &mut ids(),
    );
    assert!(matches!(
        f,
        Finished::Declined {
            attempts_left: 3,
            ..
        }
    ));
    let next = s.claim(2, &card("other"), &T, nobody).unwrap();
    assert_eq!((next.attempt, next.lookup_first), (2, false));
}

#[test]
fn a_mismatch_is_never_paid() {
    let mut s = state();
    let c = s.claim(0, &card("fp"), &T, nobody).unwrap();
    let m = Outcome::Mismatch {
        transaction_id: "tx".into(),
        detail: "JPY 1000 charged as USD 1000.00".into(),
    };
    let f = s.commit(&c.token, &m, 1, &T, &mut ids());
    assert!(matches!(
        f,
        Finished::Declined {
            attempts_left: 0,
            ..
        }
    ));
    let view = s.session.as_ref().unwrap();
    assert_eq!(view.status, SessionStatus::Failed);
    assert!(view.result.is_none());
    assert_eq!(s.outbox.len(), 3);
}

#[test]
fn the_alarm_looks_up_an_abandoned_attempt_and_the_outbox_backs_off() {
    let mut s = state();
    let c = s.claim(0, &card("fp"), &T, nobody).unwrap();
    s.mark_sent(&c.token);
    // The object wakes at the lease's end.
    assert_eq!(s.next_wake_ms(), Some(T.lease_ms()));
    let l = s.claim_lookup(T.lease_ms(), &T, nobody).unwrap();
    assert!(l.lookup_first);
    // Only one lookup at a time.
    assert!(s.claim_lookup(T.lease_ms(), &T, |t| t == l.token).is_none());
    // While the alarm looks it up, another card is told to use the same one (as when no lookup
    // runs), and the same card to wait.
    let alive = |t: &str| t == l.token;
    assert_eq!(
        s.claim(T.lease_ms(), &card("other"), &T, alive),
        Err(Finished::Refused(Refusal::OtherCard))
    );
    assert_eq!(
        s.claim(T.lease_ms(), &card("fp"), &T, alive),
        Err(Finished::Refused(Refusal::InProgress))
    );
    let v = s.lookup_result(
        &l.token,
        &LookupResult::Unknown("503".into()),
        T.lease_ms(),
        &T,
        false,
        &mut ids(),
    );
    assert!(matches!(
        v,
        LookupVerdict::Settled(Finished::Pending { .. })
    ));
    let next = s.next_wake_ms().unwrap();
    assert!(next > T.lease_ms());
    let l2 = s.claim_lookup(next, &T, nobody).unwrap();
    s.lookup_result(
        &l2.token,
        &LookupResult::Found(approved()),
        next,
        &T,
        false,
        &mut ids(),
    );
    assert_eq!(s.next_wake_ms(), Some(next));
    s.outbox_failed(next, &T);
    assert_eq!(s.next_wake_ms(), Some(next + T.retry_ms));
    s.outbox_failed(next, &T);
    assert_eq!(s.next_wake_ms(), Some(next + 2 * T.retry_ms));
    s.outbox_done();
    s.outbox_done();
    s.outbox_done();
    // Nothing left but forgetting the storage, a day after the session expired.
    assert_eq!(s.next_wake_ms(), s.forget_at_ms());
}

#[test]
fn a_claim_that_never_sent_is_closed_by_a_not_found_at_once() {
    let mut s = state();
    let c = s.claim(0, &card("fp"), &T, nobody).unwrap();
    // The holder vanished before sending anything it could prove; the reaper assumes it sent.
    let l = s.claim_lookup(T.lease_ms(), &T, nobody).unwrap();
    let v = s.lookup_result(
        &l.token,
        &LookupResult::NotFound,
        T.lease_ms(),
        &T,
        false,
        &mut ids(),
    );
    assert!(matches!(
        v,
        LookupVerdict::Settled(Finished::Pending { .. })
    ));
    let _ = c;
}

#[test]
fn where_the_gateway_dedups_a_resend_the_holder_sends_the_same_attempt_again() {
    let mut s = state();
    let c = s.claim(0, &card("fp"), &T, nobody).unwrap();
    s.mark_sent(&c.token);
    s.commit(&c.token, &unknown(), 1_000, &T, &mut ids());
    let again = s.claim(2_000, &card("fp"), &T, nobody).unwrap();
    let v = s.lookup_result(
        &again.token,
        &LookupResult::NotFound,
        2_100,
        &T,
        true,
        &mut ids(),
    );
    assert_eq!(v, LookupVerdict::Resend);
    // Same attempt, same keys: the approval of the resend is committed under that claim.
    let f = s.commit(&again.token, &approved(), 2_500, &T, &mut ids());
    assert!(matches!(f, Finished::Approved(_)));
}

#[test]
fn a_lookup_that_does_not_name_the_card_keeps_the_holders_brand_and_last4() {
    let mut s = state();
    let c = s.claim(0, &card("fp"), &T, nobody).unwrap();
    s.mark_sent(&c.token);
    s.commit(&c.token, &unknown(), 1, &T, &mut ids());
    let again = s.claim(2, &card("fp"), &T, nobody).unwrap();
    let bare = Outcome::Approved {
        status: ApprovedStatus::Succeeded,
        transaction_id: "pi_9".into(),
        token: None,
        card_brand: Brand::Unknown,
        card_last4: String::new(),
    };
    let v = s.lookup_result(
        &again.token,
        &LookupResult::Found(bare),
        3,
        &T,
        false,
        &mut ids(),
    );
    let LookupVerdict::Settled(Finished::Approved(r)) = v else {
        panic!("{v:?}")
    };
    assert_eq!(
        (r.card_brand.as_str(), r.card_last4.as_str()),
        ("visa", "4242")
    );
}

#[test]
fn a_retry_learns_the_outcome_the_alarm_settled_instead_of_starting_over() {
    let mut s = state();
    let c = s.claim(0, &card("fp"), &T, nobody).unwrap();
    s.mark_sent(&c.token);
    s.commit(&c.token, &unknown(), 1_000, &T, &mut ids());
    // Nobody waits: the alarm looks it up and finds the decline.
    let l = s.claim_lookup(2_000, &T, nobody).unwrap();
    s.lookup_result(
        &l.token,
        &LookupResult::Found(declined()),
        2_100,
        &T,
        false,
        &mut ids(),
    );
    // The customer's retry with the same card is told, once; no second attempt is sent.
    let told = s.claim(3_000, &card("fp"), &T, nobody).unwrap_err();
    assert!(
        matches!(
            told,
            Finished::Declined {
                attempts_left: 2,
                ..
            }
        ),
        "{told:?}"
    );
    assert_eq!(s.attempt, 1);
    // A further submit is a new attempt, as after any decline.
    assert_eq!(s.claim(4_000, &card("fp"), &T, nobody).unwrap().attempt, 2);
}

#[test]
fn storage_is_forgotten_a_day_after_expiry_once_nothing_is_open() {
    let mut s = state();
    // Nothing yet: the object sleeps until a day after the session expires (900 s).
    let forget = (900 + crate::session::GONE_RETENTION_SECS) * 1000;
    assert_eq!(s.next_wake_ms(), Some(forget));
    let c = s.claim(0, &card("fp"), &T, nobody).unwrap();
    s.mark_sent(&c.token);
    s.commit(&c.token, &unknown(), 1_000, &T, &mut ids());
    // An open attempt keeps it, however late.
    assert!(!s.may_forget(forget + 1));
    let l = s.claim_lookup(forget + 1, &T, nobody).unwrap();
    s.lookup_result(
        &l.token,
        &LookupResult::Found(approved()),
        forget + 2,
        &T,
        false,
        &mut ids(),
    );
    // ... and so does an undrained outbox.
    assert!(!s.may_forget(forget + 3));
    s.outbox_done();
    s.outbox_done();
    s.outbox_done();
    // Paid: kept as long as the ledger keeps the session, for its captures and refunds.
    assert!(!s.may_forget(forget + 3));
    let kept = crate::ledger::RETENTION_SECS * 1000;
    assert_eq!(s.forget_at_ms(), Some(kept));
    assert!(s.may_forget(kept));
    // ... unless an operation is open.
    s.ops.open = Some(crate::charge::OpenOp {
        number: 1,
        kind: crate::operation::OpKind::Refund,
        amount_cents: 1,
        reason: None,
        gateway_key: "k".into(),
        request_key: None,
        whole: false,
        holder: None,
        sent: true,
    });
    assert!(!s.may_forget(kept));
}

#[test]
fn a_pending_session_is_cancelled_once_and_then_refuses_charges() {
    let mut s = state();
    assert_eq!(s.cancel(10, nobody, &mut ids()), Ok(()));
    assert_eq!(s.session.as_ref().unwrap().status, SessionStatus::Cancelled);
    let kinds: Vec<&OutboxItem> = s.outbox.iter().map(|e| &e.item).collect();
    assert!(matches!(
        kinds[..],
        [
            OutboxItem::PublishSession,
            OutboxItem::Ledger { .. },
            OutboxItem::Webhook { .. }
        ]
    ));
    assert_eq!(
        s.cancel(11, nobody, &mut ids()),
        Err(CancelRefusal::NotPending)
    );
    assert_eq!(
        s.claim(12, &card("fp"), &T, nobody),
        Err(Finished::Refused(Refusal::Cancelled))
    );
    let o = s.object().unwrap();
    assert!(o.is_terminal);
    assert_eq!(o.completed_at.as_deref(), Some("1970-01-01T00:00:00Z"));
}

#[test]
fn a_session_with_an_open_attempt_or_an_outcome_is_not_cancelled() {
    let mut s = state();
    let c = s.claim(0, &card("fp"), &T, nobody).unwrap();
    let running = |t: &str| t == c.token;
    assert_eq!(
        s.cancel(1, running, &mut ids()),
        Err(CancelRefusal::InProgress)
    );
    // The outcome is unknown: it may have charged, so it is looked up first, not cancelled.
    s.mark_sent(&c.token);
    s.commit(&c.token, &unknown(), 2, &T, &mut ids());
    assert_eq!(
        s.cancel(3, nobody, &mut ids()),
        Err(CancelRefusal::InProgress)
    );
    let l = s.claim_lookup(T.retry_ms + 2, &T, nobody).unwrap();
    s.lookup_result(
        &l.token,
        &LookupResult::Found(approved()),
        5_000,
        &T,
        false,
        &mut ids(),
    );
    assert_eq!(
        s.cancel(6_000, nobody, &mut ids()),
        Err(CancelRefusal::NotPending)
    );
    assert_eq!(s.session.as_ref().unwrap().status, SessionStatus::Succeeded);
}

#[test]
fn an_approval_the_alarm_settled_is_the_same_cards_answer_once_and_another_cards_409() {
    let mut s = state();
    let c = s.claim(0, &card("fp"), &T, nobody).unwrap();
    s.mark_sent(&c.token);
    s.commit(&c.token, &unknown(), 1_000, &T, &mut ids());
    let l = s.claim_lookup(2_000, &T, nobody).unwrap();
    s.lookup_result(
        &l.token,
        &LookupResult::Found(approved()),
        2_100,
        &T,
        false,
        &mut ids(),
    );
    // Another card learns the session is paid; the customer's own retry gets its approval
    // (the 200 it would have had), and only once.
    assert_eq!(
        s.claim(2_500, &card("other"), &T, nobody),
        Err(Finished::Refused(Refusal::AlreadyCompleted))
    );
    let told = s.claim(3_000, &card("fp"), &T, nobody).unwrap_err();
    assert!(matches!(told, Finished::Approved(_)), "{told:?}");
    assert_eq!(
        s.claim(4_000, &card("fp"), &T, nobody),
        Err(Finished::Refused(Refusal::AlreadyCompleted))
    );
    assert_eq!(s.attempt, 1);
}

#[test]
fn an_unseen_decline_goes_stale_once_another_card_starts_an_attempt() {
    let mut s = state();
    let c = s.claim(0, &card("fp"), &T, nobody).unwrap();
    s.mark_sent(&c.token);
    s.commit(&c.token, &unknown(), 1_000, &T, &mut ids());
    let l = s.claim_lookup(2_000, &T, nobody).unwrap();
    s.lookup_result(
        &l.token,
        &LookupResult::Found(declined()),
        2_100,
        &T,
        false,
        &mut ids(),
    );
    let other = s.claim(3_000, &card("other"), &T, nobody).unwrap();
    s.commit(&other.token, &declined(), 3_100, &T, &mut ids());
    // The first card again is a fresh attempt, not the old answer.
    assert_eq!(s.claim(4_000, &card("fp"), &T, nobody).unwrap().attempt, 3);
}
