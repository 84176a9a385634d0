//! Writes the account's audit log (`maven_core::audit`), kept by its `AccountTeam` object.
//! An entry is written after the change it records succeeded; if writing it fails, the change
//! stands and the failure is logged (the caller was already told the change happened).

use crate::http::{new_id, Ctx};
use crate::objects::ObjectStub;
use maven_core::audit::{Actor, Entry};
use serde_json::{json, Value};

pub async fn record(
    ctx: &Ctx,
    account_id: &str,
    actor: &Actor,
    action: &str,
    target: &str,
    details: Value,
) {
    let entry = Entry {
        id: new_id(),
        at: ctx.now,
        actor: actor.clone(),
        action: action.to_string(),
        target: target.to_string(),
        details,
    };
    let written = match ObjectStub::new(&ctx.env, "TEAM", &format!("team:{account_id}")) {
        Ok(team) => team
            .call::<Value>("/audit", &json!(entry))
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    if written.is_err() {
        worker::console_error!("audit entry {action} for account {account_id} was not written");
    }
}
