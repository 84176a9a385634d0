//! Live formatting of the card fields while typing, pasting or autofilling: pure functions from
//! (value, caret, what happened) to (new value, new caret), so they are unit-tested natively.

#[allow(unused_imports)]
use crate::prelude::*;
use maven_core::card::{self, detect_brand};

pub struct Edit {
    pub value: String,
    pub caret: u32,
    /// The digits now in the field (remembered to recognise a deleted separator next time).
    pub digits: String,
}

/// Digits left of `caret` (a UTF-16 offset, as `selectionStart` counts).
fn digits_before(value: &str, caret: u32) -> usize {
    let mut units = 0u32;
    let mut n = 0;
    for c in value.chars() {
        if units >= caret {
            break;
        }
        units += c.len_utf16() as u32;
        if c.is_ascii_digit() {
            n += 1;
        }
    }
    n
}

/// The caret offset just after the `n`-th digit of `formatted` (ASCII only).
fn after_digits(formatted: &str, n: usize) -> u32 {
    if n == 0 {
        return 0;
    }
    let mut seen = 0;
    for (i, b) in formatted.bytes().enumerate() {
        if b.is_ascii_digit() {
            seen += 1;
            if seen == n {
                return i as u32 + 1;
            }
        }
    }
    formatted.len() as u32
}

/// Card number: groups by brand (4-4-4-4, Amex 4-6-5), caps at the brand's longest length, keeps
/// the caret after the same digit, and makes Backspace over a space delete the digit before it.
pub fn number(value: &str, caret: u32, input_type: &str, prev: &str) -> Edit {
    // Digits are ASCII: edit them as bytes (str indexing would drag a panic path into the wasm).
    let mut digits = card::digits_only(value).into_bytes();
    let mut before = digits_before(value, caret).min(digits.len());
    if digits == prev.as_bytes() {
        // The digit before (Backspace) or after (Delete) the separator the browser removed.
        let gone = if input_type == "deleteContentBackward" && before > 0 {
            before -= 1;
            Some(before)
        } else if input_type == "deleteContentForward" && before < digits.len() {
            Some(before)
        } else {
            None
        };
        if let Some(i) = gone {
            let tail = digits.get(i + 1..).unwrap_or(&[]).to_vec();
            digits.truncate(i);
            digits.extend_from_slice(&tail);
        }
    }
    let max = detect_brand(&ascii(digits.clone()))
        .lengths()
        .last()
        .copied()
        .unwrap_or(19);
    digits.truncate(max);
    let digits = ascii(digits);
    let formatted = card::format_number(&digits);
    let caret = after_digits(&formatted, before.min(digits.len()));
    Edit {
        value: formatted,
        caret,
        digits,
    }
}

/// Expiry as "MM / YY": "4" → "04 / ", "13" → "01 / 3", autofilled "12/2030" → "12 / 30",
/// Backspace over the separator removes the month's last digit.
// Byte loops and plain pushes rather than `split_once` / `splice` / `drain` / `insert`: those
// bring memchr and Vec's generic shifting code into the wasm for a seven-character field.
pub fn expiry(value: &str, input_type: &str, prev: &str) -> Edit {
    let deleting = input_type.starts_with("delete");
    let v = value.as_bytes();
    let slash = v.iter().position(|&b| b == b'/');
    let digits = |s: &[u8]| -> Vec<u8> { s.iter().copied().filter(u8::is_ascii_digit).collect() };
    let mut d = match slash {
        // Typed or autofilled with a slash: each side on its own ("1/30", "12/2030").
        Some(i) if !deleting => {
            let m = digits(v.get(..i).unwrap_or(&[]));
            let y = digits(v.get(i + 1..).unwrap_or(&[]));
            let mut out = Vec::new();
            if m.len() == 1 && !y.is_empty() {
                out.push(b'0');
            }
            out.extend_from_slice(&m);
            out.extend_from_slice(y.get(if y.len() == 4 { 2 } else { 0 }..).unwrap_or(&[]));
            out
        }
        _ => digits(v),
    };
    if let (None, &[m1, m2, _, _, y1, y2]) = (slash, &d[..]) {
        // "122030" (MMYYYY without a slash).
        d = [m1, m2, y1, y2].to_vec();
    }
    if deleting && d == prev.as_bytes() && value.len() < 5 {
        d.pop();
    }
    // A first digit that cannot start a month ("4" → "04"), or "13"…"19" → "01 / 3"….
    let lone = matches!(d[..], [m] if m > b'1');
    let teen = matches!(d[..], [b'1', m, ..] if m > b'2') && !deleting;
    let mut out = Vec::new();
    if lone || teen {
        out.push(b'0');
    }
    out.extend_from_slice(&d);
    out.truncate(4);
    let mut shown = Vec::new();
    for (i, &b) in out.iter().enumerate() {
        if i == 2 {
            shown.extend_from_slice(b" / ");
        }
        shown.push(b);
    }
    if out.len() == 2 && !deleting {
        shown.extend_from_slice(b" / ");
    }
    let value = ascii(shown);
    Edit {
        caret: value.len() as u32,
        value,
        digits: ascii(out),
    }
}

