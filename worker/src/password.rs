//! PBKDF2-HMAC-SHA256 through the runtime's WebCrypto (`crypto.subtle.deriveBits`): native
//! code, far faster than the same loop in wasm, so OWASP's 600,000 iterations fit a request.

use maven_core::auth::hex;
use maven_core::error::ApiError;
use worker::js_sys::{self, Array, Object, Reflect, Uint8Array};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;

fn fail() -> ApiError {
    ApiError::Internal("password hashing failed".into())
}

fn get(target: &JsValue, key: &str) -> Result<JsValue, ApiError> {
    Reflect::get(target, &JsValue::from_str(key)).map_err(|_| fail())
}

async fn call(target: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, ApiError> {
    let f: js_sys::Function = get(target, method)?.dyn_into().map_err(|_| fail())?;
    let promise = f
        .apply(target, &args.iter().collect::<Array>())
        .map_err(|_| fail())?;
    JsFuture::from(js_sys::Promise::from(promise))
        .await
        .map_err(|_| fail())
}

/// The hex PBKDF2-HMAC-SHA256 of `password` (32 bytes).
pub async fn pbkdf2(password: &str, salt: &[u8], iterations: u32) -> Result<String, ApiError> {
    let subtle = get(&get(&js_sys::global(), "crypto")?, "subtle")?;
    let raw = Uint8Array::from(password.as_bytes());
    let usages: Array = [JsValue::from_str("deriveBits")].iter().collect();
    let key = call(
        &subtle,
        "importKey",
        &[
            "raw".into(),
            raw.into(),
            "PBKDF2".into(),
            false.into(),
            usages.into(),
        ],
    )
    .await?;
    let params = Object::new();
    let set = |k: &str, v: JsValue| Reflect::set(&params, &k.into(), &v).map_err(|_| fail());
    set("name", "PBKDF2".into())?;
    set("hash", "SHA-256".into())?;
    set("salt", Uint8Array::from(salt).into())?;
    set("iterations", iterations.into())?;
    let bits = call(&subtle, "deriveBits", &[params.into(), key, 256.into()]).await?;
    Ok(hex(&Uint8Array::new(&bits).to_vec()))
}
