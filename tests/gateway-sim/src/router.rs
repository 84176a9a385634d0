//! Routes a request to a gateway by path prefix, applies injected faults, records the call;
//! and serves the control API (`/_sim/calls`, `/_sim/faults`, WIRE.md last section).

use crate::http::{Request, Response};
use crate::state::{CallInfo, FaultMode, Handled, Sim};
use crate::{authorizenet, braintree, shift4, stripe};
use serde_json::{json, Value};
use std::time::Duration;

pub const GATEWAYS: [&str; 4] = ["stripe", "authorizenet", "braintree", "shift4"];

/// What the connection loop does with a request.
#[derive(Debug)]
pub enum Action {
    Respond {
        response: Response,
        /// Wait this long before answering (fault `slow`).
        delay: Duration,
    },
    /// Close the connection without answering (fault `reset`).
    Reset,
}

fn respond(response: Response) -> Action {
    Action::Respond {
        response,
        delay: Duration::ZERO,
    }
}

/// `peer_is_loopback`: the control API answers loopback peers only.
pub fn route(sim: &Sim, req: &Request, peer_is_loopback: bool) -> Action {
    if let Some(rest) = req.path.strip_prefix("/_sim/") {
        if !peer_is_loopback {
            return respond(Response::json(403, &json!({"error": "loopback only"})));
        }
        return respond(control(sim, req, rest));
    }
    if req.path == "/" || req.path == "/health" {
        let body = json!({"status": "ok", "gateways": GATEWAYS});
        return respond(Response::json(200, &body));
    }
    let Some((gateway, sub)) = GATEWAYS.iter().find_map(|g| {
        let rest = req.path.strip_prefix('/')?.strip_prefix(g)?;
        (rest.is_empty() || rest.starts_with('/')).then_some((*g, rest))
    }) else {
        let body = json!({"error": format!("no gateway at {}; prefixes: /stripe /authorizenet /braintree /shift4", req.path)});
        return respond(Response::json(404, &body));
    };
    let operation = operation(gateway, req, sub);
    match sim.take_fault(gateway, &operation) {
        Some((FaultMode::Error500, _)) => {
            let info = unprocessed(req, &operation, "error500");
            sim.record(gateway, 500, info);
            let body = json!({"error": {"type": "api_error", "message": "Simulated gateway failure (fault error500)."}});
            respond(Response::json(500, &body))
        }
        Some((FaultMode::Reset, _)) => {
            sim.record(gateway, 0, unprocessed(req, &operation, "reset"));
            Action::Reset
        }
        Some((FaultMode::Slow, delay_ms)) => {
            let response = dispatch(sim, gateway, req, sub);
            Action::Respond {
                response,
                delay: Duration::from_millis(delay_ms),
            }
        }
        Some((FaultMode::Malformed, _)) => {
            let Handled { mut response, info } = handle(sim, gateway, req, sub);
            // Cut the body in half: a complete HTTP answer whose JSON does not parse.
            let keep = response.body.len() / 2;
            response.body.truncate(keep);
            response.status = 200;
            sim.record(gateway, 200, info);
            respond(response)
        }
        None => respond(dispatch(sim, gateway, req, sub)),
    }
}

fn handle(sim: &Sim, gateway: &str, req: &Request, sub: &str) -> Handled {
    match gateway {
        "stripe" => stripe::handle(sim, req, sub),
        "authorizenet" => authorizenet::handle(sim, req, sub),
        "braintree" => braintree::handle(sim, req, sub),
        _ => shift4::handle(sim, req, sub),
    }
}

fn dispatch(sim: &Sim, gateway: &'static str, req: &Request, sub: &str) -> Response {
    let Handled { response, info } = handle(sim, gateway, req, sub);
    sim.record(gateway, response.status, info);
    response
}

fn operation(gateway: &str, req: &Request, sub: &str) -> String {
    match gateway {
        "stripe" => stripe::operation(sub),
        "authorizenet" => authorizenet::operation(req),
        "braintree" => braintree::operation(req),
        _ => shift4::operation(sub),
    }
}

/// Log entry for a request a fault stopped before processing.
fn unprocessed(req: &Request, operation: &str, outcome: &str) -> CallInfo {
    let mut info = CallInfo::new(operation, req.idempotency_key());
    info.outcome = outcome.to_string();
    info
}

fn control(sim: &Sim, req: &Request, rest: &str) -> Response {
    match (req.method.as_str(), rest.trim_end_matches('/')) {
        ("GET", "calls") => Response::json(200, &json!(sim.calls())),
        ("DELETE", "calls") => Response::json(200, &json!({"cleared": sim.clear_calls()})),
        ("GET", "faults") => Response::json(200, &json!(sim.faults())),
        ("POST", "faults") => match set_fault(sim, &req.body) {
            Ok(v) => Response::json(200, &v),
            Err(msg) => Response::json(400, &json!({"error": msg})),
        },
        (_, "calls" | "faults") => Response::json(405, &json!({"error": "method not allowed"})),
        _ => Response::json(404, &json!({"error": "unknown control path"})),
    }
}

/// `{"gateway","mode","delay_ms"?,"count"?,"operation"?}`; `delay_ms` defaults to 3000,
/// `count` to 1; `operation` limits the fault to that operation's requests.
fn set_fault(sim: &Sim, body: &[u8]) -> Result<Value, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    let gateway = v["gateway"].as_str().ok_or("gateway is required")?;
    if gateway != "*" && !GATEWAYS.contains(&gateway) {
        return Err(format!("unknown gateway {gateway:?}"));
    }
    let mode_name = v["mode"].as_str().ok_or("mode is required")?;
    let mode = FaultMode::parse(mode_name).ok_or_else(|| format!("unknown mode {mode_name:?}"))?;
    let delay_ms = match &v["delay_ms"] {
        Value::Null => 3000,
        d => d
            .as_u64()
            .ok_or("delay_ms must be a non-negative integer")?,
    };
    let count = match &v["count"] {
        Value::Null => 1,
        c => c
            .as_u64()
            .and_then(|c| u32::try_from(c).ok())
            .ok_or("count must be a non-negative integer")?,
    };
    let operation = match &v["operation"] {
        Value::Null => None,
        o => Some(o.as_str().ok_or("operation must be a string")?),
    };
    sim.set_fault(gateway, operation, mode, delay_ms, count);
    Ok(
        json!({"gateway": gateway, "mode": mode_name, "delay_ms": delay_ms, "count": count, "operation": operation, "faults": sim.faults()}),
    )
}
