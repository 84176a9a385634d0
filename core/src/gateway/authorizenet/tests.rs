//! Authorize.net adapter against the JSON of WIRE.md / GATEWAYS.md §2 (replies start with a BOM).

use super::reference;
use crate::card::Brand;
use crate::error::DeclineCode;
use crate::gateway::testutil::*;
use crate::gateway::*;
use crate::secret::Secret;

fn config() -> GatewayConfig {
    GatewayConfig {
        base_url: "http://127.0.0.1:8788/authorizenet".into(),
        credentials: Credentials::Authorizenet {
            api_login_id: Secret::new("maven_sim_login"),
            transaction_key: Secret::new("maven_sim_key"),
        },
    }
}

fn bom(json: &str) -> HttpReply {
    reply(200, &format!("\u{feff}{json}"))
}

const APPROVED: &str = r#"{"transactionResponse":{"responseCode":"1","authCode":"HW617E","avsResultCode":"Y","cvvResultCode":"P","cavvResultCode":"","transId":"60123456789","refTransID":"","transHash":"","testRequest":"0","accountNumber":"XXXX4242","accountType":"Visa","messages":[{"code":"1","description":"This transaction has been approved."}],"transHashSha2":"","networkTransId":"N1"},"refId":"1a2b3c4d5e6f7a8b-1","messages":{"resultCode":"Ok","message":[{"code":"I00001","text":"Successful."}]}}"#;

fn declined(rc: &str, code: &str, text: &str) -> HttpReply {
    bom(&format!(
        r#"{{"transactionResponse":{{"responseCode":"{rc}","authCode":"","transId":"0","accountNumber":"XXXX0002","accountType":"Visa","errors":[{{"errorCode":"{code}","errorText":"{text}"}}]}},"refId":"1a2b3c4d5e6f7a8b-1","messages":{{"resultCode":"Error","message":[{{"code":"E00027","text":"The transaction was unsuccessful."}}]}}}}"#
    ))
}

#[test]
fn derived_reference() {
    assert_eq!(reference(SESSION, 1), "1a2b3c4d5e6f7a8b-1");
    assert_eq!(reference(SESSION, 12345).len(), 20);
}

#[test]
fn charge_request_is_in_xsd_order_and_approves() {
    let (calls, outcome) = drive(&config(), &charge("4242424242424242"), vec![bom(APPROVED)]);
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.method, "POST");
    assert_eq!(
        call.url,
        "http://127.0.0.1:8788/authorizenet/xml/v1/request.api"
    );
    assert_eq!(header(call, "Content-Type"), Some("application/json"));
    assert_eq!(header(call, "Authorization"), None);
    // Byte-exact: the key order is the XSD sequence.
    assert_eq!(
        call.body,
        concat!(
            r#"{"createTransactionRequest":{"merchantAuthentication":{"name":"maven_sim_login","transactionKey":"maven_sim_key"},"refId":"1a2b3c4d5e6f7a8b-1","#,
            r#""transactionRequest":{"transactionType":"authCaptureTransaction","amount":"12.34","#,
            r#""payment":{"creditCard":{"cardNumber":"4242424242424242","expirationDate":"2030-12","cardCode":"123"}},"#,
            r#""order":{"invoiceNumber":"1a2b3c4d5e6f7a8b-1","description":"Order #42"},"#,
            r#""billTo":{"firstName":"Jane Q","lastName":"Doe","zip":"94107"},"#,
            r#""transactionSettings":{"setting":[{"settingName":"duplicateWindow","settingValue":"28800"}]}}}}"#
        )
    );
    assert_eq!(
        outcome,
        Outcome::Approved {
            status: ApprovedStatus::Succeeded,
            transaction_id: "60123456789".into(),
            token: None,
            card_brand: Brand::Visa,
            card_last4: "4242".into(),
        }
    );
}

