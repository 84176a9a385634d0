//! Merchant-page mode: `Maven.createPayment(options)` and its controller. The controller owns
//! one iframe per mount, a per-mount channel id and the `message` listener; every wrong use
//! throws a `MavenError` that says what to do instead.

use crate::custom::{self, Kind};
use crate::dom::Cat as _;
use crate::dom::{self, get, is_plain_object, Listener, Timer};
#[allow(unused_imports)]
use crate::prelude::*;
use crate::protocol as msg;
use alloc::rc::{Rc, Weak};
use core::cell::RefCell;
use js_sys::{Function, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlIFrameElement, MessageEvent};

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

/// The iframe's box; the height is set from `predicted_height` until the form is ready.
const FRAME_STYLE: &str = "display:block;width:100%;min-width:0;border:0;margin:0;\
padding:0;overflow:hidden;background:transparent;color-scheme:normal";

/// The form's height at rest (form.css): title, number, expiry + CVC, button and footer, plus
/// each optional field row shown. The project's defaults (name optional, postal hidden) are
/// assumed unless this mount's `fields` option says otherwise. Below 250 px the expiry + CVC
/// row stacks. A dark form's box is inset by 12 px instead of 4 (form.css).
fn predicted_height(width: f64, fields: &JsValue, dark: bool) -> u32 {
    let shown = |key: &str, default: bool| match dom::get_str(fields, key).as_deref() {
        Some("hidden") => false,
        Some(_) => true,
        None => default,
    };
    let rows = u32::from(shown("cardholder_name", true)) + u32::from(shown("postal_code", false));
    let narrow = if width > 0.0 && width <= 250.0 { 97 } else { 0 };
    278 + narrow + rows * 73 + if rows == 2 { 5 } else { 0 } + if dark { DARK_INSET } else { 0 }
}

/// Extra height of the dark scheme's padding (form.css `[data-scheme="dark"] .mv`).
const DARK_INSET: u32 = 16;

