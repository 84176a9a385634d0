//! `POST /v1/widget-sessions` (merchant server) and `GET /v1/widget-sessions/{id}` (the form).

use crate::auth::{self, Caller};
use crate::http::{json, json_text, new_id, ApiResult, Ctx};
use crate::keys::seal_key;
use crate::objects::ObjectStub;
use crate::session_do::OperationOrder;
use crate::store::Store;
use maven_core::auth::sha256_hex;
use maven_core::charge::{CancelAnswer, CancelRefusal, OpAnswer};
use maven_core::error::ApiError;
use maven_core::error::ErrorCode;
use maven_core::gateway::{currency, Credentials, GatewayKind};
use maven_core::idempotency::{Begin, StoredReply};
use maven_core::ledger::{
    parse_list_query, unknown_cursor, LedgerFacts, LedgerReply, ListRequest, SessionObject,
    SessionPage,
};
use maven_core::model::{is_uuid, Project};
use maven_core::operation::{parse_order, OpKind};
use maven_core::seal::Keyring;
use maven_core::session::{validate_create, Session, SessionStatus};
use serde_json::json;
use worker::Response;

pub async fn create(ctx: &mut Ctx) -> ApiResult<Response> {
    let store = Store::from_env(&ctx.env)?;
    let caller = auth::merchant(ctx, &store).await?;
    limit_creates(ctx, &caller.account_id)?;
    let body = ctx.json_body().await?;
    // Opens the gateway credentials to check what they can take (Braintree's accounts).
    let seal = seal_key(&ctx.env)?;
    let Some(key_hash) = idempotency_key(ctx)? else {
        let session = create_session_with(&store, &caller, &body, ctx.now, Some(&seal)).await?;
        crate::created_rows::note(ctx, &session);
        return Ok(json(201, &session.created_body(&ctx.origin)));
    };
    // One strongly consistent slot per key: concurrent twins cannot both create a session.
    let slot = ObjectStub::new(
        &ctx.env,
        "IDEMPOTENCY",
        &format!(
            "{}:{}:{key_hash}",
            caller.account_id,
            caller.environment.as_str()
        ),
    )?;
    let body_hash = sha256_hex(body.to_string().as_bytes());
    let begin: Begin = slot
        .call("/begin", &json!({"now": ctx.now, "body_hash": body_hash}))
        .await?;
    if let Some(e) = begin.error() {
        return Err(e);
    }
    if let Begin::Replay(prev) = begin {
        let mut r = json_text(prev.status, prev.body);
        let _ = r.headers_mut().set("idempotent-replayed", "true");
        return Ok(r);
    }
    let session = match create_session_with(&store, &caller, &body, ctx.now, Some(&seal)).await {
        Ok(s) => s,
        Err(e) => {
            // Nothing was created: free the key for a corrected retry.
            let _: ApiResult<serde_json::Value> = slot.call("/abort", &json!({})).await;
            return Err(e);
        }
    };
    crate::created_rows::note(ctx, &session);
    let text = serde_json::to_string(&session.created_body(&ctx.origin))
        .map_err(|_| ApiError::Internal("could not encode the session".into()))?;
    let reply = StoredReply {
        status: 201,
        body: text.clone(),
    };
    let _: serde_json::Value = slot.call("/finish", &json!(reply)).await?;
    Ok(json_text(201, text))
}

/// Validates a create body and stores the new session (shared by the API and the local demo).
/// Checks the currency against the gateway kind only; `create_session_with` and a seal key
/// also check what the stored credentials can take (Braintree's merchant accounts).
pub async fn create_session(
    store: &Store,
    caller: &Caller,
    body: &serde_json::Value,
    now: u64,
) -> ApiResult<Session> {
    create_session_with(store, caller, body, now, None).await
}

