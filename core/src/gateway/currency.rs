//! Which currencies (and amounts) each gateway can take, checked when a session is created so a
//! session the gateway cannot charge is refused with a clear `400` instead of failing at the
//! first attempt (docs/gateways.md, "Currencies and exponents").
//!
//! Two levels: `check_kind` needs only the gateway kind (Stripe, Authorize.net and Shift4 lists,
//! Stripe's amount rules); `check` also reads the credentials (Braintree's merchant account per
//! currency).

use super::{authorizenet, stripe, Credentials, GatewayKind, Mode};
use crate::error::ApiError;
use crate::error::ErrorCode;
use crate::money;

/// Why a gateway cannot take a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not an ISO 4217 code with a minor unit (a 422 on the `currency` field).
    UnknownCurrency,
    /// `400 currency_not_supported`.
    CurrencyNotSupported(String),
    /// `400 amount_not_supported` (e.g. Stripe's three-decimal amounts must end in 0).
    AmountNotSupported(String),
}

impl Refusal {
    /// The API error of a refusal; `Validation` for an unknown code, with `loc` at the field.
    pub fn into_api_error(self, currency: &str) -> ApiError {
        match self {
            Refusal::UnknownCurrency => {
                ApiError::validation(vec![crate::validate::currency_error(
                    vec!["body".into(), "currency".into()],
                    currency,
                )])
            }
            Refusal::CurrencyNotSupported(detail) => ApiError::BadRequest {
                detail,
                code: ErrorCode::CurrencyNotSupported,
            },
            Refusal::AmountNotSupported(detail) => ApiError::BadRequest {
                detail,
                code: ErrorCode::AmountNotSupported,
            },
        }
    }
}

/// What the gateway kind alone decides.
pub fn check_kind(
    kind: GatewayKind,
    currency: &str,
    amount_minor: u64,
    mode: Mode,
) -> Result<(), Refusal> {
    let c = currency.to_ascii_lowercase();
    if !money::is_known_currency(&c) {
        return Err(Refusal::UnknownCurrency);
    }
    let not_supported = || {
        Refusal::CurrencyNotSupported(format!(
            "The {} gateway does not accept {} payments.",
            kind.as_str(),
            c.to_ascii_uppercase()
        ))
    };
    match kind {
        GatewayKind::Stripe => {
            if !stripe::supports(&c) {
                return Err(not_supported());
            }
            // Tokenize moves no money (amount 0 is allowed there and never sent).
            if mode == Mode::Charge {
                stripe::amount_for(amount_minor, &c).map_err(Refusal::AmountNotSupported)?;
            }
        }
        GatewayKind::Authorizenet => {
            if !authorizenet::CURRENCIES.contains(&c.as_str()) {
                return Err(not_supported());
            }
        }
        GatewayKind::Shift4 => {
            if !super::shift4::supports(&c) {
                return Err(not_supported());
            }
        }
        // Decided by the credentials (`check`); the fund codes no account takes.
        GatewayKind::Braintree => {
            if money::is_fund_code(&c) {
                return Err(not_supported());
            }
        }
    }
    Ok(())
}

/// `check_kind` plus what the credentials decide (Braintree: a merchant account for the
/// currency, see `Credentials::braintree_account`).
pub fn check(
    credentials: &Credentials,
    currency: &str,
    amount_minor: u64,
    mode: Mode,
) -> Result<(), Refusal> {
    check_kind(credentials.kind(), currency, amount_minor, mode)?;
    if credentials.kind() == GatewayKind::Braintree
        && credentials.braintree_account(currency).is_none()
    {
        return Err(Refusal::CurrencyNotSupported(format!(
            "The braintree gateway of this project has no merchant account for {}: add one to \
             the credentials' merchant_accounts.",
            currency.to_ascii_uppercase()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn braintree(accounts: &[(&str, &str)], default_id: Option<&str>) -> Credentials {
        Credentials::Braintree {
            public_key: Secret::new("p"),
            private_key: Secret::new("q"),
            merchant_account_id: default_id.map(String::from),
            merchant_accounts: accounts
                .iter()
                .map(|(c, id)| (c.to_string(), id.to_string()))
                .collect(),
            default_currency: None,
        }
    }

    /// Defect 6: `zzz` was accepted at creation on main.
    #[test]
    fn unknown_currency_is_a_validation_error() {
        for kind in GatewayKind::ALL {
            assert_eq!(
                check_kind(kind, "zzz", 100, Mode::Charge),
                Err(Refusal::UnknownCurrency)
            );
        }
        let err = Refusal::UnknownCurrency.into_api_error("zzz");
        let body = err.body();
        assert_eq!(
            body["detail"][0]["loc"],
            serde_json::json!(["body", "currency"])
        );
        assert_eq!(err.status(), 422);
    }

    #[test]
    fn authorizenet_takes_its_documented_currencies() {
        let k = GatewayKind::Authorizenet;
        assert_eq!(check_kind(k, "usd", 100, Mode::Charge), Ok(()));
        assert_eq!(check_kind(k, "EUR", 100, Mode::Charge), Ok(()));
        let Err(Refusal::CurrencyNotSupported(d)) = check_kind(k, "jpy", 100, Mode::Charge) else {
            panic!("jpy must be refused")
        };
        assert!(d.contains("JPY"), "{d}");
        let e = Refusal::CurrencyNotSupported(d).into_api_error("jpy");
        assert_eq!(e.status(), 400);
        assert_eq!(e.body()["error_code"], "currency_not_supported");
    }

    #[test]
    fn stripe_three_decimal_amounts_end_in_zero() {
        let k = GatewayKind::Stripe;
        assert_eq!(check_kind(k, "kwd", 1230, Mode::Charge), Ok(()));
        let r = check_kind(k, "kwd", 1234, Mode::Charge);
        assert!(matches!(r, Err(Refusal::AmountNotSupported(_))), "{r:?}");
        let e = r.unwrap_err().into_api_error("kwd");
        assert_eq!(e.body()["error_code"], "amount_not_supported");
        assert_eq!(check_kind(k, "kwd", 0, Mode::Tokenize), Ok(()));
        assert!(check_kind(k, "clf", 10000, Mode::Charge).is_err());
        assert!(check_kind(k, "iqd", 1000, Mode::Charge).is_err());
    }

    #[test]
    fn braintree_needs_a_merchant_account_for_the_currency() {
        let old = braintree(&[], Some("maven_usd"));
        assert_eq!(check(&old, "usd", 100, Mode::Charge), Ok(()));
        assert!(matches!(
            check(&old, "jpy", 100, Mode::Charge),
            Err(Refusal::CurrencyNotSupported(_))
        ));
        let multi = braintree(&[("jpy", "maven_jpy"), ("kwd", "maven_kwd")], None);
        assert_eq!(check(&multi, "jpy", 1000, Mode::Charge), Ok(()));
        assert_eq!(check(&multi, "kwd", 1234, Mode::Charge), Ok(()));
        assert_eq!(check(&multi, "usd", 100, Mode::Charge), Ok(()));
        assert!(check(&multi, "eur", 100, Mode::Charge).is_err());
    }

    #[test]
    fn shift4_takes_every_card_currency() {
        let k = GatewayKind::Shift4;
        for c in ["usd", "jpy", "kwd", "isk", "eur"] {
            assert_eq!(check_kind(k, c, 1000, Mode::Charge), Ok(()), "{c}");
        }
        assert!(check_kind(k, "uyw", 1000, Mode::Charge).is_err());
    }
}
