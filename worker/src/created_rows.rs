//! The first ledger row of each new session, written after the create answer is sent, batched
//! per isolate and project (`crate::batch`; docs/ledger.md, "The created row"). A session
//! nobody pays never wakes its own object. If the batch cannot be written, each session's
//! object takes its note instead, and that object's outbox retries it.

use crate::batch::{self, Waiting};
use crate::http::Ctx;
use crate::objects::ObjectStub;
use maven_core::error::ApiError;
use maven_core::ledger::{LedgerReply, LedgerRow};
use maven_core::session::Session;
use std::time::Duration;
use worker::Env;

/// How long a scheduled write waits for more rows of its project.
const WINDOW: Duration = Duration::from_millis(100);

thread_local! {
    static WAITING: Waiting<(LedgerRow, Session)> = Waiting::default();
}

/// Queues the session's created row for its project's next batch.
pub fn note(ctx: &Ctx, session: &Session) {
    let row = LedgerRow::created(session, worker::Date::now().as_millis());
    let item = (row, session.clone());
    batch::add(
        &WAITING,
        ctx,
        &session.project_id,
        item,
        WINDOW,
        |env, project, rows| async move {
            if let Err(e) = write(&env, &project, &rows).await {
                for (_, session) in &rows {
                    hand_to_session(&env, session, &e).await;
                }
            }
        },
    );
}

async fn write(env: &Env, project: &str, batch: &[(LedgerRow, Session)]) -> Result<(), ApiError> {
    let rows: Vec<&LedgerRow> = batch.iter().map(|(row, _)| row).collect();
    let body = serde_json::to_value(&rows)
        .map_err(|_| ApiError::Internal("could not encode ledger rows".into()))?;
    let ledger = ObjectStub::new(env, "LEDGER", project)?;
    let _: LedgerReply = ledger.call("/write_batch", &body).await?;
    Ok(())
}

/// The fallback: the session's own object records the creation in its outbox.
async fn hand_to_session(env: &Env, session: &Session, first: &ApiError) {
    let handed = async {
        let body = serde_json::to_value(session)
            .map_err(|_| ApiError::Internal("could not encode the session".into()))?;
        let state = ObjectStub::new(env, "SESSION_STATE", &session.id)?;
        state.call::<serde_json::Value>("/created", &body).await
    };
    if let Err(e) = handed.await {
        worker::console_warn!(
            "session {}: ledger note not delivered ({first}; {e})",
            session.id
        );
    }
}
