//! `IdempotencySlot`, one Durable Object per `Idempotency-Key` (named
//! `<account>:<env>:<key hash>`): the strongly consistent slot of `maven_core::idempotency`.
//! It deletes itself by alarm when the 24 h window ends.

use maven_core::idempotency::{Begin, IdemSlot, StoredReply, WINDOW_SECS};
use serde::Deserialize;
use serde_json::json;
use std::cell::RefCell;
use std::time::Duration;
use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

const KEY: &str = "idem";

#[durable_object]
pub struct IdempotencySlot {
    state: State,
    slot: RefCell<Option<IdemSlot>>,
}

#[derive(Deserialize)]
struct BeginReq {
    now: u64,
    body_hash: String,
}

impl DurableObject for IdempotencySlot {
    fn new(state: State, _env: Env) -> Self {
        IdempotencySlot {
            state,
            slot: RefCell::new(None),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        if self.slot.borrow().is_none() {
            let stored: Option<IdemSlot> = self.state.storage().get(KEY).await?;
            let mut slot = self.slot.borrow_mut();
            // Another request may have loaded it while this one awaited.
            if slot.is_none() {
                *slot = Some(stored.unwrap_or_default());
            }
        }
        let path = req.path();
        let reply = match path.as_str() {
            "/begin" => {
                let r: BeginReq = req.json().await?;
                let mut guard = self.slot.borrow_mut();
                json!(guard
                    .get_or_insert_with(Default::default)
                    .begin(&r.body_hash, r.now))
            }
            "/finish" => {
                let r: StoredReply = req.json().await?;
                let mut guard = self.slot.borrow_mut();
                guard.get_or_insert_with(Default::default).finish(r);
                json!({})
            }
            "/abort" => {
                let mut guard = self.slot.borrow_mut();
                guard.get_or_insert_with(Default::default).abort();
                json!({})
            }
            _ => return Response::error("Not Found", 404),
        };
        // Persist before answering: what the caller is told is what survives a restart.
        let snapshot = self.slot.borrow().clone().unwrap_or_default();
        self.state.storage().put(KEY, &snapshot).await?;
        // A claimed key is forgotten when its window ends, finished or abandoned alike.
        let claimed = path == "/begin" && reply == json!(Begin::Fresh);
        if path == "/finish" || claimed {
            self.state
                .storage()
                .set_alarm(Duration::from_secs(WINDOW_SECS))
                .await?;
        }
        Response::from_json(&reply)
    }

    /// The window ended: forget the slot.
    async fn alarm(&self) -> Result<Response> {
        self.state.storage().delete_all().await?;
        *self.slot.borrow_mut() = None;
        Response::ok("")
    }
}
