//! `maven-gateway-sim`: Stripe, Authorize.net, Braintree and Shift4 on one loopback port, each
//! under its prefix, speaking the wire contract in `WIRE.md` beside this crate.
//!
//! Usage: `maven-gateway-sim [--port 8788] [--host 127.0.0.1] [--settle-every SECS]` (`--port 0`
//! picks a free port; Authorize.net and Braintree settle their captures every `SECS`, default
//! 86400 like a daily batch, and on `POST /_sim/settle`).
//! Prints one line, `gateway-sim listening on http://HOST:PORT`, then serves until killed.
//! One thread per connection (std::net): 50+ concurrent connections cost a few MB of stacks
//! and no async runtime to compile.

mod authorizenet;
mod braintree;
mod cards;
mod codec;
mod currency;
mod http;
mod ledger;
mod ojson;
mod router;
mod shift4;
mod state;
mod stripe;

use router::Action;
use state::Sim;
use std::io::{BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Idle keep-alive connections are closed after this long (longer than any client pool keeps
/// one, so a pooled connection is never closed under a request in flight).
const IDLE: Duration = Duration::from_secs(300);
/// Beyond this many open connections new ones get 503 (a guard, far above what tests use).
const MAX_CONNECTIONS: usize = 1024;

struct Args {
    host: String,
    port: u16,
    settle_every: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        host: "127.0.0.1".into(),
        port: 8788,
        settle_every: 86_400,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or(format!("{name} needs a value"))
        };
        match name.as_str() {
            "--port" => {
                let v = value()?;
                args.port = v.parse().map_err(|_| format!("invalid port {v:?}"))?;
            }
            "--host" => args.host = value()?,
            "--settle-every" => {
                let v = value()?;
                args.settle_every = v
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or(format!("invalid --settle-every {v:?}"))?;
            }
            "-h" | "--help" => {
                println!("usage: maven-gateway-sim [--port N (default 8788, 0 = any free port)] [--host 127.0.0.1]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(args)
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("gateway-sim: {e}");
            std::process::exit(2);
        }
    };
    let listener = match TcpListener::bind((args.host.as_str(), args.port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "gateway-sim: cannot listen on {}:{}: {e}",
                args.host, args.port
            );
            std::process::exit(1);
        }
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("gateway-sim: {e}");
            std::process::exit(1);
        }
    };
    let mut out = std::io::stdout();
    let _ = writeln!(out, "gateway-sim listening on http://{addr}");
    let _ = out.flush();

    let sim = Arc::new(Sim::new());
    // The settlement batch on a schedule (Authorize.net settles daily; Braintree submits
    // transactions for settlement in daily batches).
    let batch = Arc::clone(&sim);
    let every = Duration::from_secs(args.settle_every);
    let _ = std::thread::Builder::new().spawn(move || loop {
        std::thread::sleep(every);
        batch.settle("*");
    });
    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(s) => s,
            Err(e) => {
                eprintln!("gateway-sim: accept failed: {e}");
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        if open.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            open.fetch_sub(1, Ordering::SeqCst);
            refuse(stream);
            continue;
        }
        let (sim, open) = (Arc::clone(&sim), Arc::clone(&open));
        // Default 2 MiB stacks: serde_json's 128-level nesting limit needs more than 256 KiB in
        // debug builds. Untouched stack pages cost no memory.
        let spawned = std::thread::Builder::new().spawn(move || {
            serve(&sim, stream);
            open.fetch_sub(1, Ordering::SeqCst);
        });
        if let Err(e) = spawned {
            eprintln!("gateway-sim: cannot spawn a connection thread: {e}");
        }
    }
}

fn refuse(mut stream: TcpStream) {
    let resp = http::Response::json(503, &serde_json::json!({"error": "too many connections"}));
    let _ = http::write_response(&mut stream, &resp, false);
}

/// One connection: requests in sequence until the peer closes, asks to close, or idles.
fn serve(sim: &Sim, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(IDLE));
    let loopback = stream
        .peer_addr()
        .map(|a| a.ip().is_loopback())
        .unwrap_or(false);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let req = match http::read_request(&mut reader, &mut writer) {
            Ok(Some(req)) => req,
            Ok(None) | Err(http::ReadError::Io) => break,
            Err(e) => {
                let (status, msg) = match e {
                    http::ReadError::TooLarge => (413, "request too large".to_string()),
                    http::ReadError::Bad(m) => (400, m.to_string()),
                    http::ReadError::Io => (400, String::new()),
                };
                let resp = http::Response::json(status, &serde_json::json!({"error": msg}));
                let _ = http::write_response(&mut writer, &resp, false);
                break;
            }
        };
        match router::route(sim, &req, loopback) {
            Action::Reset => break,
            Action::Respond { response, delay } => {
                if !delay.is_zero() {
                    std::thread::sleep(delay);
                }
                let sent = http::write_response(&mut writer, &response, req.keep_alive);
                if sent.is_err() || !req.keep_alive {
                    break;
                }
            }
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
}
