//! `SessionState`, one Durable Object per session: it owns each charge from claim to commit
//! (docs/money-safety.md). The decisions are `maven_core::charge`'s; this shell adds the
//! object's clock, its storage, the gateway calls and the outbox drain:
//!
//! 1. claim (persisted with an alarm at the lease's end, before anything is sent);
//! 2. the gateway flow (or first a lookup of an attempt whose outcome is unknown), under a hard
//!    deadline well inside the lease;
//! 3. commit: outcome and outbox in one storage put, before the answer;
//! 4. drain the outbox (the session view to KV, the webhook job), retried by the alarm.
//!
//! A client that disconnects, a failed KV write or queue send, or an evicted object delays an
//! outcome but never loses it: the alarm drains what is left and looks up what is unknown.

use crate::dev_faults::{self, Fault};
use crate::gateway_http;
use crate::store::Store;
use crate::webhooks;
use maven_core::card::ValidCard;
use maven_core::charge::{
    CancelAnswer, CancelRefusal, CardSeen, ChargeState, Claim, Finished, LookupVerdict, OpAnswer,
    OpClaim, OpOutcome, OutboxItem, Refusal, Timing,
};
use maven_core::error::ApiError;
use maven_core::gateway::ops::OpRequest;
use maven_core::gateway::{AttemptRef, GatewayConfig, Outcome, PaymentRequest};
use maven_core::ledger::detail::PaymentHistory;
use maven_core::ledger::{LedgerReply, LedgerRow};
use maven_core::operation::{self, OpOrder, OpRefusal};
use maven_core::redact::mask_digits;
use maven_core::session::Session;
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

const KEY: &str = "charge";

/// What the capture, void and refund routes send: the order, the session as the route read it
/// (`None` once its view left KV: the object has its own), and the hashed `Idempotency-Key`.
#[derive(Serialize, Deserialize)]
pub struct OperationOrder {
    pub order: OpOrder,
    pub session: Option<Session>,
    pub request_key: Option<String>,
}

/// What the charge route sends: the session as it read it, the checked card (held in memory
/// for this one flow, never stored) and its fingerprint.
#[derive(Serialize, Deserialize)]
pub struct ChargeOrder {
    pub session: Session,
    pub card: ValidCard,
    pub fingerprint: String,
}

#[durable_object]
pub struct SessionState {
    state: State,
    env: Env,
    cached: RefCell<Option<ChargeState>>,
    /// Claim tokens whose flow runs in this instance (an evicted object has none).
    running: RefCell<HashSet<String>>,
    draining: Cell<bool>,
    /// The timings read from the environment once per instance (`timing`).
    timing: std::cell::OnceCell<Timing>,
}

fn now_ms() -> u64 {
    worker::Date::now().as_millis()
}

/// A var in milliseconds, else the default (local fault-injection runs shorten them).
fn var_ms(env: &Env, name: &str, default: u64) -> u64 {
    env.var(name)
        .ok()
        .and_then(|v| v.to_string().parse().ok())
        .unwrap_or(default)
}

fn timing(env: &Env) -> Timing {
    let d = Timing::default();
    let deadline_ms = var_ms(env, "CHARGE_DEADLINE_MS", d.deadline_ms);
    Timing {
        deadline_ms,
        quiet_ms: var_ms(env, "LOOKUP_QUIET_MS", d.quiet_ms),
        retry_ms: var_ms(env, "OUTBOX_RETRY_MS", d.retry_ms),
        max_retry_ms: d.max_retry_ms,
    }
}

