//! Calling a Durable Object: JSON in, a typed JSON reply out. Objects answer every request with
//! 200 and a serde enum (their refusals are variants, not status codes), so nothing crosses the
//! boundary as a string to be parsed back.

use maven_core::error::ApiError;
use serde::de::DeserializeOwned;
use serde_json::Value;
use worker::{Env, Method, Request, RequestInit};

pub struct ObjectStub {
    stub: worker::Stub,
}

impl ObjectStub {
    /// The object named `name` in the namespace bound as `binding`.
    pub fn new(env: &Env, binding: &str, name: &str) -> Result<Self, ApiError> {
        let ns = env
            .durable_object(binding)
            .map_err(|_| ApiError::Internal(format!("{binding} binding is missing")))?;
        let stub = ns
            .id_from_name(name)
            .and_then(|id| id.get_stub())
            .map_err(|_| unavailable())?;
        Ok(ObjectStub { stub })
    }

    pub async fn call<T: DeserializeOwned>(&self, path: &str, body: &Value) -> Result<T, ApiError> {
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_body(Some(body.to_string().into()));
        let req = Request::new_with_init(&format!("https://object{path}"), &init)
            .map_err(|_| unavailable())?;
        let mut resp = self
            .stub
            .fetch_with_request(req)
            .await
            .map_err(|_| unavailable())?;
        if resp.status_code() != 200 {
            return Err(unavailable());
        }
        resp.json().await.map_err(|_| unavailable())
    }
}

fn unavailable() -> ApiError {
    ApiError::Internal("session state unavailable".into())
}
