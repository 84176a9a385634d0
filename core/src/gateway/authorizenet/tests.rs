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
            r#""transactionSettings":{"setting":[{"settingName":"allowPartialAuth","settingValue":"false"},{"settingName":"duplicateWindow","settingValue":"28800"}]}}}}"#
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

fn duplicate(trans_id: &str) -> HttpReply {
    bom(&format!(
        r#"{{"transactionResponse":{{"responseCode":"3","authCode":"","transId":"{trans_id}","accountNumber":"XXXX0002","accountType":"Visa","errors":[{{"errorCode":"11","errorText":"A duplicate transaction has been submitted."}}]}},"refId":"1a2b3c4d5e6f7a8b-1","messages":{{"resultCode":"Error","message":[{{"code":"E00027","text":"The transaction was unsuccessful."}}]}}}}"#
    ))
}

/// Defect 1: a duplicate answer carrying the original's transId (Authorize.net also sends it
/// for duplicates of DECLINED transactions) was taken as an approval on main.
#[test]
fn duplicate_11_with_trans_id_is_never_an_approval() {
    let mut req = charge("4000000000000002");
    req.recovering = true;
    let (calls, outcome) = drive(&config(), &req, vec![duplicate("60123456789")]);
    assert_eq!(calls.len(), 1);
    let reason = unavailable_reason(&outcome);
    assert!(
        reason.contains("duplicate") && reason.contains("lookup"),
        "{reason}"
    );
}

/// Defect 1: a duplicate answer without a transId was reported as a decline on main, although
/// the original may have been approved.
#[test]
fn duplicate_11_without_trans_id_is_never_a_decline() {
    for id in ["0", ""] {
        let (_, outcome) = drive(&config(), &charge("4242424242424242"), vec![duplicate(id)]);
        let reason = unavailable_reason(&outcome);
        assert!(reason.contains("resolve by lookup"), "{reason}");
    }
}

/// Defect 1: reason 51 is refund-only, not insufficient funds.
#[test]
fn reason_51_is_not_insufficient_funds() {
    let text = "The sum of all credits against this transaction is greater than the original transaction amount.";
    let (_, outcome) = drive(
        &config(),
        &charge("4242424242424242"),
        vec![declined("3", "51", text)],
    );
    assert!(
        matches!(outcome, Outcome::Rejected(ref r) if r.contains("51")),
        "{outcome:?}"
    );
    let (_, outcome) = drive(
        &config(),
        &charge("4242424242424242"),
        vec![declined("2", "51", text)],
    );
    assert_eq!(decline_code(&outcome), DeclineCode::CardDeclined);
}

/// Defect 7: cardNumber is at most 16 characters; longer numbers are never sent.
#[test]
fn card_over_16_digits_is_rejected_without_a_call() {
    let (calls, outcome) = drive(&config(), &charge("6011000990139424123"), vec![]);
    assert!(calls.is_empty());
    let Outcome::Rejected(reason) = outcome else {
        panic!("expected rejected, got {outcome:?}")
    };
    assert!(reason.contains("at most 16 digits"), "{reason}");
}

