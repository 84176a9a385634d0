//! The slice of Authorize.net's `AnetApiSchema.xsd` the adapters send, as element sequences.
//! Authorize.net converts JSON to XML and validates it against the XSD, so keys out of sequence
//! order, unknown keys and missing required keys fail with E00003; this reproduces that check
//! for every type listed here (types not listed are accepted as opaque leaves).

use crate::ojson::Node;

const NS: &str = "AnetApi/xml/v1/schema/AnetApiSchema.xsd";

#[derive(Clone, Copy)]
enum Kind {
    Leaf,
    Obj(&'static Ty),
    /// maxOccurs > 1: an array of these (or a single object).
    Many(&'static Ty),
}

/// `fields`: (name, position, kind). Equal positions are an `xs:choice` (at most one of them).
struct Ty {
    fields: &'static [(&'static str, u8, Kind)],
    required: &'static [&'static str],
}

use Kind::{Leaf, Many, Obj};

static MERCHANT_AUTH: Ty = Ty {
    fields: &[
        ("name", 0, Leaf),
        ("transactionKey", 1, Leaf),
        ("sessionToken", 1, Leaf),
        ("password", 1, Leaf),
        ("impersonationAuthentication", 1, Leaf),
        ("fingerPrint", 1, Leaf),
        ("clientKey", 1, Leaf),
        ("accessToken", 1, Leaf),
        ("mobileDeviceId", 2, Leaf),
    ],
    required: &[],
};

static CREDIT_CARD: Ty = Ty {
    fields: &[
        ("cardNumber", 0, Leaf),
        ("expirationDate", 1, Leaf),
        ("cardCode", 2, Leaf),
        ("isPaymentToken", 3, Leaf),
        ("cryptogram", 4, Leaf),
        ("tokenRequestorName", 5, Leaf),
        ("tokenRequestorId", 6, Leaf),
        ("tokenRequestorEci", 7, Leaf),
    ],
    required: &["cardNumber", "expirationDate"],
};

static PAYMENT: Ty = Ty {
    fields: &[
        ("creditCard", 0, Obj(&CREDIT_CARD)),
        ("bankAccount", 0, Leaf),
        ("trackData", 0, Leaf),
        ("encryptedTrackData", 0, Leaf),
        ("payPal", 0, Leaf),
        ("opaqueData", 0, Leaf),
        ("emv", 0, Leaf),
        ("dataSource", 1, Leaf),
    ],
    required: &[],
};

static ORDER: Ty = Ty {
    fields: &[
        ("invoiceNumber", 0, Leaf),
        ("description", 1, Leaf),
        ("discountAmount", 2, Leaf),
        ("taxIsAfterDiscount", 3, Leaf),
        ("totalTaxTypeCode", 4, Leaf),
        ("purchaserVATRegistrationNumber", 5, Leaf),
        ("merchantVATRegistrationNumber", 6, Leaf),
        ("vatInvoiceReferenceNumber", 7, Leaf),
        ("purchaserCode", 8, Leaf),
        ("summaryCommodityCode", 9, Leaf),
        ("purchaseOrderDateUTC", 10, Leaf),
        ("supplierOrderReference", 11, Leaf),
        ("authorizedContactName", 12, Leaf),
        ("cardAcceptorRefNumber", 13, Leaf),
        ("amexDataTAA1", 14, Leaf),
        ("amexDataTAA2", 15, Leaf),
        ("amexDataTAA3", 16, Leaf),
        ("amexDataTAA4", 17, Leaf),
    ],
    required: &[],
};

/// `customerAddressType` (extends `nameAndAddressType`).
static ADDRESS: Ty = Ty {
    fields: &[
        ("firstName", 0, Leaf),
        ("lastName", 1, Leaf),
        ("company", 2, Leaf),
        ("address", 3, Leaf),
        ("city", 4, Leaf),
        ("state", 5, Leaf),
        ("zip", 6, Leaf),
        ("country", 7, Leaf),
        ("phoneNumber", 8, Leaf),
        ("faxNumber", 9, Leaf),
        ("email", 10, Leaf),
    ],
    required: &[],
};

static CUSTOMER_DATA: Ty = Ty {
    fields: &[
        ("type", 0, Leaf),
        ("id", 1, Leaf),
        ("email", 2, Leaf),
        ("driversLicense", 3, Leaf),
        ("taxId", 4, Leaf),
    ],
    required: &[],
};

