//! Projects: creating one (`POST …/accounts/{id}/projects`) and changing one (`PATCH
//! …/projects/{id}`, from the operator API and the dashboard), and which of those changes only
//! an account's owner may make from the dashboard.

use super::{finish, MAX_NAME_CHARS};
use crate::customization::Overrides;
use crate::error::{ApiError, ErrorCode, FieldError};
use crate::guard::Limits;
use crate::model::{is_slug, Project, SESSION_LIFETIME_RANGE};
use crate::session::{parse_locale, COLOR_SCHEMES};
use crate::url_policy::{self, Deployment};
use crate::validate::Fields;
use serde_json::Value;

/// Longest webhook URL.
const MAX_WEBHOOK_URL_CHARS: usize = 500;

/// A project's default currency: a lower-case ISO 4217 code on the same allowlist as a
/// session's (a default no session could use would fail every create that relies on it).
fn currency(f: &mut Fields<'_>) -> Option<String> {
    f.currency("currency")
}

/// A valid create request; the worker adds the id, account and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProject {
    pub slug: String,
    pub name: String,
    pub currency: String,
    pub capture: bool,
}

pub fn new_project(body: &Value) -> Result<NewProject, ApiError> {
    let mut f = Fields::new(body, vec!["body".into()]);
    let slug = f.pattern("slug", "^[a-z0-9][a-z0-9-]{0,63}$", is_slug);
    if f.is_object() && body.get("slug").is_none() {
        f.push("slug", "missing", "Field required");
    }
    let name = f.string("name", true, false, MAX_NAME_CHARS);
    let currency = currency(&mut f);
    let capture = f.bool("capture");
    finish(f)?;
    Ok(NewProject {
        slug: slug.unwrap_or_default(),
        name: name.unwrap_or_default(),
        currency: currency.unwrap_or_else(|| "usd".into()),
        capture: capture.unwrap_or(true),
    })
}

impl NewProject {
    /// The stored record: no gateways, origins, webhook or customization yet.
    pub fn into_project(self, id: String, account_id: String, now: u64) -> Project {
        Project {
            id,
            account_id,
            slug: self.slug,
            name: self.name,
            currency: self.currency,
            capture: self.capture,
            customization: Default::default(),
            gateways: Default::default(),
            allowed_origins: vec![],
            webhook_url: None,
            webhook_urls: None,
            webhook_secret_sealed: None,
            webhook_secret_previous_sealed: None,
            webhook_secret_previous_until: None,
            session_lifetime_secs: None,
            card_testing: Default::default(),
            color_scheme: None,
            locale: None,
            created_at: now,
        }
    }
}

/// A valid `PATCH`: each member is `None` when the body leaves it alone. `Some(None)` clears
/// a nullable setting.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectPatch {
    pub name: Option<String>,
    pub currency: Option<String>,
    pub capture: Option<bool>,
    pub session_lifetime_secs: Option<u64>,
    pub webhook_url: Option<Option<String>>,
    pub allowed_origins: Option<Vec<String>>,
    pub overrides: Overrides,
    pub card_testing: Option<Limits>,
    /// The widget's color scheme when neither the session nor the page gives one.
    pub color_scheme: Option<Option<String>>,
    /// The form's locale when neither the session nor the page gives one.
    pub locale: Option<Option<String>>,
}

/// The members of a `PATCH` body that only an owner may send from the dashboard: the Settings
/// page (embedding origins, default currency, capture default, session lifetime, the widget's
/// default color scheme and locale) and the card-testing limits. Members keep Customize
/// (`theme`, `labels`, `fields`), the name and the webhook URL (which the Webhooks page lets
/// them set too).
pub const OWNER_ONLY: [&str; 7] = [
    "allowed_origins",
    "currency",
    "capture",
    "session_lifetime_secs",
    "color_scheme",
    "locale",
    "card_testing",
];

/// `Err(403 owner_required)` naming the owner-only members `body` has, checked before the body
/// is validated, so a member learns nothing more and nothing changes.
pub fn member_may_patch(body: &Value) -> Result<(), ApiError> {
    let found: Vec<&str> = OWNER_ONLY
        .into_iter()
        .filter(|k| body.get(*k).is_some())
        .collect();
    if found.is_empty() {
        return Ok(());
    }
    Err(ApiError::Forbidden {
        detail: format!(
            "Only an owner of this account can change {}; members can change the name, the \
             webhook URL and Customize (theme, labels, fields).",
            found.join(", ")
        ),
        code: ErrorCode::OwnerRequired,
    })
}

