//! Braintree credentials: the public and private API keys, and which merchant account takes
//! which currency (a Braintree merchant account has one currency; docs/gateways.md).

use crate::error::{FieldError, Loc};
use crate::gateway::credentials::{secret, CredentialField};
use crate::gateway::Credentials;
use crate::validate::{currency_error, Fields};
use serde_json::Value;
use std::collections::BTreeMap;

/// Longest merchant account id.
const MAX_ACCOUNT_CHARS: usize = 100;

pub const FIELDS: &[CredentialField] = &[
    CredentialField::secret("public_key", "Public key"),
    CredentialField::secret("private_key", "Private key"),
    CredentialField::setting("merchant_account_id", "Merchant account ID"),
    CredentialField::setting("merchant_accounts", "Merchant account per currency"),
    CredentialField::setting("default_currency", "Currency of the default account"),
];

pub(crate) fn parse(f: &mut Fields<'_>) -> Option<Credentials> {
    let (public_key, private_key) = (secret(f, "public_key"), secret(f, "private_key"));
    let merchant_account_id = f.string("merchant_account_id", false, true, MAX_ACCOUNT_CHARS);
    let merchant_accounts = merchant_accounts(f);
    let default_currency = f.currency("default_currency");
    Some(Credentials::Braintree {
        public_key: public_key?,
        private_key: private_key?,
        merchant_account_id,
        merchant_accounts: merchant_accounts?,
        default_currency,
    })
}

/// `merchant_accounts`: `{"jpy": "<merchant account id>", …}`, one account per currency (keys
/// lower-case ISO 4217 codes on the allowlist, values 1–100 characters). `None` when invalid
/// (errors recorded); an empty map when absent.
fn merchant_accounts(f: &mut Fields<'_>) -> Option<BTreeMap<String, String>> {
    let loc = f.at("merchant_accounts");
    let value = match f.get("merchant_accounts") {
        None | Some(Value::Null) => return Some(BTreeMap::new()),
        Some(v) => v,
    };
    let Some(obj) = value.as_object() else {
        f.push(
            "merchant_accounts",
            "dict_type",
            "Input should be a valid dictionary",
        );
        return None;
    };
    let mut out = BTreeMap::new();
    let mut ok = true;
    for (currency, id) in obj {
        let mut at = loc.clone();
        at.push(Loc::Key(currency.clone()));
        if !crate::money::is_known_currency(currency) || currency.to_ascii_lowercase() != *currency
        {
            f.errors.push(currency_error(at, currency));
            ok = false;
            continue;
        }
        match id.as_str().map(str::trim) {
            Some(id) if !id.is_empty() && id.chars().count() <= MAX_ACCOUNT_CHARS => {
                out.insert(currency.clone(), id.to_string());
            }
            _ => {
                f.errors.push(FieldError::new(
                    at,
                    "string_type",
                    "Input should be a merchant account id (1 to 100 characters)",
                ));
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// (credentials object, accounts parsed, error types)
    #[test]
    fn merchant_accounts_per_currency() {
        let keys = json!({"public_key": "pub", "private_key": "priv"});
        let with = |extra: Value| {
            let mut v = keys.clone();
            v.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            v
        };
        type Accounts = Option<Vec<(&'static str, &'static str)>>;
        let cases: Vec<(Value, Accounts, Vec<&str>)> = vec![
            (keys.clone(), Some(vec![]), vec![]),
            (
                with(json!({"merchant_accounts": null})),
                Some(vec![]),
                vec![],
            ),
            (
                with(json!({"merchant_accounts": {"jpy": " acct-jpy ", "eur": "e"}})),
                Some(vec![("eur", "e"), ("jpy", "acct-jpy")]),
                vec![],
            ),
            (
                with(json!({"merchant_accounts": {"JPY": "x"}})),
                None,
                vec!["value_error"],
            ),
            (
                with(json!({"merchant_accounts": {"zzz": "x"}})),
                None,
                vec!["value_error"],
            ),
            (
                with(json!({"merchant_accounts": {"jpy": ""}})),
                None,
                vec!["string_type"],
            ),
            (
                with(json!({"merchant_accounts": {"jpy": "x".repeat(101)}})),
                None,
                vec!["string_type"],
            ),
            (
                with(json!({"merchant_accounts": ["jpy"]})),
                None,
                vec!["dict_type"],
            ),
            (
                with(json!({"default_currency": "zzz"})),
                Some(vec![]),
                vec!["value_error"],
            ),
        ];
        for (body, accounts, kinds) in cases {
            let mut f = Fields::new(&body, vec![]);
            let got = parse(&mut f);
            let errors: Vec<&str> = f.finish().iter().map(|e| e.kind).collect();
            assert_eq!(errors, kinds, "{body}");
            match (got, accounts) {
                (
                    Some(Credentials::Braintree {
                        merchant_accounts, ..
                    }),
                    Some(want),
                ) => {
                    let want: BTreeMap<String, String> = want
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect();
                    assert_eq!(merchant_accounts, want, "{body}");
                }
                (None, None) if !kinds.is_empty() => {}
                (got, want) => panic!("{body}: {got:?} vs {want:?}"),
            }
        }
    }
}
