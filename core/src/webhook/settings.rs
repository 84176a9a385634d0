//! A project's webhook settings as the dashboard edits them: a URL per environment, a secret
//! roll during which the previous secret keeps signing, and the "send a test event" delivery.
//!
//! URLs: a project starts with the operator API's single `webhook_url`, used for both
//! environments. The first per-environment change copies that URL into both environments and
//! from then on each environment has its own (`webhook_urls`); the operator setting
//! `webhook_url` again goes back to one URL for both.

use super::delivery::{Delivery, DeliveryStatus};
use super::Event;
use crate::auth::Environment;
use crate::model::Project;
use crate::time::rfc3339;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The longest overlap a roll may keep the previous secret signing: 7 days.
pub const MAX_OVERLAP_SECS: u64 = 7 * 24 * 3600;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookUrls {
    #[serde(default)]
    pub test: Option<String>,
    #[serde(default)]
    pub live: Option<String>,
}

impl Project {
    /// The URL receiving events of `env`. Events of no environment (card testing) go to the
    /// live URL, else the test one.
    pub fn webhook_url_for(&self, env: Option<Environment>) -> Option<&str> {
        let Some(urls) = &self.webhook_urls else {
            return self.webhook_url.as_deref();
        };
        match env {
            Some(Environment::Test) => urls.test.as_deref(),
            Some(Environment::Live) => urls.live.as_deref(),
            None => urls.live.as_deref().or(urls.test.as_deref()),
        }
    }

    /// Both environments' URLs as they are in effect now.
    pub fn webhook_urls_view(&self) -> WebhookUrls {
        WebhookUrls {
            test: self
                .webhook_url_for(Some(Environment::Test))
                .map(str::to_string),
            live: self
                .webhook_url_for(Some(Environment::Live))
                .map(str::to_string),
        }
    }

    /// Sets (or with `None` clears) the URL of one environment, leaving the other as it was.
    pub fn set_webhook_url(&mut self, env: Environment, url: Option<String>) {
        let mut urls = self.webhook_urls_view();
        match env {
            Environment::Test => urls.test = url,
            Environment::Live => urls.live = url,
        }
        self.webhook_urls = Some(urls);
        self.webhook_url = None;
    }

    /// The operator's single URL for both environments.
    pub fn set_single_webhook_url(&mut self, url: Option<String>) {
        self.webhook_url = url;
        self.webhook_urls = None;
    }

    /// A new sealed secret replaces the current one; the current one keeps signing until
    /// `now + overlap_secs` (none when 0, or when there was no secret).
    pub fn roll_webhook_secret(&mut self, new_sealed: String, now: u64, overlap_secs: u64) {
        let old = self.webhook_secret_sealed.replace(new_sealed);
        match old.filter(|_| overlap_secs > 0) {
            Some(old) => {
                self.webhook_secret_previous_sealed = Some(old);
                self.webhook_secret_previous_until = Some(now + overlap_secs.min(MAX_OVERLAP_SECS));
            }
            None => {
                self.webhook_secret_previous_sealed = None;
                self.webhook_secret_previous_until = None;
            }
        }
    }

    /// The sealed secrets that sign at `now`: the current one first, then the previous one
    /// while its overlap lasts.
    pub fn webhook_secrets_sealed(&self, now: u64) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .webhook_secret_sealed
            .iter()
            .map(String::as_str)
            .collect();
        if let (Some(prev), Some(until)) = (
            &self.webhook_secret_previous_sealed,
            self.webhook_secret_previous_until,
        ) {
            if now < until {
                out.push(prev);
            }
        }
        out
    }

    /// The dashboard's view of the settings: URLs in effect, whether a secret is set, and
    /// until when the previous one still signs. Never a secret.
    pub fn webhook_settings_view(&self, now: u64) -> Value {
        let overlap = self
            .webhook_secret_previous_until
            .filter(|u| *u > now && self.webhook_secret_previous_sealed.is_some());
        json!({
            "urls": self.webhook_urls_view(),
            "secret_set": self.webhook_secret_sealed.is_some(),
            "previous_secret_until": overlap.map(rfc3339),
        })
    }
}