/// ASCII bytes as a String (every caller passes digits, spaces and '/': no UTF-8 check, whose
/// error path would pull more code into the wasm).
fn ascii(bytes: Vec<u8>) -> String {
    debug_assert!(bytes.is_ascii());
    // SAFETY: ASCII is valid UTF-8; the callers only build ASCII (digits and " / ").
    unsafe { String::from_utf8_unchecked(bytes) }
}

/// Security code: digits only, at most `max` (3, or 4 for Amex).
pub fn cvc(value: &str, max: usize) -> Edit {
    let mut d = card::digits_only(value).into_bytes();
    d.truncate(max);
    let d = ascii(d);
    Edit {
        caret: d.len() as u32,
        value: d.clone(),
        digits: d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_groups_and_caret() {
        let e = number("42424242", 8, "insertText", "4242424");
        assert_eq!(e.value, "4242 4242");
        assert_eq!(e.caret, 9);
        let e = number("378282246310005", 15, "insertFromPaste", "");
        assert_eq!(e.value, "3782 822463 10005");
        // A digit typed in the middle keeps the caret after it.
        let e = number("42142 4242", 3, "insertText", "42424242");
        assert_eq!(e.value, "4214 2424 2");
        assert_eq!(e.caret, 3);
    }

    #[test]
    fn number_caps_and_strips() {
        let e = number("4242-4242-4242-4242-9999", 24, "insertFromPaste", "");
        assert_eq!(e.value, "4242 4242 4242 4242 999");
        let e = number("3782822463100059", 16, "insertText", "378282246310005");
        assert_eq!(e.value, "3782 822463 10005");
    }

    #[test]
    fn backspace_over_a_space_deletes_the_digit() {
        // "4242 |4" → Backspace deletes the space: the browser leaves "42424".
        let e = number("42424", 4, "deleteContentBackward", "42424");
        assert_eq!(e.value, "4244");
        assert_eq!(e.caret, 3);
    }

    #[test]
    fn expiry_shapes() {
        assert_eq!(expiry("4", "insertText", "").value, "04 / ");
        assert_eq!(expiry("12", "insertText", "1").value, "12 / ");
        assert_eq!(expiry("13", "insertText", "1").value, "01 / 3");
        assert_eq!(expiry("12 / 3", "insertText", "12").value, "12 / 3");
        assert_eq!(
            expiry("12/2030", "insertReplacementText", "").value,
            "12 / 30"
        );
        assert_eq!(expiry("1/30", "insertFromPaste", "").value, "01 / 30");
        assert_eq!(expiry("122030", "insertFromPaste", "").value, "12 / 30");
        // Backspace from "12 / " deletes the separator, then the month's last digit.
        assert_eq!(expiry("12 /", "deleteContentBackward", "12").value, "1");
        assert_eq!(
            expiry("12 / 3", "deleteContentBackward", "12").value,
            "12 / 3"
        );
    }

    #[test]
    fn cvc_digits() {
        assert_eq!(cvc("12a34", 3).value, "123");
        assert_eq!(cvc("1234", 4).value, "1234");
    }
}
