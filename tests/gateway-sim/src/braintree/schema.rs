//! Input-type checking against Braintree's `schema.graphql` for the inputs the simulator
//! serves, as a GraphQL server coerces variables and literal arguments: an unknown field, a
//! missing non-null field or a value of the wrong scalar type fails the whole request with
//! `errors` and no `data` (the operation never runs).

use serde_json::Value;

/// (field, type) per input type, copied from `schema.graphql` (type syntax as there; `*`
/// stands for input types the simulator does not inspect, which accept any value).
static INPUTS: &[(&str, &[(&str, &str)])] = &[
    (
        "TokenizeCreditCardInput",
        &[
            ("clientMutationId", "String"),
            ("creditCard", "CreditCardInput!"),
            ("options", "TokenizeCreditCardOptionsInput"),
        ],
    ),
    (
        "CreditCardInput",
        &[
            ("number", "String"),
            ("expirationYear", "String"),
            ("expirationMonth", "String"),
            ("cvv", "String"),
            ("cardholderName", "String"),
            ("billingAddress", "AddressInput"),
        ],
    ),
    ("TokenizeCreditCardOptionsInput", &[("validate", "Boolean")]),
    (
        "AddressInput",
        &[
            ("company", "String"),
            ("streetAddress", "String"),
            ("addressLine1", "String"),
            ("extendedAddress", "String"),
            ("addressLine2", "String"),
            ("firstName", "String"),
            ("lastName", "String"),
            ("locality", "String"),
            ("adminArea2", "String"),
            ("region", "String"),
            ("adminArea1", "String"),
            ("postalCode", "String"),
            ("countryCode", "Enum"),
            ("phone", "*"),
            ("countryCodeAlpha3", "String"),
            ("countryCodeAlpha2", "String"),
            ("countryCodeNumeric", "String"),
            ("countryName", "String"),
        ],
    ),
    (
        "ChargeCreditCardInput",
        &[
            ("clientMutationId", "String"),
            ("paymentMethodId", "ID!"),
            ("options", "*"),
            ("transaction", "TransactionInput!"),
        ],
    ),
    (
        "AuthorizeCreditCardInput",
        &[
            ("clientMutationId", "String"),
            ("paymentMethodId", "ID!"),
            ("options", "*"),
            ("transaction", "TransactionInput!"),
        ],
    ),
    (
        "TransactionInput",
        &[
            ("amount", "Amount!"),
            ("merchantAccountId", "ID"),
            ("orderId", "String"),
            ("exchangeRateQuoteId", "ID"),
            ("purchaseOrderNumber", "String"),
            ("riskData", "RiskDataInput"),
            ("customFields", "*"),
            ("descriptor", "TransactionDescriptorInput"),
            ("recurring", "Enum"),
            ("paymentInitiator", "Enum"),
            ("channel", "String"),
            ("customerId", "ID"),
            ("shipping", "*"),
            ("tax", "*"),
            ("discountAmount", "String"),
            ("surchargeAmount", "String"),
            ("lineItems", "*"),
            ("threeDSecurePassThrough", "*"),
            ("vaultPaymentMethodAfterTransacting", "*"),
            ("customerDetails", "*"),
            ("processingOverrides", "*"),
            ("industry", "*"),
        ],
    ),
    (
        "VaultPaymentMethodInput",
        &[
            ("clientMutationId", "String"),
            ("paymentMethodId", "ID!"),
            ("verificationMerchantAccountId", "ID"),
            ("verification", "PaymentMethodVerificationOptionsInput"),
            ("customerId", "ID"),
            ("threeDSecurePassThrough", "*"),
            ("threeDSecureAuthenticationId", "String"),
            ("riskData", "RiskDataInput"),
            ("makeDefault", "Boolean"),
        ],
    ),
    (
        "PaymentMethodVerificationOptionsInput",
        &[("merchantAccountId", "ID"), ("skip", "Boolean")],
    ),
    (
        "RiskDataInput",
        &[
            ("customerBrowser", "String"),
            ("customerIp", "String"),
            ("deviceData", "String"),
        ],
    ),
    (
        "TransactionDescriptorInput",
        &[("name", "String"), ("phone", "String"), ("url", "String")],
    ),
    (
        "TransactionSearchInput",
        &[
            ("id", "*"),
            ("status", "*"),
            ("statusTransition", "*"),
            ("createdAt", "*"),
            ("amount", "*"),
            ("orderId", "SearchTextInput"),
            ("merchantAccountId", "*"),
            ("customer", "*"),
            ("paymentMethodSnapshotType", "*"),
            ("disbursementDate", "*"),
            ("source", "*"),
            ("settlementBatchId", "SearchTextInput"),
            ("paymentMethod", "*"),
            ("facilitatorOAuthApplicationClientId", "*"),
            ("userId", "*"),
            ("storeId", "*"),
            ("shippingAddress", "*"),
            ("billingAddress", "*"),
            ("disputeReceivedDate", "*"),
            ("processorAuthorizationId", "SearchTextInput"),
            ("partiallyAuthorized", "Boolean"),
            ("processingMode", "*"),
        ],
    ),
    (
        "CaptureTransactionInput",
        &[
            ("clientMutationId", "String"),
            ("transactionId", "ID!"),
            ("amount", "Amount"),
            ("transaction", "CaptureTransactionOptionsInput"),
        ],
    ),
    (
        "CaptureTransactionOptionsInput",
        &[
            ("amount", "Amount"),
            ("orderId", "String"),
            ("descriptor", "TransactionDescriptorInput"),
            ("discountAmount", "Amount"),
            ("shipping", "*"),
            ("tax", "*"),
            ("lineItems", "*"),
        ],
    ),
    (
        "ReverseTransactionInput",
        &[("clientMutationId", "String"), ("transactionId", "ID!")],
    ),
    (
        "RefundTransactionInput",
        &[
            ("clientMutationId", "String"),
            ("transactionId", "ID!"),
            ("refund", "TransactionRefundInput"),
        ],
    ),
    (
        "TransactionRefundInput",
        &[
            ("amount", "Amount"),
            ("orderId", "String"),
            ("merchantAccountId", "ID"),
            ("refundReason", "*"),
            ("lineItems", "*"),
        ],
    ),
    (
        "SearchTextInput",
        &[
            ("is", "String"),
            ("isNot", "String"),
            ("startsWith", "String"),
            ("endsWith", "String"),
            ("contains", "String"),
        ],
    ),
];

