use super::*;
use serde_json::{json, Value};
use wire::BOM;

const AUTH: &str = r#"{"name":"maven_sim_login","transactionKey":"maven_sim_key"}"#;

/// A `createTransactionRequest` exactly as WIRE.md documents it (keys in XSD order; `json!`
/// would sort them).
fn charge_body(tx_type: &str, card: &str, amount: &str, invoice: &str, window: &str) -> String {
    format!(
        r#"{{"createTransactionRequest":{{"merchantAuthentication":{AUTH},"refId":"{invoice}",
 "transactionRequest":{{"transactionType":"{tx_type}","amount":"{amount}",
  "payment":{{"creditCard":{{"cardNumber":"{card}","expirationDate":"2030-12","cardCode":"123"}}}},
  "order":{{"invoiceNumber":"{invoice}","description":"Order 1"}},
  "billTo":{{"firstName":"Jane","lastName":"Doe","zip":"94107"}},
  "transactionSettings":{{"setting":[{{"settingName":"duplicateWindow","settingValue":"{window}"}}]}}}}}}}}"#
    )
}

fn profile_body(card: &str, customer_id: &str) -> String {
    format!(
        r#"{{"createCustomerProfileRequest":{{"merchantAuthentication":{AUTH},"refId":"{customer_id}",
 "profile":{{"merchantCustomerId":"{customer_id}","description":"Order 1",
  "paymentProfiles":[{{"customerType":"individual","billTo":{{"firstName":"Jane","lastName":"Doe","zip":"94107"}},
   "payment":{{"creditCard":{{"cardNumber":"{card}","expirationDate":"2030-12","cardCode":"123"}}}}}}]}},
 "validationMode":"testMode"}}}}"#
    )
}

fn post(sim: &Sim, body: &str) -> (Value, CallInfo) {
    let req = Request::new(
        "POST",
        "/authorizenet/xml/v1/request.api",
        &[("Content-Type", "application/json")],
        body,
    );
    let h = handle(sim, &req, "/xml/v1/request.api");
    assert_eq!(
        h.response.status, 200,
        "Authorize.net answers 200 to everything"
    );
    assert!(
        h.response.body.starts_with(BOM),
        "every answer starts with a UTF-8 BOM"
    );
    (h.response.json_body().unwrap_or(Value::Null), h.info)
}

#[test]
fn charge_approves_with_bom_and_xsd_fields() {
    let sim = Sim::new();
    let (v, info) = post(
        &sim,
        &charge_body(
            "authCaptureTransaction",
            "4242424242424242",
            "12.34",
            "1a2b3c4d5e6f7a8b-1",
            "28800",
        ),
    );
    let tr = &v["transactionResponse"];
    assert_eq!(tr["responseCode"], "1");
    assert_eq!(tr["accountNumber"], "XXXX4242");
    assert_eq!(tr["accountType"], "Visa");
    assert!(tr["transId"]
        .as_str()
        .is_some_and(|t| t.len() == 11 && t.bytes().all(|b| b.is_ascii_digit())));
    assert_eq!(
        tr["messages"],
        json!([{"code": "1", "description": "This transaction has been approved."}])
    );
    assert_eq!(v["messages"]["resultCode"], "Ok");
    assert_eq!(v["refId"], "1a2b3c4d5e6f7a8b-1");
    assert_eq!(info.operation, "createTransactionRequest");
    assert_eq!(info.object_id.as_deref(), tr["transId"].as_str());
    assert_eq!(info.reference.as_deref(), Some("1a2b3c4d5e6f7a8b-1"));
    assert_eq!(
        (info.outcome.as_str(), info.amount),
        ("approved", Some(1234))
    );
    assert_eq!(info.card_last4.as_deref(), Some("4242"));

    let (v, info) = post(
        &sim,
        &charge_body("authOnlyTransaction", "378282246310005", "1.00", "r-2", "0"),
    );
    assert_eq!(v["transactionResponse"]["responseCode"], "1");
    assert_eq!(v["transactionResponse"]["accountType"], "AmericanExpress");
    assert_eq!(info.outcome, "approved");
}

