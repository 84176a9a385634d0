//! Card checks shared by the hosted form (wasm) and the charge endpoint: brand detection,
//! Luhn, expiry, CVC length, display formatting. The same code runs on both sides.

use crate::error::{FieldError, Loc};
#[allow(unused_imports)]
use crate::prelude::*;
use crate::secret::Secret;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Brand {
    Visa,
    Mastercard,
    Amex,
    Discover,
    Diners,
    Jcb,
    Unionpay,
    Unknown,
}

impl Brand {
    pub fn as_str(self) -> &'static str {
        match self {
            Brand::Visa => "visa",
            Brand::Mastercard => "mastercard",
            Brand::Amex => "amex",
            Brand::Discover => "discover",
            Brand::Diners => "diners",
            Brand::Jcb => "jcb",
            Brand::Unionpay => "unionpay",
            Brand::Unknown => "unknown",
        }
    }

    /// The brand as `as_str` spells it, `Unknown` for anything else.
    pub fn from_name(name: &str) -> Brand {
        [
            Brand::Visa,
            Brand::Mastercard,
            Brand::Amex,
            Brand::Discover,
            Brand::Diners,
            Brand::Jcb,
            Brand::Unionpay,
        ]
        .into_iter()
        .find(|b| b.as_str() == name)
        .unwrap_or(Brand::Unknown)
    }

    /// The brand's name for people ("Visa •••• 4242"); "Card" when unknown.
    pub fn display_name(self) -> &'static str {
        match self {
            Brand::Visa => "Visa",
            Brand::Mastercard => "Mastercard",
            Brand::Amex => "American Express",
            Brand::Discover => "Discover",
            Brand::Diners => "Diners Club",
            Brand::Jcb => "JCB",
            Brand::Unionpay => "UnionPay",
            Brand::Unknown => "Card",
        }
    }

    pub fn cvc_len(self) -> usize {
        if self == Brand::Amex {
            4
        } else {
            3
        }
    }

    /// Valid PAN lengths for the brand.
    pub fn lengths(self) -> &'static [usize] {
        match self {
            Brand::Amex => &[15],
            Brand::Diners => &[14, 16],
            Brand::Visa => &[13, 16, 19],
            Brand::Unknown | Brand::Unionpay => &[12, 13, 14, 15, 16, 17, 18, 19],
            _ => &[16],
        }
    }

    /// Digit groups for display: 4-6-5 for Amex, 4-6-4 for Diners, else groups of 4.
    pub fn groups(self) -> &'static [usize] {
        match self {
            Brand::Amex => &[4, 6, 5],
            Brand::Diners => &[4, 6, 4],
            _ => &[4, 4, 4, 4, 3],
        }
    }
}

fn prefix_num(digits: &str, n: usize) -> u32 {
    // A fold, not `str::parse`: the generic integer parser (sign, overflow, errors) is ~0.3 KB
    // of the card form's wasm for at most six digits.
    match digits.as_bytes().get(..n) {
        Some(p) if p.iter().all(u8::is_ascii_digit) => {
            p.iter().fold(0, |acc, &b| acc * 10 + u32::from(b - b'0'))
        }
        _ => u32::MAX,
    }
}

/// Detects the brand from the leading digits (works on partial input while typing).
pub fn detect_brand(digits: &str) -> Brand {
    let p1 = prefix_num(digits, 1);
    let p2 = prefix_num(digits, 2);
    let p3 = prefix_num(digits, 3);
    let p4 = prefix_num(digits, 4);
    let p6 = prefix_num(digits, 6);
    if p1 == 4 {
        Brand::Visa
    } else if (51..=55).contains(&p2) || (222100..=272099).contains(&p6) {
        Brand::Mastercard
    } else if p2 == 34 || p2 == 37 {
        Brand::Amex
    } else if p4 == 6011 || p2 == 65 || (644..=649).contains(&p3) {
        Brand::Discover
    } else if p2 == 36 || p2 == 38 || p2 == 39 || (300..=305).contains(&p3) {
        Brand::Diners
    } else if (3528..=3589).contains(&p4) {
        Brand::Jcb
    } else if p2 == 62 {
        Brand::Unionpay
    } else {
        Brand::Unknown
    }
}

