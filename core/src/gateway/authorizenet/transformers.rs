//! Authorize.net wire types, after `AnetApiSchema.xsd` (AuthorizeNet/sdk-php). The API checks
//! JSON against the XSD `xs:sequence`, so every struct declares its fields in XSD order and
//! serde keeps that order; absent optional elements are skipped, never sent as null.

use crate::card::{Brand, ValidCard};
use crate::error::DeclineCode;
use crate::secret::Secret;
use serde::{Deserialize, Serialize};

/// Root of a `createTransactionRequest` call (the root key names the method).
#[derive(Debug, Serialize)]
pub struct CreateTransactionEnvelope {
    #[serde(rename = "createTransactionRequest")]
    pub request: CreateTransactionRequest,
}

/// XSD `createTransactionRequest` = `ANetApiRequest` (merchantAuthentication, refId) + transactionRequest.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateTransactionRequest {
    pub merchant_authentication: MerchantAuthentication,
    pub ref_id: String,
    pub transaction_request: TransactionRequest,
}

/// XSD `merchantAuthenticationType` (name, transactionKey).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantAuthentication {
    pub name: Secret,
    pub transaction_key: Secret,
}

/// XSD `transactionRequestType`: transactionType, amount, currencyCode, payment, … order, …
/// billTo, … transactionSettings.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionRequest {
    pub transaction_type: &'static str,
    pub amount: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    pub payment: Payment,
    pub order: Order,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bill_to: Option<BillTo>,
    pub transaction_settings: TransactionSettings,
}

/// XSD `paymentType` (the `creditCard` choice).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    pub credit_card: CreditCard,
}

/// XSD `creditCardType` = `creditCardSimpleType` (cardNumber, expirationDate) + cardCode.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreditCard {
    pub card_number: Secret,
    /// `gYearMonth`, "2030-12".
    pub expiration_date: String,
    pub card_code: Secret,
}

impl Payment {
    pub fn from_card(card: &ValidCard) -> Self {
        Payment {
            credit_card: CreditCard {
                card_number: card.number.clone(),
                expiration_date: format!("{:04}-{:02}", card.exp_year, card.exp_month),
                card_code: card.cvc.clone(),
            },
        }
    }
}

/// XSD `orderType` (invoiceNumber ≤ 20, description ≤ 255).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub invoice_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// XSD `customerAddressType` (its `nameAndAddressType` part: firstName, lastName, … zip).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BillTo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
}

impl BillTo {
    /// `None` when there is nothing to send (the element is then left out).
    pub fn from_card(card: &ValidCard) -> Option<Self> {
        let (first_name, last_name) = split_name(card.name.as_deref().unwrap_or_default());
        let zip = crate::gateway::common::clip(card.postal_code.as_deref(), 20);
        (first_name.is_some() || last_name.is_some() || zip.is_some()).then_some(BillTo {
            first_name,
            last_name,
            zip,
        })
    }
}

/// Cardholder name → (firstName, lastName): the last word is the last name (≤ 50 chars each).
pub fn split_name(name: &str) -> (Option<String>, Option<String>) {
    let clip = |s: &str| Some(s.chars().take(50).collect::<String>()).filter(|s| !s.is_empty());
    let name = name.trim();
    match name.rsplit_once(char::is_whitespace) {
        Some((first, last)) => (clip(first.trim()), clip(last)),
        None => (None, clip(name)),
    }
}

/// XSD `ArrayOfSetting` / `settingType`.
#[derive(Debug, Serialize)]
pub struct TransactionSettings {
    pub setting: Vec<Setting>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Setting {
    pub setting_name: &'static str,
    pub setting_value: String,
}

/// Root of a `createCustomerProfileRequest` call.
#[derive(Debug, Serialize)]
pub struct CreateCustomerProfileEnvelope {
    #[serde(rename = "createCustomerProfileRequest")]
    pub request: CreateCustomerProfileRequest,
}

/// XSD `createCustomerProfileRequest` = `ANetApiRequest` + profile, validationMode.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateCustomerProfileRequest {
    pub merchant_authentication: MerchantAuthentication,
    pub ref_id: String,
    pub profile: CustomerProfile,
    pub validation_mode: &'static str,
}

