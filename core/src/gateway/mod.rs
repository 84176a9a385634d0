//! Gateway adapters as pure state machines: each flow says which HTTP call to make next and
//! reads the gateway's reply; the worker does the I/O. So every request/response mapping is
//! unit-tested here with the gateway's documented JSON, with no network.
//!
//! Worker loop (bounded):
//! ```ignore
//! let mut flow = Flow::new(&config, &request);
//! let mut reply = None;
//! let outcome = loop {
//!     match flow.next(reply.take()) {
//!         Step::Call(call) => reply = Some(http(call)?),   // transport failure => Outcome::Unavailable
//!         Step::Done(outcome) => break outcome,
//!     }
//! };
//! ```

use crate::card::{Brand, ValidCard};
use crate::error::DeclineCode;
use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub mod authorizenet;
pub mod basic_auth;
pub mod braintree;
mod common;
pub mod credentials;
pub mod currency;
mod flow;
#[cfg(test)]
mod flow_tests;
pub mod ops;
pub mod probe;
pub mod shift4;
pub mod stripe;
#[cfg(test)]
mod testutil;

pub use credentials::CredentialField;
pub use flow::{Flow, Lookup, LookupStep, Step, MAX_CALLS};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum GatewayKind {
    Stripe,
    Authorizenet,
    Braintree,
    Shift4,
}

impl GatewayKind {
    pub const ALL: [GatewayKind; 4] = [
        GatewayKind::Stripe,
        GatewayKind::Authorizenet,
        GatewayKind::Braintree,
        GatewayKind::Shift4,
    ];

    /// Whether the same attempt may be sent again while its outcome is unknown: Stripe and
    /// Shift4 replay an `Idempotency-Key`, and Authorize.net answers a resubmission of the same
    /// fields inside `duplicateWindow` as a duplicate (which we then look up). Braintree has
    /// neither: a resend could charge twice, so it waits until a lookup can be believed
    /// (docs/money-safety.md).
    pub fn resend_is_safe(self) -> bool {
        !matches!(self, GatewayKind::Braintree)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GatewayKind::Stripe => "stripe",
            GatewayKind::Authorizenet => "authorizenet",
            GatewayKind::Braintree => "braintree",
            GatewayKind::Shift4 => "shift4",
        }
    }

    pub fn parse(s: &str) -> Option<GatewayKind> {
        GatewayKind::ALL.into_iter().find(|g| g.as_str() == s)
    }

    /// The gateway's name as its own site writes it (the dashboard's headings).
    pub fn display_name(self) -> &'static str {
        match self {
            GatewayKind::Stripe => "Stripe",
            GatewayKind::Authorizenet => "Authorize.net",
            GatewayKind::Braintree => "Braintree",
            GatewayKind::Shift4 => "Shift4",
        }
    }
}

/// Credentials of one gateway for one project and environment (stored encrypted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "gateway", rename_all = "lowercase")]
pub enum Credentials {
    /// Basic `sk:` auth.
    Stripe { secret_key: Secret },
    /// `merchantAuthentication {name, transactionKey}` in the body.
    Authorizenet {
        api_login_id: Secret,
        transaction_key: Secret,
    },
    /// Basic `public:private`. A Braintree merchant account has one currency, so the currency of
    /// a transaction is chosen by its `merchantAccountId` (docs/gateways.md, "Braintree").
    Braintree {
        public_key: Secret,
        private_key: Secret,
        /// The default merchant account (`None`: the gateway's default account). Its currency is
        /// `default_currency`.
        #[serde(default)]
        merchant_account_id: Option<String>,
        /// One merchant account per currency: lower-case ISO code → merchant account id. Takes
        /// precedence over the default account for its currency.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        merchant_accounts: BTreeMap<String, String>,
        /// Currency of the default account, lower-case; `usd` when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        default_currency: Option<String>,
    },
    /// Basic `sk:` auth.
    Shift4 { secret_key: Secret },
}

impl Credentials {
    /// Braintree: the merchant account that takes `currency`: `Some(Some(id))`, `Some(None)`
    /// for the gateway's default account (when it is the default currency), `None` when no
    /// account of these credentials takes it (or the credentials are not Braintree's).
    pub fn braintree_account(&self, currency: &str) -> Option<Option<String>> {
        let Credentials::Braintree {
            merchant_account_id,
            merchant_accounts,
            default_currency,
            ..
        } = self
        else {
            return None;
        };
        let currency = currency.to_ascii_lowercase();
        if let Some((_, id)) = merchant_accounts
            .iter()
            .find(|(c, id)| c.eq_ignore_ascii_case(&currency) && !id.trim().is_empty())
        {
            return Some(Some(id.trim().to_string()));
        }
        let default = default_currency.as_deref().unwrap_or("usd");
        default.eq_ignore_ascii_case(&currency).then(|| {
            merchant_account_id
                .as_deref()
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(str::to_string)
        })
    }

