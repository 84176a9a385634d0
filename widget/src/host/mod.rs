//! Merchant-page mode: `Maven.createPayment(options)` and its controller. Every check, the
//! state and the event dispatch live here; `widget.js` only forwards (docs/widget.md, "The
//! controller's boundary"): `createPayment`, the controller object's methods, the page's one
//! `message` listener and the load timers all call [`call`] with an operation number.
//! Every wrong use throws a `MavenError` that says what to do instead. Texts that only travel
//! between JS APIs (session id, origins, channel, locale) stay JS strings: copying them into
//! Rust and back costs code in the module and in its glue.

mod frame;

use frame::{message, mount_in, remount, tick};

use crate::custom::{self, Kind};
use crate::dom::Cat as _;
use crate::dom::{self, is_plain_object, set};
#[allow(unused_imports)]
use crate::prelude::*;
use crate::protocol as msg;
use core::cell::RefCell;

use js_sys::Object;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    // Defined in widget.js, around this module's glue: generic plumbing that replaces one typed
    // import (a JS shim plus a wasm wrapper each) per DOM method the controller uses.
    /// `o[m](a, b)`; a throw comes back as `Err`. Both arguments are always passed (undefined
    /// when unused): only for methods where a trailing undefined means "not given".
    #[wasm_bindgen(js_name = mvCall, catch)]
    fn js_call(o: &JsValue, m: &str, a: &JsValue, b: &JsValue) -> Result<JsValue, JsValue>;
    /// `new c(a)`; a throw comes back as `Err`.
    #[wasm_bindgen(js_name = mvNew, catch)]
    fn js_new(c: &JsValue, a: &JsValue) -> Result<JsValue, JsValue>;
    /// The page's `setTimeout` (as it is at this call: fake clocks count) calling `tick(h, g)`.
    #[wasm_bindgen(js_name = mvTimer)]
    fn arm(handle: u32, generation: u32, ms: f64);
    /// An `Error` named `MavenError`, its message "Maven: " + a + String(v) + b (nothing for an
    /// undefined `v`): messages that quote the merchant's value need no Rust string.
    #[wasm_bindgen(js_name = mvError)]
    fn maven_error(a: &str, v: &JsValue, b: &str) -> JsValue;
    /// Adds (`true`) or removes the page's one `message` listener, which calls [`message`].
    #[wasm_bindgen(js_name = mvListen)]
    fn listen(on: bool);
    /// A global of the page: `window[name]`, or `window` itself for "".
    #[wasm_bindgen(js_name = mvGlobal)]
    fn global(name: &str) -> JsValue;
}

use dom::get;

fn call0(o: &JsValue, m: &str) -> Result<JsValue, JsValue> {
    js_call(o, m, &JsValue::UNDEFINED, &JsValue::UNDEFINED)
}

fn call1(o: &JsValue, m: &str, a: &JsValue) -> Result<JsValue, JsValue> {
    js_call(o, m, a, &JsValue::UNDEFINED)
}

const OPTION_KEYS: &[&str] = &[
    "sessionId",
    "baseUrl",
    "onReady",
    "onSuccess",
    "onFailure",
    "onChange",
    "onExpired",
    "onLoadError",
    "loadTimeout",
    "colorScheme",
    "locale",
    "theme",
    "labels",
    "fields",
];

/// What `on` / `off` accept; the form's message types carry the same names. The form reports
/// all but `loaderror` (the host's own verdict). Indexes below are positions in this list.
const EVENTS: &[&str] = &[
    "ready",
    "change",
    "focus",
    "blur",
    "escape",
    "success",
    "failure",
    "expired",
    "loaderror",
    "resize",
];
const READY: u8 = 0;
const ESCAPE: u8 = 4;
const EXPIRED: u8 = 7;
const LOADERROR: u8 = 8;
const RESIZE: u8 = 9;

/// The `onX` options, in the order of `EVENTS` they listen to (`None`: no option).
const CALLBACK_OPTIONS: &[(&str, u8)] = &[
    ("onReady", READY),
    ("onSuccess", 5),
    ("onFailure", 6),
    ("onChange", 1),
    ("onExpired", 7),
    ("onLoadError", LOADERROR),
];

