//! The merchant dashboard's API under `/v1/dashboard/…`: sign-in with e-mail and password (a
//! `mvn_session` cookie: HttpOnly, Secure, SameSite=Strict), the session's CSRF token required
//! in `X-CSRF-Token` on every state change, sign-out (one or every session), invites and
//! members, and the account's projects and API keys. Owners do everything; members see no
//! keys. Users, invites and sessions live in the account's `AccountTeam` object.

use super::admin::{self, api_keys as admin_api_keys};
use crate::api_keys_do::Reply;
use crate::audit;
use crate::http::{json, new_id, random_bytes, ApiResult, Ctx};
use crate::objects::ObjectStub;
use crate::password::pbkdf2;
use crate::store::Store;
use crate::team_do::{AcceptReq, InviteReq, SessionReq, SignInReq};
use maven_core::audit::Actor;
use maven_core::auth::{constant_time_eq, hex, sha256_hex};
use maven_core::error::{ApiError, ErrorCode};
use maven_core::model::Project;
use maven_core::rules::project::member_may_patch;
use maven_core::team::{
    normalize_email, password_problem, require_owner, wrong_credentials, Invite, Me, MemberView,
    PasswordHash, Role, Session, INVITE_SECS, PBKDF2_ITERATIONS, SESSION_SECS,
};
use maven_core::validate::Fields;
use serde_json::{json, Value};
use worker::{Method, Response};

const COOKIE: &str = "mvn_session";

pub async fn route(ctx: &mut Ctx, method: &Method, seg: &[&str]) -> ApiResult<Response> {
    let store = Store::from_env(&ctx.env)?;
    match (method, seg) {
        (Method::Post, ["session"]) => sign_in(ctx, &store).await,
        (Method::Post, ["invites", "accept"]) => accept(ctx, &store).await,
        (Method::Get, ["session"]) => {
            let s = signed_in(ctx).await?;
            Ok(json(200, &me_body(&s)))
        }
        (Method::Delete, ["session"]) => {
            let s = signed_in(ctx).await?;
            call::<()>(ctx, &s.account_id, "/signout", &session_req(ctx, &s)).await?;
            Ok(with_cookie(
                json(200, &json!({"signed_out": 1})),
                &clear_cookie(),
            ))
        }
        (Method::Post, ["session", "revoke-all"]) => {
            let s = signed_in(ctx).await?;
            let n: usize = call(ctx, &s.account_id, "/signout-all", &session_req(ctx, &s)).await?;
            Ok(with_cookie(
                json(200, &json!({"signed_out": n})),
                &clear_cookie(),
            ))
        }
        (Method::Get, ["members"]) => {
            let s = signed_in(ctx).await?;
            let members: Vec<MemberView> = call(ctx, &s.account_id, "/members", &json!({})).await?;
            Ok(json(200, &json!({"members": members})))
        }
        (Method::Post, ["invites"]) => {
            let s = owner(ctx).await?;
            invite(ctx, &store, &s.account_id, Some(&s)).await
        }
        // The Customize page's keys, defaults and label names (core's customization module).
        (Method::Get, ["customization"]) => {
            signed_in(ctx).await?;
            Ok(json(200, &maven_core::customization::catalog::catalog()))
        }
        // The Gateways page's forms: each gateway's credential fields (core's gateway modules).
        (Method::Get, ["gateways"]) => {
            signed_in(ctx).await?;
            let gateways = maven_core::gateway::credentials::catalog();
            Ok(json(200, &json!({ "gateways": gateways })))
        }
        // Each currency's minor digits, so the Payments page shows and parses amounts as charged.
        (Method::Get, ["currencies"]) => {
            signed_in(ctx).await?;
            let map: serde_json::Map<String, serde_json::Value> = maven_core::money::exponents()
                .map(|(code, exp)| (code.to_owned(), exp.into()))
                .collect();
            Ok(json(200, &json!({ "currencies": map })))
        }
        (Method::Get, ["projects"]) => {
            let s = signed_in(ctx).await?;
            admin::projects::list(&store, &s.account_id).await
        }
        (Method::Get, ["projects", id]) => {
            let s = signed_in(ctx).await?;
            let p = project_of(&store, &s, id).await?;
            Ok(json(200, &admin::view(&p)))
        }
        // Customize (theme, labels, fields), the name and the webhook URL: members too. The
        // Settings (origins, currency, capture, lifetime, the widget's defaults) and the
        // card-testing limits: owners only (`maven_core::rules::project::OWNER_ONLY`).
        (Method::Patch, ["projects", id]) => {
            let s = signed_in(ctx).await?;
            project_of(&store, &s, id).await?;
            let body = ctx.json_body().await?;
            if s.me.role != Role::Owner {
                member_may_patch(&body)?;
            }
            admin::projects::patch(ctx, &store, id, &actor(&s), &body).await
        }
        (Method::Post, ["projects", id, "preview-session"]) => {
            let s = signed_in(ctx).await?;
            let p = project_of(&store, &s, id).await?;
            admin::preview::preview_session(ctx, &store, p).await
        }
        (_, ["projects", id, "gateways", rest @ ..]) => {
            super::dashboard_gateways::route(ctx, &store, method, id, rest).await
        }
        (_, ["projects", id, "webhooks", rest @ ..]) => {
            super::dashboard_webhooks::route(ctx, &store, method, id, rest).await
        }
        (_, ["projects", id, "payments", rest @ ..]) => {
            super::dashboard_payments::route(ctx, &store, method, id, rest).await
        }
        (Method::Get, ["audit"]) => {
            let s = owner(ctx).await?;
            admin::accounts::audit_list(ctx, &store, &s.account_id).await
        }
        (Method::Get, ["keys"]) => {
            let s = owner(ctx).await?;
            admin_api_keys::list(ctx, &store, &s.account_id).await
        }
        (Method::Post, ["keys"]) => {
            let s = owner(ctx).await?;
            admin_api_keys::create(ctx, &store, &s.account_id, &actor(&s)).await
        }
        (Method::Delete, ["keys", key]) => {
            let s = owner(ctx).await?;
            admin_api_keys::revoke(ctx, &store, &s.account_id, key, &actor(&s)).await
        }
        (Method::Post, ["keys", key, "roll"]) => {
            let s = owner(ctx).await?;
            admin_api_keys::roll(ctx, &store, &s.account_id, key, &actor(&s)).await
        }
        (
            _,
            ["session" | "invites" | "members" | "projects" | "keys" | "audit" | "customization"
            | "gateways"],
        )
        | (_, ["session", "revoke-all"])
        | (_, ["invites", "accept"])
        | (_, ["projects", _])
        | (_, ["projects", _, "preview-session"])
        | (_, ["keys", _])
        | (_, ["keys", _, "roll"]) => Err(ApiError::MethodNotAllowed),
        _ => Err(ApiError::NotFound("Not Found".into())),
    }
}