impl DurableObject for SessionState {
    fn new(state: State, env: Env) -> Self {
        SessionState {
            state,
            env,
            cached: RefCell::new(None),
            running: RefCell::new(HashSet::new()),
            draining: Cell::new(false),
            timing: std::cell::OnceCell::new(),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        match req.path().as_str() {
            "/charge" => {
                let order: ChargeOrder = req.json().await?;
                let finished = self.charge(order).await?;
                Response::from_json(&finished)
            }
            // The create route's note, sent after its answer (`wait_until`): the session's
            // first ledger row goes out through this object's outbox.
            "/created" => {
                let session: Session = req.json().await?;
                self.load().await?;
                self.with(|s| s.record_created(&session, now_ms()));
                self.save().await?;
                self.drain(Drain::All).await?;
                Response::from_json(&serde_json::json!({}))
            }
            // The object as this session's state has it now (the ledger may lag a moment).
            "/object" => {
                self.load().await?;
                let object = self.with(|s| s.object().map(Box::new));
                Response::from_json(&LedgerReply::Object { object })
            }
            // The dashboard's payment detail: attempts and operations (no card data, no keys).
            "/history" => {
                self.load().await?;
                let kept = self.with(|s| s.session.is_some().then(|| PaymentHistory::of(s)));
                Response::from_json(&kept)
            }
            // The merchant's cancel: decided here, so it cannot race a charge.
            "/cancel" => {
                let session: Session = req.json().await?;
                self.load().await?;
                let answer = self.with(|s| {
                    s.know_session(&session);
                    match s.cancel(now_ms(), self.is_running(), &mut new_id) {
                        Ok(()) => match s.object() {
                            Some(o) => CancelAnswer::Cancelled {
                                object: Box::new(o),
                            },
                            None => CancelAnswer::Refused {
                                refusal: CancelRefusal::NotPending,
                            },
                        },
                        Err(refusal) => CancelAnswer::Refused { refusal },
                    }
                });
                self.save().await?;
                // The merchant waits, not a customer: the view, ledger and webhook go now.
                self.drain(Drain::All).await?;
                Response::from_json(&answer)
            }
            // The merchant's capture, void or refund: decided here, one at a time.
            "/operation" => {
                let order: OperationOrder = req.json().await?;
                let answer = self.operate(order).await?;
                Response::from_json(&answer)
            }
            _ => Response::error("Not Found", 404),
        }
    }

    /// Drains the outbox and looks up an attempt nobody holds; then sleeps until the next due.
    /// A day after the session expired, with nothing open or queued, the storage goes.
    async fn alarm(&self) -> Result<Response> {
        self.load().await?;
        if self.with(|s| s.may_forget(now_ms())) {
            self.state.storage().delete_all().await?;
            *self.cached.borrow_mut() = None;
            return Response::ok("");
        }
        let first = self.drain(Drain::All).await?;
        self.resolve_abandoned().await?;
        let second = self.drain(Drain::All).await?;
        // The alarm that fired is gone: when no drain saved (and so set the next one), save.
        if !first && !second {
            self.save().await?;
        }
        Response::ok("")
    }
}

impl SessionState {
    async fn load(&self) -> Result<()> {
        if self.cached.borrow().is_none() {
            // Stored as JSON text (one string across the JS boundary; see `save`); a state
            // stored before that is a structured object, read the same way.
            let stored: Option<serde_json::Value> = self.state.storage().get(KEY).await?;
            let state = match stored {
                None => ChargeState::default(),
                Some(serde_json::Value::String(text)) => serde_json::from_str(&text)?,
                Some(object) => serde_json::from_value(object)?,
            };
            let mut cached = self.cached.borrow_mut();
            // Another request may have loaded it while this one awaited.
            if cached.is_none() {
                *cached = Some(state);
            }
        }
        Ok(())
    }

    /// Runs `f` on the state (synchronously: concurrent requests cannot interleave inside).
    fn with<R>(&self, f: impl FnOnce(&mut ChargeState) -> R) -> R {
        let mut guard = self.cached.borrow_mut();
        f(guard.get_or_insert_with(Default::default))
    }

    /// Persists the state and sets the alarm for the next thing due. Awaited before anything
    /// is said about a change, and before a gateway is called after a claim.
    async fn save(&self) -> Result<()> {
        // JSON text: converting the state field by field into a JS object cost more than the
        // rest of a save (a charge saves three or four times).
        let (text, next_wake) = self.with(|s| (serde_json::to_string(s), s.next_wake_ms()));
        self.state.storage().put(KEY, text?).await?;
        match next_wake {
            Some(at) => {
                // While a drain runs, what it sends is not due again before a retry would be:
                // an alarm at "now" would only find the drain busy and set itself again, over
                // and over (the drain saves, and so sets the alarm right, when it ends).
                let soonest = if self.draining.get() {
                    now_ms() + self.timing().retry_ms
                } else {
                    now_ms() + 1
                };
                // An absolute time: `ScheduledTime::from(i64)` would read it as an offset.
                let at = at.max(soonest) as f64;
                let when = worker::js_sys::Date::new(&worker::wasm_bindgen::JsValue::from_f64(at));
                self.state
                    .storage()
                    .set_alarm(worker::ScheduledTime::new(when))
                    .await?
            }
            None => self.state.storage().delete_alarm().await?,
        }
        Ok(())
    }

