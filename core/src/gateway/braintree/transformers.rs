//! Braintree GraphQL wire types. Documents, inputs and payloads follow `braintree/graphql-api`
//! `schema.graphql` (commit 2252d472, 2025-04-29); every field below exists there (checked with
//! graphql-core `validate` against that schema).

use crate::card::{Brand, ValidCard};
use crate::error::DeclineCode;
use crate::secret::Secret;
use serde::{Deserialize, Serialize};

/// `Transaction` fields we read; shared by charge, authorize and search (no fragments, so the
/// documents stay plain strings).
macro_rules! transaction_fields {
    () => {
        "id legacyId orderId status amount { value currencyCode } \
         paymentMethodSnapshot { __typename ... on CreditCardDetails { brandCode last4 } \
         ... on CreditCardTransactionDetails { creditCard { brandCode last4 } } } \
         statusHistory { __typename status \
         ... on ProcessorDeclinedEvent { processorResponse { legacyCode message } } \
         ... on FailedEvent { processorResponse { legacyCode message } } \
         ... on GatewayRejectedEvent { gatewayRejectionReason } }"
    };
}

/// `PaymentMethod` fields we read.
macro_rules! payment_method_fields {
    () => {
        "id usage details { __typename ... on CreditCardDetails { brandCode last4 } }"
    };
}

/// `Mutation.tokenizeCreditCard(input: TokenizeCreditCardInput!): TokenizeCreditCardPayload`.
pub const TOKENIZE: &str = concat!(
    "mutation TokenizeCreditCard($input: TokenizeCreditCardInput!) { ",
    "tokenizeCreditCard(input: $input) { paymentMethod { ",
    payment_method_fields!(),
    " } } }"
);

/// `Mutation.chargeCreditCard(input: ChargeCreditCardInput!): TransactionPayload`.
pub const CHARGE: &str = concat!(
    "mutation ChargeCreditCard($input: ChargeCreditCardInput!) { ",
    "chargeCreditCard(input: $input) { transaction { ",
    transaction_fields!(),
    " } } }"
);

/// `Mutation.authorizeCreditCard(input: AuthorizeCreditCardInput!): TransactionPayload`.
pub const AUTHORIZE: &str = concat!(
    "mutation AuthorizeCreditCard($input: AuthorizeCreditCardInput!) { ",
    "authorizeCreditCard(input: $input) { transaction { ",
    transaction_fields!(),
    " } } }"
);

/// `Mutation.vaultPaymentMethod(input: VaultPaymentMethodInput!): VaultPaymentMethodPayload`.
pub const VAULT: &str = concat!(
    "mutation VaultPaymentMethod($input: VaultPaymentMethodInput!) { ",
    "vaultPaymentMethod(input: $input) { paymentMethod { ",
    payment_method_fields!(),
    " } verification { id status gatewayRejectionReason ",
    "processorResponse { legacyCode message } } } }"
);

/// `Query.search: Search`, `Search.transactions(input: TransactionSearchInput!, first: Int)`.
pub const SEARCH: &str = concat!(
    "query SearchTransactions($input: TransactionSearchInput!) { search { ",
    "transactions(input: $input, first: 5) { edges { node { ",
    transaction_fields!(),
    " } } } } }"
);

/// `{"query", "variables": {"input": …}}`, the GraphQL-over-HTTP body.
#[derive(Debug, Serialize)]
pub struct GraphQlRequest<I> {
    pub query: &'static str,
    pub variables: Variables<I>,
}

#[derive(Debug, Serialize)]
pub struct Variables<I> {
    pub input: I,
}

/// `TokenizeCreditCardInput`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenizeInput {
    pub credit_card: CreditCardInput,
}

/// `CreditCardInput` (expiration month "MM", year "YYYY").
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreditCardInput {
    pub number: Secret,
    pub expiration_month: String,
    pub expiration_year: String,
    pub cvv: Secret,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cardholder_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<AddressInput>,
}

impl CreditCardInput {
    pub fn from_card(card: &ValidCard) -> Self {
        let clip = crate::gateway::common::clip;
        CreditCardInput {
            number: card.number.clone(),
            expiration_month: crate::gateway::common::month2(card.exp_month),
            expiration_year: card.exp_year.to_string(),
            cvv: card.cvc.clone(),
            cardholder_name: clip(card.name.as_deref(), 175),
            billing_address: postal_code(card.postal_code.as_deref())
                .map(|postal_code| AddressInput { postal_code }),
        }
    }
}

