//! Form mode: the hosted card form inside the iframe (`/widget/{session_id}`). The markup and
//! styles are static files (form.html, form.css); this module fills them from the public session
//! view, formats and checks input live, submits the charge, and reports to the host page.

#[allow(unused_imports)]
use crate::prelude::*;
mod check;
mod events;
mod i18n;
mod input;
mod net;
mod outcome;
mod view;

use crate::custom::Kind;
use crate::dom::Cat as _;
use crate::dom::{self, get, object};
use crate::protocol as msg;
use alloc::borrow::Cow;
use check::{FIELDS, IDS, NUMBER};
use core::cell::RefCell;
use js_sys::Object;
use maven_core::card::{self, Brand, FieldMode, YearMonth};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlButtonElement, HtmlElement, HtmlInputElement, Window};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum State {
    Loading,
    Ready,
    Submitting,
    Success,
    Failure,
    Expired,
    Paid,
    Invalid,
    Error,
    Processing,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            State::Loading => "loading",
            State::Ready => "ready",
            State::Submitting => "submitting",
            State::Success => "success",
            State::Failure => "failure",
            State::Expired => "expired",
            State::Paid => "paid",
            State::Invalid => "invalid",
            State::Error => "error",
            State::Processing => "processing",
        }
    }
}

/// The elements of form.html the app drives.
pub struct Els {
    root: HtmlElement,
    main: HtmlElement,
    title: HtmlElement,
    badge: HtmlElement,
    desc: HtmlElement,
    inputs: [HtmlInputElement; FIELDS],
    errors: [HtmlElement; FIELDS],
    labels: [HtmlElement; FIELDS],
    rows: [HtmlElement; 2],
    opts: [HtmlElement; 2],
    brand: HtmlElement,
    submit: HtmlButtonElement,
    submit_label: HtmlElement,
    result: HtmlElement,
    result_title: HtmlElement,
    result_text: HtmlElement,
    retry: HtmlButtonElement,
    live: HtmlElement,
}

/// An element of form.html by id: one non-generic copy (each call site of a generic, inlined
/// lookup was its own code), cast unchecked (the page is ours).
#[inline(never)]
fn by_id(doc: &web_sys::Document, id: &str) -> JsValue {
    let el = dom::call1(doc, "getElementById", &id.into());
    if !el.is_object() {
        // form.html is ours: a missing element is a build error, and a trap needs no import.
        crate::trap();
    }
    el
}

impl Els {
    fn find() -> Els {
        let doc = dom::document();
        let el = |id: &str| -> HtmlElement { by_id(&doc, id).unchecked_into() };
        Els {
            root: get(&doc, "documentElement").unchecked_into(),
            main: el("mv"),
            title: el("title"),
            badge: el("badge"),
            desc: el("desc"),
            inputs: IDS.map(|id| by_id(&doc, id).unchecked_into()),
            errors: check::ERROR_IDS.map(el),
            labels: check::LABEL_IDS.map(el),
            rows: [el("name-field"), el("postal-field")],
            opts: [el("name-opt"), el("postal-opt")],
            brand: el("brand"),
            submit: by_id(&doc, "submit").unchecked_into(),
            submit_label: el("submit-label"),
            result: el("result"),
            result_title: el("result-title"),
            result_text: el("result-text"),
            retry: by_id(&doc, "retry").unchecked_into(),
            live: el("live"),
        }
    }
}

/// The host page we talk to: its origin and the channel id it gave us in the URL fragment.
pub struct Link {
    origin: String,
    channel: String,
    parent: Window,
}

/// What the public session view said (the page's `mv-session` block).
pub struct Session {
    /// The amount as the page's locale writes money ("CHF 1’234.50"), formatted by the edge.
    amount_text: String,
    tokenize: bool,
    test: bool,
    description: Option<String>,
    /// The session's `color_scheme`, when it has one.
    scheme: Option<String>,
    expires_ms: f64,
    /// The project's customization merged with the session's overrides (sanitized).
    parts: [Object; 3],
}

