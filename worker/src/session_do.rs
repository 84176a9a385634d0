//! `SessionState`, one Durable Object per session: the single, strongly consistent owner of the
//! charge state machine (`maven_core::charge`). The state is checked and changed in memory
//! synchronously, so concurrent submits are serialised without a race, then persisted.
//! The same class, named `idem:<account>:<env>:<key hash>`, holds one `Idempotency-Key` slot
//! (`maven_core::idempotency`) and deletes itself by alarm when the 24 h window ends.

use crate::http::{ApiResult, Ctx};
use maven_core::charge::{ChargeState, Claim};
use maven_core::error::ApiError;
use maven_core::gateway::Outcome;
use maven_core::idempotency::{IdemSlot, StoredReply, WINDOW_SECS};
use serde::Deserialize;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::time::Duration;
use worker::{
    durable_object, DurableObject, Env, Method, Request, RequestInit, Response, Result, State,
};

const KEY: &str = "charge";
const IDEM_KEY: &str = "idem";

#[durable_object]
pub struct SessionState {
    state: State,
    cached: RefCell<Option<ChargeState>>,
    idem: RefCell<Option<IdemSlot>>,
}

#[derive(Deserialize)]
struct BeginReq {
    now: u64,
    body_hash: String,
}

#[derive(Deserialize)]
struct ClaimReq {
    now: u64,
    fingerprint: String,
}

#[derive(Deserialize)]
struct FinishReq {
    attempt: u32,
    outcome: Outcome,
}

fn reply(r: std::result::Result<impl serde::Serialize, ApiError>) -> Result<Response> {
    match r {
        Ok(v) => Response::from_json(&v),
        Err(e) => Ok(Response::from_json(&e.body())?.with_status(e.status())),
    }
}

impl DurableObject for SessionState {
    fn new(state: State, _env: Env) -> Self {
        SessionState {
            state,
            cached: RefCell::new(None),
            idem: RefCell::new(None),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        if let Some(op) = req.path().strip_prefix("/idem/") {
            let op = op.to_string();
            return self.idempotency(&op, req).await;
        }
        if self.cached.borrow().is_none() {
            let stored: Option<ChargeState> = self.state.storage().get(KEY).await?;
            let mut cached = self.cached.borrow_mut();
            // Another request may have loaded it while this one awaited.
            if cached.is_none() {
                *cached = Some(stored.unwrap_or_default());
            }
        }
        let path = req.path();
        let result: std::result::Result<serde_json::Value, ApiError> = match path.as_str() {
            "/claim" => {
                let r: ClaimReq = req.json().await?;
                let mut guard = self.cached.borrow_mut();
                let st = guard.get_or_insert_with(Default::default);
                st.claim(r.now, &r.fingerprint)
                    .map(|c: Claim| serde_json::json!(c))
            }
            "/finish" => {
                let r: FinishReq = req.json().await?;
                let mut guard = self.cached.borrow_mut();
                let st = guard.get_or_insert_with(Default::default);
                st.finish(r.attempt, &r.outcome)
                    .map(|f| serde_json::json!(f))
            }
            _ => return Response::error("Not Found", 404),
        };
        // Persist before answering: what the worker is told is what survives a restart.
        let snapshot = self.cached.borrow().clone().unwrap_or_default();
        self.state.storage().put(KEY, &snapshot).await?;
        reply(result)
    }

    /// The Idempotency-Key window ended: forget the slot.
    async fn alarm(&self) -> Result<Response> {
        self.state.storage().delete_all().await?;
        *self.idem.borrow_mut() = None;
        Response::ok("")
    }
}

impl SessionState {
    async fn idempotency(&self, op: &str, mut req: Request) -> Result<Response> {
        if self.idem.borrow().is_none() {
            let stored: Option<IdemSlot> = self.state.storage().get(IDEM_KEY).await?;
            let mut slot = self.idem.borrow_mut();
            if slot.is_none() {
                *slot = Some(stored.unwrap_or_default());
            }
        }
        let result: std::result::Result<Value, ApiError> = match op {
            "begin" => {
                let r: BeginReq = req.json().await?;
                let mut guard = self.idem.borrow_mut();
                let slot = guard.get_or_insert_with(Default::default);
                slot.begin(&r.body_hash, r.now).map(|b| json!(b))
            }
            "finish" => {
                let r: StoredReply = req.json().await?;
                let mut guard = self.idem.borrow_mut();
                guard.get_or_insert_with(Default::default).finish(r);
                Ok(json!({}))
            }
            "abort" => {
                let mut guard = self.idem.borrow_mut();
                guard.get_or_insert_with(Default::default).abort();
                Ok(json!({}))
            }
            _ => return Response::error("Not Found", 404),
        };
        let snapshot = self.idem.borrow().clone().unwrap_or_default();
        self.state.storage().put(IDEM_KEY, &snapshot).await?;
        if op == "finish" {
            self.state
                .storage()
                .set_alarm(Duration::from_secs(WINDOW_SECS))
                .await?;
        }
        reply(result)
    }
}

/// The session's Durable Object stub.
pub struct SessionDo {
    stub: worker::Stub,
}

impl SessionDo {
    /// The object named `name`: a session id, or `idem:…` for an Idempotency-Key.
    pub fn new(ctx: &Ctx, name: &str) -> ApiResult<Self> {
        let ns = ctx
            .env
            .durable_object("SESSION_STATE")
            .map_err(|_| ApiError::Internal("SESSION_STATE binding is missing".into()))?;
        let stub = ns
            .id_from_name(name)
            .and_then(|id| id.get_stub())
            .map_err(|_| ApiError::Internal("session state unavailable".into()))?;
        Ok(SessionDo { stub })
    }

    /// Posts JSON to the object; its non-200 answers are `ApiError` bodies, passed through.
    pub async fn call<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: Value,
    ) -> ApiResult<T> {
        let unavailable = || ApiError::Internal("session state unavailable".into());
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_body(Some(body.to_string().into()));
        let req = Request::new_with_init(&format!("https://session-state{path}"), &init)
            .map_err(|_| unavailable())?;
        let mut resp = self
            .stub
            .fetch_with_request(req)
            .await
            .map_err(|_| unavailable())?;
        let status = resp.status_code();
        let value: Value = resp.json().await.map_err(|_| unavailable())?;
        if status == 200 {
            serde_json::from_value(value).map_err(|_| unavailable())
        } else {
            Err(from_rendered(status, value))
        }
    }
}

/// Rebuilds the `ApiError` the object rendered (claim conflicts, 429, stale attempts).
fn from_rendered(status: u16, body: Value) -> ApiError {
    let detail = body["detail"].as_str().unwrap_or("").to_string();
    match (status, body["error_code"].as_str()) {
        (429, _) => ApiError::TooManyAttempts,
        (409, Some("in_progress")) => ApiError::Conflict {
            detail,
            code: "in_progress",
        },
        (409, Some("already_completed")) => ApiError::Conflict {
            detail,
            code: "already_completed",
        },
        (409, Some("idempotency_key_reused")) => ApiError::Conflict {
            detail,
            code: "idempotency_key_reused",
        },
        (409, Some("idempotency_in_progress")) => ApiError::Conflict {
            detail,
            code: "idempotency_in_progress",
        },
        (409, _) => ApiError::Conflict {
            detail,
            code: "stale_attempt",
        },
        // The one 422 of the object: another card while an attempt's outcome is unknown.
        (422, _) => maven_core::charge::other_card_error(),
        _ => ApiError::Internal("session state unavailable".into()),
    }
}