/// Defect 7: tokenize against production validates at the issuer (`liveMode`).
#[test]
fn tokenize_validation_mode_follows_the_environment() {
    let req = request("4242424242424242", Mode::Tokenize, true);
    let mut live = config();
    live.base_url = "https://api2.authorize.net".into();
    let (calls, _) = drive(&live, &req, vec![bom(PROFILE_OK)]);
    assert!(
        calls[0].body.ends_with(r#""validationMode":"liveMode"}}"#),
        "{}",
        calls[0].body
    );
    live.base_url = "https://api.authorize.net/".into();
    let (calls, _) = drive(&live, &req, vec![bom(PROFILE_OK)]);
    assert!(calls[0].body.contains(r#""validationMode":"liveMode""#));
    let mut sandbox = config();
    sandbox.base_url = "https://apitest.authorize.net".into();
    let (calls, _) = drive(&sandbox, &req, vec![bom(PROFILE_OK)]);
    assert!(calls[0].body.contains(r#""validationMode":"testMode""#));
}

/// Defect 6: request-level errors that reject the request itself close the attempt.
#[test]
fn schema_errors_are_rejected_system_errors_unknown() {
    let err = |code: &str| {
        bom(&format!(
            r#"{{"messages":{{"resultCode":"Error","message":[{{"code":"{code}","text":"The element 'x' has invalid child element 'y'."}}]}}}}"#
        ))
    };
    for code in ["E00003", "E00013", "E00015"] {
        let (_, outcome) = drive(&config(), &charge("4242424242424242"), vec![err(code)]);
        assert!(
            matches!(outcome, Outcome::Rejected(ref r) if r.contains(code)),
            "{outcome:?}"
        );
    }
    let (_, outcome) = drive(&config(), &charge("4242424242424242"), vec![err("E00001")]);
    unavailable_reason(&outcome);
}

#[test]
fn partial_authorization_is_a_mismatch() {
    let partial = APPROVED.replace(
        r#""accountType":"Visa","#,
        r#""accountType":"Visa","prePaidCard":{"requestedAmount":"12.34","approvedAmount":"10.00","balanceOnCard":"0.00"},"#,
    );
    let (_, outcome) = drive(&config(), &charge("4242424242424242"), vec![bom(&partial)]);
    let Outcome::Mismatch {
        transaction_id,
        detail,
    } = outcome
    else {
        panic!("expected mismatch, got {outcome:?}")
    };
    assert_eq!(transaction_id, "60123456789");
    assert!(detail.contains("1000 instead of 1234"), "{detail}");
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
        r#"{"customerPaymentProfileIdList":[],"customerShippingAddressIdList":[],"validationDirectResponseList":["2,1,44,This transaction has been declined.,000000,P,0,none,,0.00,CC,auth_only"],"messages":{"resultCode":"Error","message":[{"code":"E00027","text":"This transaction has been declined."}]}}"#,
    );
    let req = request("4000000000009995", Mode::Tokenize, true);
    let (_, outcome) = drive(&config(), &req, vec![reply]);
    assert_eq!(
        outcome,
        Outcome::Declined {
            code: DeclineCode::IncorrectCvc,
            message: "This transaction has been declined.".into()
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

#[test]
fn unknown_response_code_is_unavailable_never_an_approval() {
    use super::transformers::{CreateTransactionResponse, ResponseCode};
    let body = APPROVED.replace(r#""responseCode":"1""#, r#""responseCode":"5""#);
    let parsed: CreateTransactionResponse = serde_json::from_str(&body).expect("it parses");
    let tr = parsed.transaction_response.expect("transactionResponse");
    assert_eq!(tr.response_code, ResponseCode::Unknown);

    // A transId and an approval message do not make it an approval.
    let (_, outcome) = drive(&config(), &charge("4242424242424242"), vec![bom(&body)]);
    assert_eq!(
        unavailable_reason(&outcome),
        "authorize.net answered responseCode (undocumented)"
    );
    // Nor does a reason code make it a decline or a rejection.
    let (_, outcome) = drive(
        &config(),
        &charge("4000000000000002"),
        vec![declined("5", "2", "This transaction has been declined.")],
    );
    unavailable_reason(&outcome);
}

#[test]
fn response_code_names_are_the_wire_values() {
    use super::transformers::ResponseCode::{self, *};
    for rc in [Approved, Declined, Error, HeldForReview] {
        let parsed: ResponseCode = serde_json::from_str(&format!("\"{}\"", rc.as_str())).unwrap();
        assert_eq!(parsed, rc);
        assert_eq!(ResponseCode::from_field(rc.as_str()), rc);
    }
    assert_eq!(ResponseCode::from_field("0"), Unknown);
    assert_eq!(ResponseCode::from_field(" 1"), Unknown);
}

mod lookup {
    use super::*;

    fn attempt(mode: Mode) -> AttemptRef {
        AttemptRef {
            session_id: SESSION.into(),
            attempt: 1,
            amount_cents: 1234,
            currency: "usd".into(),
            mode,
            capture: true,
            not_before: None,
        }
    }

    fn run(a: &AttemptRef, replies: Vec<HttpReply>) -> (Vec<HttpCall>, LookupResult) {
        let mut l = Lookup::new(&config(), a);
        let mut replies = replies.into_iter();
        let mut calls = Vec::new();
        let mut reply = None;
        loop {
            match l.next(reply.take()) {
                LookupStep::Call(c) => {
                    calls.push(c);
                    reply = Some(replies.next().expect("more calls than replies"));
                }
                LookupStep::Done(r) => return (calls, r),
            }
        }
    }

    fn list(items: &str) -> HttpReply {
        bom(&format!(
            r#"{{"transactions":[{items}],"totalNumInResultSet":2,"messages":{{"resultCode":"Ok","message":[{{"code":"I00001","text":"Successful."}}]}}}}"#
        ))
    }

    fn item(id: &str, invoice: &str, status: &str, amount: &str) -> String {
        format!(
            r#"{{"transId":"{id}","submitTimeUTC":"2026-11-29T10:00:00Z","submitTimeLocal":"2026-11-29T02:00:00","transactionStatus":"{status}","invoiceNumber":"{invoice}","firstName":"Jane Q","lastName":"Doe","accountType":"Visa","accountNumber":"XXXX4242","settleAmount":{amount},"marketType":"eCommerce","product":"Card Not Present"}}"#
        )
    }

    #[test]
    fn unsettled_list_request_in_xsd_order() {
        let (calls, _) = run(&attempt(Mode::Charge), vec![list("")]);
        assert_eq!(
            calls[0].body,
            concat!(
                r#"{"getUnsettledTransactionListRequest":{"merchantAuthentication":{"name":"maven_sim_login","transactionKey":"maven_sim_key"},"#,
                r#""refId":"1a2b3c4d5e6f7a8b-1","sorting":{"orderBy":"submitTimeUTC","orderDescending":true},"paging":{"limit":1000,"offset":1}}}"#
            )
        );
        assert!(!calls[0].body.contains("cardNumber"));
    }

    #[test]
    fn finds_by_invoice_number() {
        let other = item(
            "1",
            "ffffffffffffffff-1",
            "capturedPendingSettlement",
            "12.34",
        );
        let ours = item(
            "2",
            "1a2b3c4d5e6f7a8b-1",
            "capturedPendingSettlement",
            "12.34",
        );
        let (_, r) = run(
            &attempt(Mode::Charge),
            vec![list(&format!("{other},{ours}"))],
        );
        assert_eq!(
            r,
            LookupResult::Found(Outcome::Approved {
                status: ApprovedStatus::Succeeded,
                transaction_id: "2".into(),
                token: None,
                card_brand: Brand::Visa,
                card_last4: "4242".into(),
            })
        );
        let auth = item(
            "3",
            "1a2b3c4d5e6f7a8b-1",
            "authorizedPendingCapture",
            "\"12.34\"",
        );
        let (_, r) = run(&attempt(Mode::Charge), vec![list(&auth)]);
        assert!(matches!(
            r,
            LookupResult::Found(Outcome::Approved {
                status: ApprovedStatus::Authorized,
                ..
            })
        ));
    }

    #[test]
    fn unknown_transaction_status_is_unknown_never_an_approval() {
        use crate::gateway::authorizenet::transformers::{TransactionStatus, TransactionSummary};
        let t = item("6", "1a2b3c4d5e6f7a8b-1", "someFutureStatus", "12.34");
        let parsed: TransactionSummary = serde_json::from_str(&t).expect("it parses");
        assert_eq!(parsed.transaction_status, TransactionStatus::Unknown);
        let (_, r) = run(&attempt(Mode::Charge), vec![list(&t)]);
        assert_eq!(
            r,
            LookupResult::Unknown("authorize.net transaction 6 is in status (undocumented)".into())
        );
    }

    #[test]
    fn transaction_status_names_are_the_wire_values() {
        use crate::gateway::authorizenet::transformers::TransactionStatus::{self, *};
        for s in [
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
            FdsPendingReview,
            FdsAuthorizedPendingReview,
            ReturnedItem,
            Chargeback,
            ChargebackReversal,
            AuthorizedPendingRelease,
        ] {
            let parsed: TransactionStatus =
                serde_json::from_str(&format!("\"{}\"", s.as_str())).unwrap();
            assert_eq!(parsed, s);
        }
    }

    #[test]
    fn declined_wrong_amount_and_absent() {
        let d = item("4", "1a2b3c4d5e6f7a8b-1", "declined", "0.00");
        let (_, r) = run(&attempt(Mode::Charge), vec![list(&d)]);
        assert!(
            matches!(
                r,
                LookupResult::Found(Outcome::Declined {
                    code: DeclineCode::CardDeclined,
                    ..
                })
            ),
            "{r:?}"
        );
        let m = item(
            "5",
            "1a2b3c4d5e6f7a8b-1",
            "capturedPendingSettlement",
            "1234.00",
        );
        let (_, r) = run(&attempt(Mode::Charge), vec![list(&m)]);
        assert!(
            matches!(r, LookupResult::Found(Outcome::Mismatch { .. })),
            "{r:?}"
        );
        let (_, r) = run(&attempt(Mode::Charge), vec![list("")]);
        assert_eq!(r, LookupResult::NotFound);
        let (_, r) = run(&attempt(Mode::Charge), vec![reply(503, "")]);
        assert!(matches!(r, LookupResult::Unknown(_)));
    }

    #[test]
    fn tokenize_gets_the_profile_by_merchant_customer_id() {
        let found = bom(
            r#"{"profile":{"merchantCustomerId":"1a2b3c4d5e6f7a8b-1","customerProfileId":"500100","paymentProfiles":[{"customerType":"individual","customerPaymentProfileId":"400200","payment":{"creditCard":{"cardNumber":"XXXX4444","expirationDate":"XXXX","cardType":"MasterCard"}}}]},"messages":{"resultCode":"Ok","message":[{"code":"I00001","text":"Successful."}]}}"#,
        );
        let (calls, r) = run(&attempt(Mode::Tokenize), vec![found]);
        assert_eq!(
            calls[0].body,
            r#"{"getCustomerProfileRequest":{"merchantAuthentication":{"name":"maven_sim_login","transactionKey":"maven_sim_key"},"refId":"1a2b3c4d5e6f7a8b-1","merchantCustomerId":"1a2b3c4d5e6f7a8b-1"}}"#
        );
        assert_eq!(
            r,
            LookupResult::Found(Outcome::Approved {
                status: ApprovedStatus::Tokenized,
                transaction_id: "500100".into(),
                token: Some("500100/400200".into()),
                card_brand: Brand::Mastercard,
                card_last4: "4444".into(),
            })
        );
        let none = bom(
            r#"{"messages":{"resultCode":"Error","message":[{"code":"E00040","text":"The record cannot be found."}]}}"#,
        );
        let (_, r) = run(&attempt(Mode::Tokenize), vec![none]);
        assert_eq!(r, LookupResult::NotFound);
    }
}
