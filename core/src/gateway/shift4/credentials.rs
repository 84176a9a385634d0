//! Shift4 credentials: one secret key (`sk_test_…` / `sk_live_…`), whose prefix says its mode.

use crate::gateway::credentials::{secret, CredentialField};
use crate::gateway::Credentials;
use crate::validate::Fields;

pub const FIELDS: &[CredentialField] = &[CredentialField::secret("secret_key", "Secret key")];

pub(crate) fn parse(f: &mut Fields<'_>) -> Option<Credentials> {
    secret(f, "secret_key").map(|secret_key| Credentials::Shift4 { secret_key })
}
