use super::super::testutil::errors;
use super::*;
use crate::url_policy::Deployment::{Deployed, LocalDev};
use serde_json::json;

fn project() -> Project {
    new_project(&json!({"slug": "shop", "name": "Shop"}))
        .unwrap()
        .into_project("p".into(), "a".into(), 0)
}

fn pairs(want: &[(&str, &str)]) -> Vec<(String, String)> {
    want.iter()
        .map(|(l, t)| (l.to_string(), t.to_string()))
        .collect()
}

#[test]
fn create_defaults_and_errors() {
    let p = project();
    assert_eq!((p.currency.as_str(), p.capture), ("usd", true));
    assert_eq!((p.color_scheme.clone(), p.locale.clone()), (None, None));
    let cases: Vec<(Value, Vec<(&str, &str)>)> = vec![
        (
            json!({"slug": "a-1", "name": "A", "currency": "eur", "capture": false}),
            vec![],
        ),
        (json!({"name": "A"}), vec![("body.slug", "missing")]),
        (
            json!({"slug": "A", "name": "A"}),
            vec![("body.slug", "string_pattern_mismatch")],
        ),
        (
            json!({"slug": "-a", "name": "A"}),
            vec![("body.slug", "string_pattern_mismatch")],
        ),
        (json!({"slug": "a"}), vec![("body.name", "missing")]),
        (
            json!({"slug": "a", "name": "A", "currency": "EUR"}),
            vec![("body.currency", "string_pattern_mismatch")],
        ),
        (
            json!({"slug": "a", "name": "A", "currency": "zzz"}),
            vec![("body.currency", "value_error")],
        ),
        (
            json!({"slug": "a", "name": "A", "capture": "no"}),
            vec![("body.capture", "bool_type")],
        ),
        (
            json!({"slug": "a", "name": "A", "gateway": "x"}),
            vec![("body.gateway", "extra_forbidden")],
        ),
    ];
    for (body, want) in cases {
        match new_project(&body) {
            Ok(_) => assert!(want.is_empty(), "{body}"),
            Err(e) => assert_eq!(errors(e), pairs(&want), "{body}"),
        }
    }
}

/// (body, deployment, error (loc, type)s); an empty list: it validates.
#[test]
fn patch_rules() {
    type Errors = Vec<(&'static str, &'static str)>;
    let cases: Vec<(Value, Deployment, Errors)> = vec![
        (json!({}), Deployed, vec![]),
        (
            json!({"currency": "jpy", "capture": false, "name": "N"}),
            Deployed,
            vec![],
        ),
        (
            json!({"currency": "JPY"}),
            Deployed,
            vec![("body.currency", "string_pattern_mismatch")],
        ),
        (
            json!({"currency": "zzz"}),
            Deployed,
            vec![("body.currency", "value_error")],
        ),
        (json!({"session_lifetime_secs": 60}), Deployed, vec![]),
        (json!({"session_lifetime_secs": 3600}), Deployed, vec![]),
        (
            json!({"session_lifetime_secs": 59}),
            Deployed,
            vec![("body.session_lifetime_secs", "greater_than_equal")],
        ),
        (
            json!({"session_lifetime_secs": 3601}),
            Deployed,
            vec![("body.session_lifetime_secs", "less_than_equal")],
        ),
        (
            json!({"allowed_origins": ["https://shop.example.com"]}),
            Deployed,
            vec![],
        ),
        (
            json!({"allowed_origins": ["https://shop.example.com/path", 3]}),
            Deployed,
            vec![
                ("body.allowed_origins.0", "value_error"),
                ("body.allowed_origins.1", "string_type"),
            ],
        ),
        (
            json!({"allowed_origins": "https://shop.example.com"}),
            Deployed,
            vec![("body.allowed_origins", "list_type")],
        ),
        (
            json!({"allowed_origins": ["http://localhost:8080"]}),
            Deployed,
            vec![("body.allowed_origins.0", "value_error")],
        ),
        (
            json!({"allowed_origins": ["http://localhost:8080"]}),
            LocalDev,
            vec![],
        ),
        (
            json!({"webhook_url": "https://hooks.example.com/x?y=1"}),
            Deployed,
            vec![],
        ),
        (json!({"webhook_url": null}), Deployed, vec![]),
        (
            json!({"webhook_url": "http://hooks.example.com/"}),
            Deployed,
            vec![("body.webhook_url", "value_error")],
        ),
        (
            json!({"color_scheme": "dark", "locale": "de"}),
            Deployed,
            vec![],
        ),
        (
            json!({"color_scheme": null, "locale": null}),
            Deployed,
            vec![],
        ),
        (
            json!({"color_scheme": "black"}),
            Deployed,
            vec![("body.color_scheme", "literal_error")],
        ),
        (
            json!({"locale": "not a tag!"}),
            Deployed,
            vec![("body.locale", "value_error")],
        ),
        (
            json!({"locale": 7}),
            Deployed,
            vec![("body.locale", "string_type")],
        ),
        (
            json!({"card_testing": {"ip_per_min": 0}}),
            Deployed,
            vec![("body.card_testing.ip_per_min", "greater_than_equal")],
        ),
        (
            json!({"theme": {"nope": 1}}),
            Deployed,
            vec![("body.theme.nope", "extra_forbidden")],
        ),
        (
            json!({"slug": "x"}),
            Deployed,
            vec![("body.slug", "extra_forbidden")],
        ),
    ];
    let p = project();
    for (body, at, want) in cases {
        match project_patch(&body, &p, at) {
            Ok(_) => assert!(want.is_empty(), "{body} passed, wanted {want:?}"),
            Err(e) => assert_eq!(errors(e), pairs(&want), "{body}"),
        }
    }
}

