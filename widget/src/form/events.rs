//! The form's event handlers: typing/paste/autofill (`input`), leaving a field (`focusout`),
//! submit (Enter or the button), "Try again", host messages, and size reports.

use super::check::{CVC, EXP, FIELDS, IDS, NUMBER};
use super::{input, with, App, State};
use crate::custom::Kind;
use crate::dom::{self, get};
#[allow(unused_imports)]
use crate::prelude::*;
use crate::protocol as msg;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Event, HtmlElement, MessageEvent};

/// The one handler of the events form.js delegates from `<main>` (input, focusin, focusout,
/// submit, click and keydown bubble up to it).
pub fn on_event(ev: Event) {
    let kind = dom::get_str(&ev, "type").unwrap_or_default();
    if kind == "submit" {
        dom::call0(&ev, "preventDefault");
    }
    let id = dom::get_str(&get(&ev, "target"), "id").unwrap_or_default();
    with(&mut |app| match kind.as_str() {
        "submit" => app.submit(),
        "click" if id == "retry" => app.retry(),
        // Chat overlays close on Escape: the host cannot see keys pressed inside the frame.
        "keydown" if dom::get_str(&ev, "key").as_deref() == Some("Escape") => {
            app.post(msg::ESCAPE, &JsValue::UNDEFINED)
        }
        _ => {
            if let Some(i) = IDS.iter().position(|f| *f == id) {
                let field = dom::object(&[("field", IDS[i].into())]).into();
                match kind.as_str() {
                    "input" => app.on_input(i, &ev),
                    "focusin" => app.post(msg::FOCUS, &field),
                    "focusout" => {
                        app.on_leave(i);
                        app.post(msg::BLUR, &field);
                    }
                    _ => {}
                }
            }
        }
    });
}

/// `message` events on the window (form.js listens; only the host page's count).
pub fn on_message(ev: Event) {
    let ev: MessageEvent = ev.unchecked_into();
    with(&mut |app| app.on_message(&ev));
}

/// Reports the form's height to the host whenever it changes (errors appear, state changes),
/// so the iframe never scrolls or clips: form.js's `ResizeObserver` on `<main>` calls it.
pub fn on_resize() {
    with(&mut |app| app.post_size());
}

impl App {
    pub(super) fn on_input(&mut self, i: usize, ev: &Event) {
        // `get`: past it, the compiler knows `i < FIELDS` and drops the indexing panics below.
        let Some(el) = self.els.inputs.get(i).cloned() else {
            return;
        };
        if self.state != State::Ready {
            return;
        }
        let value = super::value(&el);
        // `inputType` ("insertText", "deleteContentBackward", …); absent on some autofills.
        let kind = dom::get_str(ev, "inputType").unwrap_or_default();
        let caret = dom::get_f64(&el, "selectionStart")
            .map(|c| c as u32)
            .unwrap_or(value.len() as u32);
        let edit = match i {
            NUMBER => Some(input::number(&value, caret, &kind, &self.prev[0])),
            EXP => Some(input::expiry(&value, &kind, &self.prev[1])),
            CVC => Some(input::cvc(&value, self.brand().cvc_len())),
            _ => None,
        };
        let mut at_end = true;
        if let Some(e) = edit {
            if e.value != value {
                dom::set(&el, "value", &e.value.as_str().into());
            }
            let el_v: &JsValue = &el;
            if get(&dom::document(), "activeElement") == *el_v {
                let at = JsValue::from_f64(e.caret.into());
                let _ = dom::js_call(&el, "setSelectionRange", &at, &at);
            }
            at_end = e.caret as usize == e.value.len();
            if i < 2 {
                self.prev[i] = e.digits;
            }
        }
        if i == NUMBER {
            let brand = self.brand();
            let _ = self.els.brand.set_attribute("data-brand", brand.as_str());
            let cvc = &self.els.inputs[CVC];
            dom::set(cvc, "maxLength", &(brand.cvc_len() as f64).into());
            let _ = cvc.set_attribute(
                "placeholder",
                if brand.cvc_len() == 4 { "1234" } else { "123" },
            );
        }
        let problems = self.problems();
        // A shown error goes away as soon as the field is right; a full-length number that
        // fails the checks is flagged at once (there is nothing left to type).
        if problems[i].is_none() {
            self.shown[i] = None;
        }
        let full = self.prev[0].len() >= self.brand().lengths().last().copied().unwrap_or(19);
        if i == NUMBER && full {
            self.shown[NUMBER] = problems[NUMBER].map(String::from);
        }
        // A brand change can make a typed CVC too long or too short: re-judge it if shown.
        if i == NUMBER && self.shown[CVC].is_some() {
            self.shown[CVC] = problems[CVC].map(String::from);
        }
        self.render_errors();
        self.post_change_if(&problems, true);
        if at_end && kind.starts_with("insert") && problems[i].is_none() {
            let next = match i {
                NUMBER if self.prev[0].len() >= typical_len(self.brand()) => Some(EXP),
                EXP => Some(CVC),
                _ => None,
            };
            if let Some(n) = next {
                self.focus = Some(HtmlElement::from(self.els.inputs[n].clone()));
            }
        }
    }

