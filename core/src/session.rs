//! Chat payment sessions: the create request (`CreateWidgetSession`) and its validation, the
//! stored record, the 201 body and the public view the form reads.

use crate::auth::Environment;
use crate::customization::{Customization, Overrides};
use crate::error::{ApiError, FieldError};
use crate::gateway::{ApprovedStatus, GatewayKind, Mode};
use crate::model::Project;
use crate::time::rfc3339;
use crate::validate::Fields;
use serde::{Deserialize, Serialize};
#[cfg(test)]
use serde_json::json;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub const DEFAULT_EXPIRES_IN: u64 = 300;
/// KV keeps a session this long after `expires_at`, so it answers 410 before it disappears.
pub const GONE_RETENTION_SECS: u64 = 24 * 3600;
pub const MAX_AMOUNT_CENTS: i64 = 99_999_999;
pub const MAX_ATTEMPTS: u32 = 3;

/// Create a chat payment session (the seed's `CreateWidgetSession`, plus documented extensions).
/// Unknown fields are rejected (`extra_forbidden`), so a typo never silently drops a setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "project": "demo", "amount_cents": 1234, "gateway": "stripe", "mode": "charge",
    "description": "Order #1042", "metadata": {"order_id": "1042"}
})))]
#[serde(deny_unknown_fields)]
pub struct CreateWidgetSession {
    /// Project UUID or slug
    pub project: String,
    /// Charge amount in cents. For mode='tokenize' may be 0.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 99999999))]
    pub amount_cents: i64,
    /// stripe | authorizenet | braintree | shift4
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(stripe|authorizenet|braintree|shift4)$")
    )]
    pub gateway: String,
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(charge|tokenize)$", default = "charge")
    )]
    pub mode: Option<String>,
    /// Shown on the form.
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub description: Option<String>,
    /// ISO 4217, lower-case. Defaults to the project's currency (itself `usd` by default).
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z]{3}$"))]
    pub currency: Option<String>,
    /// Flat string map, at most 20 keys (40 chars each), values up to 500 chars. Sent back in webhooks.
    pub metadata: Option<BTreeMap<String, String>>,
    /// Seconds until the session expires (60–3600).
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 60, maximum = 3600, default = 300)
    )]
    pub expires_in: Option<u64>,
    /// false = authorize only (the charge answers `authorized`). Defaults to the project's setting (true).
    pub capture: Option<bool>,
    /// BCP 47 language tag of the form (`de-CH`): its texts (en, es, fr, de, pt-BR, ja, with
    /// fallback to the language, then English) and how it writes the amount.
    #[cfg_attr(feature = "openapi", schema(max_length = 35, example = "de-CH"))]
    pub locale: Option<String>,
    /// The form's color scheme: `light`, `dark` (a dark default theme) or `auto` (follows the
    /// customer's `prefers-color-scheme`). A page's `colorScheme` option wins; default `light`.
    #[cfg_attr(feature = "openapi", schema(example = "auto"))]
    pub color_scheme: Option<String>,
    /// Partial theme override merged over the project's customization.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub theme: Option<Map<String, Value>>,
    /// Partial labels override.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub labels: Option<Map<String, Value>>,
    /// Partial fields override: `cardholder_name` / `postal_code` = hidden | optional | required.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub fields: Option<Map<String, Value>>,
}

/// A create request that passed validation (project not yet resolved).
#[derive(Debug, Clone, PartialEq)]
pub struct NewSession {
    pub project: String,
    pub amount_cents: u64,
    pub gateway: GatewayKind,
    pub mode: Mode,
    pub description: Option<String>,
    pub currency: Option<String>,
    pub metadata: BTreeMap<String, String>,
    /// `None`: the project's default lifetime (`Project::session_lifetime`).
    pub expires_in: Option<u64>,
    pub capture: Option<bool>,
    pub locale: Option<String>,
    pub color_scheme: Option<&'static str>,
    pub overrides: Overrides,
}

/// `color_scheme` values of the create API (the SDK's `colorScheme` takes the same).
pub const COLOR_SCHEMES: [&str; 3] = ["light", "dark", "auto"];

const GATEWAYS: [&str; 4] = ["stripe", "authorizenet", "braintree", "shift4"];

