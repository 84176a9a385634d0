use super::*;

const TOKENIZE: &str = "mutation Tok($input: TokenizeCreditCardInput!) { tokenizeCreditCard(input: $input) { paymentMethod { id usage details { ... on CreditCardDetails { brandCode last4 } } } } }";
const CHARGE: &str = "mutation Charge($input: ChargeCreditCardInput!) { chargeCreditCard(input: $input) { transaction { id legacyId status amount { value currencyCode } paymentMethodSnapshot { ... on CreditCardDetails { brandCode last4 } } statusHistory { status ... on ProcessorDeclinedEvent { processorResponse { legacyCode message } } ... on FailedEvent { processorResponse { legacyCode message } } } } } }";
const AUTHORIZE: &str = "mutation Auth($input: AuthorizeCreditCardInput!) { authorizeCreditCard(input: $input) { transaction { id status } } }";
const VAULT: &str = "mutation Vault($input: VaultPaymentMethodInput!) { vaultPaymentMethod(input: $input) { paymentMethod { id usage } verification { id status processorResponse { legacyCode message } } } }";

fn post_as(
    sim: &Sim,
    user: &str,
    pass: &str,
    query: &str,
    variables: Value,
) -> (u16, Value, CallInfo) {
    let auth = format!(
        "Basic {}",
        crate::codec::base64_encode(format!("{user}:{pass}").as_bytes())
    );
    let headers = [
        ("Authorization", auth.as_str()),
        ("Braintree-Version", "2019-01-01"),
        ("Content-Type", "application/json"),
    ];
    let body = json!({"query": query, "variables": variables}).to_string();
    let req = Request::new("POST", "/braintree/graphql", &headers, &body);
    let h = handle(sim, &req, "/graphql");
    (
        h.response.status,
        h.response.json_body().unwrap_or(Value::Null),
        h.info,
    )
}

fn post(sim: &Sim, query: &str, variables: Value) -> (Value, CallInfo) {
    let (status, v, info) = post_as(sim, PUBLIC_KEY, PRIVATE_KEY, query, variables);
    assert_eq!(status, 200, "Braintree answers 200 with valid keys");
    (v, info)
}