#[test]
fn each_decline_has_its_reason_code() {
    let cases = [
        ("4000000000000002", "2", "2"),
        // No insufficient-funds reason exists: the general decline (51 is refund-only).
        ("4000000000009995", "2", "2"),
        ("4000000000000127", "2", "44"),
        ("4000000000000069", "3", "8"),
        ("4000000000000119", "3", "19"),
    ];
    let sim = Sim::new();
    for (card, rc, code) in cases {
        let (v, info) = post(
            &sim,
            &charge_body("authCaptureTransaction", card, "12.34", "r", "28800"),
        );
        let tr = &v["transactionResponse"];
        assert_eq!(tr["responseCode"], rc, "{card}");
        assert_eq!(tr["errors"][0]["errorCode"], code, "{card}");
        assert!(tr["errors"][0]["errorText"]
            .as_str()
            .is_some_and(|t| !t.is_empty()));
        assert_eq!(v["messages"]["resultCode"], "Error");
        assert_eq!(v["messages"]["message"][0]["code"], "E00027");
        assert_ne!(info.outcome, "approved");
    }
}

#[test]
fn duplicate_within_window_carries_the_original() {
    let sim = Sim::new();
    let body = charge_body(
        "authCaptureTransaction",
        "4242424242424242",
        "12.34",
        "abc-1",
        "28800",
    );
    let (first, _) = post(&sim, &body);
    let (dup, info) = post(&sim, &body);
    let (a, d) = (&first["transactionResponse"], &dup["transactionResponse"]);
    assert_eq!(d["responseCode"], "3");
    assert_eq!(d["errors"][0]["errorCode"], "11");
    assert_eq!(
        d["errors"][0]["errorText"],
        "A duplicate transaction has been submitted."
    );
    for k in ["transId", "authCode", "accountNumber", "accountType"] {
        assert_eq!(a[k], d[k], "{k} of the original");
    }
    assert!((info.replayed, info.outcome.as_str()) == (true, "duplicate"));

    // Another invoice, amount or card is not a duplicate; window 0 disables the check.
    let other = charge_body(
        "authCaptureTransaction",
        "4242424242424242",
        "12.34",
        "abc-2",
        "28800",
    );
    assert_eq!(
        post(&sim, &other).0["transactionResponse"]["responseCode"],
        "1"
    );
    let no_window = charge_body(
        "authCaptureTransaction",
        "4242424242424242",
        "12.34",
        "abc-1",
        "0",
    );
    assert_eq!(
        post(&sim, &no_window).0["transactionResponse"]["responseCode"],
        "1"
    );
}

#[test]
fn a_declined_original_makes_a_duplicate_with_its_trans_id() {
    let sim = Sim::new();
    let declined = charge_body(
        "authCaptureTransaction",
        "4000000000000002",
        "12.34",
        "abc-3",
        "28800",
    );
    let (first, _) = post(&sim, &declined);
    let (again, info) = post(&sim, &declined);
    let (a, d) = (&first["transactionResponse"], &again["transactionResponse"]);
    assert_eq!(a["errors"][0]["errorCode"], "2");
    assert!(a["transId"]
        .as_str()
        .is_some_and(|t| t != "0" && !t.is_empty()));
    assert_eq!(
        (
            d["responseCode"].as_str(),
            d["errors"][0]["errorCode"].as_str()
        ),
        (Some("3"), Some("11"))
    );
    assert_eq!(d["transId"], a["transId"], "the declined original's id");
    assert_eq!(d["authCode"], "", "a declined original has no auth code");
    assert_eq!(info.outcome, "duplicate");
    let ledger = sim.ledger_report();
    assert_eq!(ledger["ledger"], json!([]), "nothing charged");
    assert_eq!(ledger["declines"].as_array().map(Vec::len), Some(1));
}

#[test]
fn another_expiry_or_postal_code_is_a_new_transaction_that_charges_again() {
    let sim = Sim::new();
    let body = charge_body(
        "authCaptureTransaction",
        "4242424242424242",
        "12.34",
        "abc-1",
        "28800",
    );
    let (first, _) = post(&sim, &body);
    let expiry = body.replace("2030-12", "2031-01");
    let (second, info) = post(&sim, &expiry);
    assert_eq!(second["transactionResponse"]["responseCode"], "1");
    assert_ne!(
        second["transactionResponse"]["transId"],
        first["transactionResponse"]["transId"]
    );
    assert_eq!(info.outcome, "approved");
    let zip = body.replace("94107", "94108");
    assert_eq!(
        post(&sim, &zip).0["transactionResponse"]["responseCode"],
        "1"
    );
    let name = body.replace("\"Jane\"", "\"Janet\"");
    assert_eq!(
        post(&sim, &name).0["transactionResponse"]["responseCode"],
        "1"
    );
    // Three real charges for one invoice: the ledger shows each.
    let ledger = sim.ledger_report();
    let charged = ledger["ledger"].as_array().cloned().unwrap_or_default();
    assert_eq!(charged.len(), 4);
    assert!(charged.iter().all(|e| e["reference"] == "abc"
        && e["attempt"] == 1
        && e["status"] == "captured"
        && e["amount"] == 1234
        && e["currency"] == "usd"));
}