    fn timing(&self) -> Timing {
        *self.timing.get_or_init(|| timing(&self.env))
    }

    fn is_running(&self) -> impl Fn(&str) -> bool + '_ {
        move |t: &str| self.running.borrow().contains(t)
    }

    async fn charge(&self, order: ChargeOrder) -> Result<Finished> {
        self.load().await?;
        let timing = self.timing();
        let card = CardSeen {
            fingerprint: &order.fingerprint,
            brand: order.card.brand.as_str(),
            last4: &order.card.last4,
        };
        // At most two rounds: a lookup that proves the open attempt charged nothing lets the
        // same request start a fresh attempt.
        for _ in 0..2 {
            let claimed = self.with(|s| {
                s.know_session(&order.session);
                s.claim(now_ms(), &card, &timing, self.is_running())
            });
            let claim = match claimed {
                Ok(c) => c,
                // Refused, or an outcome already settled for this card.
                Err(answer) => {
                    self.save().await?;
                    return Ok(answer);
                }
            };
            self.running.borrow_mut().insert(claim.token.clone());
            let outcome = self.run_claim(&order, &claim, &timing).await;
            self.running.borrow_mut().remove(&claim.token);
            match outcome? {
                Some(finished) => {
                    // The customer waits: only the view; the alarm sends the rest at once.
                    self.drain(Drain::BeforeLedger).await?;
                    return Ok(finished);
                }
                None => continue,
            }
        }
        Ok(Finished::Refused(Refusal::InProgress))
    }

    /// One claim's work. `None`: the open attempt proved unpaid, claim again.
    async fn run_claim(
        &self,
        order: &ChargeOrder,
        claim: &Claim,
        timing: &Timing,
    ) -> Result<Option<Finished>> {
        // The claim is durable (with its alarm) before any request leaves.
        self.save().await?;
        let config = match self.gateway_config(&order.session).await {
            Ok(c) => c,
            Err(e) => {
                let outcome = Outcome::Unavailable(format!("gateway configuration: {e}"));
                return self.commit(&claim.token, &outcome, timing).await.map(Some);
            }
        };
        let attempt = attempt_ref(&order.session, claim.attempt);
        if claim.lookup_first {
            let found = gateway_http::lookup(&config, &attempt, claim.deadline_ms).await;
            let resend_safe = order.session.gateway.resend_is_safe();
            let verdict = self.with(|s| {
                s.lookup_result(
                    &claim.token,
                    &found,
                    now_ms(),
                    timing,
                    resend_safe,
                    &mut new_id,
                )
            });
            self.save().await?;
            match verdict {
                LookupVerdict::Settled(f) => return Ok(Some(f)),
                LookupVerdict::NotCharged => return Ok(None),
                // Same attempt, same keys or invoice number: the gateway dedups it.
                LookupVerdict::Resend => {}
            }
        }
        self.with(|s| s.mark_sent(&claim.token));
        let request = PaymentRequest {
            session_id: order.session.id.clone(),
            attempt: claim.attempt,
            recovering: false,
            amount_cents: order.session.amount_cents,
            currency: order.session.currency.clone(),
            mode: order.session.mode,
            capture: order.session.capture,
            description: order.session.description.clone(),
            card: order.card.clone(),
        };
        let outcome = gateway_http::run(&config, &request, claim.deadline_ms).await;
        if let Outcome::Unavailable(reason) = &outcome {
            worker::console_warn!(
                "session {} attempt {}: outcome unknown ({}); it will be looked up",
                order.session.id,
                claim.attempt,
                mask_digits(reason)
            );
        }
        self.commit(&claim.token, &outcome, timing).await.map(Some)
    }

    async fn commit(&self, token: &str, outcome: &Outcome, timing: &Timing) -> Result<Finished> {
        let finished = self.with(|s| s.commit(token, outcome, now_ms(), timing, &mut new_id));
        self.save().await?;
        Ok(finished)
    }