fn is_currency(s: &str) -> bool {
    s.len() == 3 && s.bytes().all(|b| b.is_ascii_lowercase())
}

/// Validates a parsed body, reporting every problem at once.
pub fn validate_create(body: &Value) -> Result<NewSession, ApiError> {
    let mut f = Fields::new(body, vec!["body".into()]);
    let project = f.string("project", true, false, 100);
    if project.as_deref() == Some("") {
        f.push(
            "project",
            "string_too_short",
            "String should have at least 1 character",
        );
    }
    let amount = f.int("amount_cents", true, 0, MAX_AMOUNT_CENTS);
    let gateway = f
        .literal("gateway", true, &GATEWAYS)
        .and_then(GatewayKind::parse);
    let mode = match f.get("mode") {
        None | Some(Value::Null) => Some(Mode::Charge),
        Some(_) => f
            .pattern("mode", "^(charge|tokenize)$", |s| {
                s == "charge" || s == "tokenize"
            })
            .map(|s| {
                if s == "charge" {
                    Mode::Charge
                } else {
                    Mode::Tokenize
                }
            }),
    };
    let description = f.string("description", false, true, 500);
    let currency = f.pattern("currency", "^[a-z]{3}$", is_currency);
    let metadata = parse_metadata(&mut f);
    let expires_in = f.int("expires_in", false, 60, 3600);
    let capture = f.bool("capture");
    let locale = parse_locale(&mut f);
    let color_scheme = f.literal("color_scheme", false, &COLOR_SCHEMES);
    let overrides = Overrides::parse(&mut f);
    if let (Some(0), Some(Mode::Charge)) = (amount, mode) {
        f.push(
            "amount_cents",
            "value_error",
            "Value error, amount_cents must be greater than 0 when mode is 'charge'",
        );
    }
    let errors = f.finish();
    match (project, amount, gateway, mode) {
        (Some(project), Some(amount), Some(gateway), Some(mode)) if errors.is_empty() => {
            Ok(NewSession {
                project,
                amount_cents: amount as u64,
                gateway,
                mode,
                description,
                currency,
                metadata: metadata.unwrap_or_default(),
                expires_in: expires_in.map(|v| v as u64),
                capture,
                locale,
                color_scheme,
                overrides,
            })
        }
        _ => Err(ApiError::validation(errors)),
    }
}

/// `locale`: a well-formed BCP 47 tag, stored in its canonical form ("de-ch" → "de-CH").
pub(crate) fn parse_locale(f: &mut Fields<'_>) -> Option<String> {
    let raw = f.string("locale", false, true, 35)?;
    match icu_locale_core::Locale::try_from_str(&raw) {
        Ok(l) => Some(l.to_string()),
        Err(_) => {
            f.push(
                "locale",
                "value_error",
                "Value error, locale must be a BCP 47 language tag such as 'de-CH'",
            );
            None
        }
    }
}

