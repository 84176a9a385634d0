//! Authorize.net's answer shapes (AnetApiSchema.xsd): the BOM-prefixed JSON envelope,
//! `messagesType`, `transactionResponse` of `createTransactionResponse`, the reason codes of
//! each outcome, and the comma-separated direct response of a profile validation.

use crate::cards::{CardFacts, Outcome};
use crate::http::Response;
use serde_json::{json, Value};

pub const BOM: &[u8] = b"\xEF\xBB\xBF";

pub fn strip_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(BOM).unwrap_or(body)
}

/// JSON body with the BOM Authorize.net puts in front of every answer (always HTTP 200).
pub fn reply(body: &Value) -> Response {
    let mut bytes = BOM.to_vec();
    bytes.extend_from_slice(body.to_string().as_bytes());
    Response {
        status: 200,
        headers: vec![(
            "Content-Type".into(),
            "application/json; charset=utf-8".into(),
        )],
        body: bytes,
    }
}

/// `messagesType`.
pub fn messages(ok: bool, code: &str, text: &str) -> Value {
    let result = if ok { "Ok" } else { "Error" };
    json!({"resultCode": result, "message": [{"code": code, "text": text}]})
}

/// A request-level failure: no `transactionResponse`, just top-level `messages`.
pub fn request_error(code: &str, text: &str) -> Response {
    reply(&json!({"messages": messages(false, code, text)}))
}

/// (responseCode, reason code, reason text) of each outcome.
pub fn reason(outcome: Outcome) -> (&'static str, &'static str, &'static str) {
    match outcome {
        Outcome::Approved => ("1", "1", "This transaction has been approved."),
        Outcome::CardDeclined => ("2", "2", "This transaction has been declined."),
        // Authorize.net has no insufficient-funds reason: the issuer's refusal is the general
        // decline (reason 51 is a refund error: credits exceed the original amount).
        Outcome::InsufficientFunds => ("2", "2", "This transaction has been declined."),
        Outcome::IncorrectCvc => ("2", "44", "This transaction has been declined."),
        Outcome::ExpiredCard => ("3", "8", "The credit card has expired."),
        Outcome::ProcessingError => (
            "3",
            "19",
            "An error occurred during processing. Please try again in 5 minutes.",
        ),
    }
}

/// What a `transactionResponse` says about the transaction and card (empty = not known).
#[derive(Debug, Clone, Default)]
pub struct TxIds {
    pub trans_id: String,
    pub auth_code: String,
    /// "XXXX4242".
    pub account_number: String,
    pub account_type: &'static str,
}

/// XSD `transactionResponse`: `messages` when `rc` is "1", `errors` otherwise.
pub fn transaction_response(rc: &str, code: &str, text: &str, ids: &TxIds, cvv: &str) -> Value {
    let mut tr = json!({
        "responseCode": rc, "authCode": ids.auth_code,
        "avsResultCode": if rc == "1" { "Y" } else { "P" }, "cvvResultCode": cvv,
        "cavvResultCode": "", "transId": ids.trans_id, "refTransID": "", "transHash": "",
        "testRequest": "0", "accountNumber": ids.account_number,
        "accountType": ids.account_type, "transHashSha2": "",
    });
    if rc == "1" {
        tr["messages"] = json!([{"code": code, "description": text}]);
    } else {
        tr["errors"] = json!([{"errorCode": code, "errorText": text}]);
    }
    tr
}

/// `createTransactionResponse`: the transaction, `refId` echoed, `messages` Ok/I00001 or
/// Error/E00027.
pub fn transaction_reply(ref_id: Option<&str>, tr: Value, ok: bool) -> Response {
    let mut out = json!({"transactionResponse": tr});
    if let Some(r) = ref_id {
        out["refId"] = r.into();
    }
    out["messages"] = if ok {
        messages(true, "I00001", "Successful.")
    } else {
        messages(false, "E00027", "The transaction was unsuccessful.")
    };
    reply(&out)
}

/// The "direct response" Authorize.net returns for a validation transaction: comma-separated
/// AIM fields (1 response code, 3 reason code, 4 text, 7 transId, 51 account number, 52 card
/// type, …).
pub fn direct_response(outcome: Outcome, card: &CardFacts, customer_id: &str) -> String {
    let (rc, code, text) = reason(outcome);
    let mut f = vec![String::new(); 69];
    f[0] = rc.into();
    f[1] = "1".into();
    f[2] = code.into();
    f[3] = text.into();
    f[4] = if rc == "1" { "000000" } else { "" }.into();
    f[5] = "P".into();
    f[6] = "0".into();
    f[7] = "none".into();
    f[8] = "Test transaction for ValidateCustomerPaymentProfile.".into();
    f[9] = "0.00".into();
    f[10] = "CC".into();
    f[11] = "auth_only".into();
    f[12] = customer_id.into();
    f[50] = format!("XXXX{}", card.last4);
    f[51] = card.brand.anet().into();
    f.join(",")
}