/// XSD `customerProfileType` = `customerProfileBaseType` (merchantCustomerId, description,
/// email) + paymentProfiles.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerProfile {
    pub merchant_customer_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub payment_profiles: Vec<PaymentProfile>,
}

/// XSD `customerPaymentProfileType` = base (customerType, billTo) + payment.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentProfile {
    pub customer_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bill_to: Option<BillTo>,
    pub payment: Payment,
}

/// XSD `messagesType`: the request-level verdict of every response.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Messages {
    pub result_code: String,
    #[serde(default)]
    pub message: Vec<Message>,
}

#[derive(Debug, Deserialize)]
pub struct Message {
    pub code: String,
    #[serde(default)]
    pub text: String,
}

/// XSD `createTransactionResponse`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateTransactionResponse {
    #[serde(default)]
    pub transaction_response: Option<TransactionResponse>,
    pub messages: Messages,
}

/// XSD `transactionResponse` (only what we read).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionResponse {
    pub response_code: ResponseCode,
    #[serde(default)]
    pub trans_id: Option<String>,
    /// "XXXX4242".
    #[serde(default)]
    pub account_number: Option<String>,
    /// "Visa", "MasterCard", "AmericanExpress", …
    #[serde(default)]
    pub account_type: Option<String>,
    /// Present on a partial authorization of a prepaid card.
    #[serde(default)]
    pub pre_paid_card: Option<PrePaidCard>,
    #[serde(default)]
    pub messages: Vec<TransactionMessage>,
    #[serde(default)]
    pub errors: Vec<TransactionError>,
}

/// `transactionResponse.responseCode` (`xs:string` in the XSD): 1 Approved, 2 Declined, 3 Error,
/// 4 Held for Review, and `Unknown` for any other value, which no arm treats as money taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ResponseCode {
    #[serde(rename = "1")]
    Approved,
    #[serde(rename = "2")]
    Declined,
    #[serde(rename = "3")]
    Error,
    #[serde(rename = "4")]
    HeldForReview,
    #[serde(other)]
    Unknown,
}

impl ResponseCode {
    /// The same code where it is a field of a direct response (its first field).
    pub fn from_field(field: &str) -> Self {
        use serde::de::{value, IntoDeserializer};
        let d: value::StrDeserializer<value::Error> = field.into_deserializer();
        ResponseCode::deserialize(d).unwrap_or(ResponseCode::Unknown)
    }

    /// The wire value, for messages; an unknown value is not repeated (it came from the body).
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseCode::Approved => "1",
            ResponseCode::Declined => "2",
            ResponseCode::Error => "3",
            ResponseCode::HeldForReview => "4",
            ResponseCode::Unknown => "(undocumented)",
        }
    }
}

/// XSD `transactionResponse.prePaidCard` (decimal strings in major units).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrePaidCard {
    #[serde(default)]
    pub requested_amount: Option<String>,
    #[serde(default)]
    pub approved_amount: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct TransactionMessage {
    pub code: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionError {
    pub error_code: String,
    #[serde(default)]
    pub error_text: String,
}

/// XSD `createCustomerProfileResponse`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateCustomerProfileResponse {
    #[serde(default)]
    pub customer_profile_id: Option<String>,
    #[serde(default)]
    pub customer_payment_profile_id_list: Option<StringList>,
    #[serde(default)]
    pub validation_direct_response_list: Option<StringList>,
    pub messages: Messages,
}

/// XSD `ArrayOfNumericString` / `ArrayOfString`: a plain array in the JSON API, but the
/// XML-shaped `{"numericString": [...]}` form is accepted too.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum StringList {
    Plain(Vec<String>),
    Numeric {
        #[serde(rename = "numericString")]
        numeric_string: Vec<String>,
    },
    Strings {
        string: Vec<String>,
    },
}

impl StringList {
    pub fn first(list: &Option<StringList>) -> Option<&str> {
        let v = match list.as_ref()? {
            StringList::Plain(v) => v,
            StringList::Numeric { numeric_string } => numeric_string,
            StringList::Strings { string } => string,
        };
        v.first().map(String::as_str).filter(|s| !s.is_empty())
    }
}

