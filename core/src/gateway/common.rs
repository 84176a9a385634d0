//! What the four adapters share: the adapter contract, reply classification, and how an
//! approval or decline is built, so every gateway maps replies the same way. Every free-text
//! reason or message built here has card-number-like digit runs masked (`crate::redact`): the
//! gateway's own words end up in logs and in the session's stored state, and a gateway may
//! echo the card number it was sent.

use super::{
    ApprovedStatus, HttpCall, HttpReply, LookupResult, LookupStep, Outcome, PaymentRequest, Step,
};
use crate::card::Brand;
use crate::error::DeclineCode;
use crate::redact::mask_owned;
use serde::de::DeserializeOwned;

/// One gateway's state machine; `Flow` owns the call budget and the first/later split.
pub(crate) trait Adapter: std::fmt::Debug + Send {
    /// The first step (no reply yet).
    fn start(&mut self) -> Step;
    /// The step after the reply to the previous `Step::Call`.
    fn on_reply(&mut self, reply: HttpReply) -> Step;
}

/// One gateway's lookup of an attempt (`super::Lookup` owns the call budget).
pub(crate) trait LookupAdapter: std::fmt::Debug + Send {
    fn start(&mut self) -> LookupStep;
    fn on_reply(&mut self, reply: HttpReply) -> LookupStep;
}

/// A lookup that could not tell.
pub(crate) fn lookup_unknown(reason: impl Into<String>) -> LookupStep {
    LookupStep::Done(LookupResult::Unknown(mask_owned(reason.into())))
}

/// A lookup that found the attempt's transaction.
pub(crate) fn found(outcome: Outcome) -> LookupStep {
    LookupStep::Done(LookupResult::Found(outcome))
}

