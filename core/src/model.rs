//! Records the edge stores in KV: accounts, API keys, projects. Plain data, serde only.

use crate::auth::Environment;
use crate::customization::Customization;
use crate::gateway::GatewayKind;
use crate::seal::Slot;
use crate::url_policy::{self, Deployment};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub created_at: u64,
}

/// Stored under the SHA-256 of the key; the plaintext exists only in the create response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyRecord {
    pub key_id: String,
    pub account_id: String,
    pub environment: Environment,
    /// `mvn_test_AbCd…`: enough to recognise a key in a list, useless to an attacker.
    pub hint: String,
    pub created_at: u64,
}

/// One gateway of one project in one environment. Credentials are AES-GCM sealed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredGateway {
    pub base_url: String,
    /// The JSON `Credentials`, sealed (`crate::seal`: `v2.<key id>.<base64>`).
    pub credentials_sealed: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EnvGateways {
    #[serde(default)]
    pub test: BTreeMap<GatewayKind, StoredGateway>,
    #[serde(default)]
    pub live: BTreeMap<GatewayKind, StoredGateway>,
}

impl EnvGateways {
    pub fn get(&self, env: Environment) -> &BTreeMap<GatewayKind, StoredGateway> {
        match env {
            Environment::Test => &self.test,
            Environment::Live => &self.live,
        }
    }

    pub fn get_mut(&mut self, env: Environment) -> &mut BTreeMap<GatewayKind, StoredGateway> {
        match env {
            Environment::Test => &mut self.test,
            Environment::Live => &mut self.live,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Project {
    pub id: String,
    pub account_id: String,
    pub slug: String,
    pub name: String,
    /// Default currency of its sessions (ISO 4217, lower-case).
    pub currency: String,
    /// Default for sessions: false = authorize only.
    #[serde(default = "yes")]
    pub capture: bool,
    #[serde(default)]
    pub customization: Customization,
    #[serde(default)]
    pub gateways: EnvGateways,
    /// Origins allowed to embed the form (`frame-ancestors`), as `url_policy::origin` serializes
    /// them. Empty = any, for test sessions only.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// One URL for both environments (the operator API's `webhook_url`). Ignored once
    /// `webhook_urls` is set (`crate::webhook::settings`).
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// A URL per environment, set from the dashboard.
    #[serde(default)]
    pub webhook_urls: Option<crate::webhook::settings::WebhookUrls>,
    /// Sealed like gateway credentials.
    #[serde(default)]
    pub webhook_secret_sealed: Option<String>,
    /// The secret before the last roll, still signing until `webhook_secret_previous_until`.
    #[serde(default)]
    pub webhook_secret_previous_sealed: Option<String>,
    #[serde(default)]
    pub webhook_secret_previous_until: Option<u64>,
    /// How long a session lives when its creator gives no `expires_in` (60–3600 s); `None`:
    /// `session::DEFAULT_EXPIRES_IN`.
    #[serde(default)]
    pub session_lifetime_secs: Option<u64>,
    /// Card-testing limits (docs/card-testing.md); the defaults until the operator sets them.
    #[serde(default)]
    pub card_testing: crate::guard::Limits,
    /// The widget's color scheme (`light`, `dark`, `auto`) when a session gives none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_scheme: Option<String>,
    /// The form's BCP 47 locale (canonical, as a session's) when a session gives none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    pub created_at: u64,
}

fn yes() -> bool {
    true
}

/// The range a session's lifetime may take, seconds (the same as `expires_in`).
pub const SESSION_LIFETIME_RANGE: std::ops::RangeInclusive<u64> = 60..=3600;

impl Project {
    /// Seconds a new session lives when its creator gives no `expires_in`.
    pub fn session_lifetime(&self) -> u64 {
        self.session_lifetime_secs
            .filter(|s| SESSION_LIFETIME_RANGE.contains(s))
            .unwrap_or(crate::session::DEFAULT_EXPIRES_IN)
    }

    /// Where this project's `gw` credentials in `env` are sealed (`crate::seal`).
    pub fn credentials_slot(&self, env: Environment, gw: GatewayKind) -> Slot<'_> {
        Slot::Credentials {
            project_id: &self.id,
            environment: env.as_str(),
            gateway: gw.as_str(),
        }
    }

    /// Where this project's webhook secret is sealed.
    pub fn webhook_secret_slot(&self) -> Slot<'_> {
        Slot::WebhookSecret {
            project_id: &self.id,
        }
    }

    /// Gateways configured in `env`, by name.
    pub fn gateway_names(&self, env: Environment) -> Vec<&'static str> {
        self.gateways.get(env).keys().map(|g| g.as_str()).collect()
    }