pub struct App {
    els: Els,
    session_id: String,
    link: Option<Link>,
    session: Option<Session>,
    /// Overrides from the host page (`createPayment` options and `update*` calls).
    over: [Object; 3],
    state: State,
    /// Digits of the number and expiry at the last input (to see a deleted separator).
    prev: [String; 2],
    /// Problems currently shown under each field.
    shown: check::Shown,
    last_change: String,
    /// Where "Try again" puts the focus (the field a decline points at).
    retry_focus: usize,
    expired_sent: bool,
    /// `colorScheme` from the host: "light", "dark", "auto" or "" (not given: the session's
    /// `color_scheme`, else light).
    scheme: String,
    /// The page's locale (`<html lang>`), chosen by the edge: the mount's, else the
    /// session's, else English.
    locale: String,
    /// READY goes to the host once, after its `init` is applied.
    ready_sent: bool,
    /// The page's fixed strings in that locale's language.
    strings: i18n::Strings,
    /// Element to focus once the app is no longer borrowed (focus fires blur handlers).
    focus: Option<HtmlElement>,
}

static APP: crate::Single<Option<App>> = crate::Single(RefCell::new(None));

/// Runs `f` on the app unless it is already borrowed (a handler re-entered by a synchronous
/// event); then performs the focus change it asked for, outside the borrow. One non-generic
/// entry point: every handler goes through it without a copy per call site.
pub(crate) fn with(f: &mut dyn FnMut(&mut App)) {
    let focus = APP.with(|cell| {
        let mut guard = cell.try_borrow_mut().ok()?;
        let app = guard.as_mut()?;
        f(app);
        app.focus.take()
    });
    if let Some(el) = focus {
        dom::call0(&el, "focus");
    }
}

/// The page-lifetime timers of the form (form.js's `mvAfter` calls `onTimer` with the number).
#[derive(Clone, Copy)]
pub enum Timer {
    /// The session's expiry time passed.
    Expire = 0,
    /// Poll the session again while another payment is processing.
    Poll = 1,
    /// READY without the host's `init` (a host whose messages we cannot accept still learns
    /// that the frame shows something).
    Ready = 2,
}

#[wasm_bindgen]
extern "C" {
    /// form.js: `setTimeout(() => onTimer(timer), ms)`.
    #[wasm_bindgen(js_name = mvAfter)]
    fn mv_after(ms: f64, timer: u8);
    /// form.js: the local date as `year * 12 + month` (month 0-11), from one `new Date()`.
    #[wasm_bindgen(js_name = mvToday)]
    fn mv_today() -> u32;
}

/// An input's text (a plain property read: one import for every string property).
pub fn value(el: &HtmlInputElement) -> String {
    dom::get_str(el, "value").unwrap_or_default()
}

pub fn after(ms: f64, timer: Timer) {
    mv_after(ms.clamp(0.0, 2_147_483_647.0), timer as u8);
}

// What form.js calls (it wires the listeners, the observer, timers and requests to these, so
// the module needs no closures: docs/widget.md, "Weight").
#[wasm_bindgen(js_name = onEvent)]
pub fn on_event(ev: web_sys::Event) {
    events::on_event(ev);
}

#[wasm_bindgen(js_name = onMessage)]
pub fn on_message(ev: web_sys::Event) {
    events::on_message(ev);
}

#[wasm_bindgen(js_name = onResize)]
pub fn on_resize() {
    events::on_resize();
}

#[wasm_bindgen(js_name = onTimer)]
pub fn on_timer(timer: u8) {
    let t = match timer {
        0 => Timer::Expire,
        1 => Timer::Poll,
        _ => Timer::Ready,
    };
    with(&mut |app| app.on_timer(t));
}

#[wasm_bindgen(js_name = onReply)]
pub fn on_reply(purpose: u8, status: u16, json: JsValue) {
    let p = if purpose == 0 {
        net::Purpose::Session
    } else {
        net::Purpose::Charge
    };
    let mut reply = Some(net::Reply::new(status, json));
    with(&mut |app| {
        if let Some(r) = reply.take() {
            app.on_reply(p, r);
        }
    });
}