#[test]
fn xsd_facets_are_e00003() {
    let sim = Sim::new();
    let cases = [
        charge_body(
            "authCaptureTransaction",
            "4242424242424242424",
            "12.34",
            "r",
            "1",
        ),
        charge_body(
            "authCaptureTransaction",
            "4242424242424242",
            "12.34",
            "123456789012345678901",
            "1",
        ),
        charge_body("sale", "4242424242424242", "12.34", "r", "1"),
        charge_body(
            "authCaptureTransaction",
            "4242424242424242",
            "12.34",
            "r",
            "1",
        )
        .replace("Jane", &"J".repeat(51)),
        charge_body(
            "authCaptureTransaction",
            "4242424242424242",
            "12.34",
            "r",
            "1",
        )
        .replace("94107", &"9".repeat(21)),
        charge_body(
            "authCaptureTransaction",
            "4242424242424242",
            "12.34",
            "r",
            "1",
        )
        .replace("Order 1", &"o".repeat(256)),
        profile_body("4242424242424242", "c1").replace("testMode", "strictMode"),
    ];
    for body in cases {
        let (v, info) = post(&sim, &body);
        assert_eq!(v["messages"]["message"][0]["code"], "E00003", "{v}");
        assert!(v.get("transactionResponse").is_none());
        assert_eq!(info.outcome, "invalid_request");
    }
    // 12 digits fits the XSD but is no card number: reason 6.
    let (v, _) = post(
        &sim,
        &charge_body("authCaptureTransaction", "424242424241", "12.34", "r", "1"),
    );
    assert_eq!(v["transactionResponse"]["errors"][0]["errorCode"], "6");
    assert_eq!(sim.ledger_report()["ledger"], json!([]));
}

#[test]
fn a_currency_other_than_the_accounts_is_reason_39() {
    let sim = Sim::new();
    let body = charge_body(
        "authCaptureTransaction",
        "4242424242424242",
        "12.34",
        "r",
        "1",
    )
    .replace(
        r#""amount":"12.34","#,
        r#""amount":"12.34","currencyCode":"EUR","#,
    );
    let (v, _) = post(&sim, &body);
    assert_eq!(v["transactionResponse"]["errors"][0]["errorCode"], "39");
    assert_eq!(sim.ledger_report()["ledger"], json!([]));
}

