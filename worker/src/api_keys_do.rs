//! `AccountKeys`, one Durable Object per account (named `keys:<account id>`): the strongly
//! consistent registry of `maven_core::api_keys`. Every key check that misses the isolate's
//! short memo asks it, so a revoke here holds everywhere within `VERDICT_TTL_MS`.

use maven_core::api_keys::{KeyEntry, KeyRing};
use maven_core::error::ApiError;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::cell::RefCell;
use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

const KEY: &str = "ring";

#[durable_object]
pub struct AccountKeys {
    state: State,
    ring: RefCell<Option<KeyRing>>,
}

#[derive(Deserialize)]
struct CheckReq {
    key_id: String,
    now: u64,
}

#[derive(Deserialize)]
struct RevokeReq {
    key_id: String,
    now: u64,
}

#[derive(Deserialize)]
struct RollReq {
    key_id: String,
    new: KeyEntry,
    expires_in: u64,
    now: u64,
}

#[derive(Deserialize)]
struct ListReq {
    now: u64,
}

/// Refusals travel as a variant, not a status code (see `objects.rs`).
#[derive(Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Reply<T> {
    Ok {
        value: T,
    },
    Refused {
        status: u16,
        body: serde_json::Value,
    },
}

impl<T> Reply<T> {
    pub fn into_result(self) -> std::result::Result<T, ApiError> {
        match self {
            Reply::Ok { value } => Ok(value),
            Reply::Refused { status, body } => Err(refusal(status, &body)),
        }
    }
}

/// Rebuilds the `ApiError` an object refused with (the kinds `KeyRing` and `Team` produce).
fn refusal(status: u16, body: &serde_json::Value) -> ApiError {
    let detail = body["detail"].as_str().unwrap_or_default().to_string();
    let code = serde_json::from_value(body["error_code"].clone());
    match (status, code) {
        (401, _) => ApiError::Unauthorized(detail),
        (403, Ok(code)) => ApiError::Forbidden { detail, code },
        (404, _) => ApiError::NotFound(detail),
        (429, Ok(code)) => ApiError::RateLimited {
            detail,
            code,
            retry_after: body["retry_after"].as_u64().unwrap_or(60),
        },
        (400, Ok(code)) => ApiError::BadRequest { detail, code },
        (409, Ok(code)) => ApiError::Conflict { detail, code },
        _ => ApiError::Internal(detail),
    }
}

fn reply<T: Serialize>(r: std::result::Result<T, ApiError>) -> serde_json::Value {
    match r {
        Ok(value) => json!(Reply::Ok { value }),
        Err(e) => json!(Reply::<()>::Refused {
            status: e.status(),
            body: e.body()
        }),
    }
}

impl DurableObject for AccountKeys {
    fn new(state: State, _env: Env) -> Self {
        AccountKeys {
            state,
            ring: RefCell::new(None),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        if self.ring.borrow().is_none() {
            let stored: Option<KeyRing> = self.state.storage().get(KEY).await?;
            let mut ring = self.ring.borrow_mut();
            if ring.is_none() {
                *ring = Some(stored.unwrap_or_default());
            }
        }
        let (answer, changed) = match req.path().as_str() {
            "/add" => {
                let e: KeyEntry = req.json().await?;
                self.with(|r| r.add(e));
                (json!(Reply::Ok { value: () }), true)
            }
            "/list" => {
                let l: ListReq = req.json().await?;
                (reply(Ok(self.with(|r| r.list(l.now)))), false)
            }
            "/check" => {
                let c: CheckReq = req.json().await?;
                let (verdict, touched) = self.with(|r| r.check(&c.key_id, c.now));
                (json!(verdict), touched)
            }
            "/revoke" => {
                let c: RevokeReq = req.json().await?;
                let r = self.with(|r| r.revoke(&c.key_id, c.now).map(|k| k.view(c.now)));
                let ok = r.is_ok();
                (reply(r), ok)
            }
            "/roll" => {
                let c: RollReq = req.json().await?;
                let r = self.with(|r| {
                    r.roll(&c.key_id, c.new, c.expires_in, c.now)
                        .map(|(old, new)| (old.view(c.now), new.view(c.now)))
                });
                let ok = r.is_ok();
                (reply(r), ok)
            }
            _ => return Response::error("Not Found", 404),
        };
        if changed {
            // Persist before answering: a revoke the operator was told about survives restarts.
            let snapshot = self.ring.borrow().clone().unwrap_or_default();
            self.state.storage().put(KEY, &snapshot).await?;
        }
        Response::from_json(&answer)
    }
}

impl AccountKeys {
    fn with<T>(&self, f: impl FnOnce(&mut KeyRing) -> T) -> T {
        let mut guard = self.ring.borrow_mut();
        f(guard.get_or_insert_with(Default::default))
    }
}
