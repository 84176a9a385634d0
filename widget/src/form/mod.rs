//! Form mode: the hosted card form inside the iframe (`/widget/{session_id}`). The markup and
//! styles are static files (form.html, form.css); this module fills them from the public session
//! view, formats and checks input live, submits the charge, and reports to the host page.

mod check;
mod events;
mod input;
mod net;
mod outcome;
mod view;

use crate::custom::{self, Kind};
use crate::dom::Cat as _;
use crate::dom::{self, get, get_f64, get_str, object, Listener};
use crate::protocol as msg;
use check::{FIELDS, IDS, NAME, NUMBER, POSTAL};
use js_sys::Object;
use maven_core::card::{self, Brand, FieldMode, YearMonth};
use std::cell::RefCell;
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

impl Els {
    fn find() -> Els {
        let el = dom::el::<HtmlElement>;
        Els {
            root: dom::document()
                .document_element()
                .expect_throw("Maven: no document element")
                .unchecked_into(),
            main: el("mv"),
            title: el("title"),
            badge: el("badge"),
            desc: el("desc"),
            inputs: IDS.map(dom::el::<HtmlInputElement>),
            errors: IDS.map(|id| el(&[id, "-error"].cat())),
            labels: IDS.map(|id| el(&[id, "-label"].cat())),
            rows: [el("name-field"), el("postal-field")],
            opts: [el("name-opt"), el("postal-opt")],
            brand: el("brand"),
            submit: dom::el("submit"),
            submit_label: el("submit-label"),
            result: el("result"),
            result_title: el("result-title"),
            result_text: el("result-text"),
            retry: dom::el("retry"),
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

/// What the public session view said.
pub struct Session {
    amount: f64,
    currency: String,
    tokenize: bool,
    test: bool,
    description: Option<String>,
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
    shown: check::Problems,
    last_change: String,
    /// Where "Try again" puts the focus (the field a decline points at).
    retry_focus: usize,
    expired_sent: bool,
    /// Element to focus once the app is no longer borrowed (focus fires blur handlers).
    focus: Option<HtmlElement>,
    _listeners: Vec<Listener>,
}

thread_local! {
    static APP: RefCell<Option<App>> = const { RefCell::new(None) };
}

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
        let _ = el.focus();
    }
}

pub fn start() {
    let els = Els::find();
    let w = dom::window();
    let loc = w.location();
    let path = loc.pathname().unwrap_or_default();
    let session_id = path
        .strip_prefix("/widget/")
        .unwrap_or("")
        .trim_end_matches('/')
        .to_string();
    let link = host_link(&w, &loc.hash().unwrap_or_default());
    let listeners = events::bind(&els, link.is_some());
    let app = App {
        els,
        session_id,
        link,
        session: None,
        over: [Object::new(), Object::new(), Object::new()],
        state: State::Loading,
        prev: Default::default(),
        shown: Default::default(),
        last_change: String::new(),
        retry_focus: NUMBER,
        expired_sent: false,
        focus: None,
        _listeners: listeners,
    };
    app.post(msg::HELLO, &JsValue::UNDEFINED);
    APP.with(|cell| *cell.borrow_mut() = Some(app));
    events::observe_size();
    with(&mut |app| app.load());
}

/// `#ch=<channel>&o=<host origin>` when framed; refused when the browser's record of the
/// embedding origin (`location.ancestorOrigins`) says otherwise.
fn host_link(w: &Window, hash: &str) -> Option<Link> {
    let parent = w.parent().ok().flatten()?;
    if JsValue::from(&parent) == JsValue::from(w) {
        return None;
    }
    let mut channel = None;
    let mut origin = None;
    for pair in hash.trim_start_matches('#').split('&') {
        match pair.split_once('=') {
            Some(("ch", v)) => channel = Some(v.to_string()),
            Some(("o", v)) => origin = js_sys::decode_uri_component(v).ok().map(String::from),
            _ => {}
        }
    }
    let (channel, origin) = (channel?, origin?);
    let ancestors = get(&w.location(), "ancestorOrigins");
    if let Some(first) = js_sys::Reflect::get(&ancestors, &JsValue::from_f64(0.0))
        .ok()
        .and_then(|v| v.as_string())
    {
        if first != origin {
            return None;
        }
    }
    Some(Link {
        origin,
        channel,
        parent,
    })
}

impl App {
    pub fn post(&self, kind: &str, payload: &JsValue) {
        if let Some(l) = &self.link {
            let _ = l
                .parent
                .post_message(&msg::message(&l.channel, kind, payload), &l.origin);
        }
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
            i.set_read_only(lock);
        }
        self.els.submit.set_disabled(lock);
    }