/// Braintree's postal code: at most 9 letters or digits; spaces and dashes between them do not
/// count (Braintree's address validations). Other characters are dropped, separators are kept
/// only between kept alphanumerics.
pub fn postal_code(raw: Option<&str>) -> Option<String> {
    let mut out = String::new();
    let mut alnum = 0;
    let mut pending: Option<char> = None;
    for c in raw?.trim().chars() {
        if c.is_ascii_alphanumeric() {
            if alnum == 9 {
                break;
            }
            if let Some(sep) = pending.take() {
                out.push(sep);
            }
            out.push(c);
            alnum += 1;
        } else if (c == ' ' || c == '-') && alnum > 0 && pending.is_none() {
            pending = Some(c);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// `AddressInput` (postal code only).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AddressInput {
    pub postal_code: String,
}

/// `ChargeCreditCardInput` / `AuthorizeCreditCardInput` (same shape).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChargeInput {
    pub payment_method_id: String,
    pub transaction: TransactionInput,
}

/// `TransactionInput`: amount in major units of the merchant account's currency; the account is
/// chosen per currency (`Credentials::braintree_account`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionInput {
    pub amount: String,
    pub order_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merchant_account_id: Option<String>,
}

/// `VaultPaymentMethodInput`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VaultInput {
    pub payment_method_id: String,
}

/// `TransactionSearchInput` with `orderId: SearchTextInput { is }`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchInput {
    pub order_id: SearchText,
}

#[derive(Debug, Serialize)]
pub struct SearchText {
    pub is: String,
}

/// A GraphQL response: `data` (null on failure) and `errors`.
#[derive(Debug, Deserialize)]
pub struct Response<D> {
    pub data: Option<D>,
    #[serde(default)]
    pub errors: Vec<GraphQlError>,
}

#[derive(Debug, Deserialize)]
pub struct GraphQlError {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub extensions: Option<ErrorExtensions>,
}

/// Braintree's error `extensions`: `errorClass` (`VALIDATION`, `AUTHENTICATION`,
/// `AUTHORIZATION`, `NOT_FOUND`, `INTERNAL`, `SERVICE_AVAILABILITY`, …), `legacyCode`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorExtensions {
    #[serde(default)]
    pub error_class: Option<String>,
    #[serde(default)]
    pub legacy_code: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenizeData {
    pub tokenize_credit_card: Option<PaymentMethodPayload>,
}

/// `TokenizeCreditCardPayload` (its `paymentMethod`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentMethodPayload {
    pub payment_method: Option<PaymentMethod>,
}

/// `PaymentMethod`.
#[derive(Debug, Clone, Deserialize)]
pub struct PaymentMethod {
    pub id: String,
    #[serde(default)]
    pub details: Option<CardDetails>,
}

/// `CreditCardDetails` (also the `creditCard` of `CreditCardTransactionDetails`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CardDetails {
    #[serde(default)]
    pub brand_code: Option<String>,
    #[serde(default)]
    pub last4: Option<String>,
}

/// `chargeCreditCard` or `authorizeCreditCard`: a `TransactionPayload`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChargeData {
    #[serde(alias = "authorizeCreditCard")]
    pub charge_credit_card: Option<TransactionPayload>,
}

#[derive(Debug, Deserialize)]
pub struct TransactionPayload {
    pub transaction: Option<Transaction>,
}

/// `Transaction`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    pub id: String,
    #[serde(default)]
    pub order_id: Option<String>,
    pub status: PaymentStatus,
    #[serde(default)]
    pub amount: Option<MonetaryAmount>,
    #[serde(default)]
    pub payment_method_snapshot: Option<Snapshot>,
    #[serde(default)]
    pub status_history: Option<Vec<StatusEvent>>,
}

/// `PaymentStatus`, the type of `Transaction.status`: the schema's values, and `Unknown` for any
/// other (a value added later), which no arm treats as money taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentStatus {
    AuthorizationExpired,
    Authorized,
    Authorizing,
    Failed,
    GatewayRejected,
    ProcessorDeclined,
    Settled,
    SettlementConfirmed,
    SettlementDeclined,
    SettlementPending,
    Settling,
    SubmittedForSettlement,
    Voided,
    #[serde(other)]
    Unknown,
}

