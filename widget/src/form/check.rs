//! What each field of the form says about itself. Pure Rust on top of `maven_core::card`, so the
//! form rejects exactly what the charge endpoint would, plus the "incomplete" messages a person
//! needs while typing (which the server never sees).

#[allow(unused_imports)]
use crate::prelude::*;
use maven_core::card::{self, Brand, CardInput, FieldMode, YearMonth};
use maven_core::Secret;

/// Field indexes, in tab order.
pub const NUMBER: usize = 0;
pub const EXP: usize = 1;
pub const CVC: usize = 2;
pub const NAME: usize = 3;
pub const POSTAL: usize = 4;
pub const FIELDS: usize = 5;

/// Element ids of the inputs (and `<id>-error` of their messages); also the `field` of errors.
pub const IDS: [&str; FIELDS] = ["number", "exp", "cvc", "name", "postal"];
/// Their messages' and labels' ids, spelled out (no string building at start).
pub const ERROR_IDS: [&str; FIELDS] = [
    "number-error",
    "exp-error",
    "cvc-error",
    "name-error",
    "postal-error",
];
pub const LABEL_IDS: [&str; FIELDS] = [
    "number-label",
    "exp-label",
    "cvc-label",
    "name-label",
    "postal-label",
];

/// What the checks say about each field (static text: checked on every keystroke).
pub type Problems = [Option<&'static str>; FIELDS];

/// The messages shown under the fields (the checks' or the server's).
pub type Shown = [Option<String>; FIELDS];

#[derive(Default, Clone)]
pub struct Values {
    pub number: String,
    pub exp: String,
    pub cvc: String,
    pub name: String,
    pub postal: String,
}

/// Month and four-digit year of a "MM / YY" entry (month may be out of range: core reports it).
pub fn expiry(exp: &str) -> Option<(u32, u32)> {
    let d = card::digits_only(exp);
    let two = |a: u8, b: u8| u32::from(a - b'0') * 10 + u32::from(b - b'0');
    match *d.as_bytes() {
        [m1, m2, y1, y2] => Some((two(m1, m2), 2000 + two(y1, y2))),
        _ => None,
    }
}

/// The index of the field a server `loc` points at (`["body", "card", "exp_year"]` → EXP).
pub fn field_of(key: &str) -> Option<usize> {
    Some(match key {
        "number" => NUMBER,
        "exp_month" | "exp_year" => EXP,
        "cvc" => CVC,
        "name" => NAME,
        "postal_code" => POSTAL,
        _ => return None,
    })
}

fn min_len(brand: Brand) -> usize {
    brand.lengths().first().copied().unwrap_or(12)
}

/// Every field's problem (`None` = fine). `modes` are the cardholder name and postal code modes.
pub fn check(v: &Values, today: YearMonth, modes: (FieldMode, FieldMode)) -> Problems {
    let digits = card::digits_only(&v.number);
    let brand = card::detect_brand(&digits);
    let (exp_month, exp_year) = expiry(&v.exp).unwrap_or((0, 0));
    let input = CardInput {
        number: Secret::new(digits.clone()),
        exp_month,
        exp_year,
        cvc: Secret::new(card::digits_only(&v.cvc)),
        name: Some(v.name.clone()),
        postal_code: Some(v.postal.clone()),
    };
    // maven-core's slots are the form's field indexes (number, expiry, CVC, name, postal).
    let mut out: Problems =
        card::card_problems(&input, today, modes.0, modes.1).map(|p| p.map(|p| p.msg));
    // What a person mid-way through typing needs to hear, before core's verdicts.
    let cvc_len = card::digits_only(&v.cvc).len();
    let exp_len = card::digits_only(&v.exp).len();
    if digits.is_empty() {
        out[NUMBER] = Some("Enter the card number");
    } else if digits.len() < min_len(brand) {
        out[NUMBER] = Some("Card number is incomplete");
    }
    if exp_len == 0 {
        out[EXP] = Some("Enter the expiry date");
    } else if exp_len < 4 {
        out[EXP] = Some("Expiry date is incomplete");
    }
    if cvc_len == 0 {
        out[CVC] = Some("Enter the security code");
    } else if cvc_len < brand.cvc_len() {
        out[CVC] = Some("Security code is incomplete");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: YearMonth = YearMonth {
        year: 2026,
        month: 11,
    };
    const OPT: (FieldMode, FieldMode) = (FieldMode::Optional, FieldMode::Optional);

    fn values(number: &str, exp: &str, cvc: &str) -> Values {
        Values {
            number: number.into(),
            exp: exp.into(),
            cvc: cvc.into(),
            ..Values::default()
        }
    }

    #[test]
    fn a_complete_card_has_no_problems() {
        let p = check(&values("4242 4242 4242 4242", "12 / 30", "123"), TODAY, OPT);
        assert!(p.iter().all(Option::is_none), "{p:?}");
    }

    #[test]
    fn incomplete_before_invalid() {
        let p = check(&values("4242 42", "1", "1"), TODAY, OPT);
        assert_eq!(p[NUMBER], Some("Card number is incomplete"));
        assert_eq!(p[EXP], Some("Expiry date is incomplete"));
        assert_eq!(p[CVC], Some("Security code is incomplete"));
    }

    #[test]
    fn core_verdicts_come_through() {
        let p = check(
            &values("4242 4242 4242 4241", "10 / 26", "1234"),
            TODAY,
            OPT,
        );
        assert_eq!(p[NUMBER], Some("Card number is invalid"));
        assert_eq!(p[EXP], Some("Card expiry date is in the past"));
        assert_eq!(p[CVC], Some("Security code must be 3 digits"));
        let p = check(&values("4242424242424242", "13 / 30", "123"), TODAY, OPT);
        assert!(p[EXP].unwrap_or("").contains("month"));
    }

    #[test]
    fn amex_wants_four() {
        let p = check(&values("3782 822463 10005", "12 / 30", "123"), TODAY, OPT);
        assert_eq!(p[CVC], Some("Security code is incomplete"));
    }

    #[test]
    fn required_name_and_postal() {
        let req = (FieldMode::Required, FieldMode::Required);
        let p = check(&values("4242424242424242", "12/30", "123"), TODAY, req);
        assert_eq!(p[NAME], Some("Cardholder name is required"));
        assert_eq!(p[POSTAL], Some("Postal code is required"));
    }

    #[test]
    fn server_locs_map_to_fields() {
        assert_eq!(field_of("exp_year"), Some(EXP));
        assert_eq!(field_of("postal_code"), Some(POSTAL));
        assert_eq!(field_of("amount"), None);
    }
}