/// The operations of [`call`]: first the controller's methods, numbered as widget.js's
/// `METHODS` list (same order: mount, updateTheme, updateLabels, updateFields, destroy, on, off,
/// focus, blur, retry, update), then the `iframe` getter and the others below.
const MOUNT: u32 = 0;
const UPDATE_THEME: u32 = 1;
const UPDATE_LABELS: u32 = 2;
const UPDATE_FIELDS: u32 = 3;
const DESTROY: u32 = 4;
const ON: u32 = 5;
const OFF: u32 = 6;
const FOCUS: u32 = 7;
const BLUR: u32 = 8;
const RETRY: u32 = 9;
const UPDATE: u32 = 10;
const IFRAME: u32 = 11;
/// Frees the state of a controller the page dropped (unless its form is mounted).
const FREE: u32 = 12;
/// `createPayment(options)` (a), the loader's origin (b): the new handle.
const CREATE: u32 = 13;
/// Host `handle`'s load timer number `a` went off.
const TICK: u32 = 14;
/// A `message` event (a) of the page.
const MESSAGE: u32 = 15;

const DEFAULT_LOAD_TIMEOUT_MS: f64 = 15_000.0;

#[derive(Default)]
struct Host {
    session_id: JsValue,
    /// The widget origin (scheme://host[:port]): iframe source and the only accepted sender.
    origin: JsValue,
    /// Per event (`EVENTS` order), a JS array of its handlers in registration order (`onX`
    /// option first, then `on` calls), or undefined before the first.
    handlers: [JsValue; 10],
    load_timeout_ms: f64,
    /// "light", "dark" or "auto" (follows the browser's `prefers-color-scheme`); when not
    /// given, the session's (create API), else light.
    color_scheme: Option<&'static str>,
    /// Canonical BCP 47 tag for the form's language and money format (undefined: the
    /// session's).
    locale: JsValue,
    /// Theme, labels and fields overrides given by the merchant (options and update* calls),
    /// sent to every new form.
    parts: [JsValue; 3],
    mount: Option<Mount>,
}

struct Mount {
    slot: JsValue,
    frame: JsValue,
    /// Random id in every message both ways (a JS string).
    channel: JsValue,
    /// Names this frame's load timer: a tick of an older frame's timer does nothing.
    generation: u32,
    /// Until the form reports `ready`: the load timer counts and resizes are the skeleton's.
    loading: bool,
    /// `loaderror` was reported for this frame: later messages from it are ignored.
    failed: bool,
}

/// Every controller's state, by the handle its JS object holds. A mounted host stays here
/// while its iframe is in the page even if the merchant drops the controller; an unmounted
/// one is freed when its controller is collected (widget.js's FinalizationRegistry).
static HOSTS: crate::Single<Vec<Option<Host>>> = crate::Single(RefCell::new(Vec::new()));
/// Numbers each mounted frame, for its load timer.
static GENERATION: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

/// Runs `f` on every controller's state. No merchant code runs meanwhile (callbacks are called
/// after it returns), so it is never re-entered; if it were, the module traps like a panic
/// would, without the borrow checker's panic message in the module.
fn hosts<R>(f: impl FnOnce(&mut Vec<Option<Host>>) -> R) -> R {
    HOSTS.with(|cell| match cell.try_borrow_mut() {
        Ok(mut v) => f(&mut v),
        Err(_) => crate::trap(),
    })
}

fn fail(msg: &str) -> JsValue {
    maven_error(msg, &JsValue::UNDEFINED, "")
}

/// `" (expected one of: a, b, c)`, after a quoted wrong name.
fn one_of(names: &[&str]) -> String {
    ["\" (expected one of: ", &dom::list(names), ")"].cat()
}

/// Session ids go into a URL path: accept the characters ids are made of and nothing else.
fn valid_session_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `Object.keys(o)`, none for a non-object.
fn keys(o: &JsValue) -> js_sys::Array {
    match o.is_object() {
        true => Object::keys(o.unchecked_ref::<Object>()),
        false => js_sys::Array::new(),
    }
}