#[test]
fn auth_only_other_currency_and_no_optional_elements() {
    let mut req = request("4242424242424242", Mode::Charge, false);
    req.currency = "eur".into();
    req.description = None;
    req.card.name = None;
    req.card.postal_code = None;
    let (calls, outcome) = drive(&config(), &req, vec![bom(APPROVED)]);
    let body = &calls[0].body;
    assert!(body.contains(
        r#""transactionType":"authOnlyTransaction","amount":"12.34","currencyCode":"EUR","payment""#
    ));
    assert!(
        body.contains(r#""order":{"invoiceNumber":"1a2b3c4d5e6f7a8b-1"},"transactionSettings""#)
    );
    assert!(!body.contains("billTo") && !body.contains("null"));
    assert!(matches!(
        outcome,
        Outcome::Approved {
            status: ApprovedStatus::Authorized,
            ..
        }
    ));
}

#[test]
fn the_five_declines() {
    let cases = [
        ("2", "2", DeclineCode::CardDeclined),
        ("2", "51", DeclineCode::InsufficientFunds),
        ("2", "44", DeclineCode::IncorrectCvc),
        ("3", "8", DeclineCode::ExpiredCard),
        ("3", "19", DeclineCode::ProcessingError),
    ];
    for (rc, code, want) in cases {
        let (_, outcome) = drive(
            &config(),
            &charge("4000000000000002"),
            vec![declined(rc, code, "This transaction has been declined.")],
        );
        assert_eq!(
            outcome,
            Outcome::Declined {
                code: want,
                message: "This transaction has been declined.".into()
            },
            "reason {code}"
        );
    }
}

#[test]
fn duplicate_11_is_the_original_approval() {
    let dup = bom(
        r#"{"transactionResponse":{"responseCode":"3","authCode":"HW617E","transId":"60123456789","accountNumber":"XXXX4242","accountType":"Visa","errors":[{"errorCode":"11","errorText":"A duplicate transaction has been submitted."}]},"refId":"1a2b3c4d5e6f7a8b-1","messages":{"resultCode":"Error","message":[{"code":"E00027","text":"The transaction was unsuccessful."}]}}"#,
    );
    let mut req = charge("4242424242424242");
    req.recovering = true;
    let (calls, outcome) = drive(&config(), &req, vec![dup]);
    assert_eq!(calls.len(), 1);
    assert_eq!(
        outcome,
        Outcome::Approved {
            status: ApprovedStatus::Succeeded,
            transaction_id: "60123456789".into(),
            token: None,
            card_brand: Brand::Visa,
            card_last4: "4242".into(),
        }
    );
}

#[test]
fn bad_credentials_500_and_malformed_are_unavailable() {
    let creds = bom(
        r#"{"messages":{"resultCode":"Error","message":[{"code":"E00007","text":"User authentication failed due to invalid authentication values."}]}}"#,
    );
    let (_, outcome) = drive(&config(), &charge("4242424242424242"), vec![creds]);
    assert!(unavailable_reason(&outcome).starts_with("authorize.net rejected the credentials"));

    let (_, outcome) = drive(&config(), &charge("4242424242424242"), vec![reply(500, "")]);
    assert_eq!(
        unavailable_reason(&outcome),
        "authorize.net answered HTTP 500"
    );

    let (_, outcome) = drive(
        &config(),
        &charge("4242424242424242"),
        vec![bom(&APPROVED[..60])],
    );
    assert!(unavailable_reason(&outcome).contains("unreadable"));
}

const PROFILE_OK: &str = r#"{"customerProfileId":"500100","customerPaymentProfileIdList":["400200"],"customerShippingAddressIdList":[],"validationDirectResponseList":["1,1,1,This transaction has been approved.,000000,P,0,none,Test transaction for ValidateCustomerPaymentProfile.,0.00,CC,auth_only,1a2b3c4d5e6f7a8b-1,Jane Q,Doe,,,,,94107,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,XXXX4444,MasterCard,,,,,,,,,,,,,,,,,"],"messages":{"resultCode":"Ok","message":[{"code":"I00001","text":"Successful."}]}}"#;

#[test]
fn tokenize_creates_a_profile() {
    let req = request("5555555555554444", Mode::Tokenize, true);
    let (calls, outcome) = drive(&config(), &req, vec![bom(PROFILE_OK)]);
    assert_eq!(
        calls[0].body,
        concat!(
            r#"{"createCustomerProfileRequest":{"merchantAuthentication":{"name":"maven_sim_login","transactionKey":"maven_sim_key"},"refId":"1a2b3c4d5e6f7a8b-1","#,
            r#""profile":{"merchantCustomerId":"1a2b3c4d5e6f7a8b-1","description":"Order #42","paymentProfiles":[{"customerType":"individual","#,
            r#""billTo":{"firstName":"Jane Q","lastName":"Doe","zip":"94107"},"#,
            r#""payment":{"creditCard":{"cardNumber":"5555555555554444","expirationDate":"2030-12","cardCode":"123"}}}]},"#,
            r#""validationMode":"testMode"}}"#
        )
    );
    assert_eq!(
        outcome,
        Outcome::Approved {
            status: ApprovedStatus::Tokenized,
            transaction_id: "500100".into(),
            token: Some("500100/400200".into()),
            card_brand: Brand::Mastercard,
            card_last4: "4444".into(),
        }
    );
}

#[test]
fn tokenize_decline_reads_the_direct_response() {
    let reply = bom(
        r#"{"customerPaymentProfileIdList":[],"customerShippingAddressIdList":[],"validationDirectResponseList":["2,1,51,Insufficient funds.,000000,P,0,none,,0.00,CC,auth_only"],"messages":{"resultCode":"Error","message":[{"code":"E00027","text":"Insufficient funds."}]}}"#,
    );
    let req = request("4000000000009995", Mode::Tokenize, true);
    let (_, outcome) = drive(&config(), &req, vec![reply]);
    assert_eq!(
        outcome,
        Outcome::Declined {
            code: DeclineCode::InsufficientFunds,
            message: "Insufficient funds.".into()
        }
    );
}

#[test]
fn tokenize_duplicate_profile_is_the_earlier_one() {
    let reply = bom(
        r#"{"customerProfileId":"500100","customerPaymentProfileIdList":["400200"],"customerShippingAddressIdList":[],"validationDirectResponseList":[],"messages":{"resultCode":"Error","message":[{"code":"E00039","text":"A duplicate record with ID 500100 already exists."}]}}"#,
    );
    let mut req = request("4242424242424242", Mode::Tokenize, true);
    req.recovering = true;
    let (_, outcome) = drive(&config(), &req, vec![reply]);
    assert_eq!(
        outcome,
        Outcome::Approved {
            status: ApprovedStatus::Tokenized,
            transaction_id: "500100".into(),
            token: Some("500100/400200".into()),
            card_brand: Brand::Visa,
            card_last4: "4242".into(),
        }
    );
}

#[test]
fn name_split() {
    use super::transformers::split_name;
    let s = |a: Option<&str>, b: Option<&str>| (a.map(String::from), b.map(String::from));
    assert_eq!(split_name("Jane Doe"), s(Some("Jane"), Some("Doe")));
    assert_eq!(
        split_name("  Mary Ann  Smith "),
        s(Some("Mary Ann"), Some("Smith"))
    );
    assert_eq!(split_name("Cher"), s(None, Some("Cher")));
    assert_eq!(split_name(""), s(None, None));
}