impl PaymentStatus {
    /// The wire value, for messages; an unknown value is not repeated (it came from the body).
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::AuthorizationExpired => "AUTHORIZATION_EXPIRED",
            PaymentStatus::Authorized => "AUTHORIZED",
            PaymentStatus::Authorizing => "AUTHORIZING",
            PaymentStatus::Failed => "FAILED",
            PaymentStatus::GatewayRejected => "GATEWAY_REJECTED",
            PaymentStatus::ProcessorDeclined => "PROCESSOR_DECLINED",
            PaymentStatus::Settled => "SETTLED",
            PaymentStatus::SettlementConfirmed => "SETTLEMENT_CONFIRMED",
            PaymentStatus::SettlementDeclined => "SETTLEMENT_DECLINED",
            PaymentStatus::SettlementPending => "SETTLEMENT_PENDING",
            PaymentStatus::Settling => "SETTLING",
            PaymentStatus::SubmittedForSettlement => "SUBMITTED_FOR_SETTLEMENT",
            PaymentStatus::Voided => "VOIDED",
            PaymentStatus::Unknown => "(undocumented)",
        }
    }

    /// The values that mean the money is captured or on its way.
    pub fn is_settling(self) -> bool {
        matches!(
            self,
            PaymentStatus::SubmittedForSettlement
                | PaymentStatus::Settling
                | PaymentStatus::Settled
                | PaymentStatus::SettlementPending
                | PaymentStatus::SettlementConfirmed
        )
    }
}

/// `MonetaryAmount` { value: `Amount` (decimal string), currencyCode: `CurrencyCodeAlpha` }.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonetaryAmount {
    pub value: String,
    #[serde(default)]
    pub currency_code: Option<String>,
}

/// The `PaymentMethodSnapshot` union, card members only: `CreditCardDetails` has the fields
/// itself, `CreditCardTransactionDetails` under `creditCard`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    #[serde(flatten)]
    pub direct: CardDetails,
    #[serde(default)]
    pub credit_card: Option<CardDetails>,
}

impl Snapshot {
    pub fn card(&self) -> &CardDetails {
        self.credit_card.as_ref().unwrap_or(&self.direct)
    }
}

/// A `PaymentStatusEvent` (`ProcessorDeclinedEvent`, `FailedEvent`, `GatewayRejectedEvent`, …).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusEvent {
    #[serde(default)]
    pub processor_response: Option<ProcessorResponse>,
    #[serde(default)]
    pub gateway_rejection_reason: Option<String>,
}

/// `TransactionAuthorizationProcessorResponse` / `VerificationProcessorResponse`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessorResponse {
    #[serde(default)]
    pub legacy_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

impl Transaction {
    /// The latest event that says why: processor response and gateway rejection reason.
    pub fn reason(&self) -> (Option<&ProcessorResponse>, Option<&str>) {
        let events = self.status_history.as_deref().unwrap_or_default();
        let response = events
            .iter()
            .rev()
            .find_map(|e| e.processor_response.as_ref());
        let rejection = events
            .iter()
            .rev()
            .find_map(|e| e.gateway_rejection_reason.as_deref());
        (response, rejection)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VaultData {
    pub vault_payment_method: Option<VaultPayload>,
}

/// `VaultPaymentMethodPayload`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VaultPayload {
    #[serde(default)]
    pub payment_method: Option<PaymentMethod>,
    #[serde(default)]
    pub verification: Option<Verification>,
}

/// `Verification`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub gateway_rejection_reason: Option<String>,
    #[serde(default)]
    pub processor_response: Option<ProcessorResponse>,
}

/// `Query.search` → `TransactionConnection`.
#[derive(Debug, Deserialize)]
pub struct SearchData {
    pub search: Option<Search>,
}

#[derive(Debug, Deserialize)]
pub struct Search {
    pub transactions: Option<Connection>,
}

#[derive(Debug, Deserialize)]
pub struct Connection {
    #[serde(default)]
    pub edges: Option<Vec<Option<Edge>>>,
}

#[derive(Debug, Deserialize)]
pub struct Edge {
    pub node: Option<Transaction>,
}

/// `CreditCardBrandCode` (either case) → ours.
pub fn brand(code: &str) -> Brand {
    match code.to_ascii_uppercase().as_str() {
        "VISA" => Brand::Visa,
        "MASTERCARD" => Brand::Mastercard,
        "AMERICAN_EXPRESS" => Brand::Amex,
        "DISCOVER" => Brand::Discover,
        "DINERS" => Brand::Diners,
        "JCB" => Brand::Jcb,
        "UNION_PAY" => Brand::Unionpay,
        _ => Brand::Unknown,
    }
}

/// Processor response `legacyCode` → ours: 2000-class declines, 3000-class network trouble.
pub fn decline_for_legacy(code: Option<&str>) -> DeclineCode {
    match code.and_then(|c| c.trim().parse::<u32>().ok()) {
        Some(2001) => DeclineCode::InsufficientFunds,
        Some(2004) => DeclineCode::ExpiredCard,
        Some(2010) => DeclineCode::IncorrectCvc,
        Some(3000..=3999) => DeclineCode::ProcessingError,
        _ => DeclineCode::CardDeclined,
    }
}