/// Keeps the digits of a typed or pasted value ("4242 4242-4242" → "42424242 4242").
pub fn digits_only(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

pub fn luhn_valid(digits: &str) -> bool {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Formats digits for display while typing: "4242424242424242" → "4242 4242 4242 4242".
pub fn format_number(digits: &str) -> String {
    let brand = detect_brand(digits);
    let max: usize = *brand.lengths().last().unwrap_or(&19);
    let digits: String = digits.chars().take(max).collect();
    let mut out = String::with_capacity(digits.len() + 4);
    let mut rest = digits.as_str();
    for &g in brand.groups() {
        if rest.is_empty() {
            break;
        }
        let take = g.min(rest.len());
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(rest.get(..take).unwrap_or(""));
        rest = rest.get(take..).unwrap_or("");
    }
    if !rest.is_empty() {
        out.push_str(rest);
    }
    out
}

/// `.get` rather than indexing: no panic path, which keeps Unicode tables out of the widget.
pub fn last4(digits: &str) -> &str {
    digits.get(digits.len().saturating_sub(4)..).unwrap_or("")
}

/// A month as (year, month), for comparing expiry dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonth {
    pub year: u32,
    pub month: u32,
}

/// Parses "MM/YY", "MM / YY", "MMYY" or "MM/YYYY" into (month, four-digit year).
pub fn parse_expiry(s: &str) -> Option<YearMonth> {
    let d = digits_only(s);
    // split_at_checked, not indexing: no panic path in the widget's wasm.
    let (m, y) = match d.len() {
        4 | 6 => d.split_at_checked(2)?,
        3 if s.contains('/') => d.split_at_checked(1)?,
        _ => return None,
    };
    let month: u32 = m.parse().ok()?;
    let mut year: u32 = y.parse().ok()?;
    if year < 100 {
        year += 2000;
    }
    (1..=12)
        .contains(&month)
        .then_some(YearMonth { year, month })
}

/// The card a customer submits. Number and CVC are secrets from the moment they are parsed.
#[derive(Debug, Clone, Deserialize)]
pub struct CardInput {
    pub number: Secret,
    pub exp_month: u32,
    pub exp_year: u32,
    pub cvc: Secret,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub postal_code: Option<String>,
}

/// A card that passed every check: digits only, four-digit year, brand known.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ValidCard {
    pub number: Secret,
    pub exp_month: u32,
    pub exp_year: u32,
    pub cvc: Secret,
    pub name: Option<String>,
    pub postal_code: Option<String>,
    pub brand: Brand,
    pub last4: String,
}

/// How the project wants an optional field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldMode {
    Hidden,
    #[default]
    Optional,
    Required,
}

/// One broken card rule: the field key it is reported under (`exp_month` / `exp_year` for the
/// expiry), its error type and message. Static text: the card form's wasm runs these rules on
/// every keystroke, and owned strings / `loc` vectors there are bytes every payer downloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardProblem {
    pub key: &'static str,
    pub kind: &'static str,
    pub msg: &'static str,
}

/// Slots of `card_problems`' answer, in the order the fields are checked and reported.
pub const NUMBER: usize = 0;
pub const EXPIRY: usize = 1;
pub const CVC: usize = 2;
pub const NAME: usize = 3;
pub const POSTAL: usize = 4;

/// The card rules themselves, at most one problem per field (number, expiry, CVC, name,
/// postal code). `validate_card` (the API) and the card form (every keystroke) both run them.
pub fn card_problems(
    card: &CardInput,
    today: YearMonth,
    name_mode: FieldMode,
    postal_mode: FieldMode,
) -> [Option<CardProblem>; 5] {
    let p = |key, kind, msg| Some(CardProblem { key, kind, msg });
    let mut out = [None; 5];
    let number = card.number.expose();
    let digits = digits_only(number);
    let brand = detect_brand(&digits);
    let only_digits_and_spaces = number.chars().all(|c| c.is_ascii_digit() || c == ' ');
    if digits.is_empty() || !only_digits_and_spaces {
        out[NUMBER] = p(
            "number",
            "value_error",
            "Card number must contain digits only",
        );
    } else if !brand.lengths().contains(&digits.len()) || !luhn_valid(&digits) {
        out[NUMBER] = p("number", "value_error", "Card number is invalid");
    }
    let year = full_year(card.exp_year);
    if !(1..=12).contains(&card.exp_month) {
        out[EXPIRY] = p(
            "exp_month",
            "value_error",
            "Expiry month must be between 1 and 12",
        );
    } else if (YearMonth {
        year,
        month: card.exp_month,
    }) < today
    {
        out[EXPIRY] = p("exp_year", "value_error", "Card expiry date is in the past");
    } else if year > today.year + 50 {
        out[EXPIRY] = p(
            "exp_year",
            "value_error",
            "Card expiry year is too far in the future",
        );
    }
    let cvc = card.cvc.expose();
    let want = brand.cvc_len();
    if cvc.len() != want || !cvc.bytes().all(|b| b.is_ascii_digit()) {
        out[CVC] = p(
            "cvc",
            "value_error",
            if want == 4 {
                "Security code must be 4 digits"
            } else {
                "Security code must be 3 digits"
            },
        );
    }
    out[NAME] = check_mode(
        "name",
        card.name.as_deref(),
        name_mode,
        100,
        [
            "Cardholder name is required",
            "Cardholder name should have at most 100 characters",
        ],
    );
    out[POSTAL] = check_mode(
        "postal_code",
        card.postal_code.as_deref(),
        postal_mode,
        16,
        [
            "Postal code is required",
            "Postal code should have at most 16 characters",
        ],
    );
    out
}

