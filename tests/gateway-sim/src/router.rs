//! Routes a request to a gateway by path prefix, applies injected faults, records the call;
//! and serves the control API (`/_sim/calls`, `/_sim/faults`, WIRE.md last section).

use crate::http::{Request, Response};
use crate::state::{idem_scope, CallInfo, Chaos, FaultMode, Handled, Phase, Sim};
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
    let Some(fault) = sim.fault_for(gateway, &operation) else {
        return respond(dispatch(sim, gateway, req, sub));
    };
    let delay = Duration::from_millis(fault.delay_ms);
    match (fault.mode, fault.phase) {
        // Before: the gateway never sees the request (slow: it sees it late).
        (FaultMode::Error500, Phase::Before) => {
            let info = unprocessed(req, &operation, "error500");
            sim.record_fault(gateway, 500, info, Some(fault));
            respond(error500())
        }
        (FaultMode::Reset, Phase::Before) => {
            let info = unprocessed(req, &operation, "reset");
            sim.record_fault(gateway, 0, info, Some(fault));
            Action::Reset
        }
        (FaultMode::Malformed, Phase::Before) => {
            let info = unprocessed(req, &operation, "malformed");
            sim.record_fault(gateway, 200, info, Some(fault));
            let mut response = Response::json(200, &json!({"id": "x", "object": "unknown"}));
            response.body.truncate(7);
            respond(response)
        }
        (FaultMode::Slow, Phase::Before) => {
            // The request waits, then is processed: the charge lands late.
            std::thread::sleep(delay);
            let Handled { response, info } = handle(sim, gateway, req, sub);
            sim.record_fault(gateway, response.status, info, Some(fault));
            respond(response)
        }
        // After: the gateway processed the request (and recorded any charge); the answer is
        // lost, damaged or late.
        (FaultMode::Slow, Phase::After) => {
            let Handled { response, info } = handle(sim, gateway, req, sub);
            sim.record_fault(gateway, response.status, info, Some(fault));
            Action::Respond { response, delay }
        }
        (FaultMode::Malformed, Phase::After) => {
            let Handled { mut response, info } = handle(sim, gateway, req, sub);
            // Cut the body in half: a complete HTTP answer whose JSON does not parse.
            let keep = response.body.len() / 2;
            response.body.truncate(keep);
            response.status = 200;
            sim.record_fault(gateway, 200, info, Some(fault));
            respond(response)
        }
        (FaultMode::Error500, Phase::After) => {
            let handled = handle(sim, gateway, req, sub);
            let response = error500();
            // Stripe and Shift4 store the first result of a key, a 500 included: replayed
            // for that key from now on.
            let fresh = !handled.info.replayed && !handled.info.outcome.starts_with("idempotency_");
            if let (Some(key), true) = (handled.info.idempotency_key.as_deref(), fresh) {
                if matches!(gateway, "stripe" | "shift4") {
                    let stored = Handled {
                        response: response.clone(),
                        info: handled.info.clone(),
                    };
                    sim.idem_replace(gateway, &idem_scope(req, key), &stored);
                }
            }
            sim.record_fault(gateway, 500, handled.info, Some(fault));
            respond(response)
        }
        (FaultMode::Reset, Phase::After) => {
            let Handled { info, .. } = handle(sim, gateway, req, sub);
            sim.record_fault(gateway, 0, info, Some(fault));
            Action::Reset
        }
        (FaultMode::Echo, Phase::Before) => {
            let info = unprocessed(req, &operation, "echo");
            let response = echo(gateway, req);
            sim.record_fault(gateway, response.status, info, Some(fault));
            respond(response)
        }
        // Processed (any charge is recorded), then answered with the echoing error instead.
        (FaultMode::Echo, Phase::After) => {
            let Handled { info, .. } = handle(sim, gateway, req, sub);
            let response = echo(gateway, req);
            sim.record_fault(gateway, response.status, info, Some(fault));
            respond(response)
        }
    }
}

/// Fault `echo`: an error in the gateway's own shape whose message quotes the request's card
/// number (WIRE.md, control API), of the kind each gateway's client reads the message of: a
/// Stripe 400 `api_error`, a Shift4 400 `processing_error`, a Braintree GraphQL error of class
/// `INTERNAL` (HTTP 200), an Authorize.net `E00001` (HTTP 200).
fn echo(gateway: &str, req: &Request) -> Response {
    let message = match card_number(&req.body) {
        Some(number) => {
            format!("Simulated gateway failure (fault echo): card {number} could not be processed.")
        }
        None => "Simulated gateway failure (fault echo): no card number in the request.".into(),
    };
    match gateway {
        "stripe" => Response::json(
            400,
            &json!({"error": {"type": "api_error", "message": message}}),
        ),
        "shift4" => Response::json(
            400,
            &json!({"error": {"type": "processing_error", "message": message}}),
        ),
        "braintree" => Response::json(
            200,
            &json!({"data": null, "errors": [{"message": message,
                "extensions": {"errorClass": "INTERNAL"}}]}),
        ),
        _ => authorizenet::wire::request_error("E00001", &message),
    }
}