/// `accountType` → ours.
pub fn brand(account_type: &str) -> Brand {
    match account_type
        .to_ascii_lowercase()
        .replace([' ', '_'], "")
        .as_str()
    {
        "visa" => Brand::Visa,
        "mastercard" => Brand::Mastercard,
        "americanexpress" | "amex" => Brand::Amex,
        "discover" => Brand::Discover,
        "dinersclub" | "diners" => Brand::Diners,
        "jcb" => Brand::Jcb,
        "unionpay" | "chinaunionpay" => Brand::Unionpay,
        _ => Brand::Unknown,
    }
}

/// "XXXX4242" → "4242".
pub fn last4(account_number: &str) -> &str {
    &account_number[account_number.len().saturating_sub(4)..]
}

/// What a response reason code (with responseCode 2 or 3) means for the customer. `None` for
/// codes that are about our request or the merchant account, not the card, and for 11 (a
/// duplicate: never a decline, see the adapter). Reason 51 is refund-only ("The sum of all
/// credits against this transaction is greater than the original transaction amount"), so it
/// is not a card problem either: `None` (with responseCode 3 the adapter closes the attempt
/// as rejected). Authorize.net sends no insufficient-funds reason; that decline is a plain 2.
pub fn decline_for_reason(response_code: ResponseCode, reason: &str) -> Option<DeclineCode> {
    let n: u32 = reason.trim().parse().ok()?;
    Some(match n {
        11 | 51 => return None,
        7 | 8 => DeclineCode::ExpiredCard,
        44 | 45 | 65 | 78 => DeclineCode::IncorrectCvc,
        19..=23 | 57..=63 => DeclineCode::ProcessingError,
        6 | 17 | 28 => DeclineCode::CardDeclined,
        _ if response_code == ResponseCode::Declined => DeclineCode::CardDeclined,
        _ => return None,
    })
}

/// Root of a `getUnsettledTransactionListRequest` call.
#[derive(Debug, Serialize)]
pub struct UnsettledListEnvelope {
    #[serde(rename = "getUnsettledTransactionListRequest")]
    pub request: UnsettledListRequest,
}

/// XSD `getUnsettledTransactionListRequest` = `ANetApiRequest` + status?, sorting?, paging?.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnsettledListRequest {
    pub merchant_authentication: MerchantAuthentication,
    pub ref_id: String,
    pub sorting: Sorting,
    pub paging: Paging,
}

/// XSD `TransactionListSorting` (orderBy: `id` | `submitTimeUTC`, orderDescending).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sorting {
    pub order_by: &'static str,
    pub order_descending: bool,
}

/// XSD `Paging`: limit 1..=1000, offset (the page number) 1..=100000.
#[derive(Debug, Serialize)]
pub struct Paging {
    pub limit: u32,
    pub offset: u32,
}

/// XSD `getUnsettledTransactionListResponse`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnsettledListResponse {
    #[serde(default)]
    pub transactions: Option<SummaryList>,
    #[serde(default)]
    pub total_num_in_result_set: Option<u32>,
    pub messages: Messages,
}

/// XSD `ArrayOfTransactionSummaryType`: a plain array in the JSON API (the XML-shaped
/// `{"transaction": [...]}` is accepted too).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum SummaryList {
    Plain(Vec<TransactionSummary>),
    Wrapped {
        transaction: Vec<TransactionSummary>,
    },
}

impl SummaryList {
    pub fn items(self) -> Vec<TransactionSummary> {
        match self {
            SummaryList::Plain(v) | SummaryList::Wrapped { transaction: v } => v,
        }
    }
}

/// XSD `transactionSummaryType` (only what we read).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionSummary {
    pub trans_id: String,
    pub transaction_status: TransactionStatus,
    #[serde(default)]
    pub invoice_number: Option<String>,
    #[serde(default)]
    pub account_type: Option<String>,
    #[serde(default)]
    pub account_number: Option<String>,
    /// `xs:decimal` in major units; a number or a string in the JSON.
    #[serde(default)]
    pub settle_amount: Option<serde_json::Value>,
}