fn parse_metadata(f: &mut Fields<'_>) -> Option<BTreeMap<String, String>> {
    let value = f.get("metadata")?;
    let loc = f.at("metadata");
    let Some(obj) = value.as_object() else {
        if !value.is_null() {
            f.push(
                "metadata",
                "dict_type",
                "Input should be a valid dictionary",
            );
        }
        return None;
    };
    if obj.len() > 20 {
        f.push(
            "metadata",
            "too_long",
            "Dictionary should have at most 20 items",
        );
        return None;
    }
    let mut out = BTreeMap::new();
    for (k, v) in obj {
        let mut at = loc.clone();
        at.push(k.as_str().into());
        match v {
            Value::String(s) if k.chars().count() <= 40 && s.chars().count() <= 500 => {
                out.insert(k.clone(), s.clone());
            }
            Value::String(_) => f.errors.push(FieldError::new(
                at,
                "string_too_long",
                "Metadata keys have at most 40 characters and values at most 500",
            )),
            _ => f.errors.push(FieldError::new(
                at,
                "string_type",
                "Input should be a valid string",
            )),
        }
    }
    Some(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    Pending,
    Processing,
    Succeeded,
    Authorized,
    Tokenized,
    Failed,
    /// Cancelled by the merchant while pending (`POST …/cancel`): nothing can be charged.
    Cancelled,
    /// An authorization the merchant captured (`amount_captured_cents`, maybe partly).
    Captured,
    /// An authorization the merchant released (`POST …/void`): nothing was taken.
    Voided,
    /// Part of the captured money went back (`amount_refunded_cents`).
    PartiallyRefunded,
    /// All of the captured money went back.
    Refunded,
}

impl SessionStatus {
    /// The customer paid (money was taken or is held): the form shows "paid" whatever the
    /// merchant did with it since.
    pub fn is_paid(self) -> bool {
        matches!(
            self,
            SessionStatus::Succeeded
                | SessionStatus::Authorized
                | SessionStatus::Tokenized
                | SessionStatus::Captured
                | SessionStatus::Voided
                | SessionStatus::PartiallyRefunded
                | SessionStatus::Refunded
        )
    }
}

impl From<ApprovedStatus> for SessionStatus {
    fn from(s: ApprovedStatus) -> Self {
        match s {
            ApprovedStatus::Succeeded => SessionStatus::Succeeded,
            ApprovedStatus::Authorized => SessionStatus::Authorized,
            ApprovedStatus::Tokenized => SessionStatus::Tokenized,
        }
    }
}

/// The result of a completed session, as stored (brand and last 4 only, never the card).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChargeResult {
    pub status: ApprovedStatus,
    pub transaction_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    pub card_brand: String,
    pub card_last4: String,
}

/// The KV session record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub id: String,
    pub account_id: String,
    pub project_id: String,
    pub project_slug: String,
    pub environment: Environment,
    pub amount_cents: u64,
    pub currency: String,
    pub gateway: GatewayKind,
    pub mode: Mode,
    pub capture: bool,
    pub description: Option<String>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    #[serde(default)]
    pub overrides: Overrides,
    pub created_at: u64,
    pub expires_at: u64,
    pub status: SessionStatus,
    #[serde(default)]
    pub result: Option<ChargeResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// `light`, `dark` or `auto`, when the create request gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_scheme: Option<String>,
}

impl Session {
    pub fn build(
        id: String,
        new: &NewSession,
        project: &Project,
        env: Environment,
        now: u64,
    ) -> Self {
        // Project customization first, then the session's own overrides.
        Session {
            id,
            account_id: project.account_id.clone(),
            project_id: project.id.clone(),
            project_slug: project.slug.clone(),
            environment: env,
            amount_cents: new.amount_cents,
            currency: new
                .currency
                .clone()
                .unwrap_or_else(|| project.currency.clone()),
            gateway: new.gateway,
            mode: new.mode,
            capture: new.capture.unwrap_or(project.capture),
            description: new.description.clone(),
            metadata: new.metadata.clone(),
            overrides: new.overrides.clone(),
            created_at: now,
            expires_at: now + new.expires_in.unwrap_or_else(|| project.session_lifetime()),
            status: SessionStatus::Pending,
            result: None,
            // The session's own, else the project's default (then the page's English, light).
            locale: new.locale.clone().or_else(|| project.locale.clone()),
            color_scheme: new
                .color_scheme
                .map(String::from)
                .or_else(|| project.color_scheme.clone()),
        }
    }

    pub fn is_expired(&self, now: u64) -> bool {
        now >= self.expires_at
    }

    /// Unix time at which KV may drop the record.
    pub fn kv_expiration(&self) -> u64 {
        self.expires_at + GONE_RETENTION_SECS
    }