/// `create_session`, plus the credentials' currency check when `seal` opens them.
pub async fn create_session_with(
    store: &Store,
    caller: &Caller,
    body: &serde_json::Value,
    now: u64,
    seal: Option<&Keyring>,
) -> ApiResult<Session> {
    let new = validate_create(body)?;
    // An unknown code is a field error, reported before anything is looked up.
    if let Some(c) = new.currency.as_deref() {
        if !maven_core::money::is_known_currency(c) {
            return Err(currency::Refusal::UnknownCurrency.into_api_error(c));
        }
    }
    let project = find_project(store, caller, &new.project).await?;
    let Some(stored) = project.gateways.get(caller.environment).get(&new.gateway) else {
        return Err(ApiError::BadRequest {
            detail: format!(
                "Gateway '{}' is not configured for project '{}' in the {} environment.",
                new.gateway.as_str(),
                project.slug,
                caller.environment.as_str()
            ),
            code: ErrorCode::GatewayNotConfigured,
        });
    };
    // A currency (or amount) the gateway cannot take is refused now, not at the first charge
    // (docs/gateways.md, "Currencies and exponents").
    let cur = new
        .currency
        .clone()
        .unwrap_or_else(|| project.currency.clone());
    let refuse = |r: currency::Refusal| r.into_api_error(&cur);
    currency::check_kind(new.gateway, &cur, new.amount_cents, new.mode).map_err(refuse)?;
    if let (Some(seal), GatewayKind::Braintree) = (seal, new.gateway) {
        let slot = project.credentials_slot(caller.environment, new.gateway);
        let plain = seal.open(&stored.credentials_sealed, &slot)?;
        let credentials: Credentials = serde_json::from_slice(&plain)
            .map_err(|_| ApiError::Internal("stored credentials are unreadable".into()))?;
        currency::check(&credentials, &cur, new.amount_cents, new.mode).map_err(refuse)?;
    }
    let session = Session::build(new_id(), &new, &project, caller.environment, now);
    store.put_session(&session).await?;
    Ok(session)
}

/// `Idempotency-Key`: 1–255 printable characters; stored by hash.
fn idempotency_key(ctx: &Ctx) -> ApiResult<Option<String>> {
    let Some(key) = ctx.header("idempotency-key") else {
        return Ok(None);
    };
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| (0x21..0x7f).contains(&b)) {
        return Err(ApiError::BadRequest {
            detail: "Idempotency-Key must be 1 to 255 printable ASCII characters.".into(),
            code: ErrorCode::InvalidIdempotencyKey,
        });
    }
    Ok(Some(sha256_hex(key.as_bytes())))
}

/// A project by UUID or slug, only within the caller's account.
pub async fn find_project(store: &Store, caller: &Caller, id_or_slug: &str) -> ApiResult<Project> {
    let id = if is_uuid(id_or_slug) {
        Some(id_or_slug.to_string())
    } else {
        store
            .project_id_by_slug(&caller.account_id, id_or_slug)
            .await?
    };
    let project = match id {
        Some(id) => store.project(&id).await?,
        None => None,
    };
    project
        .filter(|p| p.account_id == caller.account_id)
        .ok_or_else(|| ApiError::not_found("Project"))
}

/// Loads a session for the public endpoints: 404 for any unknown id, 410 once expired.
pub async fn live_session(store: &Store, id: &str, now: u64) -> ApiResult<Session> {
    let session = if is_uuid(id) {
        store.session(id).await?
    } else {
        None
    };
    let session = session.ok_or_else(|| ApiError::not_found("Session"))?;
    if session.is_expired(now) && session.result.is_none() {
        return Err(ApiError::Gone("This payment session has expired.".into()));
    }
    Ok(session)
}

/// `GET /v1/widget-sessions/{id}`: with a secret key the full object from the ledger, without
/// one the form's public view.
pub async fn get(ctx: &Ctx, id: &str) -> ApiResult<Response> {
    if ctx.header("authorization").is_some() {
        get_full(ctx, id).await
    } else {
        get_public(ctx, id).await
    }
}

/// The full object. Another account's (or environment's) session is 404, as an unknown one.
async fn get_full(ctx: &Ctx, id: &str) -> ApiResult<Response> {
    let store = Store::from_env(&ctx.env)?;
    let caller = auth::merchant(ctx, &store).await?;
    Ok(json(200, &full_object(ctx, &store, &caller, id).await?))
}

