//! The card fingerprint: which card details an attempt sent, without keeping them.

/// Keyed hash of everything an attempt sends to the gateway about the card (number, expiry,
/// CVC, name, postal code), per session, so a retry can tell "the same card details" from
/// anything else without storing them. `key` is a server secret (the fingerprint subkey).
pub fn card_fingerprint(key: &[u8], session_id: &str, card: &crate::card::ValidCard) -> String {
    let fields: [&str; 6] = [
        card.number.expose(),
        &card.exp_month.to_string(),
        &card.exp_year.to_string(),
        card.cvc.expose(),
        card.name.as_deref().unwrap_or(""),
        card.postal_code.as_deref().unwrap_or(""),
    ];
    let mut input = String::from(session_id);
    for f in fields {
        // Length-prefixed, so no two different field lists hash the same input.
        input.push_str(&format!("|{}:{}", f.len(), f));
    }
    crate::crypto::hmac_hex(key, input.as_bytes())
}