fn lookup(sim: &Sim, method: &str, inner: &str) -> (Value, CallInfo) {
    let body = format!(r#"{{"{method}":{{"merchantAuthentication":{AUTH}{inner}}}}}"#);
    post(sim, &body)
}

#[test]
fn unsettled_list_and_details_find_charges_and_declines_by_invoice() {
    let sim = Sim::new();
    let (ok, _) = post(
        &sim,
        &charge_body(
            "authCaptureTransaction",
            "4111111111111111",
            "12.34",
            "aaaa-1",
            "28800",
        ),
    );
    post(
        &sim,
        &charge_body(
            "authOnlyTransaction",
            "4242424242424242",
            "5.00",
            "bbbb-1",
            "28800",
        ),
    );
    post(
        &sim,
        &charge_body(
            "authCaptureTransaction",
            "4000000000000002",
            "7.00",
            "cccc-1",
            "28800",
        ),
    );
    let (list, info) = lookup(&sim, "getUnsettledTransactionListRequest", "");
    assert_eq!(info.operation, "getUnsettledTransactionListRequest");
    assert_eq!(list["messages"]["resultCode"], "Ok");
    assert_eq!(list["totalNumInResultSet"], 3);
    let txs = list["transactions"].as_array().cloned().unwrap_or_default();
    let seen: Vec<(&str, &str, &str)> = txs
        .iter()
        .map(|t| {
            (
                t["invoiceNumber"].as_str().unwrap_or(""),
                t["transactionStatus"].as_str().unwrap_or(""),
                t["settleAmount"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("aaaa-1", "capturedPendingSettlement", "12.34"),
            ("bbbb-1", "authorizedPendingCapture", "5.00"),
            ("cccc-1", "declined", "7.00"),
        ]
    );
    assert_eq!(txs[0]["accountNumber"], "XXXX1111");
    assert_eq!(txs[0]["firstName"], "Jane");
    assert!(txs[0]["submitTimeUTC"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    assert!(!list.to_string().contains("4111111111111111"));

    let paged = r#","sorting":{"orderBy":"submitTimeUTC","orderDescending":true},"paging":{"limit":1,"offset":2}"#;
    let (page, _) = lookup(&sim, "getUnsettledTransactionListRequest", paged);
    assert_eq!(page["transactions"][0]["invoiceNumber"], "bbbb-1");
    assert_eq!(page["transactions"].as_array().map(Vec::len), Some(1));

    let id = ok["transactionResponse"]["transId"].as_str().unwrap_or("");
    let (details, info) = lookup(
        &sim,
        "getTransactionDetailsRequest",
        &format!(r#","transId":"{id}""#),
    );
    let t = &details["transaction"];
    assert_eq!(
        (
            t["transId"].as_str(),
            t["transactionStatus"].as_str(),
            t["authAmount"].as_str(),
            t["settleAmount"].as_str()
        ),
        (
            Some(id),
            Some("capturedPendingSettlement"),
            Some("12.34"),
            Some("12.34")
        )
    );
    assert_eq!(t["order"]["invoiceNumber"], "aaaa-1");
    assert_eq!(
        (info.outcome.as_str(), info.reference.as_deref()),
        ("found", Some("aaaa-1"))
    );
    let (missing, _) = lookup(&sim, "getTransactionDetailsRequest", r#","transId":"999""#);
    assert_eq!(missing["messages"]["message"][0]["code"], "E00040");
}

#[test]
fn customer_profile_lookup_by_merchant_customer_id() {
    let sim = Sim::new();
    let (made, _) = post(&sim, &profile_body("4242424242424242", "abcd-1"));
    let (found, info) = lookup(
        &sim,
        "getCustomerProfileRequest",
        r#","merchantCustomerId":"abcd-1""#,
    );
    assert_eq!(
        found["profile"]["customerProfileId"],
        made["customerProfileId"]
    );
    assert_eq!(
        found["profile"]["paymentProfiles"][0]["customerPaymentProfileId"],
        made["customerPaymentProfileIdList"][0]
    );
    assert_eq!(
        found["profile"]["paymentProfiles"][0]["payment"]["creditCard"]["cardNumber"],
        "XXXX4242"
    );
    assert_eq!(info.outcome, "found");
    let (none, _) = lookup(
        &sim,
        "getCustomerProfileRequest",
        r#","merchantCustomerId":"zzzz-1""#,
    );
    assert_eq!(none["messages"]["message"][0]["code"], "E00040");
    let ledger = sim.ledger_report();
    assert_eq!(ledger["ledger"][0]["status"], "vaulted");
    assert_eq!(ledger["ledger"][0]["reference"], "abcd");
}

#[test]
fn bad_credentials_are_e00007_without_transaction_response() {
    let sim = Sim::new();
    let body = charge_body(
        "authCaptureTransaction",
        "4242424242424242",
        "1.00",
        "r",
        "0",
    )
    .replace("maven_sim_key", "nope");
    let (v, info) = post(&sim, &body);
    assert!(v.get("transactionResponse").is_none());
    assert_eq!(v["messages"]["resultCode"], "Error");
    assert_eq!(v["messages"]["message"][0]["code"], "E00007");
    assert_eq!(
        v["messages"]["message"][0]["text"],
        "User authentication failed due to invalid authentication values."
    );
    assert_eq!(info.outcome, "unauthorized");
}

#[test]
fn keys_out_of_xsd_order_are_e00003() {
    let sim = Sim::new();
    let good = charge_body(
        "authCaptureTransaction",
        "4242424242424242",
        "1.00",
        "r",
        "0",
    );
    // refId before merchantAuthentication.
    let swapped = good.replacen(
        &format!(r#""merchantAuthentication":{AUTH},"refId":"r","#),
        &format!(r#""refId":"r","merchantAuthentication":{AUTH},"#),
        1,
    );
    assert_ne!(swapped, good);
    let (v, info) = post(&sim, &swapped);
    assert_eq!(v["messages"]["message"][0]["code"], "E00003");
    assert!(v["messages"]["message"][0]["text"]
        .as_str()
        .is_some_and(|t| t.contains("has invalid child element 'merchantAuthentication'")));
    assert_eq!(info.outcome, "invalid_request");
    assert!(v.get("transactionResponse").is_none());
    // amount before transactionType.
    let inner = good.replace(
        r#""transactionType":"authCaptureTransaction","amount":"1.00""#,
        r#""amount":"1.00","transactionType":"authCaptureTransaction""#,
    );
    assert_eq!(
        post(&sim, &inner).0["messages"]["message"][0]["code"],
        "E00003"
    );
    // Required element missing.
    let (v, _) = post(
        &sim,
        &format!(r#"{{"createTransactionRequest":{{"merchantAuthentication":{AUTH}}}}}"#),
    );
    assert_eq!(v["messages"]["message"][0]["code"], "E00003");
    // A BOM in front of the request is tolerated, invalid JSON is E00003.
    assert_eq!(
        post(&sim, &format!("\u{feff}{good}")).0["messages"]["resultCode"],
        "Ok"
    );
    assert_eq!(
        post(&sim, "{nope").0["messages"]["message"][0]["code"],
        "E00003"
    );
}

#[test]
fn missing_fields_give_reason_codes() {
    let sim = Sim::new();
    let no_amount = format!(
        r#"{{"createTransactionRequest":{{"merchantAuthentication":{AUTH},"transactionRequest":{{"transactionType":"authCaptureTransaction",
        "payment":{{"creditCard":{{"cardNumber":"4242424242424242","expirationDate":"2030-12"}}}}}}}}}}"#
    );
    let (v, _) = post(&sim, &no_amount);
    assert_eq!(v["transactionResponse"]["responseCode"], "3");
    assert_eq!(v["transactionResponse"]["errors"][0]["errorCode"], "5");
    let bad_card = charge_body(
        "authCaptureTransaction",
        "4242424242424241",
        "1.00",
        "r",
        "0",
    );
    let (v, info) = post(&sim, &bad_card);
    assert_eq!(v["transactionResponse"]["errors"][0]["errorCode"], "6");
    assert_eq!(info.outcome, "invalid_number");
    let no_card = format!(
        r#"{{"createTransactionRequest":{{"merchantAuthentication":{AUTH},"transactionRequest":{{"transactionType":"authCaptureTransaction","amount":"1.00"}}}}}}"#
    );
    assert_eq!(
        post(&sim, &no_card).0["transactionResponse"]["errors"][0]["errorCode"],
        "33"
    );
}

#[test]
fn customer_profile_vaults_declines_and_detects_duplicates() {
    let sim = Sim::new();
    let (v, info) = post(
        &sim,
        &profile_body("4242424242424242", "1a2b3c4d5e6f7a8b-1"),
    );
    assert_eq!(v["messages"]["resultCode"], "Ok", "{v}");
    let profile_id = v["customerProfileId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!profile_id.is_empty());
    assert_eq!(
        v["customerPaymentProfileIdList"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(v["customerShippingAddressIdList"], json!([]));
    let direct = v["validationDirectResponseList"][0]
        .as_str()
        .unwrap_or_default();
    assert!(
        direct.starts_with("1,1,1,This transaction has been approved.,"),
        "{direct}"
    );
    assert!(direct.contains("XXXX4242,Visa"));
    assert_eq!(
        (info.outcome.as_str(), info.card_last4.as_deref()),
        ("approved", Some("4242"))
    );

    let (dup, info) = post(
        &sim,
        &profile_body("4242424242424242", "1a2b3c4d5e6f7a8b-1"),
    );
    assert_eq!(dup["messages"]["message"][0]["code"], "E00039");
    assert_eq!(
        dup["messages"]["message"][0]["text"],
        format!("A duplicate record with ID {profile_id} already exists.")
    );
    assert_eq!(dup["customerProfileId"], profile_id.as_str());
    assert_eq!(
        dup["customerPaymentProfileIdList"],
        v["customerPaymentProfileIdList"]
    );
    assert!(info.replayed);

    let (v, info) = post(&sim, &profile_body("4000000000000002", "x-1"));
    assert_eq!(v["messages"]["resultCode"], "Error");
    assert_eq!(v["messages"]["message"][0]["code"], "E00027");
    assert_eq!(
        v["messages"]["message"][0]["text"],
        "This transaction has been declined."
    );
    assert!(v["validationDirectResponseList"][0]
        .as_str()
        .is_some_and(|d| d.starts_with("2,1,2,")));
    assert_eq!(info.outcome, "card_declined");
    // A declined profile is not created: the same id is free for the next try.
    assert_eq!(
        post(&sim, &profile_body("4242424242424242", "x-1")).0["messages"]["resultCode"],
        "Ok"
    );
}

/// `createTransactionRequest` paying with a saved profile instead of a card.
fn profile_charge_body(profile: &str, payment_profile: &str, invoice: &str) -> String {
    format!(
        r#"{{"createTransactionRequest":{{"merchantAuthentication":{AUTH},"refId":"{invoice}",
 "transactionRequest":{{"transactionType":"authCaptureTransaction","amount":"5.00",
  "profile":{{"customerProfileId":"{profile}","paymentProfile":{{"paymentProfileId":"{payment_profile}"}}}},
  "order":{{"invoiceNumber":"{invoice}"}}}}}}}}"#
    )
}

#[test]
fn a_saved_profile_pays_more_than_once() {
    let sim = Sim::new();
    let (v, _) = post(&sim, &profile_body("5555555555554444", "c-reuse"));
    let profile = v["customerProfileId"].as_str().unwrap_or_default();
    let pp = v["customerPaymentProfileIdList"][0]
        .as_str()
        .unwrap_or_default();
    for invoice in ["reuse-1", "reuse-2"] {
        let (v, info) = post(&sim, &profile_charge_body(profile, pp, invoice));
        let tr = &v["transactionResponse"];
        assert_eq!(
            (tr["responseCode"].as_str(), tr["accountNumber"].as_str()),
            (Some("1"), Some("XXXX4444")),
            "{v}"
        );
        assert_eq!(
            (
                info.outcome.as_str(),
                info.amount,
                info.card_last4.as_deref()
            ),
            ("approved", Some(500), Some("4444"))
        );
    }
    let (v, info) = post(&sim, &profile_charge_body(profile, "999", "reuse-3"));
    assert_eq!(v["messages"]["message"][0]["code"], "E00040", "{v}");
    assert_eq!(info.outcome, "not_found");
}

fn follow_on(tx_type: &str, ref_trans: &str, amount: Option<&str>, card: Option<&str>) -> String {
    let amount = amount
        .map(|a| format!(r#""amount":"{a}","#))
        .unwrap_or_default();
    let payment = card
        .map(|c| {
            format!(r#""payment":{{"creditCard":{{"cardNumber":"{c}","expirationDate":"XXXX"}}}},"#)
        })
        .unwrap_or_default();
    format!(
        r#"{{"createTransactionRequest":{{"merchantAuthentication":{AUTH},"refId":"op",
 "transactionRequest":{{"transactionType":"{tx_type}",{amount}{payment}"refTransId":"{ref_trans}",
  "transactionSettings":{{"setting":[{{"settingName":"duplicateWindow","settingValue":"120"}}]}}}}}}}}"#
    )
}

fn reason_of(v: &Value) -> (String, String) {
    let tr = &v["transactionResponse"];
    let code = tr["responseCode"].as_str().unwrap_or_default().to_string();
    let reason = tr["errors"][0]["errorCode"]
        .as_str()
        .or(tr["messages"][0]["code"].as_str())
        .unwrap_or_default()
        .to_string();
    (code, reason)
}

fn net(sim: &Sim, id: &str) -> (u64, u64, u64) {
    let l = sim.ledger_report();
    let sum = |status: &str| {
        l["ledger"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["object_id"] == id && e["status"] == status)
            .map(|e| e["amount"].as_u64().unwrap())
            .sum::<u64>()
    };
    (sum("captured"), sum("refunded"), sum("voided"))
}

#[test]
fn capture_refund_after_settlement_and_void_follow_the_published_rules() {
    let sim = Sim::new();
    let body = charge_body(
        "authOnlyTransaction",
        "4242424242424242",
        "10.00",
        "aa-1",
        "0",
    );
    let (v, _) = post(&sim, &body);
    let id = v["transactionResponse"]["transId"]
        .as_str()
        .unwrap()
        .to_string();
    // Over the authorization: 47.
    let (v, _) = post(
        &sim,
        &follow_on("priorAuthCaptureTransaction", &id, Some("10.01"), None),
    );
    assert_eq!(reason_of(&v), ("3".into(), "47".into()));
    let (v, _) = post(
        &sim,
        &follow_on("priorAuthCaptureTransaction", &id, Some("6.00"), None),
    );
    assert_eq!(reason_of(&v).0, "1", "{v}");
    assert_eq!(v["transactionResponse"]["transId"], id);
    let (v, _) = post(
        &sim,
        &follow_on("priorAuthCaptureTransaction", &id, Some("6.00"), None),
    );
    assert_eq!(reason_of(&v).1, "311");
    // Not settled yet: no refund (54).
    let refund = |amount: &str| follow_on("refundTransaction", &id, Some(amount), Some("4242"));
    let (v, _) = post(&sim, &refund("2.00"));
    assert_eq!(reason_of(&v), ("3".into(), "54".into()));
    assert_eq!(sim.settle("authorizenet")["authorizenet"], 1);
    // The wrong card is refused too.
    let (v, _) = post(
        &sim,
        &follow_on("refundTransaction", &id, Some("2.00"), Some("1111")),
    );
    assert_eq!(reason_of(&v).1, "54");
    let (v, _) = post(&sim, &refund("2.00"));
    assert_eq!(reason_of(&v).0, "1", "{v}");
    assert_ne!(
        v["transactionResponse"]["transId"], id,
        "a refund is its own transaction"
    );
    // The same refund again inside the window: a duplicate, nothing refunded.
    let (v, info) = post(&sim, &refund("2.00"));
    assert_eq!(reason_of(&v).1, "11");
    assert!(info.replayed);
    let (v, _) = post(&sim, &refund("4.01"));
    assert_eq!(reason_of(&v).1, "55");
    let (v, _) = post(&sim, &refund("4.00"));
    assert_eq!(reason_of(&v).0, "1");
    // Settled: a void finds nothing to void.
    let (v, _) = post(&sim, &follow_on("voidTransaction", &id, None, None));
    assert_eq!(reason_of(&v).1, "16");
    assert_eq!(net(&sim, &id), (600, 600, 0));
}

#[test]
fn a_void_releases_an_unsettled_transaction_once() {
    let sim = Sim::new();
    let body = charge_body(
        "authCaptureTransaction",
        "4242424242424242",
        "5.00",
        "bb-1",
        "0",
    );
    let (v, _) = post(&sim, &body);
    let id = v["transactionResponse"]["transId"]
        .as_str()
        .unwrap()
        .to_string();
    let (v, _) = post(&sim, &follow_on("voidTransaction", &id, None, None));
    assert_eq!(reason_of(&v), ("1".into(), "1".into()));
    let (v, _) = post(&sim, &follow_on("voidTransaction", &id, None, None));
    assert_eq!(reason_of(&v), ("1".into(), "310".into()));
    assert_eq!(
        sim.settle("authorizenet")["authorizenet"],
        0,
        "a void never settles"
    );
    let (v, _) = post(
        &sim,
        &follow_on("refundTransaction", &id, Some("5.00"), Some("4242")),
    );
    assert_eq!(reason_of(&v).1, "54");
    assert_eq!(net(&sim, &id), (500, 0, 500));
}

#[test]
fn authenticate_test_request_checks_the_credentials_only() {
    let sim = Sim::new();
    let (ok, info) = lookup(&sim, "authenticateTestRequest", "");
    assert_eq!(ok["messages"]["resultCode"], "Ok", "{ok}");
    assert_eq!(ok["messages"]["message"][0]["code"], "I00001");
    assert_eq!(info.outcome, "ok");
    let wrong = r#"{"authenticateTestRequest":{"merchantAuthentication":{"name":"maven_sim_login","transactionKey":"nope"}}}"#;
    let (refused, _) = post(&sim, wrong);
    assert_eq!(refused["messages"]["resultCode"], "Error");
    assert_eq!(refused["messages"]["message"][0]["code"], "E00007");
    // Only the base request's elements: anything else breaks the schema.
    let (extra, _) = lookup(&sim, "authenticateTestRequest", r#","transId":"1""#);
    assert_eq!(extra["messages"]["message"][0]["code"], "E00003");
}
