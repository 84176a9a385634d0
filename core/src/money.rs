//! Amounts: the API speaks integer minor units (`amount_cents`); some gateways want a decimal
//! string in major units. The exponent table follows ISO 4217 minor units as the gateways apply
//! them (Stripe's zero-decimal list; three decimals for the dinar/rial currencies).

/// Currencies without a minor unit (ISO 4217 exponent 0).
const ZERO_DECIMAL: [&str; 16] = [
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
    "xaf", "xof", "xpf",
];

/// Currencies with three decimals (thousandths).
const THREE_DECIMAL: [&str; 5] = ["bhd", "jod", "kwd", "omr", "tnd"];

/// How many decimal digits the currency's minor unit has; `currency` in any case.
pub fn minor_unit_exponent(currency: &str) -> u32 {
    let c = currency.to_ascii_lowercase();
    if ZERO_DECIMAL.contains(&c.as_str()) {
        0
    } else if THREE_DECIMAL.contains(&c.as_str()) {
        3
    } else {
        2
    }
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
}
