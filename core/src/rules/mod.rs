//! The validation rules of the operator API (`/v1/admin/…`) and the dashboard's
//! (`/v1/dashboard/…`): accounts, projects (currency, settings, embedding origins, webhook URL,
//! customization, per-project widget defaults) and gateway slots (base URL and credentials per
//! gateway). The worker parses the JSON body and calls these; each returns the typed request or
//! a 422 listing every problem (`loc`, `msg`, `type`, as FastAPI does).

pub mod gateway_slot;
pub mod project;

use crate::error::ApiError;
use crate::validate::Fields;
use serde_json::Value;

/// Longest account or project name.
pub const MAX_NAME_CHARS: usize = 100;

/// A 422 with every error `f` collected (unknown keys included), or nothing.
pub fn finish(f: Fields<'_>) -> Result<(), ApiError> {
    let errors = f.finish();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

/// `POST /v1/admin/accounts` `{"name"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub name: String,
}

pub fn new_account(body: &Value) -> Result<NewAccount, ApiError> {
    let mut f = Fields::new(body, vec!["body".into()]);
    let name = f.string("name", true, false, MAX_NAME_CHARS);
    finish(f)?;
    Ok(NewAccount {
        name: name.unwrap_or_default(),
    })
}

#[cfg(test)]
pub(crate) mod testutil {
    use crate::error::ApiError;
    use serde_json::Value;

    /// `(loc, type)` of each error of a 422, to compare with a table.
    pub fn errors(e: ApiError) -> Vec<(String, String)> {
        let body = e.body();
        body["detail"]
            .as_array()
            .unwrap_or_else(|| panic!("not a 422: {body}"))
            .iter()
            .map(|d| {
                let loc: Vec<String> = d["loc"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| match l {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect();
                (loc.join("."), d["type"].as_str().unwrap().to_string())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::errors;
    use super::*;
    use serde_json::json;

    #[test]
    fn accounts_need_a_name() {
        type Want = Result<&'static str, Vec<(&'static str, &'static str)>>;
        let cases: Vec<(Value, Want)> = vec![
            (json!({"name": "Shop"}), Ok("Shop")),
            (json!({}), Err(vec![("body.name", "missing")])),
            (json!({"name": 1}), Err(vec![("body.name", "string_type")])),
            (
                json!({"name": "x".repeat(101)}),
                Err(vec![("body.name", "string_too_long")]),
            ),
            (
                json!({"name": "Shop", "owner": "x"}),
                Err(vec![("body.owner", "extra_forbidden")]),
            ),
            (json!([]), Err(vec![("body", "dict_type")])),
        ];
        for (body, want) in cases {
            match (new_account(&body), want) {
                (Ok(a), Ok(name)) => assert_eq!(a.name, name),
                (Err(e), Err(want)) => {
                    let want: Vec<(String, String)> = want
                        .iter()
                        .map(|(l, t)| (l.to_string(), t.to_string()))
                        .collect();
                    assert_eq!(errors(e), want, "{body}");
                }
                (got, want) => panic!("{body}: {got:?} vs {want:?}"),
            }
        }
    }
}
