//! Capture, void and refund at each gateway, in its documented shape, as a state machine the
//! worker drives like `Flow` (`next(None)`, then each reply, until `Done`). docs/gateways.md,
//! "Capture, void and refund", lists the calls and which replies mean what:
//!
//! - Stripe: `POST /v1/payment_intents/{id}/capture` (`amount_to_capture`), `…/cancel`,
//!   `POST /v1/refunds` (`payment_intent`, `amount`), each with the operation's
//!   `Idempotency-Key`: a resend after an unknown outcome is replayed, never applied twice.
//! - Shift4: `POST /charges/{id}/capture` (the whole authorization), `POST /refunds`
//!   (`chargeId`, `amount`; without an amount on an uncaptured charge: its void), with
//!   `Idempotency-Key` too.
//! - Authorize.net: `createTransactionRequest` with `priorAuthCaptureTransaction`,
//!   `voidTransaction`, `refundTransaction` (`refTransId`, the card's last 4 and expiry `XXXX`).
//!   A refund before settlement is refused with reason 54: a whole refund is then voided.
//!   A resend is recognised by the gateway (reason 11 duplicate, 310 already voided, 311
//!   already captured): each means the first one was applied.
//! - Braintree: `captureTransaction`, `reverseTransaction` (void), `refundTransaction`
//!   (`orderId` = the operation's key). A refund before settlement is refused (91506): a whole
//!   refund is then reversed (voided). Braintree has no idempotency: a resume searches first
//!   (the transaction's status, the refund by `orderId`) and sends only when nothing is found.

use super::basic_auth::basic_auth;
use super::braintree::API_VERSION;
use super::{common, stripe, GatewayConfig, HttpCall, HttpReply};
use crate::charge::OpOutcome;
use crate::money::decimal_amount;
use crate::operation::{OpKind, OpRefusal};
use crate::redact::mask_owned;
use crate::secret::Secret;
use serde::Serialize;
use serde_json::{json, Value};

use super::Credentials;

/// One operation as the gateway sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpRequest {
    pub kind: OpKind,
    pub amount_cents: u64,
    /// ISO 4217, lower-case.
    pub currency: String,
    /// The charge's id at the gateway (`pi_…`, `transId`, Braintree id, `char_…`).
    pub transaction_id: String,
    /// A refund of everything captured: before settlement it is voided instead.
    pub whole: bool,
    /// The same for every resend of the operation.
    pub gateway_key: String,
    pub reason: Option<String>,
    /// The card's last 4 (Authorize.net refunds name the card).
    pub card_last4: String,
    /// An earlier try may have reached the gateway.
    pub resume: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OpStep {
    Call(HttpCall),
    Done(OpOutcome),
}

/// Most calls an operation makes (Braintree resuming a whole refund: two searches, the
/// refund, the reversal).
pub const MAX_OP_CALLS: u32 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wait {
    Start,
    /// The reply to the operation's main call.
    Main,
    /// Authorize.net / Braintree: the void after a refund refused before settlement.
    VoidInstead,
    /// Braintree resume: the transaction's status, then refunds by `orderId`.
    SearchStatus,
    SearchRefund,
    Done,
}

#[derive(Debug)]
pub struct OpFlow {
    base: String,
    credentials: Credentials,
    request: OpRequest,
    wait: Wait,
    calls: u32,
}

fn unknown(reason: impl Into<String>) -> OpStep {
    OpStep::Done(OpOutcome::Unknown(mask_owned(reason.into())))
}

fn refused(refusal: Option<OpRefusal>, message: impl Into<String>) -> OpStep {
    OpStep::Done(OpOutcome::Refused {
        refusal,
        message: mask_owned(message.into()),
    })
}

fn applied(id: Option<&str>, voided: bool) -> OpStep {
    OpStep::Done(OpOutcome::Applied {
        gateway_id: id.filter(|i| !i.is_empty()).map(str::to_string),
        voided,
    })
}

