//! A per-isolate memo of hot, rarely changing KV records (API keys, projects, slugs) for a few
//! seconds: it saves two or three KV reads on every create. KV is itself eventually consistent
//! (up to 60 s between locations), so this adds no new kind of staleness, and writes made
//! through this isolate refresh it at once.

use std::cell::RefCell;
use std::collections::HashMap;

const TTL_MS: u64 = 5_000;
const MAX_ENTRIES: usize = 1_000;
const PREFIXES: [&str; 3] = ["apikey:", "project:", "slug:"];

thread_local! {
    static MEMO: RefCell<HashMap<String, (u64, Option<String>)>> = RefCell::new(HashMap::new());
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