/// The caller's session as the ledger (or, a moment fresher, its own object) has it: the
/// merchant API's `GET` and the dashboard's Payments detail.
pub async fn full_object(
    ctx: &Ctx,
    store: &Store,
    caller: &Caller,
    id: &str,
) -> ApiResult<SessionObject> {
    let not_found = || ApiError::not_found("Session");
    if !is_uuid(id) {
        return Err(not_found());
    }
    let view = store.session(id).await?;
    let project_id = match &view {
        Some(s) => Some(s.project_id.clone()),
        // KV dropped the view a day after expiry; the ledger keeps it 13 months.
        None => store.get::<String>(&format!("ledger-session:{id}")).await?,
    };
    let kept = match project_id {
        Some(p) => {
            let project = store
                .project(&p)
                .await?
                .filter(|p| p.account_id == caller.account_id)
                .ok_or_else(not_found)?;
            ledger_get(ctx, &project.id, id).await?
        }
        // Never paid, so no id → project note: ask the account's own projects' ledgers.
        None => {
            let mut found = None;
            for p in store.project_ids(&caller.account_id).await? {
                found = ledger_get(ctx, &p, id).await?;
                if found.is_some() {
                    break;
                }
            }
            found
        }
    };
    let object = match (kept, &view) {
        // The view already has an outcome the ledger has not received yet (the milliseconds
        // between two outbox steps): the session's own object has all of it.
        (Some(o), Some(v)) if o.status != v.status && !o.is_terminal => {
            let state = ObjectStub::new(&ctx.env, "SESSION_STATE", id)?;
            match state.call::<LedgerReply>("/object", &json!({})).await? {
                LedgerReply::Object { object: Some(now) } => *now,
                _ => o,
            }
        }
        (Some(o), _) => o,
        // Created a moment ago: the ledger's first row is on its way.
        (None, Some(v)) => SessionObject::build(v, &LedgerFacts::default()),
        (None, None) => return Err(not_found()),
    };
    if object.environment != caller.environment.as_str() {
        return Err(not_found());
    }
    Ok(object)
}

/// One session's row in one project's ledger.
async fn ledger_get(ctx: &Ctx, project_id: &str, id: &str) -> ApiResult<Option<SessionObject>> {
    let ledger = ObjectStub::new(&ctx.env, "LEDGER", project_id)?;
    let reply: LedgerReply = ledger.call("/get", &json!({ "session_id": id })).await?;
    Ok(match reply {
        LedgerReply::Object { object } => object.map(|o| *o),
        _ => None,
    })
}

/// `GET /v1/widget-sessions?project=…`: one page of the project's ledger, newest first.
pub async fn list(ctx: &Ctx) -> ApiResult<Response> {
    let store = Store::from_env(&ctx.env)?;
    let caller = auth::merchant(ctx, &store).await?;
    let q = parse_list_query(&ctx.query_pairs()?)?;
    let project = find_project(&store, &caller, &q.project).await?;
    let order = ListRequest {
        environment: caller.environment,
        filters: q.filters,
    };
    Ok(json(200, &ledger_page(ctx, &project.id, &order).await?))
}

/// One page of a project's ledger (the merchant API's listing and the dashboard's).
pub async fn ledger_page(
    ctx: &Ctx,
    project_id: &str,
    order: &ListRequest,
) -> ApiResult<SessionPage> {
    let ledger = ObjectStub::new(&ctx.env, "LEDGER", project_id)?;
    let body = serde_json::to_value(order)
        .map_err(|_| ApiError::Internal("could not encode the query".into()))?;
    match ledger.call::<LedgerReply>("/list", &body).await? {
        LedgerReply::Page(page) => Ok(page),
        LedgerReply::UnknownCursor => Err(unknown_cursor()),
        _ => Err(ApiError::Internal("unexpected ledger answer".into())),
    }
}

/// The caller's session from the KV view: 404 for an unknown id, another account's or the
/// other environment's.
async fn own_session(store: &Store, caller: &Caller, id: &str) -> ApiResult<Session> {
    let session = if is_uuid(id) {
        store.session(id).await?
    } else {
        None
    };
    session
        .filter(|s| s.account_id == caller.account_id && s.environment == caller.environment)
        .ok_or_else(|| ApiError::not_found("Session"))
}

/// `POST /v1/widget-sessions/{id}/cancel`: a pending session becomes `cancelled` (the
/// session's object decides, so a charge cannot slip in between); 409 in any other state.
pub async fn cancel(ctx: &Ctx, id: &str) -> ApiResult<Response> {
    let store = Store::from_env(&ctx.env)?;
    let caller = auth::merchant(ctx, &store).await?;
    Ok(json(200, &cancel_as(ctx, &store, &caller, id).await?))
}