fn full_year(y: u32) -> u32 {
    if y < 100 {
        y + 2000
    } else {
        y
    }
}

/// Validates a submitted card against `today` and the project's field rules; reports every
/// problem at once with `loc` under `prefix` (e.g. `["body", "card"]`).
pub fn validate_card(
    card: &CardInput,
    today: YearMonth,
    name_mode: FieldMode,
    postal_mode: FieldMode,
    prefix: &[Loc],
) -> Result<ValidCard, Vec<FieldError>> {
    let errors: Vec<FieldError> = card_problems(card, today, name_mode, postal_mode)
        .into_iter()
        .flatten()
        .map(|e| {
            let mut loc = prefix.to_vec();
            loc.push(e.key.into());
            FieldError::new(loc, e.kind, e.msg)
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let digits = digits_only(card.number.expose());
    let name = clean_optional(&card.name);
    let postal = clean_optional(&card.postal_code);
    Ok(ValidCard {
        last4: last4(&digits).to_string(),
        brand: detect_brand(&digits),
        number: Secret::new(digits),
        exp_month: card.exp_month,
        exp_year: full_year(card.exp_year),
        cvc: card.cvc.clone(),
        name: if name_mode == FieldMode::Hidden {
            None
        } else {
            name
        },
        postal_code: if postal_mode == FieldMode::Hidden {
            None
        } else {
            postal
        },
    })
}

fn clean_optional(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A name or postal code against its mode and length limit (`msgs`: missing, too long).
fn check_mode(
    key: &'static str,
    value: Option<&str>,
    mode: FieldMode,
    max: usize,
    msgs: [&'static str; 2],
) -> Option<CardProblem> {
    let value = value.map(str::trim).filter(|s| !s.is_empty());
    let (kind, msg) = match value {
        None if mode == FieldMode::Required => ("missing", msgs[0]),
        // `nth`, not `count`: the same answer without core's wide char-counting routine.
        Some(v) if v.chars().nth(max).is_some() => ("string_too_long", msgs[1]),
        _ => return None,
    };
    Some(CardProblem { key, kind, msg })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: YearMonth = YearMonth {
        year: 2026,
        month: 11,
    };

    #[test]
    fn brands_by_name() {
        for b in [
            Brand::Visa,
            Brand::Amex,
            Brand::Diners,
            Brand::Unionpay,
            Brand::Unknown,
        ] {
            assert_eq!(Brand::from_name(b.as_str()), b);
        }
        assert_eq!(Brand::from_name("Visa"), Brand::Unknown);
        assert_eq!(Brand::from_name("jcb").display_name(), "JCB");
        assert_eq!(Brand::Unknown.display_name(), "Card");
    }

    fn card(number: &str, m: u32, y: u32, cvc: &str) -> CardInput {
        CardInput {
            number: Secret::new(number),
            exp_month: m,
            exp_year: y,
            cvc: Secret::new(cvc),
            name: None,
            postal_code: None,
        }
    }

    fn check(c: &CardInput) -> Result<ValidCard, Vec<FieldError>> {
        validate_card(
            c,
            TODAY,
            FieldMode::Optional,
            FieldMode::Optional,
            &["body".into(), "card".into()],
        )
    }

    #[test]
    fn card_problems_one_slot_per_field() {
        let mut c = card("4242424242424241", 13, 2030, "12");
        c.name = Some("  ".into());
        let p = card_problems(&c, TODAY, FieldMode::Required, FieldMode::Optional);
        assert_eq!(p[NUMBER].map(|p| p.msg), Some("Card number is invalid"));
        assert_eq!(p[EXPIRY].map(|p| p.key), Some("exp_month"));
        assert_eq!(
            p[CVC].map(|p| p.msg),
            Some("Security code must be 3 digits")
        );
        assert_eq!(p[NAME].map(|p| (p.key, p.kind)), Some(("name", "missing")));
        assert_eq!(p[POSTAL], None);
        let ok = card("4242424242424242", 12, 30, "123");
        let p = card_problems(&ok, TODAY, FieldMode::Optional, FieldMode::Optional);
        assert!(p.iter().all(Option::is_none));
    }

    #[test]
    fn field_messages_spelled_out() {
        let msgs = |c: &CardInput, name: FieldMode, postal: FieldMode| -> Vec<String> {
            validate_card(c, TODAY, name, postal, &[])
                .unwrap_err()
                .into_iter()
                .map(|e| e.msg)
                .collect()
        };
        let opt = FieldMode::Optional;
        assert_eq!(
            msgs(&card("4242424242424242", 12, 2030, "12"), opt, opt),
            ["Security code must be 3 digits"]
        );
        assert_eq!(
            msgs(&card("378282246310005", 12, 2030, "123"), opt, opt),
            ["Security code must be 4 digits"]
        );
        let ok = card("4242424242424242", 12, 2030, "123");
        assert_eq!(
            msgs(&ok, FieldMode::Required, FieldMode::Required),
            ["Cardholder name is required", "Postal code is required"]
        );
        let long = CardInput {
            name: Some("n".repeat(101)),
            postal_code: Some("9".repeat(17)),
            ..ok
        };
        assert_eq!(
            msgs(&long, opt, opt),
            [
                "Cardholder name should have at most 100 characters",
                "Postal code should have at most 16 characters"
            ]
        );
    }

    #[test]
    fn brands_of_the_test_cards() {
        assert_eq!(detect_brand("4242424242424242"), Brand::Visa);
        assert_eq!(detect_brand("5555555555554444"), Brand::Mastercard);
        assert_eq!(detect_brand("2223003122003222"), Brand::Mastercard);
        assert_eq!(detect_brand("378282246310005"), Brand::Amex);
        assert_eq!(detect_brand("6011111111111117"), Brand::Discover);
        assert_eq!(detect_brand("3530111333300000"), Brand::Jcb);
        assert_eq!(detect_brand("9"), Brand::Unknown);
    }

    #[test]
    fn luhn() {
        assert!(luhn_valid("4242424242424242"));
        assert!(luhn_valid("378282246310005"));
        assert!(!luhn_valid("4242424242424241"));
        assert!(!luhn_valid(""));
    }

    #[test]
    fn formats_by_brand() {
        assert_eq!(format_number("4242424242424242"), "4242 4242 4242 4242");
        assert_eq!(format_number("378282246310005"), "3782 822463 10005");
        assert_eq!(format_number("42424"), "4242 4");
        assert_eq!(format_number("37828224631000599"), "3782 822463 10005");
    }

    #[test]
    fn expiry_parsing() {
        assert_eq!(
            parse_expiry("12/30"),
            Some(YearMonth {
                year: 2030,
                month: 12
            })
        );
        assert_eq!(
            parse_expiry("0731"),
            Some(YearMonth {
                year: 2031,
                month: 7
            })
        );
        assert_eq!(parse_expiry("13/30"), None);
        assert_eq!(parse_expiry("1"), None);
    }

    #[test]
    fn valid_card_passes_with_last4_and_brand() {
        let v = check(&card("4242 4242 4242 4242", 12, 2030, "123")).unwrap();
        assert_eq!(v.brand, Brand::Visa);
        assert_eq!(v.last4, "4242");
        assert_eq!(v.number.expose(), "4242424242424242");
        // The current month is still valid.
        assert!(check(&card("4242424242424242", 11, 26, "123")).is_ok());
    }

    #[test]
    fn every_problem_is_reported() {
        let errs = check(&card("4242424242424241", 10, 2026, "12")).unwrap_err();
        let locs: Vec<_> = errs
            .iter()
            .map(|e| serde_json::to_value(&e.loc).unwrap())
            .collect();
        assert_eq!(
            locs,
            vec![
                serde_json::json!(["body", "card", "number"]),
                serde_json::json!(["body", "card", "exp_year"]),
                serde_json::json!(["body", "card", "cvc"]),
            ]
        );
    }

    #[test]
    fn amex_needs_four_digit_cvc() {
        assert!(check(&card("378282246310005", 1, 2030, "123")).is_err());
        assert!(check(&card("378282246310005", 1, 2030, "1234")).is_ok());
    }

    #[test]
    fn required_fields() {
        let c = card("4242424242424242", 1, 2030, "123");
        let errs =
            validate_card(&c, TODAY, FieldMode::Required, FieldMode::Required, &[]).unwrap_err();
        assert_eq!(errs.len(), 2);
        assert!(errs.iter().all(|e| e.kind == "missing"));
    }

    #[test]
    fn bad_month_and_letters() {
        let errs = check(&card("4242abcd", 13, 2030, "abc")).unwrap_err();
        assert_eq!(errs.len(), 3);
    }
}