    pub fn kind(&self) -> GatewayKind {
        match self {
            Credentials::Stripe { .. } => GatewayKind::Stripe,
            Credentials::Authorizenet { .. } => GatewayKind::Authorizenet,
            Credentials::Braintree { .. } => GatewayKind::Braintree,
            Credentials::Shift4 { .. } => GatewayKind::Shift4,
        }
    }
}

/// Where and how to reach one gateway.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// e.g. `https://api.stripe.com` or `http://127.0.0.1:8788/stripe` for the simulator.
    pub base_url: String,
    pub credentials: Credentials,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Charge,
    Tokenize,
}

/// One payment attempt on a session.
#[derive(Debug, Clone)]
pub struct PaymentRequest {
    pub session_id: String,
    /// 1-based attempt number; with the session id it derives idempotency keys and order ids,
    /// so a retry of the same attempt after a timeout never charges twice.
    pub attempt: u32,
    /// True when an earlier try of this same attempt ended with an unknown outcome (timeout,
    /// 5xx): gateways without idempotency keys look for the earlier transaction first.
    pub recovering: bool,
    pub amount_cents: u64,
    /// ISO 4217, lower-case.
    pub currency: String,
    pub mode: Mode,
    /// false = authorize only.
    pub capture: bool,
    pub description: Option<String>,
    pub card: ValidCard,
}

impl PaymentRequest {
    /// The attempt as a lookup sees it (no card data).
    pub fn attempt_ref(&self) -> AttemptRef {
        AttemptRef {
            session_id: self.session_id.clone(),
            attempt: self.attempt,
            amount_cents: self.amount_cents,
            currency: self.currency.clone(),
            mode: self.mode,
            capture: self.capture,
            not_before: None,
        }
    }

    /// Stable per session+attempt; suffix tells the steps of one flow apart.
    pub fn idempotency_key(&self, step: &str) -> String {
        format!("mvn-{}-{}-{}", self.session_id, self.attempt, step)
    }
}

/// An HTTP request the worker must send. Its body may carry the card number and its headers the
/// API key, so `Debug` prints neither: log `{:?}` of a call or a `Step` freely.
#[derive(Clone, PartialEq)]
pub struct HttpCall {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl std::fmt::Debug for HttpCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("HttpCall")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &names)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// What came back.
#[derive(Debug, Clone)]
pub struct HttpReply {
    pub status: u16,
    pub body: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApprovedStatus {
    Succeeded,
    Authorized,
    Tokenized,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    Approved {
        status: ApprovedStatus,
        transaction_id: String,
        /// Reusable token for tokenize mode (e.g. `cus_…/pm_…`, profile ids, vaulted id).
        token: Option<String>,
        card_brand: Brand,
        card_last4: String,
    },
    Declined {
        code: DeclineCode,
        /// The gateway's own message, for logs and the merchant (never card data).
        message: String,
    },
    /// The gateway proved that nothing was charged (a 4xx it documents as "not processed",
    /// decided per gateway in its module): the attempt closes without counting as a decline, and
    /// the customer may try again (a new attempt, new keys).
    Rejected(String),
    /// The gateway took money that is not the session's (another amount or currency): never
    /// shown as paid; the session fails with `gateway_mismatch` and the merchant is told.
    Mismatch {
        transaction_id: String,
        detail: String,
    },
    /// Unknown outcome (timeout, reset, 5xx, malformed reply, a duplicate answer): the attempt
    /// stays open and is resolved by `Lookup`, never guessed.
    Unavailable(String),
}

/// What identifies one attempt at the gateway without any card data: enough for a `Lookup`
/// (kept in the session's Durable Object while the attempt is unresolved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptRef {
    pub session_id: String,
    pub attempt: u32,
    pub amount_cents: u64,
    /// ISO 4217, lower-case.
    pub currency: String,
    pub mode: Mode,
    pub capture: bool,
    /// Unix seconds at or before the attempt's first try, when the caller knows it: lets a
    /// lookup that lists transactions (Shift4) skip older ones. `None`: list from the newest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<u64>,
}

/// The answer of a lookup of one attempt at its gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LookupResult {
    /// The gateway has the attempt's transaction: its outcome (`Approved`, `Declined` or
    /// `Mismatch`; amount and currency checked against the `AttemptRef`).
    Found(Outcome),
    /// The gateway has no transaction for this attempt (yet: a request still in flight may land
    /// later, so the caller trusts this only after a quiet period).
    NotFound,
    /// The lookup itself failed (timeout, 5xx, malformed): try again later.
    Unknown(String),
}
