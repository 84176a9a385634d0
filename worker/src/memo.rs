//! A per-isolate memo of hot, rarely changing KV records (API key index, projects, slugs) for a
//! few seconds: it saves two or three KV reads on every create. KV is itself eventually
//! consistent (up to 60 s between locations), so this adds no new kind of staleness, and writes
//! made through this isolate refresh it at once.
//!
//! API key verdicts (whether a key still works) come from the account's registry object, not
//! KV, and are kept only `VERDICT_TTL_MS`: that bound is what makes a revoke hold everywhere
//! within 5 s. A revoke through this isolate forgets the verdict at once.

use maven_core::api_keys::{Verdict, VERDICT_TTL_MS};
use maven_core::model::ApiKeyRecord;
use std::cell::RefCell;
use std::collections::HashMap;

const TTL_MS: u64 = 5_000;
const MAX_ENTRIES: usize = 1_000;
const PREFIXES: [&str; 3] = ["apikey:", "project:", "slug:"];

type Verdicts = HashMap<String, (u64, ApiKeyRecord, Verdict)>;

thread_local! {
    static MEMO: RefCell<HashMap<String, (u64, Option<String>)>> = RefCell::new(HashMap::new());
    static VERDICTS: RefCell<Verdicts> = RefCell::new(HashMap::new());
}

fn now_ms() -> u64 {
    worker::Date::now().as_millis()
}

pub fn applies(key: &str) -> bool {
    PREFIXES.iter().any(|p| key.starts_with(p))
}

/// `Some(text)` when memoized and fresh (the inner `None` = "KV has no such key").
pub fn get(key: &str) -> Option<Option<String>> {
    MEMO.with(|m| {
        let m = m.borrow();
        let (at, text) = m.get(key)?;
        (now_ms() < at + TTL_MS).then(|| text.clone())
    })
}

pub fn put(key: &str, text: Option<String>) {
    MEMO.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= MAX_ENTRIES {
            m.clear();
        }
        m.insert(key.to_string(), (now_ms(), text));
    });
}

/// The registry's verdict on the key with this hash, while fresh.
pub fn verdict(hash: &str) -> Option<(ApiKeyRecord, Verdict)> {
    VERDICTS.with(|m| {
        let m = m.borrow();
        let (at, rec, v) = m.get(hash)?;
        (now_ms() < at + VERDICT_TTL_MS).then(|| (rec.clone(), *v))
    })
}

pub fn put_verdict(hash: &str, rec: ApiKeyRecord, v: Verdict) {
    VERDICTS.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= MAX_ENTRIES {
            m.clear();
        }
        m.insert(hash.to_string(), (now_ms(), rec, v));
    });
}

/// Forgets every verdict of the account (after a revoke or roll through this isolate).
pub fn forget_account(account_id: &str) {
    VERDICTS.with(|m| {
        m.borrow_mut()
            .retain(|_, (_, rec, _)| rec.account_id != account_id)
    });
}
