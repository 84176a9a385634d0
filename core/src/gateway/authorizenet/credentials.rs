//! Authorize.net credentials: the API login ID and transaction key. They carry no mode marker:
//! the host (sandbox or production) decides it.

use crate::gateway::credentials::{secret, CredentialField};
use crate::gateway::Credentials;
use crate::validate::Fields;

pub const FIELDS: &[CredentialField] = &[
    CredentialField::secret("api_login_id", "API login ID"),
    CredentialField::secret("transaction_key", "Transaction key"),
];

pub(crate) fn parse(f: &mut Fields<'_>) -> Option<Credentials> {
    // Both read before deciding, so both are reported when missing.
    let (login, key) = (secret(f, "api_login_id"), secret(f, "transaction_key"));
    Some(Credentials::Authorizenet {
        api_login_id: login?,
        transaction_key: key?,
    })
}
