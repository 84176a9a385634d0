//! `AccountTeam`, one Durable Object per account (named `team:<account id>`): its users,
//! invites and dashboard sessions (`maven_core::team`). Sign-in runs here so the lockout count
//! and the session it starts change together; the wrong-password count is taken *before* the
//! hash is computed, since other requests may run while WebCrypto works.

use crate::api_keys_do::Reply;
use crate::password::pbkdf2;
use maven_core::audit::{AuditLog, Entry};
use maven_core::error::ApiError;
use maven_core::team::{locked, wrong_credentials, Invite, Me, PasswordHash, Session, Team};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::cell::RefCell;
use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

const KEY: &str = "team";
/// The audit log is stored apart from the team: read only when it is written or listed.
const AUDIT: &str = "audit";

#[durable_object]
pub struct AccountTeam {
    state: State,
    team: RefCell<Option<Team>>,
}

#[derive(Serialize, Deserialize)]
pub struct InviteReq {
    pub invite: Invite,
    pub now: u64,
}

#[derive(Serialize, Deserialize)]
pub struct AcceptReq {
    pub token_hash: String,
    pub user_id: String,
    pub name: String,
    pub password: PasswordHash,
    pub session: Session,
    pub now: u64,
}

#[derive(Serialize, Deserialize)]
pub struct SignInReq {
    pub email: String,
    pub password: String,
    pub session: Session,
    pub now: u64,
}

#[derive(Serialize, Deserialize)]
pub struct AuditListReq {
    pub limit: usize,
}

#[derive(Serialize, Deserialize)]
pub struct SessionReq {
    pub token_hash: String,
    pub now: u64,
}

fn reply<T: Serialize>(r: std::result::Result<T, ApiError>) -> Value {
    match r {
        Ok(value) => json!(Reply::Ok { value }),
        Err(e) => {
            // `Retry-After` travels beside the body.
            let retry_after = match &e {
                ApiError::RateLimited { retry_after, .. } => Some(*retry_after),
                _ => None,
            };
            let mut body = e.body();
            if let Some(s) = retry_after {
                body["retry_after"] = json!(s);
            }
            json!(Reply::<()>::Refused {
                status: e.status(),
                body
            })
        }
    }
}

async fn body<T: DeserializeOwned>(req: &mut Request) -> Result<T> {
    req.json().await
}

impl DurableObject for AccountTeam {
    fn new(state: State, _env: Env) -> Self {
        AccountTeam {
            state,
            team: RefCell::new(None),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        if self.team.borrow().is_none() {
            let stored: Option<Team> = self.state.storage().get(KEY).await?;
            let mut team = self.team.borrow_mut();
            if team.is_none() {
                *team = Some(stored.unwrap_or_default());
            }
        }
        let (answer, changed) = match req.path().as_str() {
            "/invite" => {
                let r: InviteReq = body(&mut req).await?;
                let out = self.with(|t| t.invite(r.invite, r.now));
                let ok = out.is_ok();
                (reply(out), ok)
            }
            "/accept" => {
                let r: AcceptReq = body(&mut req).await?;
                let out = self.with(|t| {
                    let user = t.accept(&r.token_hash, r.user_id, r.name, r.password, r.now)?;
                    t.start_session(r.session.clone(), r.now);
                    t.me(&r.session.token_hash, r.now).ok_or_else(|| {
                        ApiError::Internal(format!("no session for {}", user.user_id))
                    })
                });
                let ok = out.is_ok();
                (reply(out), ok)
            }
            "/signin" => {
                let r: SignInReq = body(&mut req).await?;
                let out = self.sign_in(r).await;
                (reply(out), true)
            }
            "/me" => {
                let r: SessionReq = body(&mut req).await?;
                (json!(self.with(|t| t.me(&r.token_hash, r.now))), false)
            }
            "/signout" => {
                let r: SessionReq = body(&mut req).await?;
                self.with(|t| t.end_session(&r.token_hash));
                (json!(Reply::Ok { value: () }), true)
            }
            "/signout-all" => {
                let r: SessionReq = body(&mut req).await?;
                let n = self.with(|t| {
                    t.me(&r.token_hash, r.now)
                        .map(|me| t.end_all_sessions(&me.user_id))
                        .unwrap_or(0)
                });
                (json!(Reply::Ok { value: n }), true)
            }
            "/audit" => {
                let e: Entry = body(&mut req).await?;
                let mut log: AuditLog = self.state.storage().get(AUDIT).await?.unwrap_or_default();
                log.append(e);
                self.state.storage().put(AUDIT, &log).await?;
                (json!({}), false)
            }
            "/audit-list" => {
                let r: AuditListReq = body(&mut req).await?;
                let log: AuditLog = self.state.storage().get(AUDIT).await?.unwrap_or_default();
                (
                    json!(Reply::Ok {
                        value: log.list(r.limit)
                    }),
                    false,
                )
            }
            "/members" => (
                json!(Reply::Ok {
                    value: self.with(|t| t.members())
                }),
                false,
            ),
            _ => return Response::error("Not Found", 404),
        };
        if changed {
            let snapshot = self.team.borrow().clone().unwrap_or_default();
            self.state.storage().put(KEY, &snapshot).await?;
        }
        Response::from_json(&answer)
    }
}

impl AccountTeam {
    fn with<T>(&self, f: impl FnOnce(&mut Team) -> T) -> T {
        let mut guard = self.team.borrow_mut();
        f(guard.get_or_insert_with(Default::default))
    }

    async fn sign_in(&self, r: SignInReq) -> std::result::Result<Me, ApiError> {
        // Lock check and the pessimistic count, synchronously, before any await.
        let stored = self.with(|t| {
            let u = t.user_by_email(&r.email)?;
            Some(match u.check_lock(r.now) {
                Err(wait) => Err(locked(wait)),
                Ok(()) => {
                    u.record_failure(r.now);
                    Ok((u.password.clone(), u.user_id.clone()))
                }
            })
        });
        let Some(stored) = stored else {
            return Err(wrong_credentials());
        };
        let (stored, user_id) = stored?;
        let salt = decode_hex(&stored.salt)?;
        let derived = pbkdf2(&r.password, &salt, stored.iterations).await?;
        if !stored.matches(&derived) {
            return Err(wrong_credentials());
        }
        self.with(|t| {
            if let Some(u) = t.user_by_email(&r.email) {
                u.record_success();
            }
            let session = Session {
                user_id,
                ..r.session
            };
            let token_hash = session.token_hash.clone();
            t.start_session(session, r.now);
            t.me(&token_hash, r.now).ok_or_else(wrong_credentials)
        })
    }
}

pub fn decode_hex(s: &str) -> std::result::Result<Vec<u8>, ApiError> {
    (0..s.len())
        .step_by(2)
        .map(|i| {
            s.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
                .ok_or_else(|| ApiError::Internal("a stored salt is not hex".into()))
        })
        .collect()
}