pub fn start() {
    let els = Els::find();
    let w = dom::window();
    let link = host_link(
        &w,
        &dom::get_str(&get(&w, "location"), "hash").unwrap_or_default(),
    );
    let app = App {
        els,
        // From the page's session block (`start_from_page`).
        session_id: String::new(),
        link,
        session: None,
        over: [Object::new(), Object::new(), Object::new()],
        state: State::Loading,
        prev: Default::default(),
        shown: Default::default(),
        last_change: String::new(),
        retry_focus: NUMBER,
        expired_sent: false,
        scheme: String::new(),
        locale: "en".into(),
        ready_sent: false,
        strings: i18n::Strings::from_page(),
        focus: None,
    };
    // The page's title, in its language (the edge wrote it): the host's iframe title.
    app.post(msg::HELLO, &get(&dom::document(), "title"));
    // `try_borrow_mut`: `borrow_mut`'s panic message would bring core's formatting along. The
    // app is not borrowed yet at start, so this never fails.
    APP.with(|cell| {
        if let Ok(mut slot) = cell.try_borrow_mut() {
            *slot = Some(app);
        }
    });
    // The session as the edge rendered it into the page: no request before the form shows.
    let page = page_json("mv-session").unwrap_or(JsValue::NULL);
    with(&mut |app| app.start_from_page(&page));
    after(1000.0, Timer::Ready);
}

/// The parsed JSON data block `<script type="application/json" id=…>` of the page; `None`
/// when it is missing or not JSON. Its text goes to `JSON.parse` as the JS string it is.
pub fn page_json(id: &str) -> Option<JsValue> {
    let block = dom::call1(&dom::document(), "getElementById", &id.into());
    let text = get(&block, "textContent");
    dom::js_call(&dom::global("JSON"), "parse", &text, &JsValue::UNDEFINED).ok()
}

/// The value of `key` in a `#k=v&k=v` fragment. A byte loop: `split` / `split_once` with char
/// patterns bring core's string searcher into the wasm for two fields.
fn fragment_value<'a>(hash: &'a str, key: &str) -> Option<&'a str> {
    let mut rest = hash.strip_prefix("#")?;
    loop {
        let end = rest.bytes().position(|b| b == b'&').unwrap_or(rest.len());
        let pair = rest.get(..end)?;
        if let Some(v) = pair.strip_prefix(key).and_then(|p| p.strip_prefix("=")) {
            return Some(v);
        }
        rest = rest.get(end + 1..)?;
    }
}

/// `#ch=<channel>&o=<host origin>` when framed; refused when the browser's record of the
/// embedding origin (`location.ancestorOrigins`) says otherwise.
fn host_link(w: &Window, hash: &str) -> Option<Link> {
    let parent = get(w, "parent");
    let this: &JsValue = w;
    if !parent.is_object() || parent == *this {
        return None;
    }
    let channel = fragment_value(hash, "ch")?.to_string();
    let origin = String::from(js_sys::decode_uri_component(fragment_value(hash, "o")?).ok()?);
    // Only a real http(s) origin: never "*" or anything else that would let the browser hand
    // our messages to whichever page frames us.
    let parsed = web_sys::Url::new(&origin).ok()?;
    let part = |k: &str| dom::get_str(&parsed, k).unwrap_or_default();
    if part("origin") != origin || !part("protocol").starts_with("http") {
        return None;
    }
    // Where the browser records who embeds us (Chromium, Safari), it must agree. Elsewhere the
    // browser itself drops a message whose target origin is not the parent's.
    let ancestors = get(&get(w, "location"), "ancestorOrigins");
    if let Some(first) = dom::get_str(&ancestors, "0") {
        if first != origin {
            return None;
        }
    }
    Some(Link {
        origin,
        channel,
        parent: parent.unchecked_into(),
    })
}

impl App {
    pub fn post(&self, kind: &str, payload: &JsValue) {
        if let Some(l) = &self.link {
            let m = msg::message(&l.channel, kind, payload);
            let _ = dom::js_call(&l.parent, "postMessage", &m, &l.origin.as_str().into());
        }
    }

    /// Tells the host the frame shows something final (form or message), once: after its
    /// `init` is applied (no flash of the project's look before the mount's options), else
    /// after a second.
    pub(super) fn post_ready(&mut self) {
        if !self.ready_sent {
            self.ready_sent = true;
            self.post(msg::READY, &JsValue::UNDEFINED);
            // The host ignores sizes reported before READY (the skeleton's): report this one.
            self.post_size();
        }
    }

    /// The form's height, for the host to size the iframe.
    pub(super) fn post_size(&self) {
        let rect = dom::call0(&self.els.main, "getBoundingClientRect");
        let h = dom::get_f64(&rect, "height").unwrap_or(0.0);
        // Rounded up (a height is never negative): no `Math.ceil` import for this one use.
        let whole = h as u32 as f64;
        let h = if whole < h { whole + 1.0 } else { whole };
        self.post(msg::RESIZE, &JsValue::from_f64(h));
    }

