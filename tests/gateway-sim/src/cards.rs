//! The one outcome table (SPEC §6, WIRE.md) shared by the four gateways, card brands in each
//! gateway's spelling, and `CardFacts`: what the simulator keeps of a card instead of its number.

/// What a card number does when charged, on every gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Approved,
    CardDeclined,
    InsufficientFunds,
    ExpiredCard,
    IncorrectCvc,
    ProcessingError,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Approved => "approved",
            Outcome::CardDeclined => "card_declined",
            Outcome::InsufficientFunds => "insufficient_funds",
            Outcome::ExpiredCard => "expired_card",
            Outcome::IncorrectCvc => "incorrect_cvc",
            Outcome::ProcessingError => "processing_error",
        }
    }

    /// Decided by the card number alone (expiry and CVC values never change it).
    pub fn of(number: &str) -> Outcome {
        match number {
            "4000000000000002" => Outcome::CardDeclined,
            "4000000000009995" => Outcome::InsufficientFunds,
            "4000000000000069" => Outcome::ExpiredCard,
            "4000000000000127" => Outcome::IncorrectCvc,
            "4000000000000119" => Outcome::ProcessingError,
            _ => Outcome::Approved,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Brand {
    Visa,
    Mastercard,
    Amex,
    Discover,
    Jcb,
    Diners,
    Unknown,
}

impl Brand {
    pub fn detect(digits: &str) -> Brand {
        let p = |n: usize| {
            digits
                .get(..n)
                .and_then(|s| s.parse::<u32>().ok())
                .unwrap_or(0)
        };
        match () {
            _ if digits.starts_with('4') => Brand::Visa,
            _ if (51..=55).contains(&p(2)) || (2221..=2720).contains(&p(4)) => Brand::Mastercard,
            _ if p(2) == 34 || p(2) == 37 => Brand::Amex,
            _ if p(4) == 6011 || p(2) == 65 || (644..=649).contains(&p(3)) => Brand::Discover,
            _ if (3528..=3589).contains(&p(4)) => Brand::Jcb,
            _ if p(2) == 36 || p(2) == 38 || (300..=305).contains(&p(3)) => Brand::Diners,
            _ => Brand::Unknown,
        }
    }

    /// Stripe `payment_method.card.brand`.
    pub fn stripe(self) -> &'static str {
        match self {
            Brand::Visa => "visa",
            Brand::Mastercard => "mastercard",
            Brand::Amex => "amex",
            Brand::Discover => "discover",
            Brand::Jcb => "jcb",
            Brand::Diners => "diners",
            Brand::Unknown => "unknown",
        }
    }

    /// Authorize.net `accountType` (XSD `cardTypeEnum`).
    pub fn anet(self) -> &'static str {
        match self {
            Brand::Visa => "Visa",
            Brand::Mastercard => "MasterCard",
            Brand::Amex => "AmericanExpress",
            Brand::Discover => "Discover",
            Brand::Jcb => "JCB",
            Brand::Diners => "DinersClub",
            Brand::Unknown => "Unknown",
        }
    }

    /// Braintree `CreditCardBrandCode`.
    pub fn braintree(self) -> &'static str {
        match self {
            Brand::Visa => "VISA",
            Brand::Mastercard => "MASTERCARD",
            Brand::Amex => "AMERICAN_EXPRESS",
            Brand::Discover => "DISCOVER",
            Brand::Jcb => "JCB",
            Brand::Diners => "DINERS",
            Brand::Unknown => "UNKNOWN",
        }
    }

    /// Shift4 `CardBrand` (enums/CardBrand.java).
    pub fn shift4(self) -> &'static str {
        match self {
            Brand::Visa => "Visa",
            Brand::Mastercard => "MasterCard",
            Brand::Amex => "American Express",
            Brand::Discover => "Discover",
            Brand::Jcb => "JCB",
            Brand::Diners => "Diners Club",
            Brand::Unknown => "Unknown",
        }
    }
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
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Everything the simulator keeps about a card: never the number or the CVC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardFacts {
    pub brand: Brand,
    pub first6: String,
    pub last4: String,
    pub outcome: Outcome,
    /// FNV-1a of the number: tells "same card" apart for duplicate checks.
    pub fingerprint: u64,
}

impl CardFacts {
    /// `None` when the number is not 12–19 digits with a valid Luhn check (spaces and dashes
    /// are ignored, as the gateways do).
    pub fn of(number: &str) -> Option<CardFacts> {
        let digits: String = number.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if !(12..=19).contains(&digits.len()) || !luhn_valid(&digits) {
            return None;
        }
        Some(CardFacts {
            brand: Brand::detect(&digits),
            first6: digits[..6].to_string(),
            last4: digits[digits.len() - 4..].to_string(),
            outcome: Outcome::of(&digits),
            fingerprint: crate::state::fnv(&[digits.as_bytes()]),
        })
    }
}

/// A CVC the gateways accept syntactically: 3 or 4 digits.
pub fn cvc_ok(cvc: &str) -> bool {
    (3..=4).contains(&cvc.len()) && cvc.bytes().all(|b| b.is_ascii_digit())
}

/// Month "1".."12" (leading zero allowed).
pub fn month(s: &str) -> Option<u32> {
    s.trim()
        .parse::<u32>()
        .ok()
        .filter(|m| (1..=12).contains(m))
}

/// Year "2030" or "30".
pub fn year(s: &str) -> Option<u32> {
    let s = s.trim();
    let y = s.parse::<u32>().ok()?;
    match s.len() {
        2 => Some(2000 + y),
        4 => Some(y),
        _ => None,
    }
}

/// Cents → "12.34".
pub fn cents_decimal(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_table() {
        let facts = |n: &str| CardFacts::of(n).expect("valid test card");
        assert_eq!(facts("4242424242424242").outcome, Outcome::Approved);
        assert_eq!(facts("5555555555554444").brand, Brand::Mastercard);
        assert_eq!(facts("378282246310005").brand, Brand::Amex);
        assert_eq!(facts("4000000000000002").outcome, Outcome::CardDeclined);
        assert_eq!(
            facts("4000000000009995").outcome,
            Outcome::InsufficientFunds
        );
        assert_eq!(facts("4000000000000069").outcome, Outcome::ExpiredCard);
        assert_eq!(facts("4000000000000127").outcome, Outcome::IncorrectCvc);
        assert_eq!(facts("4000000000000119").outcome, Outcome::ProcessingError);
        // Any other Luhn-valid number approves.
        assert_eq!(facts("4111 1111 1111 1111").outcome, Outcome::Approved);
        assert_eq!(facts("4111111111111111").last4, "1111");
        assert!(CardFacts::of("4242424242424241").is_none());
        assert!(CardFacts::of("4242").is_none());
    }

    #[test]
    fn amounts() {
        assert_eq!(cents_decimal(1234), "12.34");
        assert_eq!(cents_decimal(5), "0.05");
    }
}
