//! What each gateway's credentials are made of. Each gateway's module holds its own field list
//! (`<gateway>/credentials.rs`: `FIELDS`, `parse`), next to its API hosts and key prefixes;
//! this file dispatches on the gateway and holds what they share.

use super::{authorizenet, braintree, shift4, stripe, Credentials, GatewayKind};
use crate::secret::Secret;
use crate::validate::Fields;
use serde::Serialize;

/// Longest value a secret credential field takes.
pub const MAX_SECRET_CHARS: usize = 200;

/// One field of a gateway's credentials, as the API takes it under `credentials`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CredentialField {
    pub name: &'static str,
    /// What the gateway's own dashboard calls it.
    pub label: &'static str,
    /// Sealed at rest and never shown again (write-only).
    pub secret: bool,
    pub required: bool,
}

impl CredentialField {
    /// A required, write-only string.
    pub const fn secret(name: &'static str, label: &'static str) -> Self {
        CredentialField {
            name,
            label,
            secret: true,
            required: true,
        }
    }

    /// An optional setting that is not a secret.
    pub const fn setting(name: &'static str, label: &'static str) -> Self {
        CredentialField {
            name,
            label,
            secret: false,
            required: false,
        }
    }
}

impl GatewayKind {
    /// The fields of this gateway's `credentials` object.
    pub fn credential_fields(self) -> &'static [CredentialField] {
        match self {
            GatewayKind::Stripe => stripe::credentials::FIELDS,
            GatewayKind::Authorizenet => authorizenet::credentials::FIELDS,
            GatewayKind::Braintree => braintree::credentials::FIELDS,
            GatewayKind::Shift4 => shift4::credentials::FIELDS,
        }
    }

    /// Reads this gateway's `credentials` object; `None` when invalid (the errors are in `f`).
    pub fn parse_credentials(self, f: &mut Fields<'_>) -> Option<Credentials> {
        match self {
            GatewayKind::Stripe => stripe::credentials::parse(f),
            GatewayKind::Authorizenet => authorizenet::credentials::parse(f),
            GatewayKind::Braintree => braintree::credentials::parse(f),
            GatewayKind::Shift4 => shift4::credentials::parse(f),
        }
    }
}

/// One gateway as the dashboard's Gateways page lists it (`GET /v1/dashboard/gateways`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GatewayInfo {
    pub gateway: GatewayKind,
    pub name: &'static str,
    pub fields: &'static [CredentialField],
}

/// Every gateway with its credential fields, in the order the dashboard shows them: the page
/// builds its forms from this and keeps no copy of the field lists.
pub fn catalog() -> [GatewayInfo; 4] {
    GatewayKind::ALL.map(|gateway| GatewayInfo {
        gateway,
        name: gateway.display_name(),
        fields: gateway.credential_fields(),
    })
}

/// A required secret string field.
pub(crate) fn secret(f: &mut Fields<'_>, name: &'static str) -> Option<Secret> {
    f.string(name, true, false, MAX_SECRET_CHARS)
        .map(Secret::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The catalog as the dashboard reads it: each gateway once, its id, name and the fields
    /// its parser reads, secrets flagged.
    #[test]
    fn catalog_lists_every_gateway_with_its_fields() {
        let v = serde_json::to_value(catalog()).unwrap();
        let ids: Vec<&str> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["gateway"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["stripe", "authorizenet", "braintree", "shift4"]);
        assert_eq!(v[1]["name"], "Authorize.net");
        assert_eq!(
            v[1]["fields"][0],
            serde_json::json!({"name": "api_login_id", "label": "API login ID", "secret": true, "required": true})
        );
        let braintree_settings: Vec<&str> = v[2]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["secret"] == false)
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            braintree_settings,
            [
                "merchant_account_id",
                "merchant_accounts",
                "default_currency"
            ]
        );
    }

    /// Every field a parser reads is in its gateway's list, and the secret ones are exactly
    /// the `Secret`s of `Credentials` (so the dashboard never shows them again).
    #[test]
    fn field_lists_match_the_parsers() {
        let cases: [(GatewayKind, &[&str], &[&str]); 4] = [
            (GatewayKind::Stripe, &["secret_key"], &[]),
            (GatewayKind::Shift4, &["secret_key"], &[]),
            (
                GatewayKind::Authorizenet,
                &["api_login_id", "transaction_key"],
                &[],
            ),
            (
                GatewayKind::Braintree,
                &["public_key", "private_key"],
                &[
                    "merchant_account_id",
                    "merchant_accounts",
                    "default_currency",
                ],
            ),
        ];
        for (gw, secrets, settings) in cases {
            let fields = gw.credential_fields();
            let names = |secret: bool| -> Vec<&str> {
                fields
                    .iter()
                    .filter(|f| f.secret == secret)
                    .map(|f| f.name)
                    .collect()
            };
            assert_eq!(names(true), secrets, "{gw:?}");
            assert_eq!(names(false), settings, "{gw:?}");
            assert!(fields.iter().all(|f| f.secret == f.required), "{gw:?}");
            // An object with exactly the required fields parses; each one missing is reported.
            let full: serde_json::Map<String, serde_json::Value> = secrets
                .iter()
                .map(|n| (n.to_string(), serde_json::json!("v")))
                .collect();
            let v = serde_json::Value::Object(full);
            let mut f = Fields::new(&v, vec![]);
            assert!(gw.parse_credentials(&mut f).is_some(), "{gw:?}");
            assert!(f.finish().is_empty(), "{gw:?}");
            let empty = serde_json::json!({});
            let mut f = Fields::new(&empty, vec![]);
            assert!(gw.parse_credentials(&mut f).is_none(), "{gw:?}");
            let missing: Vec<String> = f
                .finish()
                .iter()
                .map(|e| serde_json::to_value(&e.loc).unwrap()[0].to_string())
                .collect();
            let want: Vec<String> = secrets.iter().map(|n| format!("\"{n}\"")).collect();
            assert_eq!(missing, want, "{gw:?}");
        }
    }
}
