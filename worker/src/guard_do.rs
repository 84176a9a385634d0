//! `ProjectGuard`, one Durable Object per project: the card-testing counters and breaker of
//! `maven_core::guard` (docs/card-testing.md). The charge route asks `/check` before the
//! session's object is called and `/report`s the gateway's answer after; the admin API reads
//! `/status`. When the breaker trips, the object logs it and emits the `fraud.card_testing`
//! webhook.

use crate::store::Store;
use crate::webhooks;
use maven_core::guard::{GuardState, Limits, Trip};
use serde::Deserialize;
use serde_json::json;
use std::cell::{Cell, RefCell};
use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

const KEY: &str = "guard";

#[durable_object]
pub struct ProjectGuard {
    state: State,
    env: Env,
    guard: RefCell<Option<GuardState>>,
    /// When `/report` last stored the state (unix seconds).
    persisted_at: Cell<u64>,
}

/// Approvals are stored at most this often (declines and trips at once).
const APPROVALS_PERSIST_SECS: u64 = 5;

#[derive(Deserialize)]
pub struct Attempt {
    pub project_id: String,
    pub now: u64,
    pub ip: String,
    pub card: String,
    /// The project's limits (`Project::card_testing`): the route has the project at hand, so
    /// the object never reads it.
    #[serde(default)]
    pub limits: Limits,
    /// Only in `/report`.
    #[serde(default)]
    pub declined: bool,
}

#[derive(Deserialize)]
struct StatusReq {
    now: u64,
}

impl DurableObject for ProjectGuard {
    fn new(state: State, env: Env) -> Self {
        ProjectGuard {
            state,
            env,
            guard: RefCell::new(None),
            persisted_at: Cell::new(0),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        if self.guard.borrow().is_none() {
            let stored: Option<GuardState> = self.state.storage().get(KEY).await?;
            let mut g = self.guard.borrow_mut();
            // Another request may have loaded it while this one awaited.
            if g.is_none() {
                *g = Some(stored.unwrap_or_default());
            }
        }
        let mut trip = None;
        // `/check` only counts attempts in memory: it is on the customer's path, and a storage
        // write there (with its output gate) cost more than the rest of the check. The rate
        // windows it bumps are a minute long, so an eviction forgets at most a minute of
        // attempts; declines, blocks and trips, which must survive, are stored by `/report`,
        // which runs after the customer has the answer.
        let (reply, changed) = match req.path().as_str() {
            "/check" => {
                let a: Attempt = req.json().await?;
                let v = self.with(|g| g.check(&a.limits, a.now, &a.ip, &a.card));
                (json!(v), false)
            }
            "/report" => {
                let a: Attempt = req.json().await?;
                let (t, due) = self.record(&a);
                trip = t;
                (json!({}), due)
            }
            // Approvals, batched per isolate by the charge route (worker/src/batch.rs).
            "/report_many" => {
                let many: Vec<Attempt> = req.json().await?;
                let mut due = false;
                for a in &many {
                    let (t, d) = self.record(a);
                    due |= d;
                    trip = trip.or(t);
                }
                (json!({}), due)
            }
            "/status" => {
                let r: StatusReq = req.json().await?;
                (json!(self.with(|g| g.status(r.now))), false)
            }
            _ => return Response::error("Not Found", 404),
        };
        if changed {
            let snapshot = self.with(|g| g.clone());
            self.state.storage().put(KEY, &snapshot).await?;
        }
        if let Some((project_id, trip)) = trip {
            self.tell_merchant(&project_id, &trip).await;
        }
        Response::from_json(&reply)
    }
}

impl ProjectGuard {
    /// Counts one outcome; says whether the state must be stored now. A decline or a trip is
    /// stored at once. An approval only lowers the ratio, so it is stored with the next decline
    /// or at most every APPROVALS_PERSIST_SECS: serializing the state on every paid charge cost
    /// CPU on a busy project, and an eviction loses at most a few seconds of approvals (the
    /// ratio then errs high for at most one breaker window).
    fn record(&self, a: &Attempt) -> (Option<(String, Trip)>, bool) {
        let trip = self
            .with(|g| g.report(&a.limits, a.now, &a.ip, &a.card, a.declined))
            .map(|t| (a.project_id.clone(), t));
        let due = a.declined
            || trip.is_some()
            || a.now >= self.persisted_at.get() + APPROVALS_PERSIST_SECS;
        if due {
            self.persisted_at.set(a.now);
        }
        (trip, due)
    }

    fn with<R>(&self, f: impl FnOnce(&mut GuardState) -> R) -> R {
        let mut g = self.guard.borrow_mut();
        f(g.get_or_insert_with(Default::default))
    }

    /// Logs the trip and emits `fraud.card_testing` (best effort: the flag stays on the
    /// guard, readable at `GET /v1/admin/projects/{id}/guard`, whatever happens here).
    async fn tell_merchant(&self, project_id: &str, trip: &Trip) {
        worker::console_warn!(
            "card testing suspected on project {project_id}: {} declines of {} outcomes; {} source(s) blocked until {}",
            trip.declines,
            trip.outcomes,
            trip.ips.len(),
            trip.until
        );
        if let Err(e) = self.emit(project_id, trip).await {
            worker::console_error!("fraud.card_testing webhook for {project_id}: {e}");
        }
    }

    async fn emit(&self, project_id: &str, trip: &Trip) -> crate::http::ApiResult<()> {
        let store = Store::from_env(&self.env)?;
        let Some(project) = store.project(project_id).await? else {
            return Ok(());
        };
        if project.webhook_url_for(None).is_none() {
            return Ok(());
        }
        let delivery = trip.delivery(crate::http::new_id(), &project.id, &project.slug);
        store.put_delivery(&delivery, trip.at).await?;
        store.index_delivery(&delivery).await?;
        webhooks::enqueue(&self.env, &delivery.id).await
    }
}
