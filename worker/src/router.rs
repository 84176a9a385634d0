//! Method + path dispatch. Unknown paths are 404, known paths with another method 405.

use crate::http::{error_response, json, ApiResult, Ctx};
use crate::routes::{admin, charge, dashboard, demo, projects, sessions, widget_page};
use maven_core::error::ApiError;
use maven_core::operation::OpKind;
use serde_json::json;
use worker::{Method, Response};

pub async fn handle(mut ctx: Ctx) -> Response {
    let path = ctx.req.path();
    let method = ctx.req.method();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let result = route(&mut ctx, &method, &segments).await;
    match result {
        Ok(r) => r,
        Err(Routed::Error(e)) => error_response(&e),
        Err(Routed::WrongMethod(allowed)) => {
            let mut r = error_response(&ApiError::MethodNotAllowed);
            let _ = r.headers_mut().set("allow", allowed);
            r
        }
    }
}

enum Routed {
    Error(ApiError),
    WrongMethod(&'static str),
}

impl From<ApiError> for Routed {
    fn from(e: ApiError) -> Self {
        Routed::Error(e)
    }
}

/// Picks the handler; `allow` lists the methods of a matched path for the 405.
macro_rules! methods {
    ($method:expr, $allow:literal, { $($m:pat => $h:expr),+ $(,)? }) => {
        match $method {
            $($m => Ok($h.await?),)+
            _ => Err(Routed::WrongMethod($allow)),
        }
    };
}

async fn route(ctx: &mut Ctx, method: &Method, seg: &[&str]) -> Result<Response, Routed> {
    match seg {
        ["health"] => methods!(method, "GET", { Method::Get => health() }),
        ["v1", "auth", "check"] => {
            methods!(method, "GET", { Method::Get => projects::auth_check(ctx) })
        }
        ["v1", "projects"] => methods!(method, "GET", { Method::Get => projects::list(ctx) }),
        ["v1", "widget-sessions"] => {
            methods!(method, "GET, POST", {
                Method::Post => sessions::create(ctx),
                Method::Get => sessions::list(ctx),
            })
        }
        ["v1", "widget-sessions", id] => {
            methods!(method, "GET", { Method::Get => sessions::get(ctx, id) })
        }
        ["v1", "widget-sessions", id, "cancel"] => {
            methods!(method, "POST", { Method::Post => sessions::cancel(ctx, id) })
        }
        ["v1", "widget-sessions", id, op @ ("capture" | "void" | "refund")] => {
            let kind = OpKind::parse(op).ok_or(ApiError::NotFound("Not Found".into()))?;
            methods!(method, "POST", { Method::Post => sessions::operate(ctx, id, kind) })
        }
        ["v1", "widget-sessions", id, "charge"] => {
            methods!(method, "POST", { Method::Post => charge::submit(ctx, id) })
        }
        ["widget", id] if *id != "v1" => {
            methods!(method, "GET", { Method::Get => widget_page::serve(ctx, id) })
        }
        ["widget", id, "state"] if *id != "v1" => {
            methods!(method, "GET", { Method::Get => widget_page::state(ctx, id) })
        }
        ["v1", "dev", "faults"] => {
            methods!(method, "POST", { Method::Post => crate::dev_faults::set(ctx) })
        }
        ["v1", "admin", rest @ ..] => Ok(admin::route(ctx, method, rest).await?),
        ["v1", "dashboard", rest @ ..] => Ok(dashboard::route(ctx, method, rest).await?),
        ["demo", "api", "session"] => {
            methods!(method, "POST", { Method::Post => demo::create_session_for_demo(ctx) })
        }
        _ => Err(Routed::Error(ApiError::NotFound("Not Found".into()))),
    }
}

async fn health() -> ApiResult<Response> {
    Ok(json(200, &json!({"status": "ok"})))
}
