//! `ProjectLedger`, one Durable Object per project (named by the project id), with its own
//! SQLite storage: every session of the project and its events, kept 13 months
//! (docs/ledger.md). Written only by the session objects' outboxes (`/write`); read by the
//! merchant's key-authenticated routes (`/get`, `/list`) and the dashboard's (`/events`). Listing walks an index in
//! `(environment, [status,] created_at, session_id)` order and stops after the page.

use crate::objects::ObjectStub;
use crate::store::Store;
use maven_core::error::ApiError;
use maven_core::ledger::detail::LedgerEvent;
use maven_core::ledger::{LedgerReply, LedgerRow, ListRequest, SessionObject, SessionPage};
use serde::Deserialize;
use worker::{
    durable_object, DurableObject, Env, Request, Response, Result, SqlStorageValue, State,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sessions (
  session_id TEXT PRIMARY KEY,
  environment TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  object TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_created ON sessions(environment, created_at, session_id);
CREATE INDEX IF NOT EXISTS sessions_by_status ON sessions(environment, status, created_at, session_id);
CREATE INDEX IF NOT EXISTS sessions_by_age ON sessions(created_at);
CREATE TABLE IF NOT EXISTS events (
  session_id TEXT NOT NULL,
  event TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (session_id, event, at_ms)
);
CREATE INDEX IF NOT EXISTS events_by_age ON events(at_ms);
";

const DAY_MS: u64 = 86_400_000;

/// Writes one row of a session's object to its project's ledger, and first the id → project
/// note that lets a key's lookup find the ledger once KV has dropped the session view (a day
/// after expiry; a session nobody paid has no note and is found by its account's projects).
pub async fn record(env: &Env, row: &LedgerRow) -> std::result::Result<(), ApiError> {
    let store = Store::from_env(env)?;
    store
        .put(
            &format!("ledger-session:{}", row.session_id),
            &row.project_id,
            Some(row.keep_until()),
        )
        .await?;
    let body = serde_json::to_value(row)
        .map_err(|_| ApiError::Internal("could not encode a ledger row".into()))?;
    let ledger = ObjectStub::new(env, "LEDGER", &row.project_id)?;
    let _: LedgerReply = ledger.call("/write", &body).await?;
    Ok(())
}

#[durable_object]
pub struct ProjectLedger {
    state: State,
    #[allow(dead_code)]
    env: Env,
}

#[derive(Deserialize)]
struct ObjectRow {
    object: String,
}

#[derive(Deserialize)]
struct CursorRow {
    created_at: f64,
}

#[derive(Deserialize)]
struct EventRow {
    event: String,
    at_ms: f64,
}

#[derive(Deserialize)]
struct GetOrder {
    session_id: String,
}

fn int(v: u64) -> SqlStorageValue {
    SqlStorageValue::Integer(v as i64)
}

impl DurableObject for ProjectLedger {
    fn new(state: State, env: Env) -> Self {
        // Idempotent; runs before the first request of each instance.
        if let Err(e) = state.storage().sql().exec(SCHEMA, None) {
            worker::console_error!("ledger schema: {e}");
        }
        ProjectLedger { state, env }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let reply = match req.path().as_str() {
            "/write" => {
                let row: LedgerRow = req.json().await?;
                let applied = self.write(std::slice::from_ref(&row))?;
                self.keep_alarm().await?;
                LedgerReply::Written { applied }
            }
            // Created rows, batched by the create route's isolate (worker/src/created_rows.rs).
            "/write_batch" => {
                let rows: Vec<LedgerRow> = req.json().await?;
                let applied = self.write(&rows)?;
                self.keep_alarm().await?;
                LedgerReply::Written { applied }
            }
            "/get" => {
                let order: GetOrder = req.json().await?;
                LedgerReply::Object {
                    object: self.get(&order.session_id)?,
                }
            }
            "/list" => {
                let order: ListRequest = req.json().await?;
                self.list(&order)?
            }
            // The dashboard's payment detail: the session's event rows.
            "/events" => {
                let order: GetOrder = req.json().await?;
                LedgerReply::Events {
                    events: self.events(&order.session_id)?,
                }
            }
            _ => return Response::error("Not Found", 404),
        };
        Response::from_json(&reply)
    }

    /// Daily: rows past their 13 months go.
    async fn alarm(&self) -> Result<Response> {
        let now = worker::Date::now().as_millis();
        let cutoff_secs = (now / 1000).saturating_sub(maven_core::ledger::RETENTION_SECS);
        let sql = self.state.storage().sql();
        sql.exec(
            "DELETE FROM sessions WHERE created_at < ?",
            vec![int(cutoff_secs)],
        )?;
        sql.exec(
            "DELETE FROM events WHERE at_ms < ?",
            vec![int(cutoff_secs * 1000)],
        )?;
        self.state.storage().set_alarm(DAY_MS as i64).await?;
        Response::ok("")
    }
}

impl ProjectLedger {
    /// Upsert: a row older than the one kept (an outbox retry arriving late) changes nothing.
    /// Stores the rows unless newer versions are there; says whether any was applied. A batch
    /// goes in a few multi-row statements (the created rows of a busy project: one statement
    /// per row was most of the ledger's cost per create), within SQLite's bound parameters.
    fn write(&self, rows: &[LedgerRow]) -> Result<bool> {
        let sql = self.state.storage().sql();
        let mut applied = false;
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut params: Vec<SqlStorageValue> = Vec::with_capacity(chunk.len() * 6);
            for row in chunk {
                let status = serde_json::to_value(row.object.status)?
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                params.extend([
                    row.session_id.as_str().into(),
                    row.environment.as_str().into(),
                    status.into(),
                    int(row.created_at),
                    int(row.seq),
                    serde_json::to_string(&row.object)?.into(),
                ]);
            }
            let cursor = sql.exec(
                &format!(
                    "INSERT INTO sessions (session_id, environment, status, created_at, seq, object)
                     VALUES {}
                     ON CONFLICT (session_id) DO UPDATE SET
                       status = excluded.status, seq = excluded.seq, object = excluded.object
                     WHERE excluded.seq >= sessions.seq",
                    placeholders(chunk.len(), 6)
                ),
                params,
            )?;
            applied |= cursor.rows_written() > 0;
            let mut params: Vec<SqlStorageValue> = Vec::with_capacity(chunk.len() * 4);
            for row in chunk {
                params.extend([
                    row.session_id.as_str().into(),
                    row.event.as_str().into(),
                    int(row.at_ms),
                    int(row.seq),
                ]);
            }
            sql.exec(
                &format!(
                    "INSERT OR IGNORE INTO events (session_id, event, at_ms, seq) VALUES {}",
                    placeholders(chunk.len(), 4)
                ),
                params,
            )?;
        }
        Ok(applied)
    }

    /// The daily retention alarm, set once per write request (not per row of a batch).
    async fn keep_alarm(&self) -> Result<()> {
        if self.state.storage().get_alarm().await?.is_none() {
            self.state.storage().set_alarm(DAY_MS as i64).await?;
        }
        Ok(())
    }

    /// A session's events, oldest first (at most a few dozen: a session has at most
    /// `MAX_ATTEMPTS` charge attempts and a handful of operations).
    fn events(&self, session_id: &str) -> Result<Vec<LedgerEvent>> {
        let rows: Vec<EventRow> = self
            .state
            .storage()
            .sql()
            .exec(
                "SELECT event, at_ms FROM events WHERE session_id = ? ORDER BY at_ms, seq LIMIT 200",
                vec![session_id.into()],
            )?
            .to_array()?;
        Ok(rows
            .into_iter()
            .map(|r| LedgerEvent {
                event: r.event,
                at_ms: r.at_ms as u64,
            })
            .collect())
    }

    fn get(&self, session_id: &str) -> Result<Option<Box<SessionObject>>> {
        let rows: Vec<ObjectRow> = self
            .state
            .storage()
            .sql()
            .exec(
                "SELECT object FROM sessions WHERE session_id = ?",
                vec![session_id.into()],
            )?
            .to_array()?;
        match rows.first() {
            Some(r) => Ok(Some(Box::new(serde_json::from_str(&r.object)?))),
            None => Ok(None),
        }
    }

    /// One page, newest first. Only the conditions given are in the SQL, so the planner walks
    /// the matching index backwards from the cursor and reads about `limit + 1` rows.
    fn list(&self, q: &ListRequest) -> Result<LedgerReply> {
        let sql = self.state.storage().sql();
        let mut conds = vec!["environment = ?".to_string()];
        let mut args: Vec<SqlStorageValue> = vec![q.environment.as_str().into()];
        if let Some(status) = q.filters.status {
            conds.push("status = ?".into());
            let s = serde_json::to_value(status)?;
            args.push(s.as_str().unwrap_or_default().into());
        }
        if let Some(t) = q.filters.created_gte {
            conds.push("created_at >= ?".into());
            args.push(int(t));
        }
        if let Some(t) = q.filters.created_lt {
            conds.push("created_at < ?".into());
            args.push(int(t));
        }
        if let Some(after) = &q.filters.starting_after {
            let rows: Vec<CursorRow> = sql
                .exec(
                    "SELECT created_at FROM sessions WHERE session_id = ? AND environment = ?",
                    vec![after.as_str().into(), q.environment.as_str().into()],
                )?
                .to_array()?;
            let Some(c) = rows.first() else {
                return Ok(LedgerReply::UnknownCursor);
            };
            conds.push("(created_at, session_id) < (?, ?)".into());
            args.push(int(c.created_at as u64));
            args.push(after.as_str().into());
        }
        args.push(int(u64::from(q.filters.limit) + 1));
        let query = format!(
            "SELECT object FROM sessions WHERE {} ORDER BY created_at DESC, session_id DESC LIMIT ?",
            conds.join(" AND ")
        );
        let rows: Vec<ObjectRow> = sql.exec(&query, args)?.to_array()?;
        let has_more = rows.len() > q.filters.limit as usize;
        let data = rows
            .iter()
            .take(q.filters.limit as usize)
            .map(|r| serde_json::from_str(&r.object))
            .collect::<std::result::Result<Vec<SessionObject>, _>>()?;
        Ok(LedgerReply::Page(SessionPage { data, has_more }))
    }
}

/// Rows per multi-row statement: 16 × 6 parameters stays under the 100 bound parameters a
/// Durable Object's SQL statement takes.
const ROWS_PER_STATEMENT: usize = 16;

/// `(?, ?, …), (?, ?, …)`: `rows` groups of `width` placeholders.
fn placeholders(rows: usize, width: usize) -> String {
    let one = format!("({})", vec!["?"; width].join(", "));
    vec![one; rows].join(", ")
}