/// A signed-in caller.
pub struct Signed {
    pub account_id: String,
    pub token_hash: String,
    pub me: Me,
}

fn team(ctx: &Ctx, account_id: &str) -> ApiResult<ObjectStub> {
    ObjectStub::new(&ctx.env, "TEAM", &format!("team:{account_id}"))
}

async fn call<T: serde::de::DeserializeOwned>(
    ctx: &Ctx,
    account_id: &str,
    path: &str,
    body: &Value,
) -> ApiResult<T> {
    team(ctx, account_id)?
        .call::<Reply<T>>(path, body)
        .await?
        .into_result()
}

fn session_req(ctx: &Ctx, s: &Signed) -> Value {
    json!(SessionReq {
        token_hash: s.token_hash.clone(),
        now: ctx.now
    })
}

fn me_body(s: &Signed) -> Value {
    json!({
        "account_id": s.account_id,
        "user": {"user_id": s.me.user_id, "email": s.me.email, "name": s.me.name, "role": s.me.role},
        "csrf_token": s.me.csrf_token,
    })
}

/// `<account id>.<token>` from the `mvn_session` cookie.
fn session_cookie(ctx: &Ctx) -> Option<(String, String)> {
    let header = ctx.header("cookie")?;
    let value = header.split(';').find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == COOKIE).then(|| v.to_string())
    })?;
    let (account, token) = value.split_once('.')?;
    let ok = !account.is_empty()
        && account.len() <= 64
        && token.len() == 64
        && token.bytes().all(|b| b.is_ascii_hexdigit());
    ok.then(|| (account.to_string(), token.to_string()))
}

