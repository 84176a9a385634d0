//! Merchant-page mode: `Maven.createPayment(options)` and its controller. The controller owns
//! one iframe per mount, a per-mount channel id and the `message` listener; every wrong use
//! throws a `MavenError` that says what to do instead.

use crate::custom::{self, Kind};
use crate::dom::Cat as _;
use crate::dom::{self, get, is_plain_object, Listener};
use crate::protocol as msg;
use js_sys::{Function, Object};
use std::cell::RefCell;
use std::rc::{Rc, Weak};
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
    "theme",
    "labels",
    "fields",
];

/// The iframe's box; the height is the loading skeleton's until the form reports its own.
const FRAME_STYLE: &str = "display:block;width:100%;min-width:0;height:246px;border:0;margin:0;\
padding:0;overflow:hidden;background:transparent;color-scheme:normal";

thread_local! {
    /// Mounted forms. Keeps each host alive while its iframe is in the page even if the
    /// merchant drops every reference to the controller, and finds slots mounted twice.
    static MOUNTED: RefCell<Vec<Rc<RefCell<Host>>>> = const { RefCell::new(Vec::new()) };
}

#[derive(Default)]
struct Callbacks {
    ready: Option<Function>,
    success: Option<Function>,
    failure: Option<Function>,
    change: Option<Function>,
    expired: Option<Function>,
}

struct Host {
    session_id: String,
    /// The widget origin (scheme://host[:port]): iframe source and the only accepted sender.
    origin: String,
    callbacks: Callbacks,
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
                        &OPTION_KEYS.join(", "),
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
    let callbacks = Callbacks {
        ready: callback(&opts, "onReady")?,
        success: callback(&opts, "onSuccess")?,
        failure: callback(&opts, "onFailure")?,
        change: callback(&opts, "onChange")?,
        expired: callback(&opts, "onExpired")?,
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
            callbacks,
            theme,
            labels,
            fields,
            mount: None,
        })),
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
        let doc = dom::document();
        let frame: HtmlIFrameElement = doc.create_element("iframe")?.unchecked_into();
        let channel = dom::random_id();
        let src = {
            let h = self.host.borrow();
            let o = String::from(js_sys::encode_uri_component(&page_origin));
            [
                &h.origin,
                "/widget/",
                &h.session_id,
                "#ch=",
                &channel,
                "&o=",
                &o,
            ]
            .cat()
        };
        frame.set_src(&src);
        frame.set_title("Secure payment form");
        frame.set_attribute("allow", "payment")?;
        // Sizes through CSSOM (not a style attribute a merchant CSP would have to allow).
        frame.style().set_css_text(FRAME_STYLE);
        let weak = Rc::downgrade(&self.host);
        let listener = Listener::new(&dom::window(), "message", move |ev| {
            if let Ok(ev) = ev.dyn_into::<MessageEvent>() {
                on_message(&weak, &ev);
            }
        });
        slot.append_child(&frame)?;
        self.host.borrow_mut().mount = Some(Mount {
            slot,
            frame,
            channel,
            _listener: listener,
        });
        MOUNTED.with(|m| m.borrow_mut().push(self.host.clone()));
        Ok(Controller {
            host: self.host.clone(),
        })
    }

    #[wasm_bindgen(js_name = updateTheme)]
    pub fn update_theme(&self, partial: JsValue) -> Result<(), JsValue> {
        self.update(Kind::Theme, &partial, msg::UPDATE_THEME, "updateTheme")
    }

    #[wasm_bindgen(js_name = updateLabels)]
    pub fn update_labels(&self, partial: JsValue) -> Result<(), JsValue> {
        self.update(Kind::Labels, &partial, msg::UPDATE_LABELS, "updateLabels")
    }

    #[wasm_bindgen(js_name = updateFields)]
    pub fn update_fields(&self, partial: JsValue) -> Result<(), JsValue> {
        self.update(Kind::Fields, &partial, msg::UPDATE_FIELDS, "updateFields")
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
    fn update(&self, kind: Kind, partial: &JsValue, t: &str, method: &str) -> Result<(), JsValue> {
        custom::check(kind, partial).map_err(|e| fail(&[method, ": ", &e].cat()))?;
        let mut h = self.host.borrow_mut();
        let slot = match kind {
            Kind::Theme => &mut h.theme,
            Kind::Labels => &mut h.labels,
            Kind::Fields => &mut h.fields,
        };
        *slot = dom::merged(slot, partial);
        h.post(t, partial);
        Ok(())
    }
}

impl Host {
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
    // Pick the callback while borrowed, call it after: merchant code may call destroy().
    let (f, arg) = {
        let h = host.borrow();
        let Some(m) = &h.mount else { return };
        if ev.origin() != h.origin {
            return;
        }
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
        let cb = &h.callbacks;
        match t.as_str() {
            msg::HELLO => {
                let init = dom::object(&[
                    ("theme", h.theme.clone().into()),
                    ("labels", h.labels.clone().into()),
                    ("fields", h.fields.clone().into()),
                ]);
                h.post(msg::INIT, &init);
                return;
            }
            msg::RESIZE => {
                if let Some(px) = p.as_f64().filter(|n| (0.0..=10_000.0).contains(n)) {
                    let v = [dom::uint(px.ceil() as u32).as_str(), "px"].cat();
                    let _ = m.frame.style().set_property("height", &v);
                }
                return;
            }
            msg::READY => (cb.ready.clone(), JsValue::UNDEFINED),
            msg::CHANGE => (cb.change.clone(), p),
            msg::SUCCESS => (cb.success.clone(), p),
            msg::FAILURE => (cb.failure.clone(), p),
            msg::EXPIRED => (cb.expired.clone(), JsValue::UNDEFINED),
            _ => return,
        }
    };
    dom::call(&f, &arg);
}
