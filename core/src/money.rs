//! Amounts: the API speaks integer minor units (`amount_cents`); some gateways want a decimal
//! string in major units. Currencies are an allowlist: ISO 4217 list one (active codes with a
//! minor unit), each with its ISO exponent. Gateways that count a currency differently (Stripe's
//! ISK and MGA) convert in their own module; see docs/gateways.md ("Currencies and exponents").

#[allow(unused_imports)]
use crate::prelude::*;
/// ISO 4217 list one, codes with a stated minor unit (the `X..` codes without one, such as gold
/// or the SDR, are not money a card can pay), lower-case, sorted, with their exponents.
/// Includes the fund codes (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW): they are valid ISO
/// codes, but no card gateway here takes them (see `is_fund_code`).
#[rustfmt::skip]
const ISO_4217: [(&str, u32); 169] = [
    ("aed", 2), ("afn", 2), ("all", 2), ("amd", 2), ("ang", 2), ("aoa", 2), ("ars", 2),
    ("aud", 2), ("awg", 2), ("azn", 2), ("bam", 2), ("bbd", 2), ("bdt", 2), ("bgn", 2),
    ("bhd", 3), ("bif", 0), ("bmd", 2), ("bnd", 2), ("bob", 2), ("bov", 2), ("brl", 2),
    ("bsd", 2), ("btn", 2), ("bwp", 2), ("byn", 2), ("bzd", 2), ("cad", 2), ("cdf", 2),
    ("che", 2), ("chf", 2), ("chw", 2), ("clf", 4), ("clp", 0), ("cny", 2), ("cop", 2),
    ("cou", 2), ("crc", 2), ("cuc", 2), ("cup", 2), ("cve", 2), ("czk", 2), ("djf", 0),
    ("dkk", 2), ("dop", 2), ("dzd", 2), ("egp", 2), ("ern", 2), ("etb", 2), ("eur", 2),
    ("fjd", 2), ("fkp", 2), ("gbp", 2), ("gel", 2), ("ghs", 2), ("gip", 2), ("gmd", 2),
    ("gnf", 0), ("gtq", 2), ("gyd", 2), ("hkd", 2), ("hnl", 2), ("htg", 2), ("huf", 2),
    ("idr", 2), ("ils", 2), ("inr", 2), ("iqd", 3), ("irr", 2), ("isk", 0), ("jmd", 2),
    ("jod", 3), ("jpy", 0), ("kes", 2), ("kgs", 2), ("khr", 2), ("kmf", 0), ("kpw", 2),
    ("krw", 0), ("kwd", 3), ("kyd", 2), ("kzt", 2), ("lak", 2), ("lbp", 2), ("lkr", 2),
    ("lrd", 2), ("lsl", 2), ("lyd", 3), ("mad", 2), ("mdl", 2), ("mga", 2), ("mkd", 2),
    ("mmk", 2), ("mnt", 2), ("mop", 2), ("mru", 2), ("mur", 2), ("mvr", 2), ("mwk", 2),
    ("mxn", 2), ("mxv", 2), ("myr", 2), ("mzn", 2), ("nad", 2), ("ngn", 2), ("nio", 2),
    ("nok", 2), ("npr", 2), ("nzd", 2), ("omr", 3), ("pab", 2), ("pen", 2), ("pgk", 2),
    ("php", 2), ("pkr", 2), ("pln", 2), ("pyg", 0), ("qar", 2), ("ron", 2), ("rsd", 2),
    ("rub", 2), ("rwf", 0), ("sar", 2), ("sbd", 2), ("scr", 2), ("sdg", 2), ("sek", 2),
    ("sgd", 2), ("shp", 2), ("sle", 2), ("sll", 2), ("sos", 2), ("srd", 2), ("ssp", 2),
    ("stn", 2), ("svc", 2), ("syp", 2), ("szl", 2), ("thb", 2), ("tjs", 2), ("tmt", 2),
    ("tnd", 3), ("top", 2), ("try", 2), ("ttd", 2), ("twd", 2), ("tzs", 2), ("uah", 2),
    ("ugx", 0), ("usd", 2), ("usn", 2), ("uyi", 0), ("uyu", 2), ("uyw", 4), ("uzs", 2),
    ("ved", 2), ("ves", 2), ("vnd", 0), ("vuv", 0), ("wst", 2), ("xaf", 0), ("xcd", 2),
    ("xcg", 2), ("xof", 0), ("xpf", 0), ("yer", 2), ("zar", 2), ("zmw", 2), ("zwg", 2),
    ("zwl", 2),
];

/// ISO 4217 fund codes (accounting units, not spendable by card).
const FUND_CODES: [&str; 9] = [
    "bov", "che", "chw", "clf", "cou", "mxv", "usn", "uyi", "uyw",
];

fn lookup(currency: &str) -> Option<u32> {
    let c = currency.to_ascii_lowercase();
    ISO_4217
        .iter()
        .find(|(code, _)| *code == c)
        .map(|(_, exp)| *exp)
}

/// Every allowlisted currency (lower-case) with its ISO 4217 exponent: the dashboard writes and
/// reads amounts with these digits (`GET /v1/dashboard/currencies`), never with a browser's own
/// (CLDR writes HUF, IDR and MGA without decimals; their amounts here are in hundredths).
pub fn exponents() -> impl Iterator<Item = (&'static str, u32)> {
    ISO_4217.iter().copied()
}

/// Whether `currency` (any case) is on the allowlist.
pub fn is_known_currency(currency: &str) -> bool {
    lookup(currency).is_some()
}