/// The session behind the cookie; on a state change also the CSRF token (and the Origin, when
/// the browser sends one) — SameSite=Strict already keeps the cookie off cross-site requests.
pub async fn signed_in(ctx: &Ctx) -> ApiResult<Signed> {
    let (account_id, token) = session_cookie(ctx)
        .ok_or_else(|| ApiError::Unauthorized("Sign in to the dashboard first.".into()))?;
    let token_hash = sha256_hex(token.as_bytes());
    let me: Option<Me> = team(ctx, &account_id)?
        .call("/me", &json!({"token_hash": token_hash, "now": ctx.now}))
        .await?;
    let me =
        me.ok_or_else(|| ApiError::Unauthorized("Your session has ended. Sign in again.".into()))?;
    let safe = matches!(ctx.req.method(), Method::Get | Method::Head);
    if !safe {
        let origin_ok = ctx.header("origin").is_none_or(|o| o == ctx.origin);
        let presented = ctx.header("x-csrf-token").unwrap_or_default();
        if !origin_ok || !constant_time_eq(presented.as_bytes(), me.csrf_token.as_bytes()) {
            return Err(ApiError::Forbidden {
                detail: "Missing or wrong X-CSRF-Token (or a cross-site request).".into(),
                code: ErrorCode::CsrfFailed,
            });
        }
    }
    Ok(Signed {
        account_id,
        token_hash,
        me,
    })
}

/// The project, when it belongs to the caller's account (another account's is "not found").
pub(super) async fn project_of(store: &Store, s: &Signed, id: &str) -> ApiResult<Project> {
    admin::load(store, id)
        .await
        .ok()
        .filter(|p| p.account_id == s.account_id)
        .ok_or_else(|| ApiError::not_found("Project"))
}

pub(super) fn actor(s: &Signed) -> Actor {
    Actor::User {
        user_id: s.me.user_id.clone(),
        email: s.me.email.clone(),
    }
}

pub(super) async fn owner(ctx: &Ctx) -> ApiResult<Signed> {
    let s = signed_in(ctx).await?;
    require_owner(&s.me)?;
    Ok(s)
}

fn set_cookie(account_id: &str, token: &str) -> String {
    format!("{COOKIE}={account_id}.{token}; Path=/; Max-Age={SESSION_SECS}; HttpOnly; Secure; SameSite=Strict")
}

fn clear_cookie() -> String {
    format!("{COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict")
}

fn with_cookie(mut r: Response, cookie: &str) -> Response {
    let _ = r.headers_mut().set("set-cookie", cookie);
    r
}

/// A new session's cookie token and record (the user id is filled in by the team object).
fn new_session(ctx: &Ctx) -> ApiResult<(String, Session)> {
    let token = hex(&random_bytes::<32>()?);
    let session = Session {
        token_hash: sha256_hex(token.as_bytes()),
        user_id: String::new(),
        csrf: hex(&random_bytes::<32>()?),
        expires_at: ctx.now + SESSION_SECS,
    };
    Ok((token, session))
}

fn done(f: Fields<'_>) -> ApiResult<()> {
    admin::done(f)
}

fn email_field(f: &mut Fields<'_>) -> Option<String> {
    let raw = f.string("email", true, false, 254)?;
    let e = normalize_email(&raw);
    if e.is_none() {
        f.push(
            "email",
            "value_error",
            "Enter an e-mail address like ann@shop.example.",
        );
    }
    e
}

async fn sign_in(ctx: &mut Ctx, store: &Store) -> ApiResult<Response> {
    let body = ctx.json_body().await?;
    let mut f = Fields::new(&body, vec!["body".into()]);
    let email = f.string("email", true, false, 254);
    let password = f.string("password", true, false, 1024);
    done(f)?;
    let (email, password) = (email.unwrap_or_default(), password.unwrap_or_default());
    let email = normalize_email(&email).unwrap_or(email);
    let Some(account_id) = store.get::<String>(&format!("login:{email}")).await? else {
        // Same work as a real check, so the answer's timing does not tell who has an account.
        pbkdf2(&password, &[0u8; 16], PBKDF2_ITERATIONS).await?;
        return Err(wrong_credentials());
    };
    let (token, session) = new_session(ctx)?;
    let req = SignInReq {
        email,
        password,
        session,
        now: ctx.now,
    };
    let me: Me = call(ctx, &account_id, "/signin", &json!(req)).await?;
    let s = Signed {
        account_id: account_id.clone(),
        token_hash: String::new(),
        me,
    };
    Ok(with_cookie(
        json(200, &me_body(&s)),
        &set_cookie(&account_id, &token),
    ))
}

