//! The account's audit log: who changed API keys, gateway credentials, webhook settings,
//! embedding origins, customization and settings, invited or added users, and when. The
//! operator's actions are recorded like a user's. Sans-I/O; the worker keeps the log in the
//! account's team object, capped at `MAX_ENTRIES` (oldest dropped first).

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::VecDeque;

pub const MAX_ENTRIES: usize = 1_000;
pub const DEFAULT_LIMIT: usize = 50;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// The operator token (`/v1/admin`).
    Operator,
    User {
        user_id: String,
        email: String,
    },
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub at: u64,
    pub actor: Actor,
    /// `api_key.created`, `gateway.credentials_set`, `origins.updated`, …
    pub action: String,
    /// What it applied to: a key id, a project id, an e-mail address.
    pub target: String,
    /// Never a secret: names of changed fields, new non-secret values.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: Value,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditLog {
    pub entries: VecDeque<Entry>,
}

impl AuditLog {
    pub fn append(&mut self, e: Entry) {
        if self.entries.len() >= MAX_ENTRIES {
            self.entries.pop_front();
        }
        self.entries.push_back(e);
    }

    /// Newest first.
    pub fn list(&self, limit: usize) -> Vec<Entry> {
        self.entries.iter().rev().take(limit).cloned().collect()
    }
}

/// The audit actions of a project update (`PATCH …/projects/{id}` body): one per kind of
/// change, with the changed field names (and the new value for origins and the webhook URL,
/// which are not secret).
pub fn project_changes(body: &Value) -> Vec<(&'static str, Value)> {
    let Some(obj) = body.as_object() else {
        return vec![];
    };
    let mut out = Vec::new();
    if let Some(v) = obj.get("allowed_origins") {
        out.push(("origins.updated", json!({"allowed_origins": v})));
    }
    if let Some(v) = obj.get("webhook_url") {
        out.push(("webhook.url_updated", json!({"webhook_url": v})));
    }
    let changed: Vec<String> = ["theme", "labels", "fields"]
        .iter()
        .filter_map(|group| Some((group, obj.get(*group)?.as_object()?)))
        .flat_map(|(group, m): (&&str, &Map<String, Value>)| {
            m.keys().map(move |k| format!("{group}.{k}"))
        })
        .collect();
    if !changed.is_empty() {
        out.push(("customization.updated", json!({ "changed": changed })));
    }
    let settings: Vec<&str> = [
        "name",
        "currency",
        "capture",
        "session_lifetime_secs",
        "color_scheme",
        "locale",
    ]
    .into_iter()
    .filter(|k| obj.contains_key(*k))
    .collect();
    if !settings.is_empty() {
        let values: Map<String, Value> = settings
            .iter()
            .map(|k| (k.to_string(), obj[*k].clone()))
            .collect();
        out.push(("settings.updated", Value::Object(values)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u64) -> Entry {
        Entry {
            id: format!("e{n}"),
            at: n,
            actor: Actor::Operator,
            action: "api_key.created".into(),
            target: "k".into(),
            details: Value::Null,
        }
    }

    #[test]
    fn newest_first_and_capped() {
        let mut log = AuditLog::default();
        for n in 0..(MAX_ENTRIES as u64 + 5) {
            log.append(entry(n));
        }
        assert_eq!(log.entries.len(), MAX_ENTRIES);
        let l = log.list(3);
        assert_eq!(
            l.iter().map(|e| e.at).collect::<Vec<_>>(),
            vec![
                MAX_ENTRIES as u64 + 4,
                MAX_ENTRIES as u64 + 3,
                MAX_ENTRIES as u64 + 2
            ]
        );
        assert_eq!(log.entries.front().unwrap().at, 5, "the oldest went first");
    }

    #[test]
    fn project_updates_become_one_action_per_kind() {
        let body = json!({
            "allowed_origins": ["https://shop.example"],
            "webhook_url": null,
            "theme": {"primary_color": "#000000", "border_radius": 4},
            "labels": {"title": "Pay"},
            "name": "Shop",
            "capture": false
        });
        let got = project_changes(&body);
        assert_eq!(
            got.iter().map(|(a, _)| *a).collect::<Vec<_>>(),
            vec![
                "origins.updated",
                "webhook.url_updated",
                "customization.updated",
                "settings.updated"
            ]
        );
        assert_eq!(
            got[0].1,
            json!({"allowed_origins": ["https://shop.example"]})
        );
        assert_eq!(
            got[2].1,
            json!({"changed": ["theme.border_radius", "theme.primary_color", "labels.title"]})
        );
        assert_eq!(got[3].1, json!({"name": "Shop", "capture": false}));
        let got = project_changes(&json!({"color_scheme": "dark", "locale": null}));
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0],
            (
                "settings.updated",
                json!({"color_scheme": "dark", "locale": null})
            )
        );
        assert!(project_changes(&json!({})).is_empty());
        assert!(project_changes(&json!([1])).is_empty());
    }

    #[test]
    fn actors_serialize_tagged() {
        assert_eq!(
            serde_json::to_value(Actor::Operator).unwrap(),
            json!({"kind": "operator"})
        );
        let u = Actor::User {
            user_id: "u".into(),
            email: "a@b.test".into(),
        };
        assert_eq!(
            serde_json::to_value(u).unwrap(),
            json!({"kind": "user", "user_id": "u", "email": "a@b.test"})
        );
    }
}