static SETTING: Ty = Ty {
    fields: &[("settingName", 0, Leaf), ("settingValue", 1, Leaf)],
    required: &[],
};

static SETTINGS: Ty = Ty {
    fields: &[("setting", 0, Many(&SETTING))],
    required: &[],
};

/// `transactionRequestType`.
static TRANSACTION_REQUEST: Ty = Ty {
    fields: &[
        ("transactionType", 0, Leaf),
        ("amount", 1, Leaf),
        ("currencyCode", 2, Leaf),
        ("payment", 3, Obj(&PAYMENT)),
        ("profile", 4, Leaf),
        ("solution", 5, Leaf),
        ("callId", 6, Leaf),
        ("terminalNumber", 7, Leaf),
        ("authCode", 8, Leaf),
        ("refTransId", 9, Leaf),
        ("splitTenderId", 10, Leaf),
        ("order", 11, Obj(&ORDER)),
        ("lineItems", 12, Leaf),
        ("tax", 13, Leaf),
        ("duty", 14, Leaf),
        ("shipping", 15, Leaf),
        ("taxExempt", 16, Leaf),
        ("poNumber", 17, Leaf),
        ("customer", 18, Obj(&CUSTOMER_DATA)),
        ("billTo", 19, Obj(&ADDRESS)),
        ("shipTo", 20, Leaf),
        ("customerIP", 21, Leaf),
        ("cardholderAuthentication", 22, Leaf),
        ("retail", 23, Leaf),
        ("employeeId", 24, Leaf),
        ("transactionSettings", 25, Obj(&SETTINGS)),
        ("userFields", 26, Leaf),
        ("surcharge", 27, Leaf),
        ("merchantDescriptor", 28, Leaf),
        ("subMerchant", 29, Leaf),
        ("tip", 30, Leaf),
        ("processingOptions", 31, Leaf),
        ("subsequentAuthInformation", 32, Leaf),
        ("otherTax", 33, Leaf),
        ("shipFrom", 34, Leaf),
        ("authorizationIndicatorType", 35, Leaf),
    ],
    required: &["transactionType"],
};

/// `customerPaymentProfileType`.
static PAYMENT_PROFILE: Ty = Ty {
    fields: &[
        ("customerType", 0, Leaf),
        ("billTo", 1, Obj(&ADDRESS)),
        ("payment", 2, Obj(&PAYMENT)),
        ("driversLicense", 3, Leaf),
        ("taxId", 4, Leaf),
        ("defaultPaymentProfile", 5, Leaf),
        ("subsequentAuthInformation", 6, Leaf),
        ("excludeFromAccountUpdater", 7, Leaf),
    ],
    required: &[],
};

/// `customerProfileType`.
static PROFILE: Ty = Ty {
    fields: &[
        ("merchantCustomerId", 0, Leaf),
        ("description", 1, Leaf),
        ("email", 2, Leaf),
        ("paymentProfiles", 3, Many(&PAYMENT_PROFILE)),
        ("shipToList", 4, Leaf),
        ("profileType", 5, Leaf),
    ],
    required: &[],
};

/// `ANetApiRequest` fields first, then the method's own.
static CREATE_TRANSACTION: Ty = Ty {
    fields: &[
        ("merchantAuthentication", 0, Obj(&MERCHANT_AUTH)),
        ("clientId", 1, Leaf),
        ("refId", 2, Leaf),
        ("transactionRequest", 3, Obj(&TRANSACTION_REQUEST)),
    ],
    required: &["merchantAuthentication", "transactionRequest"],
};

static CREATE_PROFILE: Ty = Ty {
    fields: &[
        ("merchantAuthentication", 0, Obj(&MERCHANT_AUTH)),
        ("clientId", 1, Leaf),
        ("refId", 2, Leaf),
        ("profile", 3, Obj(&PROFILE)),
        ("validationMode", 4, Leaf),
    ],
    required: &["merchantAuthentication", "profile"],
};

fn root(name: &str) -> Option<&'static Ty> {
    match name {
        "createTransactionRequest" => Some(&CREATE_TRANSACTION),
        "createCustomerProfileRequest" => Some(&CREATE_PROFILE),
        _ => None,
    }
}