/// Adds handler `f` to an event's list, once (the same function twice is called once).
fn add(list: &mut JsValue, f: &JsValue) {
    if list.is_undefined() {
        *list = js_sys::Array::new().into();
    }
    if !call1(list, "includes", f).is_ok_and(|v| v.is_truthy()) {
        // Not through `js_call`: `push(f, undefined)` would add a second, undefined entry.
        list.unchecked_ref::<js_sys::Array>().push(f);
    }
}

/// Whether `v` is the JS string `s`.
fn is(v: &JsValue, s: &str) -> bool {
    *v == JsValue::from_str(s)
}

/// Whether a URL, or `location`, is http(s).
fn web(url: &JsValue) -> bool {
    let p = get(url, "protocol");
    is(&p, "https:") || is(&p, "http:")
}

/// The origin of an absolute http(s) URL.
fn origin_of(url: &JsValue) -> Option<JsValue> {
    let u = js_new(&global("URL"), url).ok().filter(web)?;
    Some(get(&u, "origin"))
}

/// `Object.assign({}, a, b)`: a shallow merge where `b` wins.
fn merged(a: &JsValue, b: &JsValue) -> JsValue {
    let out: JsValue = Object::new().into();
    let assign = global("Object");
    let _ = js_call(&assign, "assign", &out, a);
    let _ = js_call(&assign, "assign", &out, b);
    out
}

/// `Maven.createPayment(options | sessionId)`: checks the options and returns the new
/// controller's handle.
fn create(options: &JsValue, default_origin: &JsValue) -> Result<u32, JsValue> {
    // Filled in place: an error drops one struct, not each value read so far.
    let mut host = Host::default();
    configure(&mut host, options, default_origin)?;
    Ok(hosts(|hs| {
        // A free slot, else a new one (no index: its bounds check would bring a panic along).
        if let Some((i, slot)) = hs.iter_mut().enumerate().find(|(_, s)| s.is_none()) {
            *slot = Some(host);
            return i as u32;
        }
        hs.push(Some(host));
        hs.len() as u32 - 1
    }))
}

fn configure(host: &mut Host, options: &JsValue, default_origin: &JsValue) -> Result<(), JsValue> {
    let none = JsValue::UNDEFINED;
    let opts = if options.is_string() {
        &none
    } else if is_plain_object(options) {
        options
    } else {
        return Err(fail(
            "createPayment expects { sessionId } or a session id string",
        ));
    };
    for key in keys(opts).iter() {
        if !OPTION_KEYS.iter().any(|k| is(&key, k)) {
            let m = "createPayment: unknown option \"";
            return Err(maven_error(m, &key, &one_of(OPTION_KEYS)));
        }
    }
    host.session_id = if opts.is_undefined() {
        options.clone()
    } else {
        get(opts, "sessionId")
    };
    match host.session_id.as_string() {
        Some(s) if valid_session_id(&s) => {}
        Some(_) => return Err(fail("createPayment: sessionId is not a valid session id")),
        None => {
            let m = "createPayment: sessionId is required (from POST /v1/widget-sessions)";
            return Err(fail(m));
        }
    }
    let base = get(opts, "baseUrl");
    let origin = if base.is_undefined() {
        origin_of(default_origin)
    } else {
        origin_of(&base).filter(|_| base.is_string())
    };
    let Some(origin) = origin else {
        return Err(fail(
            "createPayment: baseUrl must be an absolute http(s) URL",
        ));
    };
    host.origin = origin;
    for (key, event) in CALLBACK_OPTIONS {
        let f = get(opts, key);
        if f.is_function() {
            if let Some(list) = host.handlers.get_mut(usize::from(*event)) {
                add(list, &f);
            }
        } else if !f.is_undefined() && !f.is_null() {
            let m = " must be a function";
            return Err(maven_error("createPayment: ", &(*key).into(), m));
        }
    }
    let lt = get(opts, "loadTimeout");
    host.load_timeout_ms = match lt.as_f64() {
        _ if lt.is_undefined() => DEFAULT_LOAD_TIMEOUT_MS,
        Some(ms) if (1.0..=600_000.0).contains(&ms) => ms,
        _ => return Err(fail("createPayment: loadTimeout must be 1 to 600000 (ms)")),
    };
    let cs = get(opts, "colorScheme");
    if !cs.is_undefined() {
        let Some(s) = ["light", "dark", "auto"].into_iter().find(|s| is(&cs, s)) else {
            let m = "createPayment: colorScheme must be \"light\", \"dark\" or \"auto\"";
            return Err(fail(m));
        };
        host.color_scheme = Some(s);
    }
    let loc = get(opts, "locale");
    if !loc.is_undefined() {
        // Intl throws a RangeError for a tag that is not well-formed BCP 47.
        let canonical = call1(&global("Intl"), "getCanonicalLocales", &loc)
            .map_or(JsValue::UNDEFINED, |a| get(&a, "0"));
        if !loc.is_string() || !canonical.is_string() {
            return Err(fail(
                "createPayment: locale must be a BCP 47 tag such as \"de-CH\"",
            ));
        }
        host.locale = canonical;
    }
    let kinds = [Kind::Theme, Kind::Labels, Kind::Fields];
    for (kind, part) in kinds.into_iter().zip(host.parts.iter_mut()) {
        let v = get(opts, kind.option());
        if !v.is_undefined() {
            custom::check(kind, &v).map_err(|e| maven_error("createPayment: ", &e.into(), ""))?;
        }
        *part = merged(&JsValue::UNDEFINED, &v);
    }
    Ok(())
}