    /// The `frame-ancestors` source list for the hosted form. Test forms may also be framed by
    /// our own origin: the dashboard's live preview is a test session shown on the edge's page.
    /// Each stored origin is checked again against today's URL policy (`url_policy::origin`):
    /// one stored before it (or written to KV by other means) that fails is left out, so it
    /// can only narrow who may frame the form, never widen it.
    pub fn frame_ancestors(&self, env: Environment, at: Deployment) -> String {
        let valid: Vec<String> = self
            .allowed_origins
            .iter()
            .filter_map(|o| url_policy::origin(o, at).ok())
            .collect();
        match (env, self.allowed_origins.is_empty(), valid.is_empty()) {
            (Environment::Test, true, _) => "*".into(),
            // Live forms need an explicit list: refuse embedding until one is set.
            (Environment::Live, _, true) => "'none'".into(),
            (Environment::Test, false, _) => ["'self'".to_string(), valid.join(" ")]
                .join(" ")
                .trim_end()
                .to_string(),
            (Environment::Live, _, false) => valid.join(" "),
        }
    }
}

/// Slugs: lower-case letters, digits and dashes, 1–64, starting with a letter or digit.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
}

/// Canonical lower-case UUID (8-4-4-4-12 hex).
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_uuids() {
        assert!(is_slug("demo"));
        assert!(is_slug("my-shop-2"));
        assert!(!is_slug("Demo"));
        assert!(!is_slug("-x"));
        assert!(is_uuid("0b1d7c9e-3f6a-4e1b-9c2d-5a6b7c8d9e0f"));
        assert!(!is_uuid("0b1d7c9e3f6a4e1b9c2d5a6b7c8d9e0f"));
        assert!(!is_uuid("0B1D7C9E-3F6A-4E1B-9C2D-5A6B7C8D9E0F"));
    }

    #[test]
    fn session_lifetime_defaults_and_stays_in_range() {
        let mut p: Project = serde_json::from_value(serde_json::json!({
            "id": "p", "account_id": "a", "slug": "s", "name": "n", "currency": "usd",
            "created_at": 0
        }))
        .unwrap();
        assert_eq!(p.session_lifetime(), crate::session::DEFAULT_EXPIRES_IN);
        p.session_lifetime_secs = Some(900);
        assert_eq!(p.session_lifetime(), 900);
        // A value outside the range (written by other means) falls back to the default.
        p.session_lifetime_secs = Some(10);
        assert_eq!(p.session_lifetime(), crate::session::DEFAULT_EXPIRES_IN);
    }

    #[test]
    fn frame_ancestors_per_environment() {
        let mut p: Project = serde_json::from_value(serde_json::json!({
            "id": "p", "account_id": "a", "slug": "s", "name": "n", "currency": "usd",
            "created_at": 0
        }))
        .unwrap();
        use Deployment::{Deployed, LocalDev};
        use Environment::{Live, Test};
        let shop = "https://shop.example.com";
        let evil = "http://localhost.evil.tld";
        let local = "http://localhost:8080";
        // (stored origins, environment, deployment, frame-ancestors)
        let cases: &[(&[&str], Environment, Deployment, &str)] = &[
            (&[], Test, Deployed, "*"),
            (&[], Live, Deployed, "'none'"),
            // The dashboard preview (a test session on our own origin) keeps working.
            (&[shop], Test, Deployed, "'self' https://shop.example.com"),
            (&[shop], Live, Deployed, "https://shop.example.com"),
            // Origins stored before the URL policy are checked again and dropped when they fail.
            (&[evil, shop], Live, Deployed, "https://shop.example.com"),
            (&[evil], Live, Deployed, "'none'"),
            (&[evil], Test, Deployed, "'self'"),
            // Loopback origins only in local development.
            (&[local], Test, Deployed, "'self'"),
            (&[local], Test, LocalDev, "'self' http://localhost:8080"),
        ];
        for (origins, env, at, expected) in cases {
            p.allowed_origins = origins.iter().map(|o| o.to_string()).collect();
            assert_eq!(
                p.frame_ancestors(*env, *at),
                *expected,
                "{origins:?} {env:?} {at:?}"
            );
        }
    }
}