/// The "send a test event" delivery: a `webhook.test` body naming the project and the
/// environment, signed and delivered like any event (no session, no money).
pub fn test_delivery(id: String, project: &Project, env: Environment, now: u64) -> Delivery {
    let body = json!({
        "event": Event::WebhookTest.as_str(),
        "project": project.slug,
        "environment": env.as_str(),
        "created_at": rfc3339(now),
    });
    Delivery {
        id,
        project_id: project.id.clone(),
        session_id: String::new(),
        event: Event::WebhookTest,
        environment: Some(env),
        created_at: now,
        body: body.to_string(),
        status: DeliveryStatus::Pending,
        attempts: Vec::new(),
        round_start: 0,
        next_attempt_at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Environment::{Live, Test};

    fn project() -> Project {
        serde_json::from_value(json!({
            "id": "p", "account_id": "a", "slug": "shop", "name": "n", "currency": "usd",
            "created_at": 0
        }))
        .unwrap()
    }

    #[test]
    fn one_operator_url_serves_both_until_an_environment_gets_its_own() {
        let mut p = project();
        assert_eq!(p.webhook_url_for(Some(Test)), None);
        p.set_single_webhook_url(Some("https://a.example/h".into()));
        for env in [Some(Test), Some(Live), None] {
            assert_eq!(p.webhook_url_for(env), Some("https://a.example/h"));
        }
        // Changing test keeps live on the URL it had.
        p.set_webhook_url(Test, Some("https://t.example/h".into()));
        assert_eq!(p.webhook_url_for(Some(Test)), Some("https://t.example/h"));
        assert_eq!(p.webhook_url_for(Some(Live)), Some("https://a.example/h"));
        assert_eq!(p.webhook_url_for(None), Some("https://a.example/h"));
        // Clearing live stops live events only; no-environment events fall back to test.
        p.set_webhook_url(Live, None);
        assert_eq!(p.webhook_url_for(Some(Live)), None);
        assert_eq!(p.webhook_url_for(None), Some("https://t.example/h"));
        assert_eq!(
            p.webhook_urls_view(),
            WebhookUrls {
                test: Some("https://t.example/h".into()),
                live: None
            }
        );
        // The operator's single URL replaces both again.
        p.set_single_webhook_url(Some("https://b.example/h".into()));
        assert_eq!(p.webhook_url_for(Some(Live)), Some("https://b.example/h"));
        assert_eq!(p.webhook_url_for(Some(Test)), Some("https://b.example/h"));
    }

    #[test]
    fn a_roll_keeps_the_previous_secret_signing_for_the_overlap() {
        let mut p = project();
        p.roll_webhook_secret("s1".into(), 100, 3600);
        // No previous secret: nothing overlaps.
        assert_eq!(p.webhook_secrets_sealed(100), ["s1"]);
        p.roll_webhook_secret("s2".into(), 200, 3600);
        assert_eq!(p.webhook_secrets_sealed(200), ["s2", "s1"]);
        assert_eq!(p.webhook_secrets_sealed(3799), ["s2", "s1"]);
        assert_eq!(p.webhook_secrets_sealed(3800), ["s2"]);
        let v = p.webhook_settings_view(300);
        assert_eq!(v["secret_set"], true);
        assert_eq!(v["previous_secret_until"], rfc3339(3800));
        assert_eq!(
            p.webhook_settings_view(3800)["previous_secret_until"],
            Value::Null
        );
        // A roll with no overlap drops the previous secret at once.
        p.roll_webhook_secret("s3".into(), 300, 0);
        assert_eq!(p.webhook_secrets_sealed(300), ["s3"]);
        // The overlap is capped.
        p.roll_webhook_secret("s4".into(), 0, u64::MAX / 2);
        assert_eq!(p.webhook_secret_previous_until, Some(MAX_OVERLAP_SECS));
        assert!(!p.webhook_settings_view(0).to_string().contains("s3"));
    }

    #[test]
    fn the_test_event_names_project_and_environment() {
        let d = test_delivery("d1".into(), &project(), Live, 1_767_225_600);
        let body: Value = serde_json::from_str(&d.body).unwrap();
        assert_eq!(
            body,
            json!({"event": "webhook.test", "project": "shop", "environment": "live",
                   "created_at": "2026-01-01T00:00:00Z"})
        );
        assert_eq!(d.environment, Some(Live));
        assert_eq!(d.view()["environment"], "live");
        assert_eq!(d.view()["body"], d.body);
    }
}