/// The cancel itself, for a caller already authenticated (an API key or a dashboard user).
pub async fn cancel_as(
    ctx: &Ctx,
    store: &Store,
    caller: &Caller,
    id: &str,
) -> ApiResult<SessionObject> {
    let session = own_session(store, caller, id).await?;
    if session.status != SessionStatus::Pending {
        return Err(CancelRefusal::NotPending.error());
    }
    let state = ObjectStub::new(&ctx.env, "SESSION_STATE", &session.id)?;
    let body = serde_json::to_value(&session)
        .map_err(|_| ApiError::Internal("could not encode the session".into()))?;
    match state.call::<CancelAnswer>("/cancel", &body).await? {
        CancelAnswer::Cancelled { object } => Ok(*object),
        CancelAnswer::Refused { refusal } => Err(refusal.error()),
    }
}

/// `POST /v1/widget-sessions/{id}/capture|void|refund`: decided inside the session's object
/// (docs/operations.md), so concurrent requests never capture or refund twice. With an
/// `Idempotency-Key` the answer is kept and replayed for the same key and body; an unknown
/// outcome (502) frees the key, so the retry resumes the operation and learns its result.
pub async fn operate(ctx: &mut Ctx, id: &str, kind: OpKind) -> ApiResult<Response> {
    let store = Store::from_env(&ctx.env)?;
    let caller = auth::merchant(ctx, &store).await?;
    let body = ctx.optional_json_body().await?;
    Ok(operate_as(ctx, &store, &caller, id, kind, &body)
        .await?
        .response())
}

/// An operation's answer: the session object (200) or a kept refusal (422), as JSON text.
pub struct OpReply {
    pub status: u16,
    pub text: String,
    /// The answer kept for this `Idempotency-Key`, replayed: nothing was done now.
    pub replayed: bool,
}

impl OpReply {
    pub fn response(self) -> Response {
        let mut r = json_text(self.status, self.text);
        if self.replayed {
            let _ = r.headers_mut().set("idempotent-replayed", "true");
        }
        r
    }
}

/// The operation itself, for a caller already authenticated (an API key or a dashboard user):
/// the same body, `Idempotency-Key` and session object either way.
pub async fn operate_as(
    ctx: &Ctx,
    store: &Store,
    caller: &Caller,
    id: &str,
    kind: OpKind,
    body: &serde_json::Value,
) -> ApiResult<OpReply> {
    let session = operable_session(store, caller, id).await?;
    let order = parse_order(kind, body)?;
    let key_hash = idempotency_key(ctx)?;
    let slot = match &key_hash {
        Some(k) => {
            let slot = ObjectStub::new(
                &ctx.env,
                "IDEMPOTENCY",
                &format!("{}:{}:{k}", caller.account_id, caller.environment.as_str()),
            )?;
            // The key covers the path too: the same key on another session or operation is
            // another request.
            let what = format!("{id}\n{}\n{body}", kind.as_str());
            let body_hash = sha256_hex(what.as_bytes());
            let begin: Begin = slot
                .call("/begin", &json!({"now": ctx.now, "body_hash": body_hash}))
                .await?;
            if let Some(e) = begin.error() {
                return Err(e);
            }
            if let Begin::Replay(prev) = begin {
                return Ok(OpReply {
                    status: prev.status,
                    text: prev.body,
                    replayed: true,
                });
            }
            Some(slot)
        }
        None => None,
    };
    let state = ObjectStub::new(&ctx.env, "SESSION_STATE", id)?;
    let msg = OperationOrder {
        order,
        session,
        request_key: key_hash,
    };
    let body = serde_json::to_value(&msg)
        .map_err(|_| ApiError::Internal("could not encode the operation".into()))?;
    let answer = match state.call::<OpAnswer>("/operation", &body).await {
        Ok(a) => a,
        Err(e) => {
            if let Some(slot) = &slot {
                let _: ApiResult<serde_json::Value> = slot.call("/abort", &json!({})).await;
            }
            return Err(e);
        }
    };
    let (status, text) = match answer.error() {
        None => {
            let OpAnswer::Done { object } = &answer else {
                return Err(ApiError::Internal("unexpected operation answer".into()));
            };
            let text = serde_json::to_string(object)
                .map_err(|_| ApiError::Internal("could not encode the session".into()))?;
            (200, text)
        }
        Some(e) => (e.status(), e.body().to_string()),
    };
    if let Some(slot) = &slot {
        // Kept: a result, or a refusal that stays true. Freed: "in progress" and "unknown",
        // which a retry must ask again.
        if matches!(status, 200 | 422) {
            let reply = StoredReply {
                status,
                body: text.clone(),
            };
            let _: serde_json::Value = slot.call("/finish", &json!(reply)).await?;
        } else {
            let _: ApiResult<serde_json::Value> = slot.call("/abort", &json!({})).await;
        }
    }
    match answer.error() {
        None => Ok(OpReply {
            status,
            text,
            replayed: false,
        }),
        Some(e) => Err(e),
    }
}