fn form(pairs: &[(&str, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn text<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

impl OpFlow {
    pub fn new(config: &GatewayConfig, request: &OpRequest) -> OpFlow {
        OpFlow {
            base: common::trim_base(&config.base_url),
            credentials: config.credentials.clone(),
            request: request.clone(),
            wait: Wait::Start,
            calls: 0,
        }
    }

    pub fn next(&mut self, reply: Option<HttpReply>) -> OpStep {
        let step = match (self.wait, reply) {
            (Wait::Done, _) => return unknown("the operation flow was resumed after its end"),
            (Wait::Start, _) => self.start(),
            (_, None) => unknown("the operation flow resumed without a reply"),
            (wait, Some(reply)) => self.on_reply(wait, reply),
        };
        match step {
            OpStep::Call(_) if self.calls >= MAX_OP_CALLS => {
                self.wait = Wait::Done;
                unknown(format!("the operation exceeded {MAX_OP_CALLS} calls"))
            }
            OpStep::Call(c) => {
                self.calls += 1;
                OpStep::Call(c)
            }
            done => {
                self.wait = Wait::Done;
                done
            }
        }
    }

    fn start(&mut self) -> OpStep {
        self.wait = Wait::Main;
        match &self.credentials {
            Credentials::Stripe { .. } => self.stripe_call(),
            Credentials::Shift4 { .. } => self.shift4_call(),
            Credentials::Authorizenet { .. } => self.anet_call(self.request.kind),
            Credentials::Braintree { .. } if self.request.resume => {
                self.wait = Wait::SearchStatus;
                self.bt_search(json!({"id": {"is": self.request.transaction_id}}))
            }
            Credentials::Braintree { .. } => self.bt_call(),
        }
    }

    fn on_reply(&mut self, wait: Wait, reply: HttpReply) -> OpStep {
        match &self.credentials {
            Credentials::Stripe { .. } => self.stripe_reply(&reply),
            Credentials::Shift4 { .. } => self.shift4_reply(&reply),
            Credentials::Authorizenet { .. } => self.anet_reply(wait, &reply),
            Credentials::Braintree { .. } => self.bt_reply(wait, &reply),
        }
    }

    // ---- Stripe ----

    fn stripe_call(&self) -> OpStep {
        let Credentials::Stripe { secret_key } = &self.credentials else {
            return unknown("not stripe");
        };
        let r = &self.request;
        let amount = match stripe::amount_for(r.amount_cents, &r.currency) {
            Ok(a) => a.to_string(),
            Err(why) => return refused(None, why),
        };
        let id = &r.transaction_id;
        let (path, body) = match r.kind {
            OpKind::Capture => (
                format!("/v1/payment_intents/{id}/capture"),
                form(&[("amount_to_capture", amount)]),
            ),
            OpKind::Void => (format!("/v1/payment_intents/{id}/cancel"), String::new()),
            OpKind::Refund => {
                let mut pairs = vec![("payment_intent", id.clone()), ("amount", amount)];
                if let Some(reason) = &r.reason {
                    pairs.push(("reason", reason.clone()));
                }
                ("/v1/refunds".to_string(), form(&pairs))
            }
        };
        OpStep::Call(HttpCall {
            method: "POST",
            url: format!("{}{path}", self.base),
            headers: vec![
                (
                    "Authorization".into(),
                    format!("Bearer {}", secret_key.expose()),
                ),
                (
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                ),
                ("Idempotency-Key".into(), r.gateway_key.clone()),
            ],
            body,
        })
    }

    fn stripe_reply(&self, reply: &HttpReply) -> OpStep {
        let Ok(v) = serde_json::from_str::<Value>(&reply.body) else {
            return unknown(format!(
                "stripe sent an unreadable reply (HTTP {})",
                reply.status
            ));
        };
        if reply.status == 200 {
            let status = text(&v, &["status"]).unwrap_or_default();
            let want = match self.request.kind {
                OpKind::Capture => "succeeded",
                OpKind::Void => "canceled",
                OpKind::Refund => "succeeded",
            };
            return match status {
                s if s == want => applied(text(&v, &["id"]), false),
                // A refund Stripe is still sending to the card: it is taken from the balance.
                "pending" if self.request.kind == OpKind::Refund => {
                    applied(text(&v, &["id"]), false)
                }
                "failed" | "canceled" => refused(None, format!("stripe answered status {status}")),
                other => unknown(format!("stripe answered status {other:?}")),
            };
        }
        let code = text(&v, &["error", "code"]).unwrap_or_default();
        let message = text(&v, &["error", "message"]).unwrap_or("no message");
        let kind = text(&v, &["error", "type"]).unwrap_or_default();
        match (reply.status, kind) {
            // Stripe checked the request against the object and did nothing.
            (400 | 402 | 404, "invalid_request_error" | "card_error") => {
                let refusal = match code {
                    "charge_already_refunded" => Some(OpRefusal::ExceedsRefundable),
                    "amount_too_large" | "charge_exceeds_source_limit" => match self.request.kind {
                        OpKind::Refund => Some(OpRefusal::ExceedsRefundable),
                        _ => Some(OpRefusal::ExceedsAuthorized),
                    },
                    _ => None,
                };
                refused(refusal, format!("stripe {code}: {message}"))
            }
            (status, _) => unknown(format!("stripe answered HTTP {status} ({kind}): {message}")),
        }
    }

    // ---- Shift4 ----

    fn shift4_call(&self) -> OpStep {
        let Credentials::Shift4 { secret_key } = &self.credentials else {
            return unknown("not shift4");
        };
        let r = &self.request;
        let (path, body) = match r.kind {
            OpKind::Capture => (format!("/charges/{}/capture", r.transaction_id), json!({})),
            // An uncaptured charge refunded in full is released: Shift4's void.
            OpKind::Void => ("/refunds".into(), json!({"chargeId": r.transaction_id})),
            OpKind::Refund => (
                "/refunds".into(),
                json!({"chargeId": r.transaction_id, "amount": r.amount_cents}),
            ),
        };
        OpStep::Call(common::post_json(
            format!("{}{path}", self.base),
            vec![
                ("Authorization".into(), basic_auth(secret_key.expose(), "")),
                ("Idempotency-Key".into(), r.gateway_key.clone()),
            ],
            body.to_string(),
        ))
    }

    fn shift4_reply(&self, reply: &HttpReply) -> OpStep {
        let Ok(v) = serde_json::from_str::<Value>(&reply.body) else {
            return unknown(format!(
                "shift4 sent an unreadable reply (HTTP {})",
                reply.status
            ));
        };
        if reply.status == 200 {
            return match self.request.kind {
                OpKind::Capture if v["captured"] == json!(true) => {
                    applied(text(&v, &["id"]), false)
                }
                OpKind::Capture => unknown("shift4 answered the capture with captured: false"),
                _ if text(&v, &["id"]).is_some() => applied(text(&v, &["id"]), false),
                _ => unknown("shift4 answered the refund without an id"),
            };
        }
        let kind = text(&v, &["error", "type"]).unwrap_or_default();
        let message = text(&v, &["error", "message"]).unwrap_or("no message");
        match (reply.status, kind) {
            (400 | 402 | 404, "invalid_request" | "card_error") => {
                let refusal = (message.to_ascii_lowercase().contains("exceed"))
                    .then_some(OpRefusal::ExceedsRefundable);
                refused(refusal, format!("shift4: {message}"))
            }
            (status, _) => unknown(format!("shift4 answered HTTP {status} ({kind}): {message}")),
        }
    }

    // ---- Authorize.net ----

    fn anet_call(&self, kind: OpKind) -> OpStep {
        let Credentials::Authorizenet {
            api_login_id,
            transaction_key,
        } = &self.credentials
        else {
            return unknown("not authorize.net");
        };
        let r = &self.request;
        let amount = Some(decimal_amount(r.amount_cents, &r.currency));
        let tx = match kind {
            OpKind::Capture => AnetTx {
                transaction_type: "priorAuthCaptureTransaction",
                amount,
                payment: None,
                ref_trans_id: r.transaction_id.clone(),
                transaction_settings: None,
            },
            OpKind::Void => AnetTx {
                transaction_type: "voidTransaction",
                amount: None,
                payment: None,
                ref_trans_id: r.transaction_id.clone(),
                transaction_settings: None,
            },
            OpKind::Refund => AnetTx {
                transaction_type: "refundTransaction",
                amount,
                // The XSD's refund names the card: its last 4 and "XXXX" for the expiry.
                payment: Some(AnetPayment {
                    credit_card: AnetCard {
                        card_number: r.card_last4.clone(),
                        expiration_date: "XXXX",
                    },
                }),
                ref_trans_id: r.transaction_id.clone(),
                // A resend inside the window is answered "duplicate" instead of refunding
                // again.
                transaction_settings: Some(AnetSettings {
                    setting: vec![AnetSetting {
                        setting_name: "duplicateWindow",
                        setting_value: super::authorizenet::DUPLICATE_WINDOW_SECS.to_string(),
                    }],
                }),
            },
        };
        // Typed structs: the XSD wants its sequence order, which `json!` would not keep.
        let body = match anet_envelope(api_login_id, transaction_key, &r.gateway_key, &tx) {
            Ok(b) => b,
            Err(e) => return unknown(format!("authorize.net request: {e}")),
        };
        OpStep::Call(common::post_json(
            format!("{}/xml/v1/request.api", self.base),
            Vec::new(),
            body,
        ))
    }

    fn anet_reply(&mut self, wait: Wait, reply: &HttpReply) -> OpStep {
        // Authorize.net prefixes its JSON with a byte order mark.
        let body = reply.body.trim_start_matches('\u{feff}');
        let Ok(v) = serde_json::from_str::<Value>(body) else {
            return unknown(format!(
                "authorize.net sent an unreadable reply (HTTP {})",
                reply.status
            ));
        };
        let tr = &v["transactionResponse"];
        let trans_id = text(tr, &["transId"]).filter(|t| *t != "0");
        let code = text(tr, &["responseCode"]).unwrap_or_default();
        let error = tr["errors"].get(0);
        let reason = error
            .and_then(|e| text(e, &["errorCode"]))
            .unwrap_or_default();
        let reason_text = error
            .and_then(|e| text(e, &["errorText"]))
            .unwrap_or_default();
        let voided = wait == Wait::VoidInstead;
        if tr.is_null() {
            let m = &v["messages"]["message"][0];
            let (c, t) = (
                text(m, &["code"]).unwrap_or("?"),
                text(m, &["text"]).unwrap_or(""),
            );
            return match c {
                // Refused before processing (E00027 is a transaction-level refusal, carried in
                // transactionResponse when present).
                "E00003" | "E00013" | "E00015" | "E00027" | "E00040" => {
                    refused(None, format!("authorize.net {c}: {t}"))
                }
                _ => unknown(format!("authorize.net {c}: {t}")),
            };
        }
        match (code, reason) {
            ("1", _) => applied(trans_id, voided),
            // The gateway recognised a resend: the first one was applied.
            (_, "11") if self.request.resume => applied(trans_id, voided),
            (_, "310") if self.request.resume || voided || self.request.kind == OpKind::Void => {
                applied(trans_id, voided)
            }
            (_, "311") if self.request.resume => applied(trans_id, voided),
            // Not settled yet: a whole refund becomes a void; a partial one must wait.
            (_, "54") if wait == Wait::Main && self.request.kind == OpKind::Refund => {
                if self.request.whole {
                    self.wait = Wait::VoidInstead;
                    self.anet_call(OpKind::Void)
                } else {
                    refused(
                        Some(OpRefusal::NotSettled),
                        format!("authorize.net 54: {reason_text}"),
                    )
                }
            }
            (_, "55") => refused(
                Some(OpRefusal::ExceedsRefundable),
                format!("authorize.net 55: {reason_text}"),
            ),
            ("2" | "3", r) if !r.is_empty() => {
                refused(None, format!("authorize.net {r}: {reason_text}"))
            }
            (c, _) => unknown(format!("authorize.net answered responseCode {c:?}")),
        }
    }

    // ---- Braintree ----

    fn bt_auth(&self) -> Option<String> {
        match &self.credentials {
            Credentials::Braintree {
                public_key,
                private_key,
                ..
            } => Some(basic_auth(public_key.expose(), private_key.expose())),
            _ => None,
        }
    }

    fn bt_post(&self, query: &str, variables: Value) -> OpStep {
        let Some(auth) = self.bt_auth() else {
            return unknown("not braintree");
        };
        OpStep::Call(common::post_json(
            format!("{}/graphql", self.base),
            vec![
                ("Authorization".into(), auth),
                ("Braintree-Version".into(), API_VERSION.into()),
            ],
            json!({"query": query, "variables": variables}).to_string(),
        ))
    }

    fn bt_call(&self) -> OpStep {
        let r = &self.request;
        let amount = decimal_amount(r.amount_cents, &r.currency);
        match r.kind {
            OpKind::Capture => self.bt_post(
                BT_CAPTURE,
                json!({"input": {"transactionId": r.transaction_id, "transaction": {"amount": amount}}}),
            ),
            OpKind::Void => self.bt_reverse(),
            OpKind::Refund => self.bt_post(
                BT_REFUND,
                json!({"input": {"transactionId": r.transaction_id,
                    "refund": {"amount": amount, "orderId": r.gateway_key}}}),
            ),
        }
    }

    fn bt_reverse(&self) -> OpStep {
        self.bt_post(
            BT_REVERSE,
            json!({"input": {"transactionId": self.request.transaction_id}}),
        )
    }

    fn bt_search(&self, input: Value) -> OpStep {
        self.bt_post(BT_SEARCH, json!({"input": input}))
    }

    fn bt_reply(&mut self, wait: Wait, reply: &HttpReply) -> OpStep {
        let Ok(v) = serde_json::from_str::<Value>(&reply.body) else {
            return unknown(format!(
                "braintree sent an unreadable reply (HTTP {})",
                reply.status
            ));
        };
        if let Some(e) = v["errors"].get(0) {
            let class = text(e, &["extensions", "errorClass"]).unwrap_or_default();
            let legacy = text(e, &["extensions", "legacyCode"]).unwrap_or_default();
            let message = text(e, &["message"]).unwrap_or_default();
            if class != "VALIDATION" && class != "NOT_FOUND" {
                return unknown(format!("braintree {class}: {message}"));
            }
            return match legacy {
                // Not settled yet: a whole refund is reversed (voided); a partial one waits.
                "91506" if wait == Wait::Main && self.request.whole => {
                    self.wait = Wait::VoidInstead;
                    self.bt_reverse()
                }
                "91506" => refused(Some(OpRefusal::NotSettled), format!("braintree: {message}")),
                "91521" => refused(
                    Some(OpRefusal::ExceedsRefundable),
                    format!("braintree: {message}"),
                ),
                "91522" => refused(
                    Some(OpRefusal::ExceedsAuthorized),
                    format!("braintree: {message}"),
                ),
                _ => refused(None, format!("braintree {legacy}: {message}")),
            };
        }
        let data = &v["data"];
        match wait {
            Wait::SearchStatus => {
                let node = &data["search"]["transactions"]["edges"][0]["node"];
                let status = text(node, &["status"]).unwrap_or_default();
                let r = &self.request;
                let done = match r.kind {
                    OpKind::Capture => {
                        matches!(status, "SUBMITTED_FOR_SETTLEMENT" | "SETTLING" | "SETTLED")
                    }
                    OpKind::Void => status == "VOIDED",
                    OpKind::Refund => r.whole && status == "VOIDED",
                };
                if done {
                    return applied(text(node, &["id"]), r.kind == OpKind::Refund);
                }
                if node.is_null() {
                    return unknown("braintree search did not find the transaction");
                }
                if r.kind == OpKind::Refund {
                    self.wait = Wait::SearchRefund;
                    return self.bt_search(json!({"orderId": {"is": r.gateway_key}}));
                }
                self.wait = Wait::Main;
                self.bt_call()
            }
            Wait::SearchRefund => {
                let node = &data["search"]["transactions"]["edges"][0]["node"];
                if let Some(id) = text(node, &["id"]) {
                    return applied(Some(id), false);
                }
                self.wait = Wait::Main;
                self.bt_call()
            }
            Wait::VoidInstead => match text(data, &["reverseTransaction", "reversal", "status"]) {
                Some("VOIDED") => {
                    applied(text(data, &["reverseTransaction", "reversal", "id"]), true)
                }
                // Settled meanwhile: the reversal was a refund of the whole amount.
                Some(_) => applied(text(data, &["reverseTransaction", "reversal", "id"]), false),
                None => unknown("braintree reverseTransaction answered no reversal"),
            },
            _ => {
                let (field, object) = match self.request.kind {
                    OpKind::Capture => ("captureTransaction", "transaction"),
                    OpKind::Void => ("reverseTransaction", "reversal"),
                    OpKind::Refund => ("refundTransaction", "refund"),
                };
                let t = &data[field][object];
                let id = text(t, &["id"]);
                match (self.request.kind, text(t, &["status"])) {
                    (OpKind::Void, Some("VOIDED")) => applied(id, false),
                    (OpKind::Void, Some(s)) => unknown(format!("braintree reversed into {s}")),
                    (_, Some("FAILED" | "GATEWAY_REJECTED" | "PROCESSOR_DECLINED")) => {
                        refused(None, "braintree declined the operation")
                    }
                    (_, Some(_)) => applied(id, false),
                    (_, None) => unknown(format!("braintree {field} answered no {object}")),
                }
            }
        }
    }
}

/// `refId` ≤ 20 characters: the tail of the operation key.
fn short_ref(key: &str) -> String {
    let skip = key.chars().count().saturating_sub(20);
    key.chars().skip(skip).collect()
}

const BT_CAPTURE: &str = "mutation CaptureTransaction($input: CaptureTransactionInput!) { \
     captureTransaction(input: $input) { transaction { id status amount { value currencyCode } } } }";
const BT_REVERSE: &str = "mutation ReverseTransaction($input: ReverseTransactionInput!) { \
     reverseTransaction(input: $input) { reversal { ... on Transaction { id status amount { value } } } } }";
const BT_REFUND: &str = "mutation RefundTransaction($input: RefundTransactionInput!) { \
     refundTransaction(input: $input) { refund { id status orderId amount { value } } } }";
const BT_SEARCH: &str = "query SearchTransactions($input: TransactionSearchInput!) { search { \
     transactions(input: $input, first: 5) { edges { node { id status orderId amount { value } } } } } }";

/// XSD `transactionRequestType`, the fields an operation sends, in sequence order.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AnetTx {
    transaction_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment: Option<AnetPayment>,
    ref_trans_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    transaction_settings: Option<AnetSettings>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AnetPayment {
    credit_card: AnetCard,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AnetCard {
    card_number: String,
    expiration_date: &'static str,
}

#[derive(Debug, Serialize)]
struct AnetSettings {
    setting: Vec<AnetSetting>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AnetSetting {
    setting_name: &'static str,
    setting_value: String,
}

#[derive(Serialize)]
struct AnetEnvelope<'a> {
    #[serde(rename = "createTransactionRequest")]
    request: AnetRequest<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AnetRequest<'a> {
    merchant_authentication: super::authorizenet::transformers::MerchantAuthentication,
    ref_id: String,
    transaction_request: &'a AnetTx,
}

fn anet_envelope(
    login: &Secret,
    key: &Secret,
    gateway_key: &str,
    tx: &AnetTx,
) -> Result<String, serde_json::Error> {
    serde_json::to_string(&AnetEnvelope {
        request: AnetRequest {
            merchant_authentication: super::authorizenet::transformers::MerchantAuthentication {
                name: login.clone(),
                transaction_key: key.clone(),
            },
            ref_id: short_ref(gateway_key),
            transaction_request: tx,
        },
    })
}

#[cfg(test)]
mod tests;
