//! The drivers of the adapters' state machines: `Flow` (one payment attempt) and `Lookup` (one
//! attempt looked up), with the call budget they share. The worker sends the calls they hand out
//! and feeds the replies back (module docs of `super`).

use super::common::{self, Adapter};
use super::{authorizenet, braintree, shift4, stripe, Credentials, PaymentRequest};
use super::{AttemptRef, GatewayConfig, GatewayKind, HttpCall, HttpReply, LookupResult, Outcome};

/// One step of a `Lookup`.
#[derive(Debug, Clone, PartialEq)]
pub enum LookupStep {
    Call(HttpCall),
    Done(LookupResult),
}

/// Looks one attempt up at its gateway with that gateway's documented lookup (each gateway's
/// module says which), as a state machine the worker drives like `Flow`: `next(None)` first,
/// then the reply to each call, until `Done`. Needs no card data, only the `AttemptRef`.
#[derive(Debug)]
pub struct Lookup {
    adapter: Box<dyn common::LookupAdapter>,
    driver: Driver<LookupResult>,
}

impl Lookup {
    pub fn new(config: &GatewayConfig, attempt: &AttemptRef) -> Lookup {
        let base = common::trim_base(&config.base_url);
        let adapter = lookup_adapter(base, &config.credentials, attempt.clone());
        Lookup {
            adapter,
            driver: Driver::new(config.credentials.kind(), "lookup"),
        }
    }

    pub fn next(&mut self, reply: Option<HttpReply>) -> LookupStep {
        let adapter = &mut self.adapter;
        let step = self.driver.next(
            reply,
            |r| {
                let step = match r {
                    None => adapter.start(),
                    Some(r) => adapter.on_reply(r),
                };
                match step {
                    LookupStep::Call(c) => Ok(c),
                    LookupStep::Done(d) => Err(d),
                }
            },
            LookupResult::Unknown,
        );
        match step {
            Ok(call) => LookupStep::Call(call),
            Err(done) => LookupStep::Done(done),
        }
    }
}

/// What `Flow` and `Lookup` share: the first/later split, the call budget, and the final
/// answer repeated once done.
#[derive(Debug)]
struct Driver<T> {
    kind: GatewayKind,
    what: &'static str,
    started: bool,
    calls: u32,
    finished: Option<T>,
}

impl<T: Clone> Driver<T> {
    fn new(kind: GatewayKind, what: &'static str) -> Self {
        Driver {
            kind,
            what,
            started: false,
            calls: 0,
            finished: None,
        }
    }