    /// Speaks `text` through the polite live region (re-announces a repeated message).
    fn announce(&self, text: &str) {
        let live = &self.els.live;
        let same = live.text_content().as_deref() == Some(text);
        live.set_text_content(Some(&if same {
            [text, "\u{a0}"].cat()
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

    fn label(&self, key: &str, fallback: &str) -> String {
        view::label(&self.part(Kind::Labels), key, fallback)
    }

    fn values(&self) -> check::Values {
        let v = |i: usize| self.els.inputs[i].value();
        check::Values {
            number: v(0),
            exp: v(1),
            cvc: v(2),
            name: v(3),
            postal: v(4),
        }
    }

    fn problems(&self) -> check::Problems {
        let d = js_sys::Date::new_0();
        let today = YearMonth {
            year: d.get_full_year(),
            month: d.get_month() + 1,
        };
        check::check(&self.values(), today, self.modes())
    }

    fn brand(&self) -> Brand {
        card::detect_brand(&self.prev[0])
    }

    /// Everything the customization decides, re-applied after load and after each update.
    fn render(&mut self) {
        let Some(s) = &self.session else { return };
        let amount = view::money(s.amount, &s.currency);
        let (tokenize, test) = (s.tokenize, s.test);
        let description = s.description.clone();
        view::apply_theme(&self.els.root, &self.part(Kind::Theme));
        let labels = self.part(Kind::Labels);
        let e = &self.els;
        let title = view::label(&labels, "title", "Payment details");
        e.title.set_text_content(Some(&title));
        e.title.set_hidden(title.is_empty());
        e.badge.set_hidden(!test);
        e.desc.set_text_content(description.as_deref());
        e.desc.set_hidden(description.is_none());
        for (i, (key, fallback)) in [
            ("card_number", "Card number"),
            ("expiry", "Expiry"),
            ("cvc", "CVC"),
            ("cardholder_name", "Name on card"),
            ("postal_code", "Postal code"),
        ]
        .into_iter()
        .enumerate()
        {
            e.labels[i].set_text_content(Some(&view::label(&labels, key, fallback)));
        }
        e.submit_label
            .set_text_content(Some(&view::pay_label(&labels, &amount, tokenize)));
        e.retry
            .set_text_content(Some(&view::label(&labels, "try_again", "Try again")));
        let (name, postal) = self.modes();
        view::apply_field(&e.rows[0], &e.inputs[NAME], &e.opts[0], name);
        view::apply_field(&e.rows[1], &e.inputs[POSTAL], &e.opts[1], postal);
        // A field the project now hides cannot keep showing an error.
        if name == FieldMode::Hidden {
            self.shown[NAME] = None;
        }
        if postal == FieldMode::Hidden {
            self.shown[POSTAL] = None;
        }
        self.render_errors();
    }

    fn render_errors(&self) {
        for i in 0..FIELDS {
            let shown = self.shown[i].as_deref();
            self.els.errors[i].set_text_content(Some(shown.unwrap_or("")));
            let input = &self.els.inputs[i];
            let _ = input.set_attribute(
                "aria-invalid",
                if shown.is_some() { "true" } else { "false" },
            );
        }
    }

    /// `onChange` state `{complete, empty, brand, error}`, posted when it differs from the last.
    fn post_change(&mut self, problems: &check::Problems) {
        let complete = problems.iter().all(Option::is_none);
        let empty = self.els.inputs[..3].iter().all(|i| i.value().is_empty());
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
        if sig == self.last_change {
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

    /// Applies an `init` / `update-*` message from the host.
    fn apply_override(&mut self, kind: Kind, partial: &JsValue, replace: bool) {
        let clean = custom::sanitized(kind, partial);
        let i = kind as usize;
        self.over[i] = if replace {
            clean
        } else {
            dom::merged(&self.over[i], &clean)
        };
        if self.session.is_some() {
            self.render();
            let p = self.problems();
            self.post_change(&p);
        }
    }

    fn session_from(view: &JsValue) -> Session {
        let s = |k: &str| get_str(view, k);
        let sanitize = |kind: Kind| custom::sanitized(kind, &get(view, kind.option()));
        Session {
            amount: get_f64(view, "amount_cents").unwrap_or(0.0),
            currency: s("currency").unwrap_or_else(|| "usd".into()),
            tokenize: s("mode").as_deref() == Some("tokenize"),
            test: s("environment").as_deref() != Some("live"),
            description: s("description").filter(|d| !d.trim().is_empty()),
            expires_ms: s("expires_at")
                .map(|t| js_sys::Date::parse(&t))
                .filter(|t| t.is_finite())
                .unwrap_or(f64::INFINITY),
            parts: [
                sanitize(Kind::Theme),
                sanitize(Kind::Labels),
                sanitize(Kind::Fields),
            ],
        }
    }
}