    pub(super) fn on_leave(&mut self, i: usize) {
        if self.state != State::Ready || i >= FIELDS {
            return;
        }
        let problems = self.problems();
        if !super::value(&self.els.inputs[i]).is_empty() || self.shown[i].is_some() {
            self.shown[i] = problems[i].map(String::from);
        }
        self.render_errors();
        self.post_change(&problems);
    }

    fn on_message(&mut self, ev: &MessageEvent) {
        let Some(link) = &self.link else { return };
        let parent: &JsValue = &link.parent;
        let from_parent = get(ev, "source") == *parent;
        if !from_parent || dom::get_str(ev, "origin").as_deref() != Some(&*link.origin) {
            return;
        }
        let Some((t, p)) = msg::parse(&get(ev, "data"), &link.channel) else {
            return;
        };
        match t.as_str() {
            msg::INIT => {
                self.scheme = match dom::get_str(&p, "colorScheme").as_deref() {
                    Some(s @ ("light" | "dark" | "auto")) => s.into(),
                    _ => String::new(),
                };
                // `locale` needs nothing here: the host put it in the page's URL, and the
                // edge rendered the page in it.
                for kind in [Kind::Theme, Kind::Labels, Kind::Fields] {
                    self.apply_override(kind, &get(&p, kind.option()), true);
                }
                self.paint();
                self.post_ready();
            }
            msg::UPDATE_THEME => self.apply_override(Kind::Theme, &p, false),
            msg::UPDATE_LABELS => self.apply_override(Kind::Labels, &p, false),
            msg::UPDATE_FIELDS => self.apply_override(Kind::Fields, &p, false),
            msg::DO_FOCUS if self.state == State::Ready => {
                let first = (0..FIELDS)
                    .find(|&i| self.shown[i].is_some())
                    .unwrap_or(NUMBER);
                self.focus = Some(HtmlElement::from(self.els.inputs[first].clone()));
            }
            msg::DO_BLUR => {
                let el = get(&dom::document(), "activeElement");
                if el.is_object() {
                    dom::call0(&el, "blur");
                }
            }
            _ => {}
        }
    }

    /// Marks every problem as shown; focuses and announces the first. True when there was one.
    pub(super) fn reveal_problems(&mut self) -> bool {
        let problems = self.problems();
        self.shown = problems.map(|p| p.map(String::from));
        self.render_errors();
        self.post_change(&problems);
        match (0..FIELDS).find(|&i| problems[i].is_some()) {
            Some(i) => {
                self.focus = Some(HtmlElement::from(self.els.inputs[i].clone()));
                if let Some(m) = problems[i] {
                    self.announce(m);
                }
                true
            }
            None => false,
        }
    }
}

/// The length after which typing moves on to the expiry field.
fn typical_len(brand: maven_core::card::Brand) -> usize {
    use maven_core::card::Brand::*;
    match brand {
        Amex => 15,
        Diners => 14,
        Unknown | Unionpay => 19,
        _ => 16,
    }
}