    pub fn mode_str(&self) -> &'static str {
        match self.mode {
            Mode::Charge => "charge",
            Mode::Tokenize => "tokenize",
        }
    }

    /// The 201 body of `POST /v1/widget-sessions`.
    pub fn created_body(&self, origin: &str) -> SessionCreated {
        SessionCreated {
            session_id: self.id.clone(),
            widget_url: format!("{origin}/widget/{}", self.id),
            expires_at: rfc3339(self.expires_at),
            project: self.project_slug.clone(),
            amount_cents: self.amount_cents,
            currency: self.currency.clone(),
            gateway: self.gateway.as_str().into(),
            mode: self.mode_str().into(),
            capture: self.capture,
            description: self.description.clone(),
            metadata: self.metadata.clone(),
            status: SessionStatus::Pending,
        }
    }

    /// `GET /v1/widget-sessions/{id}`: what the form needs, and no secret.
    pub fn public_view(&self, project: &Project) -> PublicSession {
        let c: Customization = project.customization.merged(&self.overrides);
        PublicSession {
            session_id: self.id.clone(),
            status: self.status,
            amount_cents: self.amount_cents,
            currency: self.currency.clone(),
            description: self.description.clone(),
            mode: self.mode_str().into(),
            capture: self.capture,
            expires_at: rfc3339(self.expires_at),
            environment: self.environment.as_str().into(),
            project_name: project.name.clone(),
            theme: c.theme,
            labels: c.labels,
            fields: c.fields,
            locale: self.locale.clone(),
            color_scheme: self.color_scheme.clone(),
        }
    }
}

/// 201 response of `POST /v1/widget-sessions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionCreated {
    /// UUID v4; a bearer credential for the form: hand it to your frontend only.
    pub session_id: String,
    /// `<origin>/widget/<session_id>`, the hosted form the SDK embeds.
    pub widget_url: String,
    /// RFC 3339 UTC.
    pub expires_at: String,
    /// The project's slug.
    pub project: String,
    pub amount_cents: u64,
    pub currency: String,
    pub gateway: String,
    pub mode: String,
    pub capture: bool,
    pub description: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub status: SessionStatus,
}

