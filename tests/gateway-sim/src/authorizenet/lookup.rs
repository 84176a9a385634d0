//! Authorize.net's reporting and profile lookups (AnetApiSchema.xsd):
//! `getUnsettledTransactionListRequest` → `transactions` of `transactionSummaryType`,
//! `getTransactionDetailsRequest` → `transaction` of `transactionDetailsType`,
//! `getCustomerProfileRequest` → `profile` of `customerProfileMaskedType`. Nothing here ever
//! settles, so every transaction is unsettled. No card data: numbers are masked `XXXX1111`.

use super::wire::{messages, reply, request_error};
use super::Tx;
use crate::cards::cents_decimal;
use crate::http::Response;
use crate::ojson::Node;
use crate::state::{lock, CallInfo, Sim};
use serde_json::{json, Value};

/// `xs:dateTime` in UTC, from unix seconds (civil-from-days, proleptic Gregorian).
pub fn date_time(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

fn ok(ref_id: Option<&str>, mut out: Value) -> Response {
    if let Some(r) = ref_id {
        out["refId"] = r.into();
    }
    out["messages"] = messages(true, "I00001", "Successful.");
    reply(&out)
}

fn summary(t: &Tx) -> Value {
    let mut v = json!({
        "transId": t.ids.trans_id,
        "submitTimeUTC": format!("{}Z", date_time(t.submitted)),
        "submitTimeLocal": date_time(t.submitted),
        "transactionStatus": t.status(),
        "accountType": t.ids.account_type,
        "accountNumber": t.ids.account_number,
        "settleAmount": cents_decimal(t.cents),
        "marketType": "eCommerce",
        "product": "Card Not Present",
    });
    for (k, val) in [
        ("invoiceNumber", &t.invoice),
        ("firstName", &t.first_name),
        ("lastName", &t.last_name),
    ] {
        if let Some(val) = val {
            v[k] = val.as_str().into();
        }
    }
    v
}

/// `getUnsettledTransactionListRequest` with optional `sorting {orderBy id|submitTimeUTC,
/// orderDescending}` and `paging {limit 1–1000, offset = page number from 1}`; at most 1000
/// transactions, as Authorize.net answers.
pub fn unsettled_list(sim: &Sim, body: &Node, info: &mut CallInfo) -> Response {
    let store = lock(&sim.authorizenet);
    // Settled transactions left the unsettled list with their batch.
    let mut list: Vec<&Tx> = store.transactions.iter().filter(|t| !t.settled).collect();
    let sorting = body.get("sorting");
    let descending = sorting
        .and_then(|s| s.str_at(&["orderDescending"]))
        .is_some_and(|d| d == "true" || d == "1");
    match sorting.and_then(|s| s.str_at(&["orderBy"])) {
        Some("id") => list.sort_by_key(|t| t.ids.trans_id.parse::<u64>().unwrap_or(0)),
        _ => list.sort_by_key(|t| (t.submitted, t.at)),
    }
    if descending {
        list.reverse();
    }
    let total = list.len();
    let (limit, page) = match body.get("paging") {
        Some(p) => (
            p.str_at(&["limit"])
                .and_then(|l| l.parse().ok())
                .unwrap_or(1000),
            p.str_at(&["offset"])
                .and_then(|o| o.parse().ok())
                .unwrap_or(1),
        ),
        None => (1000usize, 1usize),
    };
    let page: Vec<Value> = list
        .into_iter()
        .skip(limit * (page.max(1) - 1))
        .take(limit)
        .map(summary)
        .collect();
    info.outcome = if page.is_empty() {
        "not_found"
    } else {
        "found"
    }
    .into();
    let mut out = json!({ "totalNumInResultSet": total });
    if !page.is_empty() {
        out["transactions"] = Value::Array(page);
    }
    ok(body.str_at(&["refId"]), out)
}

/// `getTransactionDetailsRequest {transId}` → `transaction`, or E00040.
pub fn transaction_details(sim: &Sim, body: &Node, info: &mut CallInfo) -> Response {
    let id = body.str_at(&["transId"]).unwrap_or("");
    info.object_id = Some(id.to_string());
    let store = lock(&sim.authorizenet);
    let Some(t) = store.transactions.iter().find(|t| t.ids.trans_id == id) else {
        info.outcome = "not_found".into();
        return request_error("E00040", "The record cannot be found.");
    };
    info.outcome = "found".into();
    info.reference = t.invoice.clone();
    info.amount = Some(t.cents);
    let approved = t.response_code == "1";
    let mut order = json!({});
    if let Some(i) = &t.invoice {
        order["invoiceNumber"] = i.as_str().into();
    }
    if let Some(d) = &t.description {
        order["description"] = d.as_str().into();
    }
    let mut tx = json!({
        "transId": t.ids.trans_id,
        "submitTimeUTC": format!("{}Z", date_time(t.submitted)),
        "submitTimeLocal": date_time(t.submitted),
        "transactionType": t.tx_type,
        "transactionStatus": t.status(),
        "refTransId": t.ref_trans_id,
        "responseCode": t.response_code.parse::<u8>().unwrap_or(3),
        "responseReasonCode": t.reason_code.parse::<u16>().unwrap_or(0),
        "responseReasonDescription": t.reason_text,
        "authCode": t.ids.auth_code,
        "AVSResponse": if approved { "Y" } else { "P" },
        "order": order,
        "authAmount": cents_decimal(t.cents),
        // Not settled yet: Authorize.net reports the amount that will settle (0 unless approved).
        "settleAmount": cents_decimal(if approved { t.cents } else { 0 }),
        "taxExempt": false,
        "payment": {"creditCard": {"cardNumber": t.ids.account_number, "expirationDate": "XXXX", "cardType": t.ids.account_type}},
        "recurringBilling": false,
        "product": "Card Not Present",
        "marketType": "eCommerce",
    });
    let mut bill_to = json!({});
    if let Some(f) = &t.first_name {
        bill_to["firstName"] = f.as_str().into();
    }
    if let Some(l) = &t.last_name {
        bill_to["lastName"] = l.as_str().into();
    }
    if bill_to.as_object().is_some_and(|b| !b.is_empty()) {
        tx["billTo"] = bill_to;
    }
    ok(body.str_at(&["refId"]), json!({ "transaction": tx }))
}

/// `getCustomerProfileRequest` by `customerProfileId` or `merchantCustomerId` → `profile`
/// (payment profiles with masked cards), or E00040.
pub fn customer_profile(sim: &Sim, body: &Node, info: &mut CallInfo) -> Response {
    let by_id = body.str_at(&["customerProfileId"]);
    let by_merchant = body.str_at(&["merchantCustomerId"]);
    info.reference = by_merchant.map(str::to_string);
    let store = lock(&sim.authorizenet);
    let found = store.profiles.values().find(|p| {
        by_id.is_some_and(|id| p.id == id)
            || (by_id.is_none() && by_merchant.is_some_and(|m| p.merchant_customer_id == m))
    });
    let Some(p) = found else {
        info.outcome = "not_found".into();
        return request_error("E00040", "The record cannot be found.");
    };
    info.outcome = "found".into();
    info.object_id = Some(p.id.clone());
    let payment_profiles: Vec<Value> = p
        .payment_profile_ids
        .iter()
        .zip(&p.cards)
        .map(|(id, card)| {
            json!({
                "customerPaymentProfileId": id,
                "payment": {"creditCard": {"cardNumber": format!("XXXX{}", card.last4),
                    "expirationDate": "XXXX", "cardType": card.brand.anet()}},
            })
        })
        .collect();
    let mut profile = json!({
        "merchantCustomerId": p.merchant_customer_id,
        "customerProfileId": p.id,
        "paymentProfiles": payment_profiles,
    });
    if let Some(d) = &p.description {
        profile["description"] = d.as_str().into();
    }
    ok(body.str_at(&["refId"]), json!({ "profile": profile }))
}

#[cfg(test)]
mod tests {
    use super::date_time;

    #[test]
    fn dates_are_xsd_date_times() {
        assert_eq!(date_time(0), "1970-01-01T00:00:00");
        assert_eq!(date_time(1_700_000_000), "2023-11-14T22:13:20");
        assert_eq!(date_time(951_782_400), "2000-02-29T00:00:00");
    }
}