/// Validates a `PATCH` body against the project's current card-testing limits (a partial
/// `card_testing` object is merged over them).
pub fn project_patch(
    body: &Value,
    current: &Project,
    at: Deployment,
) -> Result<ProjectPatch, ApiError> {
    let mut f = Fields::new(body, vec!["body".into()]);
    let name = f.string("name", false, false, MAX_NAME_CHARS);
    let currency = currency(&mut f);
    let capture = f.bool("capture");
    let lifetime = SESSION_LIFETIME_RANGE;
    let session_lifetime_secs = f
        .int(
            "session_lifetime_secs",
            false,
            *lifetime.start() as i64,
            *lifetime.end() as i64,
        )
        .map(|s| s as u64);
    let webhook_url = f
        .string("webhook_url", false, true, MAX_WEBHOOK_URL_CHARS)
        .and_then(|u| {
            url_policy::webhook_url(&u, at)
                .map_err(|e| f.push("webhook_url", "value_error", e.message()))
                .ok()
        });
    let webhook_url = body.get("webhook_url").map(|_| webhook_url);
    let allowed_origins = origins(&mut f, at);
    let overrides = Overrides::parse(&mut f);
    let card_testing = f.get("card_testing").and_then(|v| {
        let loc = f.at("card_testing");
        Limits::parse(v, loc, current.card_testing, &mut f.errors)
    });
    let color_scheme = nullable(&mut f, "color_scheme", |f| {
        f.literal("color_scheme", false, &COLOR_SCHEMES)
            .map(String::from)
    });
    let locale = nullable(&mut f, "locale", parse_locale);
    finish(f)?;
    Ok(ProjectPatch {
        name,
        currency,
        capture,
        session_lifetime_secs,
        webhook_url,
        allowed_origins,
        overrides,
        card_testing,
        color_scheme,
        locale,
    })
}

/// `None` when absent, `Some(None)` for `null`, `Some(read(f))` otherwise (`read` records why
/// it gave `None`).
fn nullable(
    f: &mut Fields<'_>,
    key: &'static str,
    read: impl FnOnce(&mut Fields<'_>) -> Option<String>,
) -> Option<Option<String>> {
    match f.get(key)? {
        Value::Null => Some(None),
        _ => read(f).map(Some),
    }
}

impl ProjectPatch {
    pub fn apply(self, p: &mut Project) {
        if let Some(l) = self.card_testing {
            p.card_testing = l;
        }
        if let Some(n) = self.name {
            p.name = n;
        }
        if let Some(c) = self.currency {
            p.currency = c;
        }
        if let Some(c) = self.capture {
            p.capture = c;
        }
        if let Some(s) = self.session_lifetime_secs {
            p.session_lifetime_secs = Some(s);
        }
        if let Some(u) = self.webhook_url {
            p.set_single_webhook_url(u);
        }
        if let Some(o) = self.allowed_origins {
            p.allowed_origins = o;
        }
        if let Some(c) = self.color_scheme {
            p.color_scheme = c;
        }
        if let Some(l) = self.locale {
            p.locale = l;
        }
        p.customization = p.customization.merged(&self.overrides);
    }
}

/// `allowed_origins`: a list of origins under the URL policy, serialized as the policy does.
fn origins(f: &mut Fields<'_>, at: Deployment) -> Option<Vec<String>> {
    let v = f.get("allowed_origins")?;
    let Some(items) = v.as_array() else {
        f.push(
            "allowed_origins",
            "list_type",
            "Input should be a valid list",
        );
        return None;
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let mut loc = f.at("allowed_origins");
        loc.push(i.into());
        let Some(s) = item.as_str() else {
            f.errors.push(FieldError::new(
                loc,
                "string_type",
                "Input should be a valid string",
            ));
            continue;
        };
        match url_policy::origin(s, at) {
            Ok(origin) => out.push(origin),
            Err(e) => {
                let msg = format!(
                    "{} (an origin looks like https://shop.example.com)",
                    e.message()
                );
                f.errors.push(FieldError::new(loc, "value_error", msg));
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests;