/// Public view of a session (no API key: the id is the credential). Never holds secrets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicSession {
    pub session_id: String,
    pub status: SessionStatus,
    pub amount_cents: u64,
    pub currency: String,
    pub description: Option<String>,
    pub mode: String,
    pub capture: bool,
    pub expires_at: String,
    /// `test` or `live`.
    pub environment: String,
    pub project_name: String,
    pub theme: crate::customization::Theme,
    pub labels: crate::customization::Labels,
    pub fields: crate::customization::FormFields,
    /// The session's BCP 47 locale, when it was given one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The session's color scheme (`light`, `dark`, `auto`), when it was given one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_scheme: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds_at(err: ApiError) -> Vec<(Value, String)> {
        err.body()["detail"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["loc"].clone(), e["type"].as_str().unwrap().to_string()))
            .collect()
    }

    #[test]
    fn minimal_body_gets_defaults() {
        let s =
            validate_create(&json!({"project": "demo", "amount_cents": 1234, "gateway": "stripe"}))
                .unwrap();
        assert_eq!(s.mode, Mode::Charge);
        assert_eq!(s.expires_in, None, "the project's default applies");
        assert_eq!(s.amount_cents, 1234);
        assert!(s.overrides.is_empty());
    }

    #[test]
    fn all_problems_at_once() {
        let err = validate_create(&json!({
            "amount_cents": "12", "gateway": "paypal", "mode": "refund", "extra": 1
        }))
        .unwrap_err();
        assert_eq!(
            kinds_at(err),
            vec![
                (json!(["body", "project"]), "missing".into()),
                (json!(["body", "amount_cents"]), "int_type".into()),
                (json!(["body", "gateway"]), "literal_error".into()),
                (json!(["body", "mode"]), "string_pattern_mismatch".into()),
                (json!(["body", "extra"]), "extra_forbidden".into()),
            ]
        );
    }

    #[test]
    fn zero_amount_only_for_tokenize() {
        let err =
            validate_create(&json!({"project": "demo", "amount_cents": 0, "gateway": "stripe"}))
                .unwrap_err();
        assert_eq!(
            kinds_at(err),
            vec![(json!(["body", "amount_cents"]), "value_error".into())]
        );
        assert!(validate_create(
            &json!({"project": "demo", "amount_cents": 0, "gateway": "stripe", "mode": "tokenize"})
        )
        .is_ok());
    }

    #[test]
    fn negative_amount_and_extensions() {
        let err = validate_create(&json!({
            "project": "demo", "amount_cents": -1, "gateway": "shift4",
            "currency": "USD", "expires_in": 5, "capture": "no", "description": null,
            "metadata": {"order": 5}, "theme": {"primary_color": "blue"}
        }))
        .unwrap_err();
        assert_eq!(
            kinds_at(err),
            vec![
                (json!(["body", "amount_cents"]), "greater_than_equal".into()),
                (
                    json!(["body", "currency"]),
                    "string_pattern_mismatch".into()
                ),
                (json!(["body", "metadata", "order"]), "string_type".into()),
                (json!(["body", "expires_in"]), "greater_than_equal".into()),
                (json!(["body", "capture"]), "bool_type".into()),
                (
                    json!(["body", "theme", "primary_color"]),
                    "value_error".into()
                ),
            ]
        );
    }

    /// (session's locale, session's color scheme, the session's stored pair) for a project
    /// whose defaults are `de` and `dark`, and for one without defaults.
    #[test]
    fn project_defaults_apply_when_the_session_gives_none() {
        let mut project: Project = serde_json::from_value(json!({
            "id": "p", "account_id": "a", "slug": "s", "name": "n", "currency": "usd",
            "created_at": 0
        }))
        .unwrap();
        let build = |p: &Project, locale: Option<&str>, scheme: Option<&str>| {
            let mut b = json!({"project": "s", "amount_cents": 100, "gateway": "stripe"});
            if let Some(l) = locale {
                b["locale"] = json!(l);
            }
            if let Some(c) = scheme {
                b["color_scheme"] = json!(c);
            }
            let new = validate_create(&b).unwrap();
            let s = Session::build("id".into(), &new, p, Environment::Test, 0);
            (s.locale, s.color_scheme)
        };
        let pair = |l: Option<&str>, c: Option<&str>| (l.map(String::from), c.map(String::from));
        assert_eq!(build(&project, None, None), pair(None, None));
        project.locale = Some("de".into());
        project.color_scheme = Some("dark".into());
        let cases = [
            ((None, None), (Some("de"), Some("dark"))),
            ((Some("fr-CA"), None), (Some("fr-CA"), Some("dark"))),
            ((None, Some("light")), (Some("de"), Some("light"))),
            ((Some("ja"), Some("auto")), (Some("ja"), Some("auto"))),
        ];
        for ((l, c), (want_l, want_c)) in cases {
            assert_eq!(build(&project, l, c), pair(want_l, want_c), "{l:?} {c:?}");
        }
    }

    #[test]
    fn body_must_be_object() {
        let err = validate_create(&json!("x")).unwrap_err();
        assert_eq!(kinds_at(err), vec![(json!(["body"]), "dict_type".into())]);
    }

    #[test]
    fn color_scheme_is_one_of_three() {
        let base = json!({"project": "demo", "amount_cents": 100, "gateway": "stripe"});
        let with = |v: Value| {
            let mut b = base.clone();
            b["color_scheme"] = v;
            validate_create(&b)
        };
        assert_eq!(with(json!("auto")).unwrap().color_scheme, Some("auto"));
        assert_eq!(validate_create(&base).unwrap().color_scheme, None);
        for bad in [json!("Dark"), json!(""), json!(1)] {
            let kinds = kinds_at(with(bad.clone()).unwrap_err());
            assert_eq!(kinds.len(), 1, "{bad}: {kinds:?}");
            assert_eq!(kinds[0].0, json!(["body", "color_scheme"]), "{bad}");
        }
    }

    #[test]
    fn locale_is_checked_and_canonical() {
        let base = json!({"project": "demo", "amount_cents": 100, "gateway": "stripe"});
        let with = |v: Value| {
            let mut b = base.clone();
            b["locale"] = v;
            validate_create(&b)
        };
        assert_eq!(
            with(json!("de-ch")).unwrap().locale.as_deref(),
            Some("de-CH")
        );
        assert_eq!(
            with(json!("pt-BR")).unwrap().locale.as_deref(),
            Some("pt-BR")
        );
        assert_eq!(validate_create(&base).unwrap().locale, None);
        for bad in [json!("not a tag"), json!("de_CH!"), json!(""), json!(7)] {
            let kinds = kinds_at(with(bad.clone()).unwrap_err());
            assert_eq!(kinds.len(), 1, "{bad}: {kinds:?}");
            assert_eq!(kinds[0].0, json!(["body", "locale"]), "{bad}");
        }
    }
}
