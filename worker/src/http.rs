//! HTTP plumbing: the request context, body reading with the 16 KiB limit (enforced while the
//! body streams in) and the JSON depth bound, and rendering of JSON bodies and `ApiError`s
//! (every error body is made here).

use futures_util::StreamExt;
use maven_core::error::{ApiError, MAX_BODY_BYTES};
use maven_core::json_depth::check_depth;
use maven_core::redact::mask_digits;
use maven_core::validate::parse_json_body;
use serde::Serialize;
use serde_json::Value;
use worker::{Env, Headers, Request, Response};

pub type ApiResult<T> = Result<T, ApiError>;

/// What a handler needs: the request, the bindings, the clock and our public origin.
pub struct Ctx {
    pub req: Request,
    pub env: Env,
    /// Unix seconds.
    pub now: u64,
    /// `https://pay.example.com`, from the request URL (or `PUBLIC_ORIGIN` when set).
    pub origin: String,
    /// Work that may finish after the answer is sent (`Context::wait_until`).
    pub context: worker::Context,
}

impl Ctx {
    pub fn new(req: Request, env: Env, context: worker::Context) -> Self {
        let now = worker::Date::now().as_millis() / 1000;
        let origin = env
            .var("PUBLIC_ORIGIN")
            .ok()
            .map(|v| v.to_string())
            .filter(|v| !v.is_empty())
            .or_else(|| req.url().ok().map(|u| u.origin().ascii_serialization()))
            .unwrap_or_default();
        Ctx {
            req,
            env,
            now,
            origin,
            context,
        }
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.req.headers().get(name).ok().flatten()
    }

    /// The query string's `(name, value)` pairs, decoded, in order.
    pub fn query_pairs(&self) -> ApiResult<Vec<(String, String)>> {
        let url = self
            .req
            .url()
            .map_err(|_| ApiError::Internal("could not read the URL".into()))?;
        Ok(url.query_pairs().into_owned().collect())
    }

    /// Reads a JSON body: 413 over 16 KiB, 415 for a non-JSON content type, 422 for bad JSON or
    /// JSON nested deeper than `MAX_JSON_DEPTH`.
    pub async fn json_body(&mut self) -> ApiResult<Value> {
        let declared: Option<usize> = self
            .header("content-length")
            .and_then(|v| v.trim().parse().ok());
        if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
            return Err(ApiError::PayloadTooLarge);
        }
        let content_type = self.header("content-type").unwrap_or_default();
        let media = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if media != "application/json" && !media.ends_with("+json") {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = match declared {
            // A declared length (at most 16 KiB, checked above) bounds what there is to read:
            // the runtime drops `Content-Length` when a body is chunked (README, on request bodies). One
            // read then, instead of a stream's reader, chunks and lock, which cost about a
            // tenth of a create's CPU (`make bench`).
            Some(_) if self.header("transfer-encoding").is_none() => self
                .req
                .bytes()
                .await
                .map_err(|_| ApiError::Internal("could not read the request body".into()))?,
            _ => self.body_bytes().await?,
        };
        if bytes.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge);
        }
        check_depth(&bytes)?;
        parse_json_body(&bytes)
    }

    /// A JSON body that may be left out (no `Content-Type`, nothing sent): `null` then.
    pub async fn optional_json_body(&mut self) -> ApiResult<Value> {
        if self.header("content-type").is_some() {
            return self.json_body().await;
        }
        if self.body_bytes().await?.is_empty() {
            Ok(Value::Null)
        } else {
            Err(ApiError::UnsupportedMediaType)
        }
    }

    /// The body, read as a stream and given up as soon as it passes 16 KiB (at most one chunk
    /// past it is ever held): a chunked body or a `Content-Length` that lies is not read whole.
    /// Dropping the stream cancels it, so the rest of the body is never buffered.
    async fn body_bytes(&mut self) -> ApiResult<Vec<u8>> {
        if self.req.inner().body().is_none() {
            return Ok(Vec::new());
        }
        let mut stream = self
            .req
            .stream()
            .map_err(|_| ApiError::Internal("could not read the request body".into()))?;
        let mut body = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk =
                chunk.map_err(|_| ApiError::Internal("could not read the request body".into()))?;
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(ApiError::PayloadTooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

pub fn json<T: Serialize>(status: u16, body: &T) -> Response {
    match Response::from_json(body) {
        Ok(r) => with_api_headers(r.with_status(status)),
        Err(_) => error_response(&ApiError::Internal("could not encode the response".into())),
    }
}

/// A body already encoded as JSON text.
pub fn json_text(status: u16, body: String) -> Response {
    let mut r = Response::ok(body)
        .unwrap_or_else(|_| Response::empty().expect("empty response"))
        .with_status(status);
    let _ = r.headers_mut().set("content-type", "application/json");
    with_api_headers(r)
}

/// API responses are never cached by browsers or proxies.
fn with_api_headers(mut r: Response) -> Response {
    let h: &mut Headers = r.headers_mut();
    let _ = h.set("cache-control", "no-store");
    let _ = h.set("x-content-type-options", "nosniff");
    r
}

pub fn error_response(err: &ApiError) -> Response {
    error_response_with_body(err, &err.body())
}

/// `err`'s answer with `body` (its own, plus what a route adds: the charge's `screen`).
pub fn error_response_with_body(err: &ApiError, body: &Value) -> Response {
    if err.status() >= 500 {
        // The message names the failing step only; request bodies are never logged, and a
        // card-number-like run that reached it anyway is masked.
        worker::console_error!("{}", mask_digits(&err.to_string()));
    }
    let r = Response::from_json(body)
        .unwrap_or_else(|_| Response::empty().expect("empty response"))
        .with_status(err.status());
    let mut r = with_api_headers(r);
    if matches!(err, ApiError::Unauthorized(_)) {
        let _ = r.headers_mut().set("www-authenticate", "Bearer");
    }
    if let ApiError::Throttled {
        retry_after_secs, ..
    } = err
    {
        let _ = r
            .headers_mut()
            .set("retry-after", &retry_after_secs.to_string());
    }
    if let ApiError::RateLimited { retry_after, .. } = err {
        let _ = r.headers_mut().set("retry-after", &retry_after.to_string());
    }
    r
}

/// Cryptographically secure random bytes (crypto.getRandomValues).
pub fn random_bytes<const N: usize>() -> ApiResult<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|_| ApiError::Internal("no randomness available".into()))?;
    Ok(buf)
}

/// UUID v4 from a CSPRNG: session ids are bearer credentials for the form.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The address Cloudflare gives the Worker (`CF-Connecting-IP`); locally (no header) every
/// request is "local".
pub fn client_ip(ctx: &Ctx) -> String {
    ctx.header("cf-connecting-ip")
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "local".into())
}

/// Where this edge runs, for the URL policy (`maven_core::url_policy`): loopback URLs (the
/// simulator, the tests' receivers) are allowed only with `DEV_MODE=true`.
pub fn deployment(env: &Env) -> maven_core::url_policy::Deployment {
    use maven_core::url_policy::Deployment;
    match env.var("DEV_MODE").map(|v| v.to_string() == "true") {
        Ok(true) => Deployment::LocalDev,
        _ => Deployment::Deployed,
    }
}
