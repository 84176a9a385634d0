//! ISO 4217 currencies and their minor-unit exponents (the ISO 4217 list, "Minor unit"
//! column), and decimal-string ↔ minor-unit conversion for the gateways that send decimals
//! (Authorize.net, Braintree).

/// Active ISO 4217 codes with an exponent other than 2.
const EXPONENTS: &[(&str, u32)] = &[
    ("BHD", 3),
    ("IQD", 3),
    ("JOD", 3),
    ("KWD", 3),
    ("LYD", 3),
    ("OMR", 3),
    ("TND", 3),
    ("BIF", 0),
    ("CLP", 0),
    ("DJF", 0),
    ("GNF", 0),
    ("ISK", 0),
    ("JPY", 0),
    ("KMF", 0),
    ("KRW", 0),
    ("PYG", 0),
    ("RWF", 0),
    ("UGX", 0),
    ("UYI", 0),
    ("VND", 0),
    ("VUV", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("XPF", 0),
    ("CLF", 4),
    ("UYW", 4),
];

/// Active ISO 4217 codes with exponent 2.
const TWO: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL \
BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR \
FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT \
LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK \
NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN \
SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD YER ZAR ZMW ZWG";

/// The exponent of an ISO 4217 code (any case); `None` for codes that are not currencies.
pub fn exponent(code: &str) -> Option<u32> {
    let upper = code.to_ascii_uppercase();
    if upper.len() != 3 {
        return None;
    }
    if let Some((_, e)) = EXPONENTS.iter().find(|(c, _)| *c == upper) {
        return Some(*e);
    }
    TWO.split_whitespace().any(|c| c == upper).then_some(2)
}

/// "12.34" → minor units with `exp` decimals; at most `exp` fraction digits (fewer are padded:
/// "12.3" in USD is 1230). `None` for signs, empty parts, or too many decimals.
pub fn decimal_minor(s: &str, exp: u32) -> Option<u64> {
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) if !f.is_empty() => (w, f),
        Some(_) => return None,
        None => (s, ""),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(frac) || frac.len() > exp as usize {
        return None;
    }
    let scale = 10u64.checked_pow(exp)?;
    let frac_value = if exp == 0 {
        0
    } else {
        format!("{frac:0<width$}", width = exp as usize)
            .parse::<u64>()
            .ok()?
    };
    whole
        .parse::<u64>()
        .ok()?
        .checked_mul(scale)?
        .checked_add(frac_value)
}

/// Braintree's rule: a whole number, or exactly `exp` decimals ("1000" or "10.00" for USD,
/// "1000" for JPY, "1" or "1.234" for KWD); "1000.00" JPY, "10.0" USD, "1.23" KWD are invalid.
pub fn exact_minor(s: &str, exp: u32) -> Option<u64> {
    let decimals = s.split_once('.').map(|(_, f)| f.len());
    decimals
        .is_none_or(|d| d == exp as usize && exp > 0)
        .then(|| decimal_minor(s, exp))
        .flatten()
}

/// Minor units → decimal string with `exp` decimals.
pub fn minor_decimal(minor: u64, exp: u32) -> String {
    if exp == 0 {
        return minor.to_string();
    }
    let scale = 10u64.pow(exp);
    format!(
        "{}.{:0width$}",
        minor / scale,
        minor % scale,
        width = exp as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponents_follow_iso_4217() {
        assert_eq!(exponent("usd"), Some(2));
        assert_eq!(exponent("JPY"), Some(0));
        assert_eq!(exponent("kwd"), Some(3));
        assert_eq!(exponent("IQD"), Some(3));
        assert_eq!(exponent("ISK"), Some(0));
        assert_eq!(exponent("CLF"), Some(4));
        assert_eq!(exponent("zzz"), None);
    }

    #[test]
    fn decimals() {
        assert_eq!(decimal_minor("12.34", 2), Some(1234));
        assert_eq!(decimal_minor("12.3", 2), Some(1230));
        assert_eq!(decimal_minor("12", 2), Some(1200));
        assert_eq!(decimal_minor("1.234", 2), None);
        assert_eq!(decimal_minor("1.", 2), None);
        assert_eq!(decimal_minor("-1", 2), None);
        assert_eq!(exact_minor("1000", 0), Some(1000));
        assert_eq!(exact_minor("1000.00", 0), None);
        assert_eq!(exact_minor("1.234", 3), Some(1234));
        assert_eq!(exact_minor("1.23", 3), None);
        assert_eq!(exact_minor("10.00", 2), Some(1000));
        assert_eq!(exact_minor("10", 2), Some(1000));
        assert_eq!(exact_minor("10.0", 2), None);
        assert_eq!(minor_decimal(1234, 3), "1.234");
        assert_eq!(minor_decimal(1000, 0), "1000");
        assert_eq!(minor_decimal(5, 2), "0.05");
    }
}
