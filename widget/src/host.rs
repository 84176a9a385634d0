//! Merchant-page mode: `Maven.createPayment(options)` and its controller. Every check, the
//! state and the event dispatch live here; `widget.js` only forwards (docs/widget.md, "The
//! controller's boundary"): the controller object's methods call [`call`] with the method's
//! number, the page's one `message` listener calls [`message`], the load timer calls [`tick`].
//! Every wrong use throws a `MavenError` that says what to do instead.

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
    /// `o[m](a, b)`; a throw comes back as `Err`.
    #[wasm_bindgen(js_name = mvCall, catch)]
    fn js_call(o: &JsValue, m: &str, a: &JsValue, b: &JsValue) -> Result<JsValue, JsValue>;
    /// `new c(a)`; a throw comes back as `Err`.
    #[wasm_bindgen(js_name = mvNew, catch)]
    fn js_new(c: &JsValue, a: &JsValue) -> Result<JsValue, JsValue>;
    /// The page's `setTimeout` (as it is at this call: fake clocks count) calling `tick(h, g)`.
    #[wasm_bindgen(js_name = mvTimer)]
    fn arm(handle: u32, generation: u32, ms: f64);
    /// An `Error` named `MavenError`.
    #[wasm_bindgen(js_name = mvError)]
    fn maven_error(message: &str) -> JsValue;
    /// Adds (`true`) or removes the page's one `message` listener, which calls [`message`].
    #[wasm_bindgen(js_name = mvListen)]
    fn listen(on: bool);
    /// A global of the page: `window[name]`, or `window` itself for "".
    #[wasm_bindgen(js_name = mvGlobal)]
    fn global(name: &str) -> JsValue;
}

