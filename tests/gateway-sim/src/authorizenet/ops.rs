//! The follow-on transactions of `createTransactionRequest` (WIRE.md §Authorize.net, "Capture,
//! void, refund"): `priorAuthCaptureTransaction`, `voidTransaction` and `refundTransaction`,
//! each naming the earlier transaction by `refTransId`. The rules are the gateway's published
//! ones (API reference "Payment Transactions", AIM response reason codes):
//!
//! - capture: an unvoided, uncaptured authorization; amount ≤ authorized (47); again: 311;
//! - void: an unsettled transaction (a settled one is not found for a void: 16); again: 310
//!   (answered as approved);
//! - refund: a settled transaction only (54); the card's last 4 (or number) and expiration
//!   date or `XXXX`; the sum of refunds ≤ what settled (55); a resend inside the duplicate
//!   window: 11.

use super::wire::{transaction_reply, transaction_response, TxIds};
use super::{Tx, DEFAULT_WINDOW_SECS, GW, MAX_WINDOW_SECS};
use crate::http::Response;
use crate::ledger::{split_reference, Money, Movement};
use crate::ojson::Node;
use crate::state::{fnv, lock, unix_now, CallInfo, Sim};
use std::time::{Duration, Instant};

const OP: &str = "createTransactionRequest";

