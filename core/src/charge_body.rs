//! The body of `POST /v1/widget-sessions/{id}/charge`: `{"card": {number, exp_month, exp_year,
//! cvc, name?, postal_code?}}`, parsed and checked beside `session::validate_create`, with the
//! same card rules as the form (`card::validate_card`), so the API and the form never disagree.

use crate::card::{validate_card, CardInput, ValidCard, YearMonth};
use crate::customization::FormFields;
use crate::error::{ApiError, FieldError};
use crate::gateway::{authorizenet, GatewayKind};
use crate::validate::Fields;
use crate::Secret;
use serde_json::Value;

/// The checked card, or every problem at once as a FastAPI-shaped 422.
pub fn parse_charge_body(
    body: &Value,
    today: YearMonth,
    fields: FormFields,
    gateway: GatewayKind,
) -> Result<ValidCard, ApiError> {
    let mut top = Fields::new(body, vec!["body".into()]);
    let card_value = top.get("card");
    if top.is_object() && card_value.is_none() {
        top.push("card", "missing", "Field required");
    }
    let mut errors: Vec<FieldError> = top.finish();
    let Some(card_value) = card_value else {
        return Err(ApiError::validation(errors));
    };
    let mut f = Fields::new(card_value, vec!["body".into(), "card".into()]);
    let number = f.string("number", true, false, 32);
    let exp_month = f.int("exp_month", true, 1, 12);
    let exp_year = f.int("exp_year", true, 0, 9999);
    let cvc = f.string("cvc", true, false, 8);
    let name = f.string("name", false, true, 200);
    let postal_code = f.string("postal_code", false, true, 32);
    errors.extend(f.finish());
    let (Some(number), Some(exp_month), Some(exp_year), Some(cvc)) =
        (number, exp_month, exp_year, cvc)
    else {
        return Err(ApiError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let input = CardInput {
        number: Secret::new(number),
        exp_month: exp_month as u32,
        exp_year: exp_year as u32,
        cvc: Secret::new(cvc),
        name,
        postal_code,
    };
    let loc = ["body".into(), "card".into()];
    let card = validate_card(
        &input,
        today,
        fields.cardholder_name,
        fields.postal_code,
        &loc,
    )
    .map_err(ApiError::validation)?;
    // Authorize.net's `cardNumber` holds at most 16 digits (docs/gateways.md): say so at the
    // field instead of sending what it cannot take.
    if gateway == GatewayKind::Authorizenet
        && card.number.expose().len() > authorizenet::MAX_CARD_DIGITS
    {
        return Err(ApiError::validation(vec![FieldError::new(
            vec!["body".into(), "card".into(), "number".into()],
            "value_error",
            "This payment processor does not accept card numbers longer than 16 digits.",
        )]));
    }
    Ok(card)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::FieldMode;
    use serde_json::json;

    fn fields() -> FormFields {
        FormFields {
            cardholder_name: FieldMode::Optional,
            postal_code: FieldMode::Optional,
        }
    }

    const TODAY: YearMonth = YearMonth {
        year: 2026,
        month: 11,
    };

    fn card(number: &str) -> Value {
        json!({"card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}})
    }

    #[test]
    fn a_valid_card_parses() {
        let c = parse_charge_body(
            &card("4242424242424242"),
            TODAY,
            fields(),
            GatewayKind::Stripe,
        )
        .unwrap();
        assert_eq!((c.last4.as_str(), c.exp_year), ("4242", 2030));
    }

    #[test]
    fn every_problem_at_once() {
        let body = json!({"card": {"number": 42, "exp_month": 13}});
        let e = parse_charge_body(&body, TODAY, fields(), GatewayKind::Stripe).unwrap_err();
        assert_eq!(e.status(), 422);
        let locs: Vec<String> = e.body()["detail"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                d["loc"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| l.as_str().unwrap_or("").to_string())
                    .collect::<Vec<_>>()
                    .join(".")
            })
            .collect();
        assert!(locs.contains(&"body.card.number".to_string()), "{locs:?}");
        assert!(
            locs.contains(&"body.card.exp_month".to_string()),
            "{locs:?}"
        );
        assert!(locs.contains(&"body.card.cvc".to_string()), "{locs:?}");
        let missing =
            parse_charge_body(&json!({}), TODAY, fields(), GatewayKind::Stripe).unwrap_err();
        assert_eq!(missing.body()["detail"][0]["type"], "missing");
    }

    /// Defect 7: a 19-digit card never goes to Authorize.net; the others take it.
    #[test]
    fn authorize_net_takes_at_most_16_digits() {
        // A 19-digit Visa number with a valid check digit.
        let long = card("4111111111111111110");
        let c = parse_charge_body(&long, TODAY, fields(), GatewayKind::Stripe).unwrap();
        assert_eq!(c.number.expose().len(), 19);
        let e = parse_charge_body(&long, TODAY, fields(), GatewayKind::Authorizenet).unwrap_err();
        assert_eq!(e.status(), 422);
        assert_eq!(
            e.body()["detail"][0]["loc"],
            json!(["body", "card", "number"])
        );
    }
}