/// XSD `transactionStatusEnum` (`transactionSummaryType.transactionStatus` is an `xs:string`
/// naming it), and `Unknown` for any other value, which no arm treats as money taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TransactionStatus {
    AuthorizedPendingCapture,
    CapturedPendingSettlement,
    CommunicationError,
    RefundSettledSuccessfully,
    RefundPendingSettlement,
    ApprovedReview,
    Declined,
    CouldNotVoid,
    Expired,
    GeneralError,
    PendingFinalSettlement,
    PendingSettlement,
    FailedReview,
    SettledSuccessfully,
    SettlementError,
    UnderReview,
    UpdatingSettlement,
    Voided,
    #[serde(rename = "FDSPendingReview")]
    FdsPendingReview,
    #[serde(rename = "FDSAuthorizedPendingReview")]
    FdsAuthorizedPendingReview,
    ReturnedItem,
    Chargeback,
    ChargebackReversal,
    AuthorizedPendingRelease,
    #[serde(other)]
    Unknown,
}

impl TransactionStatus {
    /// The wire value, for messages; an unknown value is not repeated (it came from the body).
    pub fn as_str(self) -> &'static str {
        use TransactionStatus as S;
        match self {
            S::AuthorizedPendingCapture => "authorizedPendingCapture",
            S::CapturedPendingSettlement => "capturedPendingSettlement",
            S::CommunicationError => "communicationError",
            S::RefundSettledSuccessfully => "refundSettledSuccessfully",
            S::RefundPendingSettlement => "refundPendingSettlement",
            S::ApprovedReview => "approvedReview",
            S::Declined => "declined",
            S::CouldNotVoid => "couldNotVoid",
            S::Expired => "expired",
            S::GeneralError => "generalError",
            S::PendingFinalSettlement => "pendingFinalSettlement",
            S::PendingSettlement => "pendingSettlement",
            S::FailedReview => "failedReview",
            S::SettledSuccessfully => "settledSuccessfully",
            S::SettlementError => "settlementError",
            S::UnderReview => "underReview",
            S::UpdatingSettlement => "updatingSettlement",
            S::Voided => "voided",
            S::FdsPendingReview => "FDSPendingReview",
            S::FdsAuthorizedPendingReview => "FDSAuthorizedPendingReview",
            S::ReturnedItem => "returnedItem",
            S::Chargeback => "chargeback",
            S::ChargebackReversal => "chargebackReversal",
            S::AuthorizedPendingRelease => "authorizedPendingRelease",
            S::Unknown => "(undocumented)",
        }
    }
}

/// Root of a `getCustomerProfileRequest` call.
#[derive(Debug, Serialize)]
pub struct GetCustomerProfileEnvelope {
    #[serde(rename = "getCustomerProfileRequest")]
    pub request: GetCustomerProfileRequest,
}

/// XSD `getCustomerProfileRequest` = `ANetApiRequest` + customerProfileId?, merchantCustomerId?.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GetCustomerProfileRequest {
    pub merchant_authentication: MerchantAuthentication,
    pub ref_id: String,
    pub merchant_customer_id: String,
}

/// XSD `getCustomerProfileResponse` (profile only when found).
#[derive(Debug, Deserialize)]
pub struct GetCustomerProfileResponse {
    #[serde(default)]
    pub profile: Option<MaskedProfile>,
    pub messages: Messages,
}

/// XSD `customerProfileMaskedType` (only what we read).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaskedProfile {
    #[serde(default)]
    pub customer_profile_id: Option<String>,
    #[serde(default)]
    pub payment_profiles: Vec<MaskedPaymentProfile>,
}

/// XSD `customerPaymentProfileMaskedType`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaskedPaymentProfile {
    pub customer_payment_profile_id: String,
    #[serde(default)]
    pub payment: Option<MaskedPayment>,
}

/// XSD `paymentMaskedType` (`creditCard` choice).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaskedPayment {
    #[serde(default)]
    pub credit_card: Option<MaskedCard>,
}

/// XSD `creditCardMaskedType` (cardNumber "XXXX1111", cardType "Visa").
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaskedCard {
    #[serde(default)]
    pub card_number: Option<String>,
    #[serde(default)]
    pub card_type: Option<String>,
}
