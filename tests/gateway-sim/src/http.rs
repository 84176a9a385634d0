//! Minimal HTTP/1.1 on std::io: enough for the worker's `fetch` (workerd), curl and the tests'
//! plain TcpStream client. One request at a time per connection, keep-alive, request bodies by
//! Content-Length or chunked, `Expect: 100-continue`. Responses always carry Content-Length.
//! Plus the two auth header schemes the gateways use (Basic, Bearer).

use serde_json::Value;
use std::io::{self, BufRead, Read, Write};

const MAX_LINE: u64 = 16 * 1024;
const MAX_HEADERS: usize = 100;
pub const MAX_BODY: usize = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path without the query string, e.g. `/stripe/v1/payment_intents`.
    pub path: String,
    /// The query string without `?` (raw, percent-encoded); empty when there is none.
    pub query: String,
    /// Names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub keep_alive: bool,
}

impl Request {
    #[cfg(test)]
    /// Builds a request by hand (unit tests drive the handlers this way).
    pub fn new(method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> Request {
        Request {
            method: method.to_string(),
            path: split_target(target).to_string(),
            query: target
                .split_once('?')
                .map(|(_, q)| q.to_string())
                .unwrap_or_default(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
            keep_alive: true,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `Idempotency-Key` header, if any.
    pub fn idempotency_key(&self) -> Option<String> {
        self.header("idempotency-key").map(str::to_string)
    }

    /// The query string decoded into ordered pairs (`created[gte]=1` → `("created[gte]", "1")`).
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        crate::codec::parse_form(&self.query)
    }

    /// The first value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_pairs()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The path without its query string.
fn split_target(target: &str) -> &str {
    target.split_once('?').map_or(target, |(p, _)| p)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(status: u16, body: &Value) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The body parsed as JSON, a leading UTF-8 BOM skipped.
    #[cfg(test)]
    pub fn json_body(&self) -> Option<Value> {
        let body = self
            .body
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(&self.body);
        serde_json::from_slice(body).ok()
    }
}

#[derive(Debug)]
pub enum ReadError {
    /// The peer went away or idled out.
    Io,
    Bad(&'static str),
    TooLarge,
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> Self {
        ReadError::Io
    }
}

/// Reads one line (CRLF or LF), at most `MAX_LINE` bytes. `Ok(None)` on EOF before any byte.
fn read_line<R: BufRead>(r: &mut R) -> Result<Option<String>, ReadError> {
    let mut buf = Vec::new();
    let n = r.by_ref().take(MAX_LINE).read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() != Some(&b'\n') {
        return Err(if n as u64 >= MAX_LINE {
            ReadError::TooLarge
        } else {
            ReadError::Bad("truncated line")
        });
    }
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    String::from_utf8(buf)
        .map(Some)
        .map_err(|_| ReadError::Bad("non-UTF-8 header"))
}

/// Reads the next request. `Ok(None)` when the peer closed the connection between requests.
/// `cont` receives the interim `100 Continue` when the client asks for it.
pub fn read_request<R: BufRead, W: Write>(
    r: &mut R,
    cont: &mut W,
) -> Result<Option<Request>, ReadError> {
    // Tolerate stray empty lines between pipelined requests (RFC 9112 §2.2).
    let line = loop {
        match read_line(r)? {
            None => return Ok(None),
            Some(l) if l.is_empty() => continue,
            Some(l) => break l,
        }
    };
    let mut parts = line.split(' ');
    let (method, target, version) = match (parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v)) if !m.is_empty() && t.starts_with('/') => (m, t, v),
        _ => return Err(ReadError::Bad("bad request line")),
    };
    let mut keep_alive = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => return Err(ReadError::Bad("unsupported HTTP version")),
    };
    let path = split_target(target).to_string();
    let query = target
        .split_once('?')
        .map(|(_, q)| q.to_string())
        .unwrap_or_default();
    let mut headers = Vec::new();
    loop {
        let line = read_line(r)?.ok_or(ReadError::Bad("eof in headers"))?;
        if line.is_empty() {
            break;
        }
        if headers.len() >= MAX_HEADERS {
            return Err(ReadError::TooLarge);
        }
        let (k, v) = line.split_once(':').ok_or(ReadError::Bad("bad header"))?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.to_ascii_lowercase())
    };
    match get("connection").as_deref() {
        Some(c) if c.contains("close") => keep_alive = false,
        Some(c) if c.contains("keep-alive") => keep_alive = true,
        _ => {}
    }
    let chunked = get("transfer-encoding").is_some_and(|te| te.contains("chunked"));
    let length = match get("content-length") {
        Some(v) if !chunked => v
            .parse::<usize>()
            .map_err(|_| ReadError::Bad("bad length"))?,
        _ => 0,
    };
    if length > MAX_BODY {
        return Err(ReadError::TooLarge);
    }
    if (chunked || length > 0) && get("expect").is_some_and(|e| e == "100-continue") {
        cont.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        cont.flush()?;
    }
    let body = if chunked {
        read_chunked(r)?
    } else {
        let mut body = vec![0; length];
        r.read_exact(&mut body)?;
        body
    };
    Ok(Some(Request {
        method: method.to_string(),
        path,
        query,
        headers,
        body,
        keep_alive,
    }))
}

fn read_chunked<R: BufRead>(r: &mut R) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let line = read_line(r)?.ok_or(ReadError::Bad("eof in chunk"))?;
        let size_hex = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16).map_err(|_| ReadError::Bad("chunk"))?;
        if size == 0 {
            // Trailers until the empty line.
            while !read_line(r)?.ok_or(ReadError::Bad("eof"))?.is_empty() {}
            return Ok(body);
        }
        if body.len() + size > MAX_BODY {
            return Err(ReadError::TooLarge);
        }
        let start = body.len();
        body.resize(start + size, 0);
        r.read_exact(&mut body[start..])?;
        let mut crlf = [0u8; 2];
        r.read_exact(&mut crlf)?;
    }
}

pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Payload Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

pub fn write_response<W: Write>(w: &mut W, resp: &Response, keep_alive: bool) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    for (k, v) in &resp.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n", resp.body.len()));
    head.push_str(if keep_alive {
        "Connection: keep-alive\r\n\r\n"
    } else {
        "Connection: close\r\n\r\n"
    });
    let mut out = head.into_bytes();
    out.extend_from_slice(&resp.body);
    w.write_all(&out)?;
    w.flush()
}

/// `Authorization: Basic base64(user:password)` → (user, password).
pub fn basic_auth(req: &Request) -> Option<(String, String)> {
    let value = req.header("authorization")?;
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(crate::codec::base64_decode(rest)?).ok()?;
    let (user, pass) = decoded.split_once(':')?;
    Some((user.to_string(), pass.to_string()))
}

/// `Authorization: Bearer <token>` → token.
pub fn bearer(req: &Request) -> Option<&str> {
    let value = req.header("authorization")?;
    let (scheme, rest) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    #[test]
    fn parses_keep_alive_and_chunked_requests() {
        let raw = "POST /a?b=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc\
                   POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
                   2\r\nhe\r\n3;x=y\r\nllo\r\n0\r\n\r\n";
        let mut r = BufReader::new(raw.as_bytes());
        let mut sink = Vec::new();
        let a = read_request(&mut r, &mut sink)
            .ok()
            .flatten()
            .expect("first");
        assert_eq!(a.path, "/a");
        assert_eq!(a.query_param("b").as_deref(), Some("1"));
        assert_eq!(a.body, b"abc");
        assert!(a.keep_alive);
        let c = read_request(&mut r, &mut sink)
            .ok()
            .flatten()
            .expect("second");
        assert_eq!(c.body, b"hello");
        assert!(!c.keep_alive);
        assert!(matches!(read_request(&mut r, &mut sink), Ok(None)));
    }

    #[test]
    fn rejects_garbage() {
        let mut r = BufReader::new("hello\r\n\r\n".as_bytes());
        assert!(matches!(
            read_request(&mut r, &mut Vec::new()),
            Err(ReadError::Bad(_))
        ));
    }
}