    /// A capture, void or refund. An earlier operation whose outcome is unknown is resumed
    /// first (same gateway key); then the order itself is claimed.
    async fn operate(&self, msg: OperationOrder) -> Result<OpAnswer> {
        self.load().await?;
        if let Some(s) = &msg.session {
            self.with(|st| st.know_session(s));
        }
        let Some(gateway) = self.with(|s| s.session.as_ref().map(|s| s.gateway)) else {
            return Ok(OpAnswer::Refused {
                refusal: OpRefusal::NotRefundable,
            });
        };
        let timing = self.timing();
        let rules = operation::rules(gateway);
        let key = msg.request_key.as_deref();
        // At most: resume another request's operation, then run this one.
        for _ in 0..2 {
            let claimed = self
                .with(|s| s.begin_op(&msg.order, key, rules, now_ms(), &timing, self.is_running()));
            let claim = match claimed {
                Ok(c) => c,
                Err(answer) => {
                    self.save().await?;
                    return Ok(answer);
                }
            };
            self.running.borrow_mut().insert(claim.token.clone());
            let answer = self.run_op(&claim).await;
            self.running.borrow_mut().remove(&claim.token);
            let answer = answer?;
            // The merchant waits, not a customer: the view, ledger and webhook go now.
            self.drain(Drain::All).await?;
            if claim.other && !matches!(answer, OpAnswer::Unknown { .. }) {
                continue;
            }
            return Ok(answer);
        }
        Ok(OpAnswer::Refused {
            refusal: OpRefusal::InProgress,
        })
    }

    /// Sends one claimed operation (the claim is saved first) and commits what came back.
    async fn run_op(&self, claim: &OpClaim) -> Result<OpAnswer> {
        self.save().await?;
        let session = self.with(|s| s.session.clone());
        let config = match &session {
            Some(s) => self.gateway_config(s).await.map_err(|e| e.to_string()),
            None => Err("the session is unknown".to_string()),
        };
        let result = session.as_ref().and_then(|s| s.result.clone());
        let outcome = match (config, result, &session) {
            (Ok(config), Some(result), Some(s)) => {
                self.with(|st| st.op_sent(&claim.token));
                let request = OpRequest {
                    kind: claim.op.kind,
                    amount_cents: claim.op.amount_cents,
                    currency: s.currency.clone(),
                    transaction_id: result.transaction_id.clone(),
                    whole: claim.op.whole,
                    gateway_key: claim.op.gateway_key.clone(),
                    reason: claim.op.reason.clone(),
                    card_last4: result.card_last4.clone(),
                    resume: claim.resume,
                };
                let outcome = gateway_http::run_op(&config, &request, claim.deadline_ms).await;
                if let OpOutcome::Unknown(reason) = &outcome {
                    worker::console_warn!(
                        "session {} operation {}: outcome unknown ({}); resumed by the next request",
                        s.id,
                        claim.op.number,
                        mask_digits(reason)
                    );
                }
                outcome
            }
            (Err(e), _, _) => OpOutcome::Unknown(format!("gateway configuration: {e}")),
            _ => OpOutcome::Refused {
                refusal: Some(OpRefusal::NotRefundable),
                message: "the session has no payment".into(),
            },
        };
        let answer = self.with(|s| s.commit_op(&claim.token, &outcome, now_ms(), &mut new_id));
        self.save().await?;
        Ok(answer)
    }

    /// The alarm's lookup of an open attempt whose holder is gone.
    async fn resolve_abandoned(&self) -> Result<()> {
        let timing = self.timing();
        let Some(claim) = self.with(|s| s.claim_lookup(now_ms(), &timing, self.is_running()))
        else {
            // Nothing to look up now; the alarm is set for whatever is due next.
            return self.save().await;
        };
        let Some(session) = self.with(|s| s.session.clone()) else {
            return self.save().await;
        };
        self.running.borrow_mut().insert(claim.token.clone());
        self.save().await?;
        let found = match self.gateway_config(&session).await {
            Ok(config) => {
                let attempt = attempt_ref(&session, claim.attempt);
                gateway_http::lookup(&config, &attempt, claim.deadline_ms).await
            }
            Err(e) => maven_core::gateway::LookupResult::Unknown(e.to_string()),
        };
        self.running.borrow_mut().remove(&claim.token);
        // The alarm has no card: it never resends, it only looks up.
        let verdict = self
            .with(|s| s.lookup_result(&claim.token, &found, now_ms(), &timing, false, &mut new_id));
        worker::console_log!(
            "session {} attempt {}: {}",
            session.id,
            claim.attempt,
            mask_digits(&format!("lookup {found:?} → {verdict:?}"))
        );
        self.save().await
    }

