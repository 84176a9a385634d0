//! Work sent after the answer, batched per isolate and per group (a project): the first item of
//! a group in a window schedules one send (kept alive by that request's `wait_until`), and the
//! items that arrive in the window join it. Used for the created sessions' ledger rows
//! (`created_rows`) and the approvals the charge route reports to the card-testing guard: on a
//! busy project, one call carries many, instead of one call after every answer.

use crate::http::Ctx;
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::thread::LocalKey;
use std::time::Duration;
use worker::Env;

/// Items waiting for their group's scheduled send.
pub type Waiting<T> = RefCell<HashMap<String, Vec<T>>>;

/// Queues `item` in `group`; the first of a window schedules `send(env, group, items)`.
pub fn add<T, F>(
    waiting: &'static LocalKey<Waiting<T>>,
    ctx: &Ctx,
    group: &str,
    item: T,
    window: Duration,
    send: impl FnOnce(Env, String, Vec<T>) -> F + 'static,
) where
    T: 'static,
    F: Future<Output = ()> + 'static,
{
    let first = waiting.with(|w| {
        let mut w = w.borrow_mut();
        let items = w.entry(group.to_string()).or_default();
        items.push(item);
        items.len() == 1
    });
    if !first {
        return;
    }
    let env = ctx.env.clone();
    let group = group.to_string();
    ctx.context.wait_until(async move {
        worker::Delay::from(window).await;
        let items = waiting.with(|w| w.borrow_mut().remove(&group).unwrap_or_default());
        send(env, group, items).await;
    });
}