/// An approval found by a lookup: brand and last 4 only from the gateway (a lookup has no card).
pub(crate) fn found_approved(
    status: ApprovedStatus,
    transaction_id: String,
    token: Option<String>,
    brand: Option<Brand>,
    last4: Option<&str>,
) -> LookupStep {
    let last4 = last4
        .filter(|l| l.len() == 4 && l.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or_default();
    found(Outcome::Approved {
        status,
        transaction_id,
        token,
        card_brand: brand.unwrap_or(Brand::Unknown),
        card_last4: last4.to_string(),
    })
}

/// Turns a lookup's `Step` (from the shared `parse`/`http_failure` helpers) into `Unknown`.
pub(crate) fn step_to_lookup(step: Step) -> LookupStep {
    match step {
        Step::Done(Outcome::Unavailable(reason)) => LookupStep::Done(LookupResult::Unknown(reason)),
        Step::Done(other) => found(other),
        Step::Call(call) => LookupStep::Call(call),
    }
}

/// What a gateway says it took, against what the attempt asked for: `None` when they agree,
/// else a sentence for `Outcome::Mismatch`. A side the gateway did not send is not compared
/// (each module says which of its replies carry which; docs/gateways.md lists them).
pub(crate) fn amount_mismatch(
    want_minor: u64,
    want_currency: &str,
    got_minor: Option<u64>,
    got_currency: Option<&str>,
) -> Option<String> {
    let mut problems = Vec::new();
    if let Some(cur) = got_currency {
        if !cur.eq_ignore_ascii_case(want_currency) {
            problems.push(format!(
                "currency {} instead of {}",
                cur.to_ascii_lowercase(),
                want_currency.to_ascii_lowercase()
            ));
        }
    }
    if let Some(amount) = got_minor {
        if amount != want_minor {
            problems.push(format!(
                "amount {amount} instead of {want_minor} (minor units)"
            ));
        }
    }
    (!problems.is_empty()).then(|| problems.join(", "))
}

/// The gateway took money that is not the session's.
pub(crate) fn mismatch(transaction_id: String, gateway: &str, detail: String) -> Outcome {
    Outcome::Mismatch {
        transaction_id,
        detail: mask_owned(format!("{gateway} took {detail}")),
    }
}

/// The gateway proved nothing was charged (a documented permanent 4xx or its equivalent).
pub(crate) fn rejected(reason: impl Into<String>) -> Step {
    Step::Done(Outcome::Rejected(mask_owned(reason.into())))
}

pub(crate) fn unavailable(reason: impl Into<String>) -> Step {
    Step::Done(Outcome::Unavailable(mask_owned(reason.into())))
}

/// A gateway error answer that is not a decline: unavailable, with the gateway's own words
/// (digit runs masked by `unavailable`).
pub(crate) fn error_answer(
    gateway: &str,
    status: u16,
    kind: Option<&str>,
    message: Option<&str>,
) -> Step {
    unavailable(format!(
        "{gateway} answered HTTP {status} ({}): {}",
        kind.unwrap_or("error"),
        message.unwrap_or("no message")
    ))
}

/// Parses a reply body; a failure names the gateway and the spot but never echoes the body.
pub(crate) fn parse<T: DeserializeOwned>(gateway: &str, body: &str) -> Result<T, Step> {
    serde_json::from_str(body).map_err(|e| {
        // Data errors can quote values from the body; only "missing field" is safe and useful.
        let what = e.to_string();
        let detail = if what.starts_with("missing field") {
            what
        } else {
            format!(
                "{:?} error at line {} column {}",
                e.classify(),
                e.line(),
                e.column()
            )
        };
        unavailable(format!("{gateway} sent an unreadable reply: {detail}"))
    })
}

/// Statuses that mean the same on every gateway: credentials, throttling, server trouble.
pub(crate) fn http_failure(gateway: &str, reply: &HttpReply) -> Option<Step> {
    match reply.status {
        401 | 403 => Some(unavailable(format!(
            "{gateway} rejected the credentials (HTTP {})",
            reply.status
        ))),
        429 => Some(unavailable(format!("{gateway} is rate limiting requests"))),
        500..=599 => Some(unavailable(format!(
            "{gateway} answered HTTP {}",
            reply.status
        ))),
        _ => None,
    }
}

/// An approval; brand and last4 come from the gateway when it sent them, else from the card.
pub(crate) fn approved(
    request: &PaymentRequest,
    status: ApprovedStatus,
    transaction_id: String,
    token: Option<String>,
    brand: Option<Brand>,
    last4: Option<&str>,
) -> Step {
    let last4 = last4
        .filter(|l| l.len() == 4 && l.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or(&request.card.last4);
    Step::Done(Outcome::Approved {
        status,
        transaction_id,
        token,
        card_brand: brand
            .filter(|b| *b != Brand::Unknown)
            .unwrap_or(request.card.brand),
        card_last4: last4.to_string(),
    })
}

/// A decline with the gateway's message, or our own sentence when it sent none.
pub(crate) fn declined(code: DeclineCode, message: Option<&str>) -> Step {
    let message = message
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .unwrap_or(code.message());
    Step::Done(Outcome::Declined {
        code,
        message: mask_owned(message.to_string()),
    })
}

/// `Approved` status of a money-moving call.
pub(crate) fn charge_status(request: &PaymentRequest) -> ApprovedStatus {
    if request.capture {
        ApprovedStatus::Succeeded
    } else {
        ApprovedStatus::Authorized
    }
}

/// A JSON POST with the given extra headers.
pub(crate) fn post_json(url: String, mut headers: Vec<(String, String)>, body: String) -> HttpCall {
    headers.insert(0, ("Content-Type".into(), "application/json".into()));
    HttpCall {
        method: "POST",
        url,
        headers,
        body,
    }
}

/// Base URL without a trailing slash, so `{base}/v1/…` never doubles it.
pub(crate) fn trim_base(base: &str) -> String {
    base.trim_end_matches('/').to_string()
}

/// Two-digit month as the string-typed APIs (Braintree, Shift4) show it: `"07"`.
pub(crate) fn month2(month: u32) -> String {
    format!("{month:02}")
}

/// Optional free text, trimmed and cut to a gateway's limit (on a char boundary).
pub(crate) fn clip(text: Option<&str>, max_chars: usize) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| t.chars().take(max_chars).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_reply_never_quotes_the_body() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct T {
            n: u32,
        }
        let Err(Step::Done(Outcome::Unavailable(r))) = parse::<T>("x", r#"{"n":"secret-ish"}"#)
        else {
            panic!("expected unavailable")
        };
        assert!(!r.contains("secret-ish"), "{r}");
        let Err(Step::Done(Outcome::Unavailable(r))) = parse::<T>("x", "{}") else {
            panic!("expected unavailable")
        };
        assert!(r.contains("missing field `n`"), "{r}");
    }

    #[test]
    fn clip_cuts_on_chars() {
        assert_eq!(clip(Some("  héllo  "), 2), Some("hé".to_string()));
        assert_eq!(clip(Some("   "), 5), None);
        assert_eq!(clip(None, 5), None);
    }

    const ECHO: &str = "could not process card 4242424242424242 (4242 4242 4242 4242)";
    const MASKED: &str = "could not process card ************4242 (**** **** **** 4242)";

    #[test]
    fn gateway_words_never_carry_a_card_number() {
        let Step::Done(Outcome::Unavailable(r)) =
            error_answer("stripe", 400, Some("api_error"), Some(ECHO))
        else {
            panic!("expected unavailable")
        };
        assert_eq!(r, format!("stripe answered HTTP 400 (api_error): {MASKED}"));
        let Step::Done(Outcome::Rejected(r)) = rejected(format!("shift4 refused: {ECHO}")) else {
            panic!("expected rejected")
        };
        assert_eq!(r, format!("shift4 refused: {MASKED}"));
        let Step::Done(Outcome::Declined { message, .. }) =
            declined(DeclineCode::CardDeclined, Some(ECHO))
        else {
            panic!("expected declined")
        };
        assert_eq!(message, MASKED);
        let LookupStep::Done(LookupResult::Unknown(r)) = lookup_unknown(ECHO) else {
            panic!("expected unknown")
        };
        assert_eq!(r, MASKED);
        let Outcome::Mismatch { detail, .. } = mismatch("t".into(), "braintree", ECHO.into())
        else {
            panic!("expected mismatch")
        };
        assert_eq!(detail, format!("braintree took {MASKED}"));
        // Short numbers (amounts, codes, HTTP statuses) are left as they are.
        let Step::Done(Outcome::Unavailable(r)) = error_answer("x", 402, None, Some("E00027 1234"))
        else {
            panic!("expected unavailable")
        };
        assert_eq!(r, "x answered HTTP 402 (error): E00027 1234");
    }
}