fn expected(ty: &Ty, after: Option<u8>) -> String {
    let names: Vec<&str> = ty
        .fields
        .iter()
        .filter(|(_, pos, _)| after.is_none_or(|a| *pos > a))
        .map(|(n, _, _)| *n)
        .collect();
    format!(
        "List of possible elements expected: '{}' in namespace '{NS}'.",
        names.join(", ")
    )
}

/// Validates `node` (the object under the root key `method`) against the XSD sequences, and
/// answers the .NET schema validator's message Authorize.net puts in E00003.
pub fn validate(method: &str, node: &Node) -> Result<(), String> {
    let ty = root(method).ok_or_else(|| {
        format!("The element '{method}' in namespace '{NS}' is not declared (the simulator implements createTransactionRequest and createCustomerProfileRequest).")
    })?;
    check(method, ty, node)
}

fn check(element: &str, ty: &Ty, node: &Node) -> Result<(), String> {
    let Node::Obj(entries) = node else {
        return Err(format!("The element '{element}' in namespace '{NS}' has invalid content: an object is expected."));
    };
    let mut last: Option<u8> = None;
    for (key, value) in entries {
        let field = ty.fields.iter().find(|(n, _, _)| n == key);
        let Some(&(_, pos, kind)) = field.filter(|(_, pos, _)| last.is_none_or(|l| *pos > l))
        else {
            return Err(format!(
                "The element '{element}' in namespace '{NS}' has invalid child element '{key}' in namespace '{NS}'. {}",
                expected(ty, last)
            ));
        };
        last = Some(pos);
        match kind {
            Leaf => {}
            Obj(inner) => check(key, inner, value)?,
            Many(inner) => {
                for item in value.items() {
                    check(key, inner, item)?;
                }
            }
        }
    }
    if let Some(absent) = ty.required.iter().find(|r| node.get(r).is_none()) {
        return Err(format!(
            "The element '{element}' in namespace '{NS}' has incomplete content. List of possible elements expected: '{absent}' in namespace '{NS}'."
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Node {
        serde_json::from_str(s).expect("valid JSON")
    }

    #[test]
    fn accepts_xsd_order_and_rejects_others() {
        let ok = parse(
            r#"{"merchantAuthentication":{"name":"a","transactionKey":"b"},"refId":"r",
            "transactionRequest":{"transactionType":"authCaptureTransaction","amount":"1.00",
            "payment":{"creditCard":{"cardNumber":"4242424242424242","expirationDate":"2030-12"}},
            "order":{"invoiceNumber":"r"},"billTo":{"firstName":"J","zip":"1"},
            "transactionSettings":{"setting":[{"settingName":"duplicateWindow","settingValue":"1"}]}}}"#,
        );
        assert_eq!(validate("createTransactionRequest", &ok), Ok(()));

        let swapped = parse(
            r#"{"refId":"r","merchantAuthentication":{"name":"a","transactionKey":"b"},
            "transactionRequest":{"transactionType":"authCaptureTransaction"}}"#,
        );
        let err = validate("createTransactionRequest", &swapped).expect_err("out of order");
        assert!(
            err.contains("invalid child element 'merchantAuthentication'"),
            "{err}"
        );

        let inner = parse(
            r#"{"merchantAuthentication":{"name":"a","transactionKey":"b"},
            "transactionRequest":{"amount":"1.00","transactionType":"authCaptureTransaction"}}"#,
        );
        let err = validate("createTransactionRequest", &inner).expect_err("amount first");
        assert!(
            err.contains("'transactionRequest'") && err.contains("'transactionType'"),
            "{err}"
        );

        let billto = parse(
            r#"{"merchantAuthentication":{"name":"a","transactionKey":"b"},
            "transactionRequest":{"transactionType":"authCaptureTransaction","billTo":{"zip":"1","firstName":"J"}}}"#,
        );
        assert!(validate("createTransactionRequest", &billto).is_err());

        let missing = parse(r#"{"merchantAuthentication":{"name":"a","transactionKey":"b"}}"#);
        let err = validate("createTransactionRequest", &missing).expect_err("incomplete");
        assert!(err.contains("incomplete content"), "{err}");

        let unknown = parse(
            r#"{"merchantAuthentication":{"name":"a","transactionKey":"b"},
            "transactionRequest":{"transactionType":"authCaptureTransaction","cardNumber":"4"}}"#,
        );
        assert!(validate("createTransactionRequest", &unknown).is_err());
        assert!(validate("getFooRequest", &unknown).is_err());
    }
}
