//! Maven Chat Payments domain logic: pure Rust, no I/O, builds for native and wasm32.
//! The worker and the widget are thin shells around these modules.
//!
//! Without the default `std` feature only the rules the browser widget shares with the API
//! build (cards, customization, field errors, currencies), as `no_std` + `alloc`: the widget's
//! wasm then links no std, so std's panic and formatting machinery stays out of it.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

/// What std's prelude gives, for the modules that also build without std.
#[allow(unused_imports)]
mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::boxed::Box;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec::Vec;
    pub use alloc::{format, vec};
}

#[cfg(feature = "std")]
pub mod api_keys;
#[cfg(feature = "std")]
pub mod audit;
#[cfg(feature = "std")]
pub mod auth;
pub mod card;
#[cfg(feature = "std")]
pub mod charge;
#[cfg(feature = "std")]
pub mod charge_body;
#[cfg(feature = "std")]
pub mod credential_env;
#[cfg(feature = "std")]
pub mod crypto;
pub mod customization;
pub mod error;
#[cfg(feature = "std")]
pub mod form_page;
#[cfg(feature = "std")]
pub mod form_screen;
#[cfg(feature = "std")]
pub mod form_token;
#[cfg(feature = "std")]
pub mod gateway;
#[cfg(feature = "std")]
pub mod guard;
#[cfg(feature = "std")]
pub mod idempotency;
#[cfg(feature = "std")]
pub mod json_depth;
#[cfg(feature = "std")]
pub mod l10n;
#[cfg(feature = "std")]
pub mod ledger;
#[cfg(feature = "std")]
pub mod model;
pub mod money;
#[cfg(feature = "std")]
pub mod operation;
#[cfg(feature = "std")]
pub mod redact;
#[cfg(feature = "std")]
pub mod reseal;
#[cfg(feature = "std")]
pub mod rules;
#[cfg(feature = "std")]
pub mod seal;
pub mod secret;
#[cfg(feature = "std")]
pub mod session;
#[cfg(feature = "std")]
pub mod team;
#[cfg(feature = "std")]
pub mod time;
#[cfg(feature = "std")]
pub mod url_policy;
pub mod validate;
#[cfg(feature = "std")]
pub mod webhook;

pub use error::{ApiError, DeclineCode, FieldError, Loc};
pub use secret::Secret;