#[test]
fn patch_applies_only_what_it_names() {
    let mut p = project();
    p.allowed_origins = vec!["https://a.example.com".into()];
    p.webhook_url = Some("https://hooks.example.com/".into());
    let body = json!({
        "locale": "de-ch", "color_scheme": "dark", "capture": false,
        "card_testing": {"ip_per_min": 7}, "labels": {"title": "Pay"}
    });
    let before = p.card_testing;
    project_patch(&body, &p.clone(), Deployed)
        .unwrap()
        .apply(&mut p);
    assert_eq!(p.locale.as_deref(), Some("de-CH"), "stored canonical");
    assert_eq!(p.color_scheme.as_deref(), Some("dark"));
    assert!(!p.capture);
    assert_eq!(p.card_testing.ip_per_min, 7);
    assert_eq!(
        p.card_testing.cooldown_secs, before.cooldown_secs,
        "merged over the current"
    );
    assert_eq!(
        p.allowed_origins,
        vec!["https://a.example.com"],
        "untouched"
    );
    assert_eq!(p.webhook_url.as_deref(), Some("https://hooks.example.com/"));
    assert_eq!(p.customization.labels.title, "Pay");
    // null clears the defaults and the webhook URL.
    let body = json!({"locale": null, "color_scheme": null, "webhook_url": null});
    project_patch(&body, &p.clone(), Deployed)
        .unwrap()
        .apply(&mut p);
    assert_eq!((p.locale.clone(), p.color_scheme.clone()), (None, None));
    assert_eq!(p.webhook_url, None);
    // Origins are stored as the URL policy serializes them.
    let body = json!({"allowed_origins": ["HTTPS://Shop.Example.COM:443"]});
    project_patch(&body, &p.clone(), Deployed)
        .unwrap()
        .apply(&mut p);
    assert_eq!(p.allowed_origins, vec!["https://shop.example.com"]);
}

/// (body, whether a member may send it)
#[test]
fn members_keep_customize_owners_keep_settings() {
    let cases: Vec<(Value, bool)> = vec![
        (json!({"theme": {"primary_color": "#000000"}}), true),
        (
            json!({"labels": {"title": "Pay"}, "fields": {"postal_code": "hidden"}}),
            true,
        ),
        (json!({"name": "Shop", "webhook_url": null}), true),
        (json!({}), true),
        (json!({"allowed_origins": []}), false),
        (json!({"currency": "eur"}), false),
        (json!({"capture": true}), false),
        (json!({"session_lifetime_secs": 600}), false),
        (json!({"color_scheme": "dark"}), false),
        (json!({"locale": null}), false),
        (json!({"card_testing": {}}), false),
        (
            json!({"theme": {}, "allowed_origins": ["https://x.example.com"]}),
            false,
        ),
    ];
    for (body, ok) in cases {
        let got = member_may_patch(&body);
        assert_eq!(got.is_ok(), ok, "{body}");
        if let Err(e) = got {
            let b = e.body();
            assert_eq!(e.status(), 403, "{body}");
            assert_eq!(b["error_code"], "owner_required", "{b}");
        }
    }
    let e = member_may_patch(&json!({"currency": "eur", "allowed_origins": []})).unwrap_err();
    assert!(
        e.body()["detail"]
            .as_str()
            .unwrap()
            .contains("allowed_origins, currency"),
        "{}",
        e.body()
    );
}