/// `o[key]`, or undefined when `o` has no properties (`Reflect.get` throws for primitives).
/// Unlike `dom::get`, also reads functions' properties (`Element.prototype`).
fn get(o: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(o, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn get_str(o: &JsValue, key: &str) -> Option<String> {
    get(o, key).as_string()
}

/// Decimal text of a number, by JS's `toString` (smaller here than a Rust formatter).
fn num(n: f64) -> String {
    call0(&n.into(), "toString")
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

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

/// The controller's methods, numbered as widget.js's `METHODS` list (same order).
const OPS: &[&str] = &[
    "mount",
    "updateTheme",
    "updateLabels",
    "updateFields",
    "destroy",
    "on",
    "off",
    "focus",
    "blur",
    "retry",
    "update",
    "iframe",
    "free",
];

/// The iframe's box; the height is set from `predicted_height` until the form is ready.
const FRAME_STYLE: &str = "display:block;width:100%;min-width:0;border:0;margin:0;\
padding:0;overflow:hidden;background:transparent;color-scheme:normal";

/// Extra height of the dark scheme's padding (form.css `[data-scheme="dark"] .mv`).
const DARK_INSET: u32 = 16;

/// The form's height at rest (form.css): title, number, expiry + CVC, button and footer, plus
/// each optional field row shown. The project's defaults (name optional, postal hidden) are
/// assumed unless this mount's `fields` option says otherwise. Below 250 px the expiry + CVC
/// row stacks. A dark form's box is inset by 12 px instead of 4 (form.css).
fn predicted_height(width: f64, fields: &JsValue, dark: bool) -> u32 {
    let shown = |key: &str, default: bool| match get_str(fields, key).as_deref() {
        Some("hidden") => false,
        Some(_) => true,
        None => default,
    };
    let rows = u32::from(shown("cardholder_name", true)) + u32::from(shown("postal_code", false));
    let narrow = if width > 0.0 && width <= 250.0 { 97 } else { 0 };
    278 + narrow + rows * 73 + if rows == 2 { 5 } else { 0 } + if dark { DARK_INSET } else { 0 }
}

/// The iframe's accessible name in the mount's language (the form translates the rest).
fn frame_title(locale: &str) -> &'static str {
    match locale.split('-').next().unwrap_or("") {
        "es" => "Formulario de pago seguro",
        "fr" => "Formulaire de paiement sécurisé",
        "de" => "Sicheres Zahlungsformular",
        "pt" => "Formulário de pagamento seguro",
        "ja" => "安全な支払いフォーム",
        _ => "Secure payment form",
    }
}

const DEFAULT_LOAD_TIMEOUT_MS: f64 = 15_000.0;

struct Host {
    session_id: String,
    /// The widget origin (scheme://host[:port]): iframe source and the only accepted sender.
    origin: String,
    /// (event, handler) in registration order: `onX` options first, then `on` calls.
    handlers: Vec<(u8, JsValue)>,
    load_timeout_ms: f64,
    /// "light", "dark" or "auto" (follows the browser's `prefers-color-scheme`); when not
    /// given, the session's (create API), else light.
    color_scheme: Option<&'static str>,
    /// BCP 47 tag for the form's language and money format (else the session's).
    locale: Option<String>,
    /// Theme, labels and fields overrides given by the merchant (options and update* calls),
    /// sent to every new form.
    parts: [JsValue; 3],
    mount: Option<Mount>,
}

struct Mount {
    slot: JsValue,
    frame: JsValue,
    channel: String,
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
static GENERATION: crate::Single<u32> = crate::Single(RefCell::new(0));

fn fail(msg: &str) -> JsValue {
    maven_error(&["Maven: ", msg].cat())
}

/// Session ids go into a URL path: accept the characters ids are made of and nothing else.
fn valid_session_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn origin_of(url: &str) -> Option<String> {
    let u = js_new(&global("URL"), &url.into()).ok()?;
    let p = get_str(&u, "protocol")?;
    if p == "https:" || p == "http:" {
        get_str(&u, "origin")
    } else {
        None
    }
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
pub fn create(options: JsValue, default_origin: &str) -> Result<u32, JsValue> {
    let opts = if options.is_string() {
        JsValue::UNDEFINED
    } else if is_plain_object(&options) {
        options.clone()
    } else {
        return Err(fail(
            "createPayment expects { sessionId } or a session id string",
        ));
    };
    for key in dom::keys(&opts) {
        if !OPTION_KEYS.contains(&key.as_str()) {
            let all = dom::list(OPTION_KEYS);
            let m = [
                "createPayment: unknown option \"",
                &key,
                "\" (expected one of: ",
                &all,
                ")",
            ];
            return Err(fail(&m.cat()));
        }
    }
    let sid = if opts.is_undefined() {
        options
    } else {
        get(&opts, "sessionId")
    };
    let session_id = match sid.as_string() {
        Some(s) if valid_session_id(&s) => s,
        Some(_) => return Err(fail("createPayment: sessionId is not a valid session id")),
        None => {
            return Err(fail(
                "createPayment: sessionId is required (from POST /v1/widget-sessions)",
            ))
        }
    };
    let base = get(&opts, "baseUrl");
    let origin = if base.is_undefined() {
        origin_of(default_origin)
    } else {
        base.as_string().as_deref().and_then(origin_of)
    }
    .ok_or_else(|| fail("createPayment: baseUrl must be an absolute http(s) URL"))?;
    let mut handlers = Vec::new();
    for (key, event) in CALLBACK_OPTIONS {
        let f = get(&opts, key);
        if f.is_function() {
            handlers.push((*event, f));
        } else if !f.is_undefined() && !f.is_null() {
            return Err(fail(&["createPayment: ", key, " must be a function"].cat()));
        }
    }
    let lt = get(&opts, "loadTimeout");
    let load_timeout_ms = match lt.as_f64() {
        _ if lt.is_undefined() => DEFAULT_LOAD_TIMEOUT_MS,
        Some(ms) if (1.0..=600_000.0).contains(&ms) => ms,
        _ => return Err(fail("createPayment: loadTimeout must be 1 to 600000 (ms)")),
    };
    let cs = get(&opts, "colorScheme");
    let color_scheme = match cs.as_string().as_deref() {
        _ if cs.is_undefined() => None,
        Some("light") => Some("light"),
        Some("dark") => Some("dark"),
        Some("auto") => Some("auto"),
        _ => {
            return Err(fail(
                "createPayment: colorScheme must be \"light\", \"dark\" or \"auto\"",
            ))
        }
    };
    let loc = get(&opts, "locale");
    let locale =
        if loc.is_undefined() {
            None
        } else {
            // Intl throws a RangeError for a tag that is not well-formed BCP 47.
            let canonical = call1(&global("Intl"), "getCanonicalLocales", &loc)
                .ok()
                .filter(|_| loc.is_string())
                .and_then(|a| get_str(&a, "0"));
            Some(canonical.ok_or_else(|| {
                fail("createPayment: locale must be a BCP 47 tag such as \"de-CH\"")
            })?)
        };
    let mut parts: [JsValue; 3] = [
        Object::new().into(),
        Object::new().into(),
        Object::new().into(),
    ];
    for (i, kind) in [Kind::Theme, Kind::Labels, Kind::Fields]
        .into_iter()
        .enumerate()
    {
        let v = get(&opts, kind.option());
        if !v.is_undefined() {
            custom::check(kind, &v).map_err(|e| fail(&["createPayment: ", &e].cat()))?;
            parts[i] = merged(&parts[i], &v);
        }
    }
    let host = Host {
        session_id,
        origin,
        handlers,
        load_timeout_ms,
        color_scheme,
        locale,
        parts,
        mount: None,
    };
    Ok(HOSTS.with(|hs| {
        let mut hs = hs.borrow_mut();
        match hs.iter().position(Option::is_none) {
            Some(i) => {
                hs[i] = Some(host);
                i as u32
            }
            None => {
                hs.push(Some(host));
                hs.len() as u32 - 1
            }
        }
    }))
}

/// The event number as `on`/`off` accept it, or a `MavenError` listing the names.
fn event_index(event: &JsValue, method: &str) -> Result<u8, JsValue> {
    let name = event.as_string().unwrap_or_default();
    match EVENTS.iter().position(|e| *e == name) {
        Some(i) => Ok(i as u8),
        None => {
            let all = dom::list(EVENTS);
            let m = [
                method,
                ": unknown event \"",
                &name,
                "\" (expected one of: ",
                &all,
                ")",
            ];
            Err(fail(&m.cat()))
        }
    }
}

fn resolve_slot(target: &JsValue) -> Result<JsValue, JsValue> {
    if let Some(sel) = target.as_string() {
        return match call1(&get(&global(""), "document"), "querySelector", target) {
            Ok(el) if el.is_null() => {
                Err(fail(&["mount: no element matches \"", &sel, "\""].cat()))
            }
            Ok(el) => Ok(el),
            Err(_) => Err(fail(
                &["mount: \"", &sel, "\" is not a valid CSS selector"].cat(),
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
    HOSTS.with(|hs| hs.borrow_mut().get_mut(h as usize)?.as_mut().map(f))
}

/// `controller.<OPS[op]>(a, b)`. Merchant code never runs while `HOSTS` is borrowed.
pub fn call(h: u32, op: u32, a: JsValue, b: JsValue) -> Result<JsValue, JsValue> {
    let op = *OPS.get(op as usize).unwrap_or(&"");
    match op {
        "mount" => {
            let mounted = with_host(h, |host| host.mount.is_some()).unwrap_or(true);
            if mounted {
                return Err(fail("mount: already mounted; call destroy() first"));
            }
            let slot = resolve_slot(&a)?;
            if !get(&slot, "isConnected").is_truthy() {
                return Err(fail("mount: the element is not in the document"));
            }
            let taken = HOSTS.with(|hs| {
                hs.borrow()
                    .iter()
                    .flatten()
                    .any(|x| x.mount.as_ref().is_some_and(|m| m.slot == slot))
            });
            if taken {
                return Err(fail(
                    "mount: that element already holds a Maven payment form; destroy() it first",
                ));
            }
            let page = get_str(&global("location"), "origin").unwrap_or_default();
            if !page.starts_with("http") {
                return Err(fail("mount: serve the page over http(s)"));
            }
            mount_in(h, slot, &page);
        }
        "updateTheme" | "updateLabels" | "updateFields" => {
            let (kind, t) = match op {
                "updateTheme" => (Kind::Theme, msg::UPDATE_THEME),
                "updateLabels" => (Kind::Labels, msg::UPDATE_LABELS),
                _ => (Kind::Fields, msg::UPDATE_FIELDS),
            };
            custom::check(kind, &a).map_err(|e| fail(&[op, ": ", &e].cat()))?;
            with_host(h, |host| {
                let part = &mut host.parts[kind as usize];
                *part = merged(part, &a);
                host.post(t, &a);
            });
        }
        "on" => {
            let e = event_index(&a, op)?;
            if !b.is_function() {
                return Err(fail("on: the handler must be a function"));
            }
            // The same function twice for one event is called once.
            with_host(h, |host| {
                if !host.handlers.iter().any(|(x, g)| *x == e && *g == b) {
                    host.handlers.push((e, b));
                }
            });
        }
        "off" => {
            // `off(event, handler)` removes that handler; `off(event)` every handler of it.
            let e = event_index(&a, op)?;
            let all = !b.is_function();
            with_host(h, |host| {
                host.handlers.retain(|(x, g)| *x != e || (!all && *g != b))
            });
        }
        "focus" | "blur" => {
            // Focus goes to the frame, then the form's first field; blur leaves in reverse.
            // The page's own focus handlers run here: `HOSTS` is not borrowed meanwhile.
            let frame = with_host(h, |host| host.mount.as_ref().map(|m| m.frame.clone()));
            let Some(Some(frame)) = frame else {
                return Ok(JsValue::TRUE);
            };
            if op == "focus" {
                let _ = call0(&frame, op);
            }
            let t = if op == "focus" {
                msg::DO_FOCUS
            } else {
                msg::DO_BLUR
            };
            with_host(h, |host| host.post(t, &JsValue::UNDEFINED));
            if op == "blur" {
                let _ = call0(&frame, op);
            }
        }
        "retry" => remount(h, op)?,
        "update" => {
            // `update({ sessionId })`: another session's form replaces this one in place (same
            // slot, options and handlers). The old frame's messages stop counting at once.
            if !is_plain_object(&a) {
                return Err(fail("update expects { sessionId: \"…\" }"));
            }
            if dom::keys(&a).iter().any(|k| k != "sessionId") {
                return Err(fail("update: only sessionId can be updated"));
            }
            let sid = get_str(&a, "sessionId").filter(|s| valid_session_id(s));
            let Some(sid) = sid else {
                return Err(fail("update: sessionId is not a valid session id"));
            };
            let mounted = with_host(h, |host| {
                host.session_id = sid;
                host.mount.is_some()
            });
            if mounted == Some(true) {
                remount(h, op)?;
            }
        }
        "destroy" => {
            // Removes the iframe in any state; its messages and timer stop counting with it.
            if let Some(Some(m)) = with_host(h, |host| host.mount.take()) {
                let _ = call0(&m.frame, "remove");
                let any = HOSTS.with(|hs| hs.borrow().iter().flatten().any(|x| x.mount.is_some()));
                if !any {
                    listen(false);
                }
            }
            return Ok(JsValue::UNDEFINED);
        }
        "iframe" => {
            let f = with_host(h, |host| host.mount.as_ref().map(|m| m.frame.clone()));
            return Ok(f.flatten().unwrap_or(JsValue::NULL));
        }
        "free" => HOSTS.with(|hs| {
            if let Some(slot) = hs.borrow_mut().get_mut(h as usize) {
                if slot.as_ref().is_some_and(|x| x.mount.is_none()) {
                    *slot = None;
                }
            }
        }),
        _ => {}
    }
    Ok(JsValue::TRUE)
}

/// Creates the iframe in `slot` with a fresh channel and arms its load timer. No borrow of
/// `HOSTS` is held while the page's DOM runs (its event handlers may call the controller).
fn mount_in(h: u32, slot: JsValue, page_origin: &str) {
    let win = global("");
    let encode = |s: &str| {
        call1(&win, "encodeURIComponent", &s.into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    let channel = call0(&get(&win, "crypto"), "randomUUID")
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let generation = GENERATION.with(|g| {
        let mut g = g.borrow_mut();
        *g += 1;
        *g
    });
    let o = encode(page_origin);
    let Some((src, title, ms, scheme, fields)) = with_host(h, |host| {
        // The mount's locale goes in the query: the edge renders the page's texts in it.
        let l = match &host.locale {
            Some(l) => ["?l=", &encode(l)].cat(),
            None => String::new(),
        };
        let src = [
            &host.origin,
            "/widget/",
            &host.session_id,
            &l,
            "#ch=",
            &channel,
            "&o=",
            &o,
        ];
        let title = frame_title(host.locale.as_deref().unwrap_or(""));
        let fields = host.parts[Kind::Fields as usize].clone();
        (
            src.cat(),
            title,
            host.load_timeout_ms,
            host.color_scheme,
            fields,
        )
    }) else {
        return;
    };
    let Ok(frame) = call1(&get(&win, "document"), "createElement", &"iframe".into()) else {
        return;
    };
    set_str(&frame, "src", &src);
    set_str(&frame, "title", title);
    let _ = js_call(&frame, "setAttribute", &"allow".into(), &"payment".into());
    // Sizes through CSSOM (not a style attribute a merchant CSP would have to allow). The
    // height is the form's own at rest, reserved so nothing moves when it arrives.
    let style = get(&frame, "style");
    set_str(&style, "cssText", FRAME_STYLE);
    let _ = call1(&slot, "appendChild", &frame);
    // The session's own scheme is not known here: only this mount's option counts.
    let dark = match scheme {
        Some("dark") => true,
        Some("auto") => call1(&win, "matchMedia", &"(prefers-color-scheme: dark)".into())
            .is_ok_and(|m| get(&m, "matches").is_truthy()),
        _ => false,
    };
    let width = call0(&frame, "getBoundingClientRect")
        .ok()
        .and_then(|r| get(&r, "width").as_f64())
        .unwrap_or(0.0);
    let px = predicted_height(width, &fields, dark);
    set_str(&style, "height", &[num(f64::from(px)).as_str(), "px"].cat());
    arm(h, generation, ms.clamp(0.0, 2e9));
    listen(true);
    with_host(h, |host| {
        host.mount = Some(Mount {
            slot,
            frame,
            channel,
            generation,
            loading: true,
            failed: false,
        })
    });
}

fn set_str(o: &JsValue, key: &str, value: &str) {
    set(o.unchecked_ref(), key, &value.into());
}

/// Replaces the mounted frame by a new one in the same slot.
fn remount(h: u32, method: &str) -> Result<(), JsValue> {
    let page = get_str(&global("location"), "origin").unwrap_or_default();
    let Some(Some(old)) = with_host(h, |host| host.mount.take()) else {
        return Err(fail(&[method, ": the payment form is not mounted"].cat()));
    };
    // The new frame goes where the old one was; the old one's messages and timer stop counting.
    let _ = call0(&old.frame, "remove");
    mount_in(h, old.slot, &page);
    Ok(())
}

/// The load timer of host `h`'s frame number `generation` went off.
pub fn tick(h: u32, generation: u32) {
    let ms = with_host(h, |host| match &host.mount {
        Some(m) if m.generation == generation && m.loading => Some(host.load_timeout_ms),
        _ => None,
    });
    if let Some(Some(ms)) = ms {
        let text = [
            "The payment form did not load within ",
            &num(f64::from(ms as u32)),
            " ms",
        ]
        .cat();
        load_failed(h, "load_timeout", &text);
    }
}

/// Reports `loaderror` once for the frame host `h` has mounted.
fn load_failed(h: u32, code: &str, message: &str) {
    let handlers = with_host(h, |host| {
        let m = host.mount.as_mut().filter(|m| !m.failed)?;
        m.failed = true;
        m.loading = false;
        Some(host.handlers_of(LOADERROR))
    });
    let arg = dom::object(&[
        ("error_code", code.into()),
        ("error_message", message.into()),
    ]);
    run(handlers.flatten(), &arg.into());
}

/// Calls merchant handlers. An exception thrown by the merchant's code is reported like an
/// uncaught error (`reportError`) instead of unwinding through the controller.
fn run(handlers: Option<Vec<JsValue>>, arg: &JsValue) {
    for f in handlers.unwrap_or_default() {
        if let Err(e) = js_call(&f, "call", &JsValue::UNDEFINED, arg) {
            let _ = call1(&global(""), "reportError", &e);
        }
    }
}

impl Host {
    fn handlers_of(&self, event: u8) -> Vec<JsValue> {
        let mine = self.handlers.iter().filter(|(e, _)| *e == event);
        mine.map(|(_, f)| f.clone()).collect()
    }

    fn post(&self, kind: &str, payload: &JsValue) {
        if let Some(m) = &self.mount {
            let w = get(&m.frame, "contentWindow");
            let message = msg::message(&m.channel, kind, payload);
            let _ = js_call(&w, "postMessage", &message, &self.origin.as_str().into());
        }
    }
}

/// A `message` event of the page: handled when it comes from a mounted frame, from the widget
/// origin, on that frame's channel; anything else is ignored.
pub fn message(data: JsValue, origin: JsValue, source: JsValue) {
    let from = source;
    // Pick the host and handlers while borrowed, call them after: merchant code may destroy().
    let found = HOSTS.with(|hs| {
        let mut hs = hs.borrow_mut();
        hs.iter_mut().enumerate().find_map(|(i, slot)| {
            let host = slot.as_mut()?;
            let m = host.mount.as_mut()?;
            // Only the frame mounted now: a replaced frame (retry, update) has another window.
            if m.failed || from.is_null() || get(&m.frame, "contentWindow") != from {
                return None;
            }
            Some((i as u32, dispatch(host, &data, &origin)))
        })
    });
    match found {
        Some((h, Step::Failed)) => load_failed(
            h,
            "form_unavailable",
            "The payment form's script could not start",
        ),
        Some((_, Step::Call(handlers, arg))) => run(Some(handlers), &arg),
        _ => {}
    }
}

enum Step {
    Nothing,
    Failed,
    Call(Vec<JsValue>, JsValue),
}

/// What one message from host's mounted frame means.
fn dispatch(host: &mut Host, data: &JsValue, origin: &JsValue) -> Step {
    let Some(m) = host.mount.as_mut() else {
        return Step::Nothing;
    };
    if *origin != JsValue::from_str(&host.origin) {
        return Step::Nothing;
    }
    let Some((t, p)) = msg::parse(data, &m.channel) else {
        return Step::Nothing;
    };
    let (event, arg) = match t.as_str() {
        msg::HELLO => {
            let init = dom::object(&[
                ("theme", host.parts[0].clone()),
                ("labels", host.parts[1].clone()),
                ("fields", host.parts[2].clone()),
                (
                    "colorScheme",
                    host.color_scheme.map_or(JsValue::UNDEFINED, JsValue::from),
                ),
                (
                    "locale",
                    host.locale
                        .as_deref()
                        .map_or(JsValue::UNDEFINED, JsValue::from),
                ),
            ]);
            host.post(msg::INIT, &init.into());
            return Step::Nothing;
        }
        msg::LOAD_ERROR => return Step::Failed,
        // The loading skeleton's size does not count: the predicted height stays until ready.
        msg::RESIZE if m.loading => return Step::Nothing,
        msg::RESIZE => {
            let Some(px) = p.as_f64().filter(|n| (0.0..=10_000.0).contains(n)) else {
                return Step::Nothing;
            };
            // Rounded up to whole pixels (the form's height may be fractional).
            let whole = px as u32 + u32::from((px as u32 as f64) < px);
            set_str(
                &get(&m.frame, "style"),
                "height",
                &[num(f64::from(whole)).as_str(), "px"].cat(),
            );
            let arg = dom::object(&[("height", (whole as f64).into())]);
            (RESIZE, arg.into())
        }
        t => {
            let Some(e) = EVENTS.iter().position(|e| *e == t) else {
                return Step::Nothing;
            };
            if e == READY as usize {
                m.loading = false;
            }
            // ready, escape and expired carry nothing.
            let arg = if matches!(t, "ready" | "escape" | "expired") {
                JsValue::UNDEFINED
            } else {
                p
            };
            (e as u8, arg)
        }
    };
    Step::Call(host.handlers_of(event), arg)
}