#[wasm_bindgen]
extern "C" {
    /// Throws a RangeError for a tag that is not well-formed BCP 47.
    #[wasm_bindgen(js_namespace = Intl, js_name = getCanonicalLocales, catch)]
    fn canonical_locales(tag: &str) -> Result<js_sys::Array, JsValue>;
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

/// Mounted forms. Keeps each host alive while its iframe is in the page even if the
/// merchant drops every reference to the controller, and finds slots mounted twice.
static MOUNTED: crate::Single<Vec<Rc<RefCell<Host>>>> = crate::Single(RefCell::new(Vec::new()));

/// What `on` / `off` accept. The form reports all but `loaderror` (the host's own verdict).
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

/// The `onX` options and the event each one listens to.
const CALLBACK_OPTIONS: &[(&str, &str)] = &[
    ("onReady", "ready"),
    ("onSuccess", "success"),
    ("onFailure", "failure"),
    ("onChange", "change"),
    ("onExpired", "expired"),
    ("onLoadError", "loaderror"),
];

const DEFAULT_LOAD_TIMEOUT_MS: f64 = 15_000.0;

struct Host {
    session_id: String,
    /// The widget origin (scheme://host[:port]): iframe source and the only accepted sender.
    origin: String,
    /// (event, handler) in registration order: `onX` options first, then `on` calls.
    handlers: Vec<(&'static str, Function)>,
    load_timeout_ms: f64,
    /// "light", "dark" or "auto" (follows the browser's `prefers-color-scheme`); when not
    /// given, the session's (create API), else light.
    color_scheme: Option<&'static str>,
    /// BCP 47 tag for the form's language and money format (else the session's).
    locale: Option<String>,
    /// Overrides given by the merchant (options and update* calls), sent to every new form.
    theme: Object,
    labels: Object,
    fields: Object,
    mount: Option<Mount>,
}

struct Mount {
    slot: Element,
    frame: HtmlIFrameElement,
    channel: String,
    /// Until the form reports `ready` (or a result): then dropped, which cancels it.
    load_timer: Option<Timer>,
    /// `loaderror` was reported for this frame: later messages from it are ignored.
    failed: bool,
    _listener: Listener,
}

/// The object `Maven.createPayment` returns.
#[wasm_bindgen]
pub struct Controller {
    host: Rc<RefCell<Host>>,
}

fn fail(msg: &str) -> JsValue {
    dom::error(&["Maven: ", msg].cat())
}

fn callback(options: &JsValue, key: &str) -> Result<Option<Function>, JsValue> {
    let v = get(options, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.dyn_into::<Function>()
        .map(Some)
        .map_err(|_| fail(&["createPayment: ", key, " must be a function"].cat()))
}

/// Session ids go into a URL path: accept the characters ids are made of and nothing else.
fn valid_session_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn origin_of(url: &str) -> Option<String> {
    let u = web_sys::Url::new(url).ok()?;
    let p = u.protocol();
    (p == "https:" || p == "http:").then(|| u.origin())
}

pub fn create(options: JsValue, default_origin: &str) -> Result<Controller, JsValue> {
    let opts = if options.is_string() {
        JsValue::UNDEFINED
    } else if is_plain_object(&options) {
        options.clone()
    } else {
        return Err(fail(
            "createPayment expects { sessionId: \"…\" } or the session id string returned by POST /v1/widget-sessions",
        ));
    };
    if !opts.is_undefined() {
        let keys = Object::keys(opts.unchecked_ref::<Object>());
        for key in keys.iter() {
            let key = key.as_string().unwrap_or_default();
            if !OPTION_KEYS.contains(&key.as_str()) {
                return Err(fail(
                    &[
                        "createPayment: unknown option \"",
                        &key,
                        "\" (expected one of: ",
                        &dom::list(OPTION_KEYS),
                        ")",
                    ]
                    .cat(),
                ));
            }
        }
    }
    let sid = if opts.is_undefined() {
        options.clone()
    } else {
        get(&opts, "sessionId")
    };
    let session_id = match sid.as_string() {
        Some(s) if valid_session_id(&s) => s,
        Some(_) => return Err(fail("createPayment: sessionId is not a valid session id")),
        None => {
            return Err(fail(
                "createPayment: sessionId is required (the session_id your server received from POST /v1/widget-sessions)",
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
        if let Some(f) = callback(&opts, key)? {
            handlers.push((*event, f));
        }
    }
    let lt = get(&opts, "loadTimeout");
    let load_timeout_ms =
        if lt.is_undefined() {
            DEFAULT_LOAD_TIMEOUT_MS
        } else {
            match lt.as_f64() {
                Some(ms) if (1.0..=600_000.0).contains(&ms) => ms,
                _ => return Err(fail(
                    "createPayment: loadTimeout must be a number of milliseconds from 1 to 600000",
                )),
            }
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
    let locale = if loc.is_undefined() {
        None
    } else {
        let canonical = loc
            .as_string()
            .and_then(|t| canonical_locales(&t).ok())
            .and_then(|a| a.get(0).as_string());
        Some(canonical.ok_or_else(|| {
            fail("createPayment: locale must be a BCP 47 language tag such as \"de-CH\"")
        })?)
    };
    let mut parts = [Object::new(), Object::new(), Object::new()];
    for (i, kind) in [Kind::Theme, Kind::Labels, Kind::Fields]
        .into_iter()
        .enumerate()
    {
        let v = get(&opts, kind.option());
        if !v.is_undefined() {
            custom::check(kind, &v).map_err(|e| fail(&["createPayment: ", &e].cat()))?;
            parts[i] = dom::merged(&parts[i], &v);
        }
    }
    let [theme, labels, fields] = parts;
    Ok(Controller {
        host: Rc::new(RefCell::new(Host {
            session_id,
            origin,
            handlers,
            load_timeout_ms,
            color_scheme,
            locale,
            theme,
            labels,
            fields,
            mount: None,
        })),
    })
}

/// The event name as `on`/`off` accept it, or a `MavenError` listing the names.
fn event_name(event: &JsValue, method: &str) -> Result<&'static str, JsValue> {
    let name = event.as_string().unwrap_or_default();
    EVENTS.iter().copied().find(|e| *e == name).ok_or_else(|| {
        fail(
            &[
                method,
                ": unknown event \"",
                &name,
                "\" (expected one of: ",
                &dom::list(EVENTS),
                ")",
            ]
            .cat(),
        )
    })
}

fn resolve_slot(target: &JsValue) -> Result<Element, JsValue> {
    if let Some(sel) = target.as_string() {
        return match dom::document().query_selector(&sel) {
            Ok(Some(el)) => Ok(el),
            Ok(None) => Err(fail(&["mount: no element matches \"", &sel, "\""].cat())),
            Err(_) => Err(fail(
                &["mount: \"", &sel, "\" is not a valid CSS selector"].cat(),
            )),
        };
    }
    target
        .dyn_ref::<Element>()
        .cloned()
        .ok_or_else(|| fail("mount expects a CSS selector string or a DOM element"))
}

#[wasm_bindgen]
impl Controller {
    /// Inserts the payment form into `target` (a CSS selector or an element).
    pub fn mount(&self, target: JsValue) -> Result<Controller, JsValue> {
        if self.host.borrow().mount.is_some() {
            return Err(fail(
                "mount: this payment form is already mounted; call destroy() before mounting it again",
            ));
        }
        let slot = resolve_slot(&target)?;
        if !slot.is_connected() {
            return Err(fail("mount: the element is not attached to the document"));
        }
        let taken = MOUNTED.with(|m| {
            m.borrow().iter().any(|h| {
                h.borrow()
                    .mount
                    .as_ref()
                    .is_some_and(|x| x.slot.is_same_node(Some(&slot)))
            })
        });
        if taken {
            return Err(fail(
                "mount: that element already holds a Maven payment form; destroy() the other one first",
            ));
        }
        let page_origin = dom::window().location().origin().unwrap_or_default();
        if !page_origin.starts_with("http") {
            return Err(fail(
                "mount: the page must be served over http(s) so the form can talk to it",
            ));
        }
        mount_in(&self.host, slot, &page_origin)?;
        Ok(self.this())
    }

    #[wasm_bindgen(js_name = updateTheme)]
    pub fn update_theme(&self, partial: JsValue) -> Result<Controller, JsValue> {
        self.update_part(Kind::Theme, &partial, msg::UPDATE_THEME, "updateTheme")
    }

    #[wasm_bindgen(js_name = updateLabels)]
    pub fn update_labels(&self, partial: JsValue) -> Result<Controller, JsValue> {
        self.update_part(Kind::Labels, &partial, msg::UPDATE_LABELS, "updateLabels")
    }

    #[wasm_bindgen(js_name = updateFields)]
    pub fn update_fields(&self, partial: JsValue) -> Result<Controller, JsValue> {
        self.update_part(Kind::Fields, &partial, msg::UPDATE_FIELDS, "updateFields")
    }

    /// `on(event, handler)`: adds a handler (the same function twice is called once).
    pub fn on(&self, event: JsValue, handler: JsValue) -> Result<Controller, JsValue> {
        let name = event_name(&event, "on")?;
        let f = handler
            .dyn_into::<Function>()
            .map_err(|_| fail("on: the handler must be a function"))?;
        let mut h = self.host.borrow_mut();
        if !h.handlers.iter().any(|(e, g)| *e == name && *g == f) {
            h.handlers.push((name, f));
        }
        drop(h);
        Ok(self.this())
    }

    /// `off(event, handler)` removes that handler; `off(event)` removes every handler of it.
    pub fn off(&self, event: JsValue, handler: JsValue) -> Result<Controller, JsValue> {
        let name = event_name(&event, "off")?;
        let f: Option<Function> = handler.dyn_into().ok();
        self.host
            .borrow_mut()
            .handlers
            .retain(|(e, g)| *e != name || f.as_ref().is_some_and(|f| f != g));
        Ok(self.this())
    }

    /// Moves the keyboard focus into the form (its first field, or the first one in error).
    pub fn focus(&self) -> Controller {
        let h = self.host.borrow();
        if let Some(m) = &h.mount {
            let _ = m.frame.focus();
            h.post(msg::DO_FOCUS, &JsValue::UNDEFINED);
        }
        drop(h);
        self.this()
    }

    /// Takes the keyboard focus out of the form.
    pub fn blur(&self) -> Controller {
        let h = self.host.borrow();
        if let Some(m) = &h.mount {
            h.post(msg::DO_BLUR, &JsValue::UNDEFINED);
            let _ = m.frame.blur();
        }
        drop(h);
        self.this()
    }

    /// Loads the form again in the same place (after `loaderror`, or any time).
    pub fn retry(&self) -> Result<Controller, JsValue> {
        remount(&self.host, "retry")?;
        Ok(self.this())
    }

    /// `update({ sessionId })`: the form of another session replaces this one in place (same
    /// slot, options and handlers). The old frame's messages stop counting at once.
    pub fn update(&self, options: JsValue) -> Result<Controller, JsValue> {
        if !is_plain_object(&options) {
            return Err(fail("update expects { sessionId: \"…\" }"));
        }
        let keys = Object::keys(options.unchecked_ref::<Object>());
        for key in keys.iter() {
            if key.as_string().as_deref() != Some("sessionId") {
                return Err(fail("update: only sessionId can be updated"));
            }
        }
        let session_id = match get(&options, "sessionId").as_string() {
            Some(s) if valid_session_id(&s) => s,
            _ => return Err(fail("update: sessionId is not a valid session id")),
        };
        self.host.borrow_mut().session_id = session_id;
        if self.host.borrow().mount.is_some() {
            remount(&self.host, "update")?;
        }
        Ok(self.this())
    }

    /// Removes the iframe and the message listener, in any state. `mount` works again after.
    pub fn destroy(&self) {
        let mount = self.host.borrow_mut().mount.take();
        if let Some(m) = mount {
            m.frame.remove();
            MOUNTED.with(|list| list.borrow_mut().retain(|h| !Rc::ptr_eq(h, &self.host)));
        }
    }

    /// The iframe element while mounted, else `null`.
    #[wasm_bindgen(getter)]
    pub fn iframe(&self) -> JsValue {
        match &self.host.borrow().mount {
            Some(m) => m.frame.clone().into(),
            None => JsValue::NULL,
        }
    }
}

impl Controller {
    fn this(&self) -> Controller {
        Controller {
            host: self.host.clone(),
        }
    }

    fn update_part(
        &self,
        kind: Kind,
        partial: &JsValue,
        t: &str,
        method: &str,
    ) -> Result<Controller, JsValue> {
        custom::check(kind, partial).map_err(|e| fail(&[method, ": ", &e].cat()))?;
        let mut h = self.host.borrow_mut();
        let slot = match kind {
            Kind::Theme => &mut h.theme,
            Kind::Labels => &mut h.labels,
            Kind::Fields => &mut h.fields,
        };
        *slot = dom::merged(slot, partial);
        h.post(t, partial);
        drop(h);
        Ok(self.this())
    }
}

/// Creates the iframe in `slot` with a fresh channel, its listener and its load timer.
fn mount_in(host: &Rc<RefCell<Host>>, slot: Element, page_origin: &str) -> Result<(), JsValue> {
    let doc = dom::document();
    let frame: HtmlIFrameElement = doc.create_element("iframe")?.unchecked_into();
    let channel = dom::random_id();
    let (src, timeout) = {
        let h = host.borrow();
        let o = String::from(js_sys::encode_uri_component(page_origin));
        // The mount's locale goes in the query: the edge renders the page's texts in it.
        let l = match &h.locale {
            Some(l) => ["?l=", &String::from(js_sys::encode_uri_component(l))].cat(),
            None => String::new(),
        };
        (
            [
                &h.origin,
                "/widget/",
                &h.session_id,
                &l,
                "#ch=",
                &channel,
                "&o=",
                &o,
            ]
            .cat(),
            h.load_timeout_ms,
        )
    };
    frame.set_src(&src);
    frame.set_title(frame_title(host.borrow().locale.as_deref().unwrap_or("")));
    frame.set_attribute("allow", "payment")?;
    // Sizes through CSSOM (not a style attribute a merchant CSP would have to allow). The
    // height is the form's own at rest, reserved so nothing moves when it arrives.
    frame.style().set_css_text(FRAME_STYLE);
    let weak = Rc::downgrade(host);
    let listener = Listener::new(&dom::window(), "message", move |ev| {
        if let Ok(ev) = ev.dyn_into::<MessageEvent>() {
            on_message(&weak, &ev);
        }
    });
    let weak = Rc::downgrade(host);
    let ch = channel.clone();
    let load_timer = Timer::new(timeout, move || {
        let message = [
            "The payment form did not load within ",
            &dom::uint(timeout as u32),
            " ms",
        ]
        .cat();
        load_failed(&weak, &ch, "load_timeout", &message);
    });
    slot.append_child(&frame)?;
    // The session's own scheme is not known here: only this mount's option counts.
    let dark = match host.borrow().color_scheme {
        Some("dark") => true,
        Some("auto") => dom::window()
            .match_media("(prefers-color-scheme: dark)")
            .ok()
            .flatten()
            .is_some_and(|m| m.matches()),
        _ => false,
    };
    let px = predicted_height(
        frame.get_bounding_client_rect().width(),
        &host.borrow().fields,
        dark,
    );
    let _ = frame
        .style()
        .set_property("height", &[dom::uint(px).as_str(), "px"].cat());
    host.borrow_mut().mount = Some(Mount {
        slot,
        frame,
        channel,
        load_timer: Some(load_timer),
        failed: false,
        _listener: listener,
    });
    MOUNTED.with(|m| {
        let mut m = m.borrow_mut();
        if !m.iter().any(|h| Rc::ptr_eq(h, host)) {
            m.push(host.clone());
        }
    });
    Ok(())
}

/// Replaces the mounted frame by a new one in the same slot.
fn remount(host: &Rc<RefCell<Host>>, method: &str) -> Result<(), JsValue> {
    let old = host.borrow_mut().mount.take();
    let Some(old) = old else {
        return Err(fail(&[method, ": the payment form is not mounted"].cat()));
    };
    let page_origin = dom::window().location().origin().unwrap_or_default();
    // The new frame goes where the old one was; the old one's listener and timer go with it.
    let slot = old.slot.clone();
    old.frame.remove();
    drop(old);
    mount_in(host, slot, &page_origin)
}

/// Reports `loaderror` once for the frame on `channel` (if it is still the mounted one).
fn load_failed(weak: &Weak<RefCell<Host>>, channel: &str, code: &str, message: &str) {
    let Some(host) = weak.upgrade() else { return };
    let handlers = {
        let mut h = host.borrow_mut();
        let Some(m) = h
            .mount
            .as_mut()
            .filter(|m| m.channel == channel && !m.failed)
        else {
            return;
        };
        m.failed = true;
        m.load_timer = None;
        h.handlers_of("loaderror")
    };
    let arg: JsValue = dom::object(&[
        ("error_code", code.into()),
        ("error_message", message.into()),
    ])
    .into();
    for f in handlers {
        dom::call(&Some(f), &arg);
    }
}

impl Host {
    fn handlers_of(&self, event: &str) -> Vec<Function> {
        self.handlers
            .iter()
            .filter(|(e, _)| *e == event)
            .map(|(_, f)| f.clone())
            .collect()
    }

    fn post(&self, kind: &str, payload: &JsValue) {
        if let Some(m) = &self.mount {
            if let Some(w) = m.frame.content_window() {
                let _ = w.post_message(&msg::message(&m.channel, kind, payload), &self.origin);
            }
        }
    }
}

fn on_message(weak: &Weak<RefCell<Host>>, ev: &MessageEvent) {
    let Some(host) = weak.upgrade() else { return };
    // Pick the handlers while borrowed, call them after: merchant code may call destroy().
    let (handlers, arg) = {
        let mut h = host.borrow_mut();
        let origin_ok = ev.origin() == h.origin;
        let Some(m) = h.mount.as_mut() else { return };
        if !origin_ok || m.failed {
            return;
        }
        // Only the frame mounted now: a replaced frame (retry, update) has another window.
        let from_frame = match (ev.source(), m.frame.content_window()) {
            (Some(src), Some(w)) => JsValue::from(src) == JsValue::from(w),
            _ => false,
        };
        if !from_frame {
            return;
        }
        let Some((t, p)) = msg::parse(&ev.data(), &m.channel) else {
            return;
        };
        let (event, arg): (&str, JsValue) = match t.as_str() {
            msg::HELLO => {
                let init = dom::object(&[
                    ("theme", h.theme.clone().into()),
                    ("labels", h.labels.clone().into()),
                    ("fields", h.fields.clone().into()),
                    (
                        "colorScheme",
                        h.color_scheme.map_or(JsValue::UNDEFINED, JsValue::from),
                    ),
                    (
                        "locale",
                        h.locale
                            .as_deref()
                            .map_or(JsValue::UNDEFINED, JsValue::from),
                    ),
                ]);
                h.post(msg::INIT, &init);
                return;
            }
            msg::LOAD_ERROR => {
                let channel = m.channel.clone();
                drop(h);
                load_failed(
                    weak,
                    &channel,
                    "form_unavailable",
                    "The payment form's script could not start",
                );
                return;
            }
            // The loading skeleton's size does not count: the predicted height stays until ready.
            msg::RESIZE if m.load_timer.is_some() => return,
            msg::RESIZE => {
                let Some(px) = p.as_f64().filter(|n| (0.0..=10_000.0).contains(n)) else {
                    return;
                };
                let px = js_sys::Math::ceil(px);
                let v = [dom::uint(px as u32).as_str(), "px"].cat();
                let _ = m.frame.style().set_property("height", &v);
                ("resize", dom::object(&[("height", px.into())]).into())
            }
            msg::READY => {
                m.load_timer = None;
                ("ready", JsValue::UNDEFINED)
            }
            msg::CHANGE => ("change", p),
            msg::FOCUS => ("focus", p),
            msg::BLUR => ("blur", p),
            msg::ESCAPE => ("escape", JsValue::UNDEFINED),
            msg::SUCCESS => ("success", p),
            msg::FAILURE => ("failure", p),
            msg::EXPIRED => ("expired", JsValue::UNDEFINED),
            _ => return,
        };
        (h.handlers_of(event), arg)
    };
    for f in handlers {
        dom::call(&Some(f), &arg);
    }
}