/// Whether `currency` is an ISO 4217 fund code (see `FUND_CODES`).
pub fn is_fund_code(currency: &str) -> bool {
    FUND_CODES.contains(&currency.to_ascii_lowercase().as_str())
}

/// The ISO 4217 exponent (decimal digits of the minor unit) of a known currency.
pub fn iso_exponent(currency: &str) -> Option<u32> {
    lookup(currency)
}

/// How many decimal digits the currency's minor unit has; `currency` in any case. Unknown codes
/// (refused at session creation, so never seen by a gateway) count as 2.
pub fn minor_unit_exponent(currency: &str) -> u32 {
    lookup(currency).unwrap_or(2)
}

/// Minor units as a major-unit decimal string: `1234 usd` → `"12.34"`, `1234 jpy` → `"1234"`,
/// `1234 kwd` → `"1.234"`. Integer arithmetic only, so no float rounding ever reaches a gateway.
pub fn decimal_amount(cents: u64, currency: &str) -> String {
    let exp = minor_unit_exponent(currency);
    if exp == 0 {
        return cents.to_string();
    }
    let div = 10u64.pow(exp);
    format!(
        "{}.{:0width$}",
        cents / div,
        cents % div,
        width = exp as usize
    )
}

/// A major-unit decimal string (as Braintree and Authorize.net answer it) → minor units of
/// `currency`; `None` when it has more decimals than the currency or is not a plain decimal.
/// `"12.3"` usd → 1230, `"1000"` jpy → 1000, `"1000.00"` jpy → 1000.
pub fn parse_decimal_amount(value: &str, currency: &str) -> Option<u64> {
    let exp = minor_unit_exponent(currency) as usize;
    let (int, frac) = value.trim().split_once('.').unwrap_or((value.trim(), ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Trailing zeros beyond the exponent are harmless ("1000.00" jpy); other digits are not.
    let significant = frac.trim_end_matches('0');
    if significant.len() > exp {
        return None;
    }
    let mut digits = String::from(int);
    digits.push_str(significant);
    digits.extend(core::iter::repeat_n('0', exp - significant.len()));
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponents() {
        assert_eq!(minor_unit_exponent("usd"), 2);
        assert_eq!(minor_unit_exponent("EUR"), 2);
        assert_eq!(minor_unit_exponent("jpy"), 0);
        assert_eq!(minor_unit_exponent("KRW"), 0);
        assert_eq!(minor_unit_exponent("xpf"), 0);
        assert_eq!(minor_unit_exponent("kwd"), 3);
        assert_eq!(minor_unit_exponent("tnd"), 3);
        assert_eq!(minor_unit_exponent("gbp"), 2);
    }

    /// Defect 6: ISO 4217 exponents main had wrong (all counted as 2 there).
    #[test]
    fn iso_exponents_main_had_wrong() {
        assert_eq!(minor_unit_exponent("iqd"), 3);
        assert_eq!(minor_unit_exponent("lyd"), 3);
        assert_eq!(minor_unit_exponent("isk"), 0);
        assert_eq!(minor_unit_exponent("clf"), 4);
        assert_eq!(minor_unit_exponent("uyi"), 0);
        assert_eq!(minor_unit_exponent("uyw"), 4);
        // ISO gives the ariary two decimals (Stripe counts it as zero: see stripe.rs).
        assert_eq!(minor_unit_exponent("mga"), 2);
        assert_eq!(decimal_amount(1234, "iqd"), "1.234");
        assert_eq!(decimal_amount(1234, "isk"), "1234");
        assert_eq!(decimal_amount(12345, "clf"), "1.2345");
    }

    /// Defect 6: `zzz` is no currency.
    #[test]
    fn allowlist() {
        assert!(is_known_currency("usd"));
        assert!(is_known_currency("JPY"));
        assert!(!is_known_currency("zzz"));
        assert!(!is_known_currency("xau"));
        assert!(!is_known_currency(""));
        assert!(is_fund_code("clf"));
        assert!(!is_fund_code("clp"));
        let mut codes: Vec<_> = ISO_4217.iter().map(|(c, _)| *c).collect();
        let n = codes.len();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), n, "a code is listed twice");
        assert!(ISO_4217.iter().all(|(c, _)| c.len() == 3));
    }

    #[test]
    fn decimals() {
        assert_eq!(decimal_amount(1234, "usd"), "12.34");
        assert_eq!(decimal_amount(5, "usd"), "0.05");
        assert_eq!(decimal_amount(0, "usd"), "0.00");
        assert_eq!(decimal_amount(100, "eur"), "1.00");
        assert_eq!(decimal_amount(1234, "jpy"), "1234");
        assert_eq!(decimal_amount(1234, "kwd"), "1.234");
        assert_eq!(decimal_amount(7, "bhd"), "0.007");
        assert_eq!(decimal_amount(u64::MAX, "usd"), "184467440737095516.15");
    }

    #[test]
    fn parses_decimals_back() {
        assert_eq!(parse_decimal_amount("12.34", "usd"), Some(1234));
        assert_eq!(parse_decimal_amount("12.3", "usd"), Some(1230));
        assert_eq!(parse_decimal_amount("12", "usd"), Some(1200));
        assert_eq!(parse_decimal_amount("1000", "jpy"), Some(1000));
        assert_eq!(parse_decimal_amount("1000.00", "jpy"), Some(1000));
        assert_eq!(parse_decimal_amount("1000.5", "jpy"), None);
        assert_eq!(parse_decimal_amount("1.234", "kwd"), Some(1234));
        assert_eq!(parse_decimal_amount("-1.00", "usd"), None);
        assert_eq!(parse_decimal_amount("1e3", "usd"), None);
        assert_eq!(parse_decimal_amount("", "usd"), None);
    }
}
