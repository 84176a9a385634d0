//! The slice of Authorize.net's `AnetApiSchema.xsd` the adapters send, as element sequences.
//! Authorize.net converts JSON to XML and validates it against the XSD, so keys out of sequence
//! order, unknown keys and missing required keys fail with E00003; this reproduces that check
//! for every type listed here (types not listed are accepted as opaque leaves).

use crate::ojson::Node;

const NS: &str = "AnetApi/xml/v1/schema/AnetApiSchema.xsd";

#[derive(Clone, Copy)]
enum Kind {
    /// Any text (types the simulator does not restrict).
    Leaf,
    /// `xs:string` with minLength/maxLength facets.
    Str(usize, usize),
    /// An enumeration (the XSD `…Enum` simple type named by the str).
    Enum(&'static str, &'static [&'static str]),
    /// `numericString` (digits only) with length facets.
    Digits(usize, usize),
    /// `xs:int` within an inclusive range.
    Int(i64, i64),
    /// `xs:boolean`.
    Bool,
    /// `xs:decimal`.
    Decimal,
    Obj(&'static Ty),
    /// maxOccurs > 1: an array of these (or a single object).
    Many(&'static Ty),
}

/// `fields`: (name, position, kind). Equal positions are an `xs:choice` (at most one of them).
struct Ty {
    fields: &'static [(&'static str, u8, Kind)],
    required: &'static [&'static str],
}

use Kind::{Bool, Decimal, Digits, Enum, Int, Leaf, Many, Obj, Str};

const TRANSACTION_TYPES: &[&str] = &[
    "authOnlyTransaction",
    "authCaptureTransaction",
    "captureOnlyTransaction",
    "refundTransaction",
    "priorAuthCaptureTransaction",
    "voidTransaction",
    "getDetailsTransaction",
    "authOnlyContinueTransaction",
    "authCaptureContinueTransaction",
];
const VALIDATION_MODES: &[&str] = &["none", "testMode", "liveMode", "oldLiveMode"];
const CUSTOMER_TYPES: &[&str] = &["individual", "business"];
const SETTING_NAMES: &[&str] = &[
    "emailCustomer",
    "merchantEmail",
    "allowPartialAuth",
    "headerEmailReceipt",
    "footerEmailReceipt",
    "recurringBilling",
    "duplicateWindow",
    "testRequest",
    "hostedProfileReturnUrl",
    "hostedProfileReturnUrlText",
    "hostedProfilePageBorderVisible",
    "hostedProfileIFrameCommunicatorUrl",
    "hostedProfileHeadingBgColor",
    "hostedProfileValidationMode",
    "hostedProfileBillingAddressRequired",
    "hostedProfileCardCodeRequired",
    "hostedProfileBillingAddressOptions",
    "hostedProfileManageOptions",
    "hostedPaymentIFrameCommunicatorUrl",
    "hostedPaymentButtonOptions",
    "hostedPaymentReturnOptions",
    "hostedPaymentOrderOptions",
    "hostedPaymentPaymentOptions",
    "hostedPaymentBillingAddressOptions",
    "hostedPaymentShippingAddressOptions",
    "hostedPaymentSecurityOptions",
    "hostedPaymentCustomerOptions",
    "hostedPaymentStyleOptions",
    "typeEmailReceipt",
    "hostedProfilePaymentOptions",
    "hostedProfileSaveButtonText",
    "hostedPaymentVisaCheckoutOptions",
];
const ORDER_FIELDS: &[&str] = &["id", "submitTimeUTC"];
const GROUP_STATUSES: &[&str] = &["any", "pendingApproval"];
/// `refId` of every request: `xs:string` maxLength 20.
const REF_ID: Kind = Str(0, 20);

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
        ("cardNumber", 0, Str(4, 16)),
        ("expirationDate", 1, Str(4, 7)),
        ("cardCode", 2, Digits(3, 4)),
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
        ("invoiceNumber", 0, Str(0, 20)),
        ("description", 1, Str(0, 255)),
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
        ("firstName", 0, Str(0, 50)),
        ("lastName", 1, Str(0, 50)),
        ("company", 2, Str(0, 50)),
        ("address", 3, Str(0, 60)),
        ("city", 4, Str(0, 40)),
        ("state", 5, Str(0, 40)),
        ("zip", 6, Str(0, 20)),
        ("country", 7, Str(0, 60)),
        ("phoneNumber", 8, Str(0, 25)),
        ("faxNumber", 9, Str(0, 25)),
        ("email", 10, Str(0, 255)),
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
    fields: &[
        ("settingName", 0, Enum("settingNameEnum", SETTING_NAMES)),
        ("settingValue", 1, Leaf),
    ],
    required: &[],
};

static SETTINGS: Ty = Ty {
    fields: &[("setting", 0, Many(&SETTING))],
    required: &[],
};

