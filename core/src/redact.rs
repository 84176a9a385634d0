//! Masks card-number-like digit runs in free text before it reaches a log or a stored reason.
//! Gateways answer with their own words, and some echo what they were sent: a message that
//! quotes the card number must not carry it into the edge's logs or its storage.

use std::borrow::Cow;

/// A run of at least this many digits is masked (shorter runs are amounts, codes, ids).
pub const MIN_MASKED_RUN: usize = 12;
/// Digits left visible at the end of a masked run, as a receipt shows them.
pub const KEPT_DIGITS: usize = 4;

/// `text` with each run of 12 or more digits masked except its last 4:
/// `card 4242424242424242 refused` → `card ************4242 refused`. Digits grouped by single
/// spaces or hyphens (`4242 4242 4242 4242`, `4242-4242-…`) count as one run; the separators
/// stay. Borrowed when nothing is masked.
pub fn mask_digits(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        // One run: digits, with a single space or hyphen allowed between two digits.
        let mut digits = Vec::new();
        let mut j = i;
        while j < bytes.len() {
            if bytes[j].is_ascii_digit() {
                digits.push(j);
                j += 1;
            } else if matches!(bytes[j], b' ' | b'-')
                && bytes.get(j + 1).is_some_and(u8::is_ascii_digit)
            {
                j += 1;
            } else {
                break;
            }
        }
        if digits.len() >= MIN_MASKED_RUN {
            let buf = out.get_or_insert_with(|| bytes.to_vec());
            for &p in &digits[..digits.len() - KEPT_DIGITS] {
                buf[p] = b'*';
            }
        }
        i = j;
    }
    match out {
        // Only ASCII digits were replaced by ASCII '*': still UTF-8.
        Some(buf) => Cow::Owned(String::from_utf8(buf).expect("ASCII replaced by ASCII")),
        None => Cow::Borrowed(text),
    }
}

/// `mask_digits` for an owned string (the common case in outcome builders).
pub fn mask_owned(text: String) -> String {
    match mask_digits(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(masked) => masked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_runs_of_twelve_or_more_keeping_the_last_four() {
        let cases: &[(&str, &str)] = &[
            (
                "card 4242424242424242 refused",
                "card ************4242 refused",
            ),
            ("4242424242424242", "************4242"),
            // Amex (15), 19 digits, exactly 12.
            ("378282246310005", "***********0005"),
            ("6011000990139424123", "***************4123"),
            ("123456789012", "********9012"),
            // Grouped by spaces or hyphens: one run, separators kept.
            ("4242 4242 4242 4242", "**** **** **** 4242"),
            ("4242-4242-4242-4242.", "****-****-****-4242."),
            ("1234 5678 9012 34", "**** **** **12 34"),
            // Glued to letters or quotes: still a run.
            ("number=\"5555555555554444\"", "number=\"************4444\""),
            ("x4000000000000002y", "x************0002y"),
            // Two runs in one text.
            (
                "a 4242424242424242 b 5555555555554444",
                "a ************4242 b ************4444",
            ),
            // Non-ASCII text around a run stays intact.
            (
                "carte « 4242424242424242 » refusée",
                "carte « ************4242 » refusée",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(mask_digits(input), *want, "{input}");
        }
    }

    #[test]
    fn leaves_short_runs_and_plain_text_alone() {
        for text in [
            "",
            "stripe answered HTTP 500",
            "amount 1234 instead of 5678 (minor units)",
            "12345678901",
            "authorize.net transaction 60123456789 is in status voided",
        ] {
            assert!(matches!(mask_digits(text), Cow::Borrowed(_)), "{text}");
        }
        // Double spaces, other separators and a trailing hyphen break a run.
        for text in [
            "4242  4242  4242  4242",
            "4242/4242/4242/4242",
            "4242.4242.4242.4242",
            "2026-11-24 12:00:00",
            "424242-",
        ] {
            assert_eq!(mask_digits(text), text, "{text}");
        }
    }

    #[test]
    fn mask_owned_keeps_an_untouched_string() {
        assert_eq!(mask_owned("no digits".into()), "no digits");
        assert_eq!(
            mask_owned("pan 4111111111111111".into()),
            "pan ************1111"
        );
    }
}
