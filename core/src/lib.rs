//! Maven Chat Payments domain logic: pure Rust, no I/O, builds for native and wasm32.
//! The worker and the widget are thin shells around these modules.

pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod card;
pub mod charge;
pub mod charge_body;
pub mod credential_env;
pub mod crypto;
pub mod customization;
pub mod error;
pub mod form_token;
pub mod gateway;
pub mod guard;
pub mod idempotency;
pub mod json_depth;
pub mod l10n;
pub mod ledger;
pub mod model;
pub mod money;
pub mod operation;
pub mod redact;
pub mod reseal;
pub mod rules;
pub mod seal;
pub mod secret;
pub mod session;
pub mod team;
pub mod time;
pub mod url_policy;
pub mod validate;
pub mod webhook;

pub use error::{ApiError, DeclineCode, FieldError, Loc};
pub use secret::Secret;