    /// `step(None)` is the adapter's first step, `step(Some(reply))` the next one; `Ok` is a
    /// call to make, `Err` the answer. `unknown` turns a driver failure into an answer.
    fn next(
        &mut self,
        reply: Option<HttpReply>,
        step: impl FnOnce(Option<HttpReply>) -> Result<HttpCall, T>,
        unknown: impl Fn(String) -> T,
    ) -> Result<HttpCall, T> {
        if let Some(done) = &self.finished {
            return Err(done.clone());
        }
        let (kind, what) = (self.kind.as_str(), self.what);
        let next = if !self.started {
            self.started = true;
            step(None)
        } else if reply.is_some() {
            step(reply)
        } else {
            Err(unknown(format!(
                "{kind} {what} resumed without the reply to its last call"
            )))
        };
        match next {
            Ok(_) if self.calls >= MAX_CALLS => {
                let done = unknown(format!("{kind} {what} exceeded {MAX_CALLS} calls"));
                self.finished = Some(done.clone());
                Err(done)
            }
            Ok(call) => {
                self.calls += 1;
                Ok(call)
            }
            Err(done) => {
                self.finished = Some(done.clone());
                Err(done)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Call(HttpCall),
    Done(Outcome),
}

/// Most calls any flow makes (Braintree recovering: search, tokenize, charge).
pub const MAX_CALLS: u32 = 4;

/// One payment attempt against one gateway, as a state machine the worker drives: call `next`
/// with `None` first, then with the reply to each `Step::Call`, until `Step::Done`.
#[derive(Debug)]
pub struct Flow {
    adapter: Box<dyn Adapter>,
    driver: Driver<Outcome>,
}

impl Flow {
    pub fn new(config: &GatewayConfig, request: &PaymentRequest) -> Flow {
        let base = common::trim_base(&config.base_url);
        let request = request.clone();
        let adapter: Box<dyn Adapter> = match &config.credentials {
            Credentials::Stripe { secret_key } => {
                Box::new(stripe::Stripe::new(base, secret_key.clone(), request))
            }
            Credentials::Authorizenet {
                api_login_id,
                transaction_key,
            } => Box::new(authorizenet::AuthorizeNet::new(
                base,
                api_login_id.clone(),
                transaction_key.clone(),
                request,
            )),
            Credentials::Braintree {
                public_key,
                private_key,
                ..
            } => Box::new(braintree::Braintree::new(
                base,
                public_key,
                private_key,
                config.credentials.braintree_account(&request.currency),
                request,
            )),
            Credentials::Shift4 { secret_key } => {
                Box::new(shift4::Shift4::new(base, secret_key.clone(), request))
            }
        };
        Flow {
            adapter,
            driver: Driver::new(config.credentials.kind(), "flow"),
        }
    }

    pub fn kind(&self) -> GatewayKind {
        self.driver.kind
    }

    /// HTTP calls handed out so far.
    pub fn calls(&self) -> u32 {
        self.driver.calls
    }

    /// The next step. Once `Done`, every later call returns the same outcome.
    pub fn next(&mut self, reply: Option<HttpReply>) -> Step {
        let adapter = &mut self.adapter;
        let step = self.driver.next(
            reply,
            |r| {
                let step = match r {
                    None => adapter.start(),
                    Some(r) => adapter.on_reply(r),
                };
                match step {
                    Step::Call(c) => Ok(c),
                    Step::Done(d) => Err(masked(d)),
                }
            },
            Outcome::Unavailable,
        );
        match step {
            Ok(call) => Step::Call(call),
            Err(done) => Step::Done(done),
        }
    }
}

/// The outcome with card-number-like digit runs masked in its free text: a backstop for a reason
/// an adapter built without `common`'s builders (they mask already).
pub(super) fn masked(outcome: Outcome) -> Outcome {
    use crate::redact::mask_owned;
    match outcome {
        Outcome::Unavailable(r) => Outcome::Unavailable(mask_owned(r)),
        Outcome::Rejected(r) => Outcome::Rejected(mask_owned(r)),
        Outcome::Declined { code, message } => Outcome::Declined {
            code,
            message: mask_owned(message),
        },
        Outcome::Mismatch {
            transaction_id,
            detail,
        } => Outcome::Mismatch {
            transaction_id,
            detail: mask_owned(detail),
        },
        approved @ Outcome::Approved { .. } => approved,
    }
}

/// The lookup adapter of the gateway the credentials belong to (each module's header says which
/// documented lookup it uses; docs/gateways.md compares them).
fn lookup_adapter(
    base: String,
    credentials: &Credentials,
    attempt: AttemptRef,
) -> Box<dyn common::LookupAdapter> {
    match credentials {
        Credentials::Stripe { secret_key } => {
            Box::new(stripe::StripeLookup::new(base, secret_key.clone(), attempt))
        }
        Credentials::Authorizenet {
            api_login_id,
            transaction_key,
        } => Box::new(authorizenet::AuthorizeNetLookup::new(
            base,
            api_login_id.clone(),
            transaction_key.clone(),
            attempt,
        )),
        Credentials::Shift4 { secret_key } => {
            Box::new(shift4::Shift4Lookup::new(base, secret_key.clone(), attempt))
        }
        Credentials::Braintree {
            public_key,
            private_key,
            ..
        } => Box::new(braintree::BraintreeLookup::new(
            base,
            public_key,
            private_key,
            attempt,
        )),
    }
}
