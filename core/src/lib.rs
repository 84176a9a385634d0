//! Maven Chat Payments domain logic: pure Rust, no I/O, builds for native and wasm32.
//! The worker and the widget are thin shells around these modules.

pub mod card;
pub mod error;
pub mod gateway;
pub mod secret;

pub use error::{ApiError, DeclineCode, FieldError, Loc};
pub use secret::Secret;