    /// Sends what the outbox holds, in order, one entry at a time; a failure leaves it for the
    /// alarm (with back-off). One drain at a time per object.
    async fn drain(&self, how: Drain) -> Result<bool> {
        if self.draining.replace(true) {
            return Ok(false);
        }
        let changed = self.drain_inner(how).await;
        self.draining.set(false);
        // Saved once the drain is over, so the alarm is set for what is left now; a drain
        // that sent nothing changed nothing (the alarm handler sets the next alarm itself).
        if changed {
            self.save().await?;
        }
        Ok(changed)
    }

    /// Says whether any outbox entry was sent or failed.
    async fn drain_inner(&self, how: Drain) -> bool {
        let mut changed = false;
        let timing = self.timing();
        loop {
            let due = self.with(|s| {
                let first = s.outbox.first()?;
                if how == Drain::BeforeLedger && matches!(first.item, OutboxItem::Ledger { .. }) {
                    return None;
                }
                let row = match &first.item {
                    OutboxItem::Ledger { event, at_ms } => s.ledger_row(event, *at_ms),
                    _ => None,
                };
                (first.next_try_ms <= now_ms())
                    .then(|| (first.item.clone(), s.session.clone(), row))
            });
            let Some((item, Some(session), row)) = due else {
                break;
            };
            changed = true;
            match self.send(&item, &session, row.as_ref()).await {
                Ok(()) => self.with(|s| s.outbox_done()),
                Err(e) => {
                    worker::console_warn!(
                        "session {}: {}; retrying later",
                        session.id,
                        mask_digits(&format!("outbox {item:?} failed ({e})"))
                    );
                    self.with(|s| s.outbox_failed(now_ms(), &timing));
                    break;
                }
            }
        }
        changed
    }

    async fn send(
        &self,
        item: &OutboxItem,
        session: &Session,
        row: Option<&LedgerRow>,
    ) -> std::result::Result<(), ApiError> {
        let store = Store::from_env(&self.env)?;
        match item {
            OutboxItem::Ledger { .. } => {
                let Some(row) = row else { return Ok(()) };
                crate::ledger_do::record(&self.env, row).await
            }
            OutboxItem::PublishSession => {
                dev_faults::check(&self.env, &store, Fault::KvPut).await?;
                // Kept at least a day past now, so a late outcome is not dropped on arrival.
                let until = session.kv_expiration().max(now_ms() / 1000 + 86_400);
                store
                    .put(&format!("session:{}", session.id), session, Some(until))
                    .await
            }
            OutboxItem::Webhook {
                delivery_id,
                decline,
                at,
                operation,
            } => {
                let project = store
                    .project(&session.project_id)
                    .await?
                    .ok_or_else(|| ApiError::Internal("the session's project is gone".into()))?;
                webhooks::emit(
                    &self.env,
                    &store,
                    &project,
                    session,
                    decline.as_ref(),
                    delivery_id,
                    *at,
                    operation.as_ref(),
                )
                .await
            }
        }
    }

    async fn gateway_config(
        &self,
        session: &Session,
    ) -> std::result::Result<GatewayConfig, ApiError> {
        let store = Store::from_env(&self.env)?;
        let project = store
            .project(&session.project_id)
            .await?
            .ok_or_else(|| ApiError::Internal("the session's project is gone".into()))?;
        gateway_http::config(&self.env, &project, session)
    }
}

fn attempt_ref(session: &Session, attempt: u32) -> AttemptRef {
    AttemptRef {
        session_id: session.id.clone(),
        attempt,
        amount_cents: session.amount_cents,
        currency: session.currency.clone(),
        mode: session.mode,
        capture: session.capture,
        // Every attempt starts after the session was created: the lookup's lower bound.
        not_before: Some(session.created_at),
    }
}

/// How much of the outbox a drain sends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Drain {
    All,
    /// A customer waits for the answer: stop at the first ledger row (the alarm, set for it
    /// right away, sends it and what follows), so the ledger adds no call to the charge.
    BeforeLedger,
}

fn new_id() -> String {
    crate::http::new_id()
}