fn tokenize(sim: &Sim, number: &str) -> String {
    let input = json!({"input": {"creditCard": {"number": number, "expirationMonth": "12", "expirationYear": "2030", "cvv": "123", "cardholderName": "Jane Doe", "billingAddress": {"postalCode": "94107"}}}});
    let (v, info) = post(sim, TOKENIZE, input);
    assert_eq!(info.outcome, "created", "{v}");
    v["data"]["tokenizeCreditCard"]["paymentMethod"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn charge_vars(pm: &str, order: &str) -> Value {
    json!({"input": {"paymentMethodId": pm, "transaction": {"amount": "12.34", "orderId": order}}})
}

#[test]
fn tokenize_then_charge_submits_for_settlement() {
    let sim = Sim::new();
    let input = json!({"input": {"creditCard": {"number": "4242424242424242", "expirationMonth": "12", "expirationYear": "2030", "cvv": "123"}}});
    let (v, info) = post(&sim, TOKENIZE, input);
    let pm = &v["data"]["tokenizeCreditCard"]["paymentMethod"];
    assert!(pm["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("tokencc_")));
    assert_eq!(pm["usage"], "SINGLE_USE");
    assert_eq!(pm["details"]["__typename"], "CreditCardDetails");
    assert_eq!(
        (
            pm["details"]["brandCode"].as_str(),
            pm["details"]["last4"].as_str()
        ),
        (Some("VISA"), Some("4242"))
    );
    assert_eq!(
        (info.operation.as_str(), info.card_last4.as_deref()),
        ("tokenizeCreditCard", Some("4242"))
    );

    let id = pm["id"].as_str().unwrap_or_default();
    let (v, info) = post(&sim, CHARGE, charge_vars(id, "S-1"));
    let tx = &v["data"]["chargeCreditCard"]["transaction"];
    assert_eq!(tx["status"], "SUBMITTED_FOR_SETTLEMENT", "{v}");
    assert_eq!(
        tx["amount"],
        json!({"value": "12.34", "currencyCode": "USD"})
    );
    assert_eq!(tx["paymentMethodSnapshot"]["last4"], "4242");
    assert!(tx["id"].as_str().is_some_and(|i| !i.is_empty()) && tx["legacyId"].is_string());
    assert!(v.get("errors").is_none());
    assert_eq!(
        (info.operation.as_str(), info.outcome.as_str(), info.amount),
        ("chargeCreditCard", "approved", Some(1234))
    );
    assert_eq!(info.object_id.as_deref(), tx["id"].as_str());
    assert_eq!(info.reference.as_deref(), Some("S-1"));

    let pm2 = tokenize(&sim, "5555555555554444");
    let (v, _) = post(&sim, AUTHORIZE, charge_vars(&pm2, "S-2"));
    assert_eq!(
        v["data"]["authorizeCreditCard"]["transaction"]["status"],
        "AUTHORIZED"
    );
}

#[test]
fn each_decline_has_its_legacy_code() {
    let cases = [
        ("4000000000000002", "PROCESSOR_DECLINED", "2000"),
        ("4000000000009995", "PROCESSOR_DECLINED", "2001"),
        ("4000000000000069", "PROCESSOR_DECLINED", "2004"),
        ("4000000000000127", "PROCESSOR_DECLINED", "2010"),
        ("4000000000000119", "FAILED", "3000"),
    ];
    let sim = Sim::new();
    for (number, status, code) in cases {
        let pm = tokenize(&sim, number);
        let (v, info) = post(&sim, CHARGE, charge_vars(&pm, "o"));
        let tx = &v["data"]["chargeCreditCard"]["transaction"];
        assert_eq!(tx["status"], status, "{number}");
        let event = &tx["statusHistory"][0];
        let typename = if status == "FAILED" {
            "FailedEvent"
        } else {
            "ProcessorDeclinedEvent"
        };
        assert_eq!(event["__typename"], typename);
        assert_eq!(event["status"], status);
        assert_eq!(event["processorResponse"]["legacyCode"], code);
        assert!(event["processorResponse"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
        assert_ne!(info.outcome, "approved");
    }
}

#[test]
fn single_use_ids_cannot_be_reused() {
    let sim = Sim::new();
    let pm = tokenize(&sim, "4242424242424242");
    post(&sim, CHARGE, charge_vars(&pm, "a"));
    let (v, _) = post(&sim, CHARGE, charge_vars(&pm, "a"));
    assert_eq!(v["data"]["chargeCreditCard"], Value::Null);
    assert_eq!(
        v["errors"][0]["message"],
        "Cannot use a single-use payment method more than once."
    );
}

#[test]
fn search_by_order_id_finds_the_earlier_transaction() {
    let sim = Sim::new();
    let search = r#"query Search($input: TransactionSearchInput!) { search { transactions(input: $input) { edges { node { id status amount { value } } } } } }"#;
    let (v, info) = post(&sim, search, json!({"input": {"orderId": {"is": "S-1"}}}));
    assert_eq!(v["data"]["search"]["transactions"]["edges"], json!([]));
    assert_eq!(
        (info.operation.as_str(), info.outcome.as_str()),
        ("search", "not_found")
    );

    let pm = tokenize(&sim, "4242424242424242");
    let (charged, _) = post(&sim, CHARGE, charge_vars(&pm, "S-1"));
    // Inline arguments (no variables) work as well.
    let inline = r#"{ search { transactions(input: {orderId: {is: "S-1"}}) { edges { node { id status } } } } }"#;
    let (v, info) = post(&sim, inline, Value::Null);
    let edges = &v["data"]["search"]["transactions"]["edges"];
    assert_eq!(edges.as_array().map(Vec::len), Some(1));
    assert_eq!(
        edges[0]["node"]["id"],
        charged["data"]["chargeCreditCard"]["transaction"]["id"]
    );
    assert_eq!(edges[0]["node"]["status"], "SUBMITTED_FOR_SETTLEMENT");
    assert_eq!(info.outcome, "found");
    assert_eq!(info.object_id.as_deref(), edges[0]["node"]["id"].as_str());
    assert_eq!(info.reference.as_deref(), Some("S-1"));
}

#[test]
fn vault_verifies_or_declines() {
    let sim = Sim::new();
    let pm = tokenize(&sim, "4242424242424242");
    let (v, info) = post(&sim, VAULT, json!({"input": {"paymentMethodId": pm}}));
    let payload = &v["data"]["vaultPaymentMethod"];
    assert_eq!(payload["paymentMethod"]["usage"], "MULTI_USE");
    assert_eq!(payload["verification"]["status"], "VERIFIED");
    assert!(payload["verification"]["id"].is_string());
    assert_eq!(info.outcome, "approved");
    // The vaulted id can be charged more than once.
    let vaulted = payload["paymentMethod"]["id"].as_str().unwrap_or_default();
    for order in ["v-1", "v-2"] {
        let (v, _) = post(&sim, CHARGE, charge_vars(vaulted, order));
        assert_eq!(
            v["data"]["chargeCreditCard"]["transaction"]["status"],
            "SUBMITTED_FOR_SETTLEMENT"
        );
    }

    let pm = tokenize(&sim, "4000000000000002");
    let (v, info) = post(&sim, VAULT, json!({"input": {"paymentMethodId": pm}}));
    let payload = &v["data"]["vaultPaymentMethod"];
    assert_eq!(payload["paymentMethod"], Value::Null);
    assert_eq!(payload["verification"]["status"], "PROCESSOR_DECLINED");
    assert_eq!(
        payload["verification"]["processorResponse"]["legacyCode"],
        "2000"
    );
    assert_eq!(
        v["errors"][0]["message"],
        "Payment method failed verification."
    );
    assert_eq!(v["errors"][0]["extensions"]["errorClass"], "VALIDATION");
    assert_eq!(
        v["errors"][0]["extensions"]["inputPath"],
        json!(["input", "paymentMethodId"])
    );
    assert_eq!(info.outcome, "card_declined");
}

#[test]
fn bad_keys_are_401() {
    let sim = Sim::new();
    let (status, v, info) = post_as(&sim, PUBLIC_KEY, "wrong", TOKENIZE, json!({}));
    assert_eq!(status, 401);
    assert!(v["errors"][0]["message"]
        .as_str()
        .is_some_and(|m| m.starts_with("Authentication failed")));
    assert_eq!(info.outcome, "unauthorized");
}

#[test]
fn missing_fields_and_unknown_operations_are_graphql_errors() {
    let sim = Sim::new();
    let input =
        json!({"input": {"creditCard": {"expirationMonth": "12", "expirationYear": "2030"}}});
    let (v, _) = post(&sim, TOKENIZE, input);
    assert_eq!(v["data"]["tokenizeCreditCard"], Value::Null);
    assert_eq!(v["errors"][0]["message"], "Credit card number is required.");
    assert_eq!(
        v["errors"][0]["extensions"]["inputPath"],
        json!(["input", "creditCard", "number"])
    );

    let (v, _) = post(&sim, TOKENIZE, Value::Null);
    assert!(v["errors"][0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("input")));

    let pm = tokenize(&sim, "4242424242424242");
    let (v, _) = post(
        &sim,
        CHARGE,
        json!({"input": {"paymentMethodId": pm, "transaction": {"amount": "0.00"}}}),
    );
    assert_eq!(
        v["errors"][0]["message"],
        "Amount must be greater than zero."
    );

    let (v, _) = post(
        &sim,
        "mutation { deletePaymentMethodFromVault(input: {}) { clientMutationId } }",
        Value::Null,
    );
    assert!(v["errors"][0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("deletePaymentMethodFromVault")));
    let (v, _) = post(&sim, "mutation {", Value::Null);
    assert!(v["errors"][0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("Syntax Error")));

    // No Braintree-Version header.
    let auth = format!(
        "Basic {}",
        crate::codec::base64_encode(b"maven_sim_public:maven_sim_private")
    );
    let req = Request::new(
        "POST",
        "/braintree/graphql",
        &[("Authorization", &auth)],
        r#"{"query":"{ ping }"}"#,
    );
    let v = handle(&sim, &req, "/graphql")
        .response
        .json_body()
        .unwrap_or(Value::Null);
    assert!(v["errors"][0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("Braintree-Version")));
}

fn charge_in(sim: &Sim, amount: &str, account: Option<&str>) -> Value {
    let pm = tokenize(sim, "4242424242424242");
    let mut tx = json!({"amount": amount, "orderId": "3f1c2d4e-0000-4000-8000-00000000abcd-1"});
    if let Some(a) = account {
        tx["merchantAccountId"] = a.into();
    }
    post(
        sim,
        CHARGE,
        json!({"input": {"paymentMethodId": pm, "transaction": tx}}),
    )
    .0
}

#[test]
fn each_merchant_account_charges_in_its_own_currency() {
    let sim = Sim::new();
    for (amount, account, currency) in [
        ("1000", Some("maven_jpy"), "JPY"),
        ("1.234", Some("maven_kwd"), "KWD"),
        ("10.00", Some("maven_eur"), "EUR"),
        ("10.00", None, "USD"),
    ] {
        let v = charge_in(&sim, amount, account);
        let tx = &v["data"]["chargeCreditCard"]["transaction"];
        assert_eq!(tx["status"], "SUBMITTED_FOR_SETTLEMENT", "{v}");
        assert_eq!(
            (
                tx["amount"]["value"].as_str(),
                tx["amount"]["currencyCode"].as_str()
            ),
            (Some(amount), Some(currency))
        );
    }
    let ledger = sim.ledger_report()["ledger"].clone();
    let moved: Vec<(u64, &str)> = ledger
        .as_array()
        .map(|l| {
            l.iter()
                .filter(|e| e["status"] == "captured")
                .map(|e| {
                    (
                        e["amount"].as_u64().unwrap_or(0),
                        e["currency"].as_str().unwrap_or(""),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        moved,
        [(1000, "jpy"), (1234, "kwd"), (1000, "eur"), (1000, "usd")]
    );
    assert_eq!(
        ledger[0]["reference"],
        "3f1c2d4e-0000-4000-8000-00000000abcd"
    );
    assert_eq!(ledger[0]["attempt"], 1);
}

#[test]
fn a_yen_amount_without_merchant_account_is_charged_as_dollars() {
    // The real behaviour: no account → the default (USD) account, and "1000" is $1000.
    let sim = Sim::new();
    let v = charge_in(&sim, "1000", None);
    let tx = &v["data"]["chargeCreditCard"]["transaction"];
    assert_eq!(tx["status"], "SUBMITTED_FOR_SETTLEMENT");
    assert_eq!(
        tx["amount"],
        json!({"value": "1000.00", "currencyCode": "USD"})
    );
    assert_eq!(sim.ledger_report()["ledger"][0]["amount"], 100_000);
}

#[test]
fn amounts_need_the_accounts_decimals_and_accounts_must_exist() {
    let sim = Sim::new();
    for (amount, account) in [
        ("1000.00", "maven_jpy"),
        ("1.23", "maven_kwd"),
        ("10.123", "maven_usd"),
        ("10.000", "maven_gbp"),
    ] {
        let v = charge_in(&sim, amount, Some(account));
        assert_eq!(
            v["data"]["chargeCreditCard"],
            Value::Null,
            "{amount} {account}"
        );
        assert_eq!(v["errors"][0]["extensions"]["legacyCode"], "81503");
    }
    let v = charge_in(&sim, "10.00", Some("maven_chf"));
    assert_eq!(v["errors"][0]["message"], "Merchant account ID is invalid.");
    assert_eq!(v["errors"][0]["extensions"]["legacyCode"], "91577");
    assert_eq!(sim.ledger_report()["ledger"], json!([]));
}

#[test]
fn type_errors_answer_errors_without_data_and_change_nothing() {
    let sim = Sim::new();
    let pm = tokenize(&sim, "4242424242424242");
    let bad = [
        json!({"paymentMethodId": pm, "transaction": {"amount": "10.00", "currency": "JPY"}}),
        json!({"paymentMethodId": pm, "transaction": {"amount": 10.5}}),
        json!({"paymentMethodId": pm, "transaction": {"amount": "10.00", "orderId": 12}}),
        json!({"paymentMethodId": pm, "transaction": {"orderId": "S-1"}}),
        json!({"transaction": {"amount": "10.00"}}),
    ];
    for input in bad {
        let (v, info) = post(&sim, CHARGE, json!({ "input": input }));
        assert!(v.get("data").is_none(), "{v}");
        assert!(
            v["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("input")),
            "{v}"
        );
        assert_ne!(info.outcome, "approved");
    }
    // The payment method was not consumed: nothing ran.
    let (v, _) = post(&sim, CHARGE, charge_vars(&pm, "S-1"));
    assert_eq!(
        v["data"]["chargeCreditCard"]["transaction"]["status"],
        "SUBMITTED_FOR_SETTLEMENT"
    );
    let tok =
        json!({"input": {"creditCard": {"number": "4242424242424242", "expirationMonth": 12}}});
    assert!(post(&sim, TOKENIZE, tok).0.get("data").is_none());
    let search = r#"query { search { transactions(input: {orderId: {equals: "S-1"}}) { edges { node { id } } } } }"#;
    assert!(post(&sim, search, Value::Null).0.get("data").is_none());
}

const CAPTURE: &str = "mutation C($input: CaptureTransactionInput!) { captureTransaction(input: $input) { transaction { id status amount { value } } } }";
const REVERSE: &str = "mutation R($input: ReverseTransactionInput!) { reverseTransaction(input: $input) { reversal { ... on Transaction { id status } } } }";
const REFUND: &str = "mutation F($input: RefundTransactionInput!) { refundTransaction(input: $input) { refund { id status orderId amount { value } } } }";

fn legacy(v: &Value) -> &str {
    v["errors"][0]["extensions"]["legacyCode"]
        .as_str()
        .unwrap_or_default()
}

fn moved(sim: &Sim, id: &str, status: &str) -> u64 {
    sim.ledger_report()["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["object_id"] == id && e["status"] == status)
        .map(|e| e["amount"].as_u64().unwrap())
        .sum()
}

#[test]
fn capture_then_refunds_only_after_settlement() {
    let sim = Sim::new();
    let pm = tokenize(&sim, "4111111111111111");
    let (v, _) = post(&sim, AUTHORIZE, charge_vars(&pm, "S-1"));
    let id = v["data"]["authorizeCreditCard"]["transaction"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let capture =
        |amount: &str| json!({"input": {"transactionId": id, "transaction": {"amount": amount}}});
    let (v, _) = post(&sim, CAPTURE, capture("99.00"));
    assert_eq!(legacy(&v), "91522");
    let (v, _) = post(&sim, CAPTURE, capture("6.00"));
    let t = &v["data"]["captureTransaction"]["transaction"];
    assert_eq!(t["status"], "SUBMITTED_FOR_SETTLEMENT", "{v}");
    assert_eq!(t["amount"]["value"], "6.00");
    let (v, _) = post(&sim, CAPTURE, capture("6.00"));
    assert_eq!(legacy(&v), "91507");
    let refund = |amount: &str, order: &str| json!({"input": {"transactionId": id, "refund": {"amount": amount, "orderId": order}}});
    let (v, _) = post(&sim, REFUND, refund("2.00", "r1"));
    assert_eq!(legacy(&v), "91506");
    sim.settle("braintree");
    let (v, _) = post(&sim, REFUND, refund("2.00", "r1"));
    assert_eq!(
        v["data"]["refundTransaction"]["refund"]["orderId"], "r1",
        "{v}"
    );
    let (v, _) = post(&sim, REFUND, refund("4.01", "r2"));
    assert_eq!(legacy(&v), "91521");
    let (v, _) = post(&sim, REFUND, refund("4.00", "r2"));
    assert!(v["errors"].is_null(), "{v}");
    let (v, _) = post(&sim, REFUND, refund("0.01", "r3"));
    assert_eq!(legacy(&v), "91512");
    // The refund is found by its orderId.
    let search = json!({"input": {"orderId": {"is": "r2"}}});
    let (v, _) = post(&sim, "query S($input: TransactionSearchInput!) { search { transactions(input: $input) { edges { node { id status } } } } }", search);
    assert_eq!(
        v["data"]["search"]["transactions"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        (moved(&sim, &id, "captured"), moved(&sim, &id, "refunded")),
        (600, 600)
    );
}

#[test]
fn reverse_voids_before_settlement_and_refunds_after() {
    let sim = Sim::new();
    let pm = tokenize(&sim, "4111111111111111");
    let (v, _) = post(&sim, AUTHORIZE, charge_vars(&pm, "S-2"));
    let id = v["data"]["authorizeCreditCard"]["transaction"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let input = json!({"input": {"transactionId": id}});
    let (v, _) = post(&sim, REVERSE, input.clone());
    assert_eq!(
        v["data"]["reverseTransaction"]["reversal"]["status"], "VOIDED",
        "{v}"
    );
    let (v, _) = post(&sim, REVERSE, input);
    assert_eq!(legacy(&v), "91504");
    assert!(moved(&sim, &id, "voided") > 0);

    let pm = tokenize(&sim, "4111111111111111");
    let (v, _) = post(&sim, CHARGE, charge_vars(&pm, "S-3"));
    let id = v["data"]["chargeCreditCard"]["transaction"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    sim.settle("*");
    let (v, _) = post(&sim, REVERSE, json!({"input": {"transactionId": id}}));
    let r = &v["data"]["reverseTransaction"]["reversal"];
    assert_ne!(
        r["id"],
        id.as_str(),
        "after settlement the reversal is a refund: {v}"
    );
    assert_eq!(moved(&sim, &id, "refunded"), moved(&sim, &id, "captured"));
}