/// The caller's session for an operation: the KV view, or once it left KV (a day after the
/// session expired) the ledger's record of which project holds it. 404 for another account's
/// or environment's. `None`: the session's object has the session itself.
async fn operable_session(store: &Store, caller: &Caller, id: &str) -> ApiResult<Option<Session>> {
    if !is_uuid(id) {
        return Err(ApiError::not_found("Session"));
    }
    if let Some(s) = store.session(id).await? {
        if s.account_id == caller.account_id && s.environment == caller.environment {
            return Ok(Some(s));
        }
        return Err(ApiError::not_found("Session"));
    }
    let project_id = store.get::<String>(&format!("ledger-session:{id}")).await?;
    let project = match project_id {
        Some(p) => store.project(&p).await?,
        None => None,
    };
    match project {
        Some(p) if p.account_id == caller.account_id => Ok(None),
        _ => Err(ApiError::not_found("Session")),
    }
}

pub async fn get_public(ctx: &Ctx, id: &str) -> ApiResult<Response> {
    let store = Store::from_env(&ctx.env)?;
    let session = live_session(&store, id, ctx.now).await?;
    let project = store
        .project(&session.project_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Session"))?;
    Ok(json(200, &session.public_view(&project)))
}

/// Session creations per account and client IP: the `CREATE_LIMITER` rate-limiting binding, a
/// counter local to the Cloudflare location, which is enough for a volume limit and costs no
/// Durable Object call (docs/card-testing.md). Each isolate asks the binding once per
/// `CREATES_PER_CALL` creates of a caller (the first, the 11th, …), so one binding call stands
/// for that many creates: wrangler.toml's limit of 60 calls a minute is 600 creates, give or take
/// fewer than `CREATES_PER_CALL` per isolate. The binding is asked after the answer
/// (`wait_until`), so no create waits for it: when it says "over", this isolate refuses the
/// caller until the period ends, and every other isolate does so at its own next call for that
/// caller (the binding's count is shared). Without the binding (a deployment that left it out)
/// creation is not throttled.
fn limit_creates(ctx: &Ctx, account_id: &str) -> ApiResult<()> {
    let key = format!("{account_id}:{}", crate::http::client_ip(ctx));
    let now = ctx.now;
    if let Some(until) = CREATE_BLOCKED.with(|b| b.borrow().get(&key).copied()) {
        if until > now {
            return Err(ApiError::Throttled {
                code: ErrorCode::RateLimited,
                retry_after_secs: until - now,
            });
        }
        CREATE_BLOCKED.with(|b| b.borrow_mut().remove(&key));
    }
    let due = CREATE_COUNTS.with(|c| {
        maven_core::guard::first_of_every(&mut c.borrow_mut(), &key, CREATES_PER_CALL, 10_000)
    });
    if !due {
        return Ok(());
    }
    let Ok(limiter) = ctx.env.rate_limiter("CREATE_LIMITER") else {
        return Ok(());
    };
    ctx.context.wait_until(async move {
        match limiter.limit(key.clone()).await {
            Ok(outcome) if !outcome.success => CREATE_BLOCKED.with(|b| {
                let mut b = b.borrow_mut();
                // Bounded: entries whose period is over go first.
                b.retain(|_, until| *until > now);
                b.insert(key, now + CREATE_LIMIT_PERIOD_SECS);
            }),
            Ok(_) => {}
            Err(e) => worker::console_error!("session create limiter unavailable: {e}"),
        }
    });
    Ok(())
}

thread_local! {
    /// Callers (`account:ip`) this isolate refuses, until (unix seconds).
    static CREATE_BLOCKED: std::cell::RefCell<std::collections::HashMap<String, u64>> =
        Default::default();
    /// Creates per caller in this isolate since its last binding call, modulo `CREATES_PER_CALL`.
    static CREATE_COUNTS: std::cell::RefCell<std::collections::HashMap<String, u32>> =
        Default::default();
}

/// The `period` of `CREATE_LIMITER` in wrangler.toml: a refused caller retries after it.
const CREATE_LIMIT_PERIOD_SECS: u64 = 60;
/// Creates one `CREATE_LIMITER` call stands for (wrangler.toml's limit × this = creates a minute).
const CREATES_PER_CALL: u32 = 10;