/// An invite link for `email` into `account_id`: an owner invite from the operator
/// (`invited_by` None), or either role from an owner.
pub async fn invite(
    ctx: &mut Ctx,
    store: &Store,
    account_id: &str,
    by: Option<&Signed>,
) -> ApiResult<Response> {
    let invited_by = by.map(|s| s.me.user_id.clone());
    let who = by.map(actor).unwrap_or(Actor::Operator);
    let body = ctx.json_body().await?;
    let mut f = Fields::new(&body, vec!["body".into()]);
    let email = email_field(&mut f);
    let role = if invited_by.is_some() {
        f.literal("role", true, &["owner", "member"])
            .and_then(Role::parse)
    } else {
        Some(Role::Owner)
    };
    done(f)?;
    store
        .account(account_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Account"))?;
    let email = email.unwrap_or_default();
    if let Some(other) = store.get::<String>(&format!("login:{email}")).await? {
        if other != account_id {
            return Err(already_elsewhere());
        }
    }
    let token = hex(&random_bytes::<32>()?);
    let inv = Invite {
        token_hash: sha256_hex(token.as_bytes()),
        email: email.clone(),
        role: role.unwrap_or(Role::Member),
        expires_at: ctx.now + INVITE_SECS,
        invited_by: invited_by.unwrap_or_else(|| "operator".into()),
    };
    let expires_at = inv.expires_at;
    let role = inv.role;
    call::<()>(
        ctx,
        account_id,
        "/invite",
        &json!(InviteReq {
            invite: inv,
            now: ctx.now
        }),
    )
    .await?;
    audit::record(
        ctx,
        account_id,
        &who,
        "member.invited",
        &email,
        json!({"role": role}),
    )
    .await;
    // One-time link: no e-mail leaves the machine locally, so whoever invites passes it on.
    let code = format!("{account_id}.{token}");
    Ok(json(
        201,
        &json!({
            "email": email, "role": role, "expires_at": expires_at, "code": code,
            "invite_url": format!("{}/dashboard/#invite={code}", ctx.origin),
        }),
    ))
}

fn already_elsewhere() -> ApiError {
    ApiError::Conflict {
        detail: "This e-mail address already signs in to another account.".into(),
        code: ErrorCode::AlreadyMember,
    }
}

async fn accept(ctx: &mut Ctx, store: &Store) -> ApiResult<Response> {
    let body = ctx.json_body().await?;
    let mut f = Fields::new(&body, vec!["body".into()]);
    let code = f.string("code", true, false, 200);
    let name = f.string("name", true, false, 100);
    let password = f.string("password", true, false, 1024);
    if let Some(problem) = password.as_deref().and_then(password_problem) {
        f.push("password", "value_error", problem);
    }
    done(f)?;
    let code = code.unwrap_or_default();
    let invalid = || ApiError::NotFound("This invite link is invalid, used or expired.".into());
    let (account_id, token) = code.split_once('.').ok_or_else(invalid)?;
    store.account(account_id).await?.ok_or_else(invalid)?;
    let salt = random_bytes::<16>()?;
    let password = PasswordHash {
        iterations: PBKDF2_ITERATIONS,
        salt: hex(&salt),
        hash: pbkdf2(&password.unwrap_or_default(), &salt, PBKDF2_ITERATIONS).await?,
    };
    let (cookie_token, session) = new_session(ctx)?;
    let user_id = new_id();
    let req = AcceptReq {
        token_hash: sha256_hex(token.as_bytes()),
        user_id: user_id.clone(),
        name: name.unwrap_or_default(),
        password,
        session: Session { user_id, ..session },
        now: ctx.now,
    };
    let me: Me = call(ctx, account_id, "/accept", &json!(req)).await?;
    let key = format!("login:{}", me.email);
    match store.get::<String>(&key).await? {
        Some(other) if other != account_id => return Err(already_elsewhere()),
        _ => store.put(&key, &account_id.to_string(), None).await?,
    }
    let s = Signed {
        account_id: account_id.to_string(),
        token_hash: String::new(),
        me,
    };
    let details = json!({"role": s.me.role, "name": s.me.name});
    audit::record(
        ctx,
        account_id,
        &actor(&s),
        "member.joined",
        &s.me.email,
        details,
    )
    .await;
    Ok(with_cookie(
        json(201, &me_body(&s)),
        &set_cookie(account_id, &cookie_token),
    ))
}