/// `transactionRequestType`.
static TRANSACTION_REQUEST: Ty = Ty {
    fields: &[
        (
            "transactionType",
            0,
            Enum("transactionTypeEnum", TRANSACTION_TYPES),
        ),
        ("amount", 1, Decimal),
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
        ("customerType", 0, Enum("customerTypeEnum", CUSTOMER_TYPES)),
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
        ("merchantCustomerId", 0, Str(0, 20)),
        ("description", 1, Str(0, 255)),
        ("email", 2, Str(0, 255)),
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
        ("refId", 2, REF_ID),
        ("transactionRequest", 3, Obj(&TRANSACTION_REQUEST)),
    ],
    required: &["merchantAuthentication", "transactionRequest"],
};

static CREATE_PROFILE: Ty = Ty {
    fields: &[
        ("merchantAuthentication", 0, Obj(&MERCHANT_AUTH)),
        ("clientId", 1, Leaf),
        ("refId", 2, REF_ID),
        ("profile", 3, Obj(&PROFILE)),
        (
            "validationMode",
            4,
            Enum("validationModeEnum", VALIDATION_MODES),
        ),
    ],
    required: &["merchantAuthentication", "profile"],
};

static SORTING: Ty = Ty {
    fields: &[
        (
            "orderBy",
            0,
            Enum("TransactionListOrderFieldEnum", ORDER_FIELDS),
        ),
        ("orderDescending", 1, Bool),
    ],
    required: &["orderBy", "orderDescending"],
};

static PAGING: Ty = Ty {
    fields: &[("limit", 0, Int(1, 1000)), ("offset", 1, Int(1, 100_000))],
    required: &["limit", "offset"],
};

static UNSETTLED_LIST: Ty = Ty {
    fields: &[
        ("merchantAuthentication", 0, Obj(&MERCHANT_AUTH)),
        ("clientId", 1, Leaf),
        ("refId", 2, REF_ID),
        (
            "status",
            3,
            Enum("TransactionGroupStatusEnum", GROUP_STATUSES),
        ),
        ("sorting", 4, Obj(&SORTING)),
        ("paging", 5, Obj(&PAGING)),
    ],
    required: &["merchantAuthentication"],
};

static TRANSACTION_DETAILS: Ty = Ty {
    fields: &[
        ("merchantAuthentication", 0, Obj(&MERCHANT_AUTH)),
        ("clientId", 1, Leaf),
        ("refId", 2, REF_ID),
        ("transId", 3, Digits(1, 20)),
    ],
    required: &["merchantAuthentication", "transId"],
};

/// `authenticateTestRequest`: only the base `ANetApiRequest` elements.
static AUTHENTICATE_TEST: Ty = Ty {
    fields: &[
        ("merchantAuthentication", 0, Obj(&MERCHANT_AUTH)),
        ("clientId", 1, Leaf),
        ("refId", 2, REF_ID),
    ],
    required: &["merchantAuthentication"],
};

static GET_PROFILE: Ty = Ty {
    fields: &[
        ("merchantAuthentication", 0, Obj(&MERCHANT_AUTH)),
        ("clientId", 1, Leaf),
        ("refId", 2, REF_ID),
        ("customerProfileId", 3, Digits(1, 20)),
        ("merchantCustomerId", 4, Str(0, 20)),
        ("email", 5, Leaf),
        ("unmaskExpirationDate", 6, Bool),
        ("includeIssuerInfo", 7, Bool),
    ],
    required: &["merchantAuthentication"],
};

fn root(name: &str) -> Option<&'static Ty> {
    match name {
        "createTransactionRequest" => Some(&CREATE_TRANSACTION),
        "createCustomerProfileRequest" => Some(&CREATE_PROFILE),
        "getUnsettledTransactionListRequest" => Some(&UNSETTLED_LIST),
        "getTransactionDetailsRequest" => Some(&TRANSACTION_DETAILS),
        "getCustomerProfileRequest" => Some(&GET_PROFILE),
        "authenticateTestRequest" => Some(&AUTHENTICATE_TEST),
        _ => None,
    }
}

/// The .NET schema validator's message for a simple value that breaks its type.
fn invalid_value(element: &str, value: &str, datatype: &str, why: &str) -> String {
    format!("The '{NS}:{element}' element is invalid - The value '{value}' is invalid according to its datatype '{datatype}' - {why}")
}