pub fn follow_on(
    sim: &Sim,
    ref_id: Option<&str>,
    tx_type: &str,
    tx: Option<&Node>,
    info: &mut CallInfo,
) -> Response {
    let field = |path: &[&str]| tx.and_then(|t| t.str_at(path));
    let error = |info: &mut CallInfo, ids: &TxIds, code: &str, text: &str| {
        info.outcome = format!("refused_{code}");
        transaction_reply(
            ref_id,
            transaction_response("3", code, text, ids, ""),
            false,
        )
    };
    let none = TxIds {
        trans_id: "0".into(),
        ..TxIds::default()
    };
    let Some(ref_trans) = field(&["refTransId"]).filter(|r| !r.is_empty()) else {
        return error(info, &none, "33", "refTransId is required.");
    };
    let amount = match field(&["amount"]) {
        None => None,
        Some(a) => match crate::currency::decimal_minor(a, 2).filter(|c| *c > 0) {
            Some(c) => Some(c),
            None => return error(info, &none, "5", "A valid amount is required."),
        },
    };
    info.amount = amount;
    let mut store = lock(&sim.authorizenet);
    let Some(i) = store.transactions.iter().position(|t| {
        t.ids.trans_id == ref_trans && t.response_code == "1" && t.tx_type != "refundTransaction"
    }) else {
        return error(info, &none, "16", "The transaction cannot be found.");
    };
    let orig = &store.transactions[i];
    let ids = TxIds {
        auth_code: orig.ids.auth_code.clone(),
        ..orig.ids.clone()
    };
    info.object_id = Some(ref_trans.to_string());
    info.card_last4 = Some(orig.last4.clone());
    let (reference, attempt) = orig.invoice.as_deref().map_or((None, None), |inv| {
        let (r, a) = split_reference(inv);
        (Some(r), a)
    });
    let money = |amount: u64| Money {
        object_id: ref_trans.to_string(),
        reference: reference.clone(),
        attempt,
        amount,
        currency: "usd".into(),
    };
    let ok = |info: &mut CallInfo, ids: &TxIds, code: &str, text: &str| {
        info.outcome = "approved".into();
        transaction_reply(ref_id, transaction_response("1", code, text, ids, ""), true)
    };
    match tx_type {
        "priorAuthCaptureTransaction" => {
            if orig.tx_type != "authOnlyTransaction" || orig.voided {
                return error(info, &ids, "16", "The transaction cannot be found.");
            }
            if orig.captured.is_some() {
                return error(
                    info,
                    &ids,
                    "311",
                    "This transaction has already been captured.",
                );
            }
            let cents = amount.unwrap_or(orig.cents);
            if cents > orig.cents {
                return error(
                    info,
                    &ids,
                    "47",
                    "The amount requested for settlement cannot be greater than the original amount authorized.",
                );
            }
            store.transactions[i].captured = Some(cents);
            drop(store);
            sim.ledger_move(GW, OP, Movement::Captured, money(cents));
            ok(info, &ids, "1", "This transaction has been approved.")
        }
        "voidTransaction" => {
            if orig.voided {
                return ok(
                    info,
                    &ids,
                    "310",
                    "This transaction has already been voided.",
                );
            }
            if orig.settled {
                return error(info, &ids, "16", "The transaction cannot be found.");
            }
            let released = match orig.tx_type.as_str() {
                "authOnlyTransaction" => orig.captured.unwrap_or(orig.cents),
                _ => orig.cents,
            };
            store.transactions[i].voided = true;
            drop(store);
            sim.ledger_move(GW, OP, Movement::Voided, money(released));
            ok(info, &ids, "1", "This transaction has been approved.")
        }
        _ => {
            let card = tx
                .and_then(|t| t.get("payment"))
                .and_then(|p| p.get("creditCard"));
            let number = card.and_then(|c| c.str_at(&["cardNumber"])).unwrap_or("");
            let exp = card
                .and_then(|c| c.str_at(&["expirationDate"]))
                .unwrap_or("");
            // The last 4 digits (or the whole number) of the card the transaction charged.
            let same_card = number.len() >= 4 && number.ends_with(&orig.last4);
            if !same_card || exp.is_empty() {
                return error(
                    info,
                    &ids,
                    "54",
                    "The referenced transaction does not meet the criteria for issuing a credit.",
                );
            }
            if !orig.settled || orig.voided {
                return error(
                    info,
                    &ids,
                    "54",
                    "The referenced transaction does not meet the criteria for issuing a credit.",
                );
            }
            let Some(cents) = amount else {
                return error(info, &none, "5", "A valid amount is required.");
            };
            let window = tx
                .and_then(|t| t.at(&["transactionSettings", "setting"]))
                .map(|s| s.items())
                .unwrap_or_default()
                .into_iter()
                .find(|s| s.str_at(&["settingName"]) == Some("duplicateWindow"))
                .and_then(|s| s.str_at(&["settingValue"]))
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(DEFAULT_WINDOW_SECS)
                .min(MAX_WINDOW_SECS);
            let key = fnv(&[
                b"refundTransaction",
                &cents.to_le_bytes(),
                ref_trans.as_bytes(),
                number.as_bytes(),
            ]);
            let window = Duration::from_secs(window);
            if let Some(first) = store
                .transactions
                .iter()
                .rev()
                .find(|t| t.key == key && t.at.elapsed() < window && !window.is_zero())
            {
                info.outcome = "duplicate".into();
                info.replayed = true;
                let text = "A duplicate transaction has been submitted.";
                let ids = first.ids.clone();
                return transaction_reply(
                    ref_id,
                    transaction_response("3", "11", text, &ids, ""),
                    false,
                );
            }
            let orig = &store.transactions[i];
            if orig.refunded + cents > orig.settle_cents() {
                return error(
                    info,
                    &ids,
                    "55",
                    "The sum of credits against the referenced transaction would exceed the original debit amount.",
                );
            }
            let refund_ids = TxIds {
                trans_id: sim.digits(11),
                auth_code: String::new(),
                account_number: orig.ids.account_number.clone(),
                account_type: orig.ids.account_type,
            };
            let refund = Tx {
                key,
                at: Instant::now(),
                submitted: unix_now(),
                ids: refund_ids.clone(),
                tx_type: "refundTransaction".into(),
                response_code: "1",
                reason_code: "1",
                reason_text: "This transaction has been approved.",
                invoice: orig.invoice.clone(),
                description: None,
                first_name: None,
                last_name: None,
                cents,
                last4: orig.last4.clone(),
                captured: None,
                refunded: 0,
                voided: false,
                settled: false,
                ref_trans_id: Some(ref_trans.to_string()),
            };
            store.transactions[i].refunded += cents;
            store.transactions.push(refund);
            drop(store);
            sim.ledger_move(GW, OP, Movement::Refunded, money(cents));
            ok(
                info,
                &refund_ids,
                "1",
                "This transaction has been approved.",
            )
        }
    }
}