/// The first run of 13–19 digits in the body that passes the Luhn check: the card number, in
/// whichever encoding the gateway uses (form field, JSON string, GraphQL variable).
fn card_number(body: &[u8]) -> Option<String> {
    body.split(|b| !b.is_ascii_digit())
        .filter(|run| (13..=19).contains(&run.len()))
        .map(|run| String::from_utf8_lossy(run).into_owned())
        .find(|run| crate::cards::luhn_valid(run))
}

fn error500() -> Response {
    let body = json!({"error": {"type": "api_error", "message": "Simulated gateway failure (fault error500)."}});
    Response::json(500, &body)
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
    // A gateway's own 500 (not a fault) is answered as is.
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
        ("GET", "chaos") => Response::json(200, &sim.chaos_report()),
        ("POST", "chaos") => match set_chaos(sim, &req.body) {
            Ok(()) => Response::json(200, &sim.chaos_report()),
            Err(msg) => Response::json(400, &json!({"error": msg})),
        },
        ("GET", "ledger") => Response::json(200, &sim.ledger_report()),
        // `{"gateway": "authorizenet" | "braintree" | "*"}` (default "*"): the batch closes now.
        ("POST", "settle") => {
            let v: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
            match v["gateway"].as_str().unwrap_or("*") {
                g @ ("*" | "authorizenet" | "braintree") => {
                    Response::json(200, &json!({"settled": sim.settle(g)}))
                }
                other => Response::json(
                    400,
                    &json!({"error": format!("{other:?} does not settle in batches (authorizenet, braintree or *)")}),
                ),
            }
        }
        (_, "calls" | "faults" | "chaos" | "ledger" | "settle") => {
            Response::json(405, &json!({"error": "method not allowed"}))
        }
        _ => Response::json(404, &json!({"error": "unknown control path"})),
    }
}

/// `{"gateway","mode","phase"?,"delay_ms"?,"count"?,"operation"?}`; `delay_ms` defaults to
/// 3000, `count` to 1, `phase` to the mode's default (`FaultMode::default_phase`);
/// `operation` limits the fault to that operation's requests.
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
    let phase = match &v["phase"] {
        Value::Null => None,
        p => {
            let name = p.as_str().ok_or("phase must be \"before\" or \"after\"")?;
            Some(Phase::parse(name).ok_or_else(|| format!("unknown phase {name:?}"))?)
        }
    };
    sim.set_fault(gateway, operation, mode, phase, delay_ms, count);
    let phase = mode.map(|m| phase.unwrap_or(m.default_phase()));
    Ok(
        json!({"gateway": gateway, "mode": mode_name, "phase": phase, "delay_ms": delay_ms, "count": count, "operation": operation, "faults": sim.faults()}),
    )
}

/// `{"seed","rate","modes"?,"phases"?,"delay_ms"?,"gateways"?,"operations"?}`; `rate` 0 stops.
fn set_chaos(sim: &Sim, body: &[u8]) -> Result<(), String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    let rate = v["rate"].as_f64().ok_or("rate (0.0–1.0) is required")?;
    if !(0.0..=1.0).contains(&rate) {
        return Err("rate must be within 0.0–1.0".into());
    }
    let seed = match &v["seed"] {
        Value::Null if rate == 0.0 => 0,
        s => s.as_u64().ok_or("seed (u64) is required")?,
    };
    let strings = |k: &str| -> Result<Option<Vec<String>>, String> {
        match &v[k] {
            Value::Null => Ok(None),
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .map(Some)
                .ok_or(format!("{k} must be an array of strings")),
            _ => Err(format!("{k} must be an array of strings")),
        }
    };
    let modes = strings("modes")?
        .unwrap_or_else(|| {
            ["error500", "reset", "malformed", "slow"]
                .map(String::from)
                .to_vec()
        })
        .iter()
        .map(|m| match FaultMode::parse(m) {
            Some(Some(mode)) => Ok(mode),
            _ => Err(format!("unknown mode {m:?}")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let phases = strings("phases")?
        .unwrap_or_else(|| vec!["before".into(), "after".into()])
        .iter()
        .map(|p| Phase::parse(p).ok_or_else(|| format!("unknown phase {p:?}")))
        .collect::<Result<Vec<_>, _>>()?;
    let gateways = strings("gateways")?;
    if let Some(unknown) = gateways
        .iter()
        .flatten()
        .find(|g| !GATEWAYS.contains(&g.as_str()))
    {
        return Err(format!("unknown gateway {unknown:?}"));
    }
    let delay_ms = match &v["delay_ms"] {
        Value::Null => 3000,
        d => d
            .as_u64()
            .ok_or("delay_ms must be a non-negative integer")?,
    };
    sim.set_chaos(Some(Chaos {
        seed,
        rate,
        modes,
        phases,
        delay_ms,
        gateways,
        operations: strings("operations")?,
    }));
    Ok(())
}