    fn set_state(&mut self, s: State) {
        self.state = s;
        let _ = self.els.root.set_attribute("data-state", s.as_str());
        let busy = matches!(s, State::Loading | State::Submitting | State::Processing);
        let _ = self
            .els
            .main
            .set_attribute("aria-busy", if busy { "true" } else { "false" });
        let lock = s == State::Submitting;
        for i in &self.els.inputs {
            dom::set(i, "readOnly", &lock.into());
        }
        dom::set(&self.els.submit, "disabled", &lock.into());
    }

    /// `en` in the form's language (or as it is: see `i18n`).
    fn t<'a>(&self, en: &'a str) -> Cow<'a, str> {
        self.strings.tr(en)
    }

    /// Speaks `text` through the polite live region (re-announces a repeated message).
    fn announce(&self, text: &str) {
        let text = self.t(text);
        let live = &self.els.live;
        let same = dom::get_str(live, "textContent").as_deref() == Some(&*text);
        live.set_text_content(Some(&if same {
            [&*text, "\u{a0}"].cat()
        } else {
            text.to_string()
        }));
    }

    fn part(&self, kind: Kind) -> Object {
        let i = kind as usize;
        let base = self
            .session
            .as_ref()
            .map(|s| JsValue::from(&s.parts[i]))
            .unwrap_or(JsValue::UNDEFINED);
        dom::merged(&base, &self.over[i])
    }

    fn modes(&self) -> (FieldMode, FieldMode) {
        let f = self.part(Kind::Fields);
        (
            view::field_mode(&f, "cardholder_name"),
            view::field_mode(&f, "postal_code"),
        )
    }

    /// A label: the session block's (in the page's language) or the host page's, as written.
    fn label(&self, key: &str) -> String {
        view::label(&self.part(Kind::Labels), key)
    }

    fn values(&self) -> check::Values {
        let v = |i: usize| value(&self.els.inputs[i]);
        check::Values {
            number: v(0),
            exp: v(1),
            cvc: v(2),
            name: v(3),
            postal: v(4),
        }
    }

    fn problems(&self) -> check::Problems {
        let n = mv_today();
        let today = YearMonth {
            year: n / 12,
            month: n % 12 + 1,
        };
        check::check(&self.values(), today, self.modes())
    }

    fn brand(&self) -> Brand {
        card::detect_brand(&self.prev[0])
    }

    /// `onChange` state `{complete, empty, brand, error}`, posted when it differs from the last,
    /// or on every edit when `edited` (another card of the same brand changes nothing else).
    fn post_change(&mut self, problems: &check::Problems) {
        self.post_change_if(problems, false);
    }

    fn post_change_if(&mut self, problems: &check::Problems, edited: bool) {
        let complete = problems.iter().all(Option::is_none);
        let empty = self.els.inputs[..3].iter().all(|i| value(i).is_empty());
        let brand = self.brand().as_str();
        let first = (0..FIELDS).find_map(|i| self.shown[i].as_deref().map(|m| (IDS[i], m)));
        let sig = [
            if complete { "1" } else { "0" },
            if empty { "1" } else { "0" },
            brand,
            first.map(|f| f.0).unwrap_or(""),
            first.map(|f| f.1).unwrap_or(""),
        ]
        .cat();
        if sig == self.last_change && !edited {
            return;
        }
        self.last_change = sig;
        let error = match first {
            Some((field, message)) => {
                object(&[("field", field.into()), ("message", message.into())]).into()
            }
            None => JsValue::NULL,
        };
        let state = object(&[
            ("complete", complete.into()),
            ("empty", empty.into()),
            ("brand", brand.into()),
            ("error", error),
        ]);
        self.post(msg::CHANGE, &state.into());
    }
}

#[cfg(test)]
mod tests {
    use super::fragment_value;

    #[test]
    fn fragment_values() {
        let h = "#ch=abc-1&o=https%3A%2F%2Fshop.example";
        assert_eq!(fragment_value(h, "ch"), Some("abc-1"));
        assert_eq!(fragment_value(h, "o"), Some("https%3A%2F%2Fshop.example"));
        assert_eq!(fragment_value(h, "c"), None);
        assert_eq!(fragment_value("#och=1", "ch"), None);
        assert_eq!(fragment_value("ch=1", "ch"), None);
        assert_eq!(fragment_value("#", "ch"), None);
        assert_eq!(fragment_value("#ch=", "ch"), Some(""));
    }
}