/// Checks a simple value against its facets (`Leaf`: anything).
fn check_leaf(element: &str, kind: Kind, node: &Node) -> Result<(), String> {
    let text = match node {
        Node::Str(s) | Node::Num(s) => s.as_str(),
        Node::Bool(true) => "true",
        Node::Bool(false) => "false",
        Node::Null => "",
        Node::Arr(_) | Node::Obj(_) => {
            return match kind {
                Leaf => Ok(()),
                _ => Err(format!("The element '{element}' in namespace '{NS}' cannot contain child elements: a simple value is expected.")),
            };
        }
    };
    let chars = text.chars().count();
    let length = |min: usize, max: usize, datatype: &str| {
        if chars > max {
            Err(invalid_value(
                element,
                text,
                datatype,
                "The actual length is greater than the MaxLength value.",
            ))
        } else if chars < min {
            Err(invalid_value(
                element,
                text,
                datatype,
                "The actual length is less than the MinLength value.",
            ))
        } else {
            Ok(())
        }
    };
    match kind {
        Str(min, max) => length(min, max, "String"),
        Digits(min, max) => {
            if !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid_value(
                    element,
                    text,
                    "numericString",
                    "The Pattern constraint failed.",
                ));
            }
            length(min, max, "numericString")
        }
        Enum(name, values) if !values.contains(&text) => Err(invalid_value(
            element,
            text,
            name,
            "The Enumeration constraint failed.",
        )),
        Int(min, max) => match text.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(()),
            Ok(_) => Err(invalid_value(
                element,
                text,
                "Int",
                "The value is out of the allowed range.",
            )),
            Err(_) => Err(invalid_value(
                element,
                text,
                "Int",
                "The string is not a valid Int32 value.",
            )),
        },
        Bool if !matches!(text, "true" | "false" | "1" | "0") => Err(invalid_value(
            element,
            text,
            "Boolean",
            "The string is not a valid Boolean value.",
        )),
        Decimal => {
            let digits = text.strip_prefix('-').unwrap_or(text);
            let (w, f) = digits.split_once('.').unwrap_or((digits, ""));
            let ok = !(w.is_empty() && f.is_empty())
                && w.bytes().all(|b| b.is_ascii_digit())
                && f.bytes().all(|b| b.is_ascii_digit());
            if ok {
                Ok(())
            } else {
                Err(invalid_value(
                    element,
                    text,
                    "Decimal",
                    "The string is not a valid Decimal value.",
                ))
            }
        }
        _ => Ok(()),
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
            Obj(inner) => check(key, inner, value)?,
            Many(inner) => {
                for item in value.items() {
                    check(key, inner, item)?;
                }
            }
            leaf => check_leaf(key, leaf, value)?,
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

    fn charge(tx: &str) -> Node {
        parse(&format!(
            r#"{{"merchantAuthentication":{{"name":"a","transactionKey":"b"}},"refId":"r","transactionRequest":{{{tx}}}}}"#
        ))
    }

    #[test]
    fn lengths_and_enums_follow_the_xsd() {
        let ok = r#""transactionType":"authCaptureTransaction","amount":"1.00""#;
        assert_eq!(validate("createTransactionRequest", &charge(ok)), Ok(()));
        let bad = [
            (r#""transactionType":"sale""#, "transactionTypeEnum"),
            (
                r#""transactionType":"authCaptureTransaction","amount":"1,00""#,
                "Decimal",
            ),
            (
                r#""transactionType":"authCaptureTransaction","payment":{"creditCard":{"cardNumber":"4242424242424242424","expirationDate":"2030-12"}}"#,
                "MaxLength",
            ),
            (
                r#""transactionType":"authCaptureTransaction","payment":{"creditCard":{"cardNumber":"4242424242424242","expirationDate":"2030-12","cardCode":"12"}}"#,
                "MinLength",
            ),
            (
                r#""transactionType":"authCaptureTransaction","order":{"invoiceNumber":"123456789012345678901"}"#,
                "MaxLength",
            ),
            (
                &format!(
                    r#""transactionType":"authCaptureTransaction","order":{{"description":"{}"}}"#,
                    "d".repeat(256)
                ),
                "MaxLength",
            ),
            (
                &format!(
                    r#""transactionType":"authCaptureTransaction","billTo":{{"firstName":"{}"}}"#,
                    "n".repeat(51)
                ),
                "MaxLength",
            ),
            (
                &format!(
                    r#""transactionType":"authCaptureTransaction","billTo":{{"lastName":"{}"}}"#,
                    "n".repeat(51)
                ),
                "MaxLength",
            ),
            (
                &format!(
                    r#""transactionType":"authCaptureTransaction","billTo":{{"zip":"{}"}}"#,
                    "9".repeat(21)
                ),
                "MaxLength",
            ),
        ];
        for (tx, why) in bad {
            let err = validate("createTransactionRequest", &charge(tx)).expect_err(tx);
            assert!(err.contains(why), "{tx}: {err}");
        }
        let long_ref = parse(
            r#"{"merchantAuthentication":{"name":"a","transactionKey":"b"},"refId":"123456789012345678901",
            "transactionRequest":{"transactionType":"authCaptureTransaction"}}"#,
        );
        assert!(validate("createTransactionRequest", &long_ref).is_err());
        let mode = parse(
            r#"{"merchantAuthentication":{"name":"a","transactionKey":"b"},"profile":{"merchantCustomerId":"x"},"validationMode":"strict"}"#,
        );
        let err = validate("createCustomerProfileRequest", &mode).expect_err("enum");
        assert!(err.contains("validationModeEnum"), "{err}");
        let paging = parse(
            r#"{"merchantAuthentication":{"name":"a","transactionKey":"b"},"paging":{"limit":"1001","offset":"1"}}"#,
        );
        assert!(validate("getUnsettledTransactionListRequest", &paging).is_err());
    }
}