/// The event number as `on`/`off` accept it, or a `MavenError` listing the names.
fn event_index(event: &JsValue, method: &str) -> Result<u8, JsValue> {
    match EVENTS.iter().position(|e| *event == JsValue::from_str(e)) {
        Some(i) => Ok(i as u8),
        None => {
            let m = [method, ": unknown event \""].cat();
            let v = if event.is_string() {
                event
            } else {
                &JsValue::UNDEFINED
            };
            Err(maven_error(&m, v, &one_of(EVENTS)))
        }
    }
}

fn resolve_slot(target: &JsValue) -> Result<JsValue, JsValue> {
    if target.is_string() {
        return match call1(&get(&global(""), "document"), "querySelector", target) {
            Ok(el) if el.is_null() => {
                Err(maven_error("mount: no element matches \"", target, "\""))
            }
            Ok(el) => Ok(el),
            Err(_) => Err(maven_error(
                "mount: \"",
                target,
                "\" is not a valid CSS selector",
            )),
        };
    }
    let proto = get(&global("Element"), "prototype");
    match call1(&proto, "isPrototypeOf", target) {
        Ok(yes) if yes.is_truthy() => Ok(target.clone()),
        _ => Err(fail("mount expects a CSS selector string or a DOM element")),
    }
}

/// Runs `f` on host `h`; `None` for a handle that is not (or no longer) a controller.
fn with_host<R>(h: u32, f: impl FnOnce(&mut Host) -> R) -> Option<R> {
    hosts(|hs| hs.get_mut(h as usize)?.as_mut().map(f))
}