/// Checks `value` against the type `ty` (e.g. `ChargeCreditCardInput!`); `path` names the
/// place for the message (`input.transaction.amount`).
pub fn check(ty: &str, value: &Value, path: &str) -> Result<(), String> {
    let (base, non_null) = match ty.strip_suffix('!') {
        Some(b) => (b, true),
        None => (ty, false),
    };
    let bad = |expected: &str| {
        Err(format!(
            "Variable 'input' has an invalid value: the value at '{path}' is not a valid '{expected}'."
        ))
    };
    if value.is_null() {
        return if non_null {
            Err(format!("Variable 'input' has an invalid value: '{path}' of non-null type '{ty}' must not be null or missing."))
        } else {
            Ok(())
        };
    }
    match base {
        "*" => Ok(()),
        // Strings only: a GraphQL String input accepts no number or boolean.
        "String" | "Enum" if value.is_string() => Ok(()),
        "String" => bad("String"),
        "Enum" => bad("enum value"),
        "ID" if value.is_string() || value.is_i64() || value.is_u64() => Ok(()),
        "ID" => bad("ID"),
        "Boolean" if value.is_boolean() => Ok(()),
        "Boolean" => bad("Boolean"),
        "Int" if value.is_i64() || value.is_u64() => Ok(()),
        "Int" => bad("Int"),
        // Amount: "a whole number or a number with exactly two or three decimal places".
        "Amount" => {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return bad("Amount"),
            };
            let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
            let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
            let ok = !whole.is_empty()
                && digits(whole)
                && digits(frac)
                && (text.contains('.') && matches!(frac.len(), 2 | 3) || !text.contains('.'));
            if ok {
                Ok(())
            } else {
                bad("Amount")
            }
        }
        name => {
            let Some((_, fields)) = INPUTS.iter().find(|(n, _)| *n == name) else {
                return Ok(());
            };
            let Some(obj) = value.as_object() else {
                return bad(name);
            };
            if let Some(unknown) = obj.keys().find(|k| !fields.iter().any(|(f, _)| f == k)) {
                return Err(format!("Variable 'input' has an invalid value: Field '{unknown}' is not defined by type '{name}' (at '{path}')."));
            }
            for (field, fty) in fields.iter() {
                let v = obj.get(*field).unwrap_or(&Value::Null);
                check(fty, v, &format!("{path}.{field}"))?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types_fields_and_required() {
        let ok = json!({"paymentMethodId": "tokencc_1", "transaction": {"amount": "10.00", "orderId": "S-1"}});
        assert_eq!(check("ChargeCreditCardInput!", &ok, "input"), Ok(()));
        let bad = [
            json!({"paymentMethodId": "t", "transaction": {"amount": 10.5}}),
            json!({"paymentMethodId": "t", "transaction": {"amount": "10.0"}}),
            json!({"paymentMethodId": "t", "transaction": {"amount": "10.00", "orderId": 7}}),
            json!({"paymentMethodId": "t", "transaction": {"amount": "10.00", "currency": "EUR"}}),
            json!({"paymentMethodId": "t", "transaction": {"orderId": "S-1"}}),
            json!({"transaction": {"amount": "10.00"}}),
            json!({"paymentMethodId": true, "transaction": {"amount": "10.00"}}),
        ];
        for v in bad {
            assert!(check("ChargeCreditCardInput!", &v, "input").is_err(), "{v}");
        }
        let card = json!({"creditCard": {"number": "4242", "expirationMonth": 12}});
        assert!(check("TokenizeCreditCardInput!", &card, "input").is_err());
        assert!(check("TokenizeCreditCardInput!", &Value::Null, "input").is_err());
    }
}
