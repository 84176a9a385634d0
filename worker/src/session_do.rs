//! `SessionState`, one Durable Object per session: the single, strongly consistent owner of the
//! charge state machine (`maven_core::charge`). The state is checked and changed in memory
//! synchronously, so concurrent submits are serialised without a race, then persisted.

use maven_core::charge::{ChargeState, Claim};
use maven_core::error::ApiError;
use maven_core::gateway::Outcome;
use serde::Deserialize;
use std::cell::RefCell;
use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

const KEY: &str = "charge";

#[durable_object]
pub struct SessionState {
    state: State,
    cached: RefCell<Option<ChargeState>>,
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
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
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
}