/// Operation `op` (the constants above) of controller `h`. Merchant code never runs while
/// `HOSTS` is borrowed.
pub fn call(h: u32, op: u32, a: &JsValue, b: &JsValue) -> Result<JsValue, JsValue> {
    match op {
        CREATE => return create(a, b).map(|h| f64::from(h).into()),
        TICK => tick(h, a.as_f64().unwrap_or(0.0) as u32),
        MESSAGE => message(&get(a, "data"), &get(a, "origin"), &get(a, "source")),
        MOUNT => {
            let mounted = with_host(h, |host| host.mount.is_some()).unwrap_or(true);
            if mounted {
                return Err(fail("mount: already mounted; call destroy() first"));
            }
            let slot = resolve_slot(a)?;
            if !get(&slot, "isConnected").is_truthy() {
                return Err(fail("mount: the element is not in the document"));
            }
            let taken = hosts(|hs| {
                hs.iter()
                    .flatten()
                    .any(|x| x.mount.as_ref().is_some_and(|m| m.slot == slot))
            });
            if taken {
                return Err(fail(
                    "mount: that element already holds a Maven payment form; destroy() it first",
                ));
            }
            if !web(&global("location")) {
                return Err(fail("mount: serve the page over http(s)"));
            }
            mount_in(h, slot);
        }
        UPDATE_THEME..=UPDATE_FIELDS => {
            let (kind, t, name) = match op {
                UPDATE_THEME => (Kind::Theme, msg::UPDATE_THEME, "updateTheme"),
                UPDATE_LABELS => (Kind::Labels, msg::UPDATE_LABELS, "updateLabels"),
                _ => (Kind::Fields, msg::UPDATE_FIELDS, "updateFields"),
            };
            custom::check(kind, a).map_err(|e| maven_error(name, &": ".into(), &e))?;
            with_host(h, |host| {
                let Some(part) = host.parts.get_mut(kind as usize) else {
                    return;
                };
                *part = merged(part, a);
                host.post(t, a);
            });
        }
        ON => {
            let e = event_index(a, "on")?;
            if !b.is_function() {
                return Err(fail("on: the handler must be a function"));
            }
            // The same function twice for one event is called once.
            with_host(h, |host| {
                if let Some(list) = host.handlers.get_mut(usize::from(e)) {
                    add(list, b);
                }
            });
        }
        OFF => {
            // `off(event, handler)` removes that handler; `off(event)` every handler of it.
            let e = event_index(a, "off")?;
            let all = !b.is_function();
            with_host(h, |host| {
                let Some(list) = host.handlers.get(usize::from(e)) else {
                    return;
                };
                if all {
                    set(list.unchecked_ref(), "length", &0.into());
                } else if let Some(i) = call1(list, "indexOf", b).ok().and_then(|i| i.as_f64()) {
                    if i >= 0.0 {
                        let _ = js_call(list, "splice", &i.into(), &1.into());
                    }
                }
            });
        }
        FOCUS | BLUR => {
            // Focus goes to the frame, then the form's first field; blur leaves in reverse.
            // The page's own focus handlers run here: `HOSTS` is not borrowed meanwhile.
            let frame = with_host(h, |host| host.mount.as_ref().map(|m| m.frame.clone()));
            let Some(Some(frame)) = frame else {
                return Ok(JsValue::TRUE);
            };
            if op == FOCUS {
                let _ = call0(&frame, "focus");
            }
            let t = if op == FOCUS {
                msg::DO_FOCUS
            } else {
                msg::DO_BLUR
            };
            with_host(h, |host| host.post(t, &JsValue::UNDEFINED));
            if op == BLUR {
                let _ = call0(&frame, "blur");
            }
        }
        RETRY => remount(h, "retry")?,
        UPDATE => {
            // `update({ sessionId })`: another session's form replaces this one in place (same
            // slot, options and handlers). The old frame's messages stop counting at once.
            if !is_plain_object(a) {
                return Err(fail("update expects { sessionId: \"…\" }"));
            }
            if keys(a).iter().any(|k| !is(&k, "sessionId")) {
                return Err(fail("update: only sessionId can be updated"));
            }
            let sid = get(a, "sessionId");
            if !sid.as_string().is_some_and(|s| valid_session_id(&s)) {
                return Err(fail("update: sessionId is not a valid session id"));
            }
            let mounted = with_host(h, |host| {
                host.session_id = sid;
                host.mount.is_some()
            });
            if mounted == Some(true) {
                remount(h, "update")?;
            }
        }
        DESTROY => {
            // Removes the iframe in any state; its messages and timer stop counting with it.
            if let Some(Some(m)) = with_host(h, |host| host.mount.take()) {
                let _ = call0(&m.frame, "remove");
                let any = hosts(|hs| hs.iter().flatten().any(|x| x.mount.is_some()));
                if !any {
                    listen(false);
                }
            }
            return Ok(JsValue::UNDEFINED);
        }
        IFRAME => {
            let f = with_host(h, |host| host.mount.as_ref().map(|m| m.frame.clone()));
            return Ok(f.flatten().unwrap_or(JsValue::NULL));
        }
        FREE => hosts(|hs| {
            if let Some(slot) = hs.get_mut(h as usize) {
                if slot.as_ref().is_some_and(|x| x.mount.is_none()) {
                    *slot = None;
                }
            }
        }),
        _ => {}
    }
    Ok(JsValue::TRUE)
}
