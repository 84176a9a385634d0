//! Shared by the black-box tests: start the simulator binary (and always kill it), and a
//! plain `TcpStream` HTTP/1.1 client.
#![allow(dead_code)] // each test binary uses a subset

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A running simulator; killed on drop (also when a test panics).
pub struct Server {
    child: Child,
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start() -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_maven-gateway-sim"))
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn maven-gateway-sim");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    // Built before the wait, so a timeout still kills the child.
    let mut server = Server { child, port: 0 };
    let line = rx
        .recv_timeout(TIMEOUT)
        .expect("listening line within 10 s");
    let addr = line
        .trim()
        .strip_prefix("gateway-sim listening on http://127.0.0.1:")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    server.port = addr.parse().expect("port number");
    server
}

pub struct Reply {
    pub status: u16,
    pub headers: String,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        let body = self
            .body
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(&self.body);
        serde_json::from_slice(body).unwrap_or_else(|e| {
            panic!(
                "JSON body expected ({e}): {:?}",
                String::from_utf8_lossy(body)
            )
        })
    }
}

pub fn raw_request(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
    close: bool,
) -> String {
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if close {
        req.push_str("Connection: close\r\n");
    }
    format!("{req}\r\n{body}")
}

/// Reads one response (head, then Content-Length bytes) from a connection.
pub fn read_reply<R: BufRead>(r: &mut R) -> std::io::Result<Reply> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "closed without a response",
            ));
        }
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>())
        })
        .and_then(Result::ok)
        .unwrap_or(0);
    let mut body = vec![0; length];
    r.read_exact(&mut body)?;
    Ok(Reply {
        status,
        headers: head,
        body,
    })
}

pub fn send(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.write_all(raw_request(method, path, headers, body, true).as_bytes())?;
    read_reply(&mut BufReader::new(stream))
}

pub fn ok(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    send(port, method, path, headers, body).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

pub const STRIPE_AUTH: (&str, &str) = ("Authorization", "Bearer sk_test_maven_sim");
pub const BT_AUTH: (&str, &str) = (
    "Authorization",
    "Basic bWF2ZW5fc2ltX3B1YmxpYzptYXZlbl9zaW1fcHJpdmF0ZQ==",
);
pub const S4_AUTH: (&str, &str) = (
    "Authorization",
    "Basic c2tfdGVzdF9tYXZlbl9zaW1fc2hpZnQ0Og==",
);

pub fn shift4_charge(port: u16, key: &str, number: &str) -> std::io::Result<Reply> {
    let body = json!({"amount": 1234, "currency": "USD", "captured": true,
        "card": {"number": number, "expMonth": "12", "expYear": "2030", "cvc": "987"},
        "metadata": {"session_id": "S"}});
    let headers = [
        S4_AUTH,
        ("Idempotency-Key", key),
        ("Content-Type", "application/json"),
    ];
    send(port, "POST", "/shift4/charges", &headers, &body.to_string())
}

pub fn calls(port: u16) -> Vec<Value> {
    let reply = ok(port, "GET", "/_sim/calls", &[], "");
    assert_eq!(reply.status, 200);
    reply.json().as_array().cloned().unwrap_or_default()
}

pub fn fault(port: u16, spec: Value) {
    let reply = ok(
        port,
        "POST",
        "/_sim/faults",
        &[("Content-Type", "application/json")],
        &spec.to_string(),
    );
    assert_eq!(reply.status, 200, "{spec}");
}
