//! The controller's iframe: creating it, its load timer, and the messages of the form in it.

use super::*;

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
    let shown = |key: &str, default: bool| {
        let v = get(fields, key);
        if v.is_undefined() {
            default
        } else {
            !is(&v, "hidden")
        }
    };
    let rows = u32::from(shown("cardholder_name", true)) + u32::from(shown("postal_code", false));
    let narrow = if width > 0.0 && width <= 250.0 { 97 } else { 0 };
    278 + narrow + rows * 73 + if rows == 2 { 5 } else { 0 } + if dark { DARK_INSET } else { 0 }
}

/// The iframe's accessible name until the form says its own: the form page's `<title>`, which
/// the edge writes in the page's language (core/src/l10n.json), comes with `hello`.
const TITLE: &str = "Secure payment form";

/// `a + b` for JS strings (and numbers, which become their decimal text).
fn cat(a: &JsValue, b: &JsValue) -> JsValue {
    js_call(&"".into(), "concat", a, b).unwrap_or(JsValue::UNDEFINED)
}

/// `a + b + c`.
fn cat3(a: &JsValue, b: &str, c: &JsValue) -> JsValue {
    cat(&cat(a, &b.into()), c)
}

fn set_str(o: &JsValue, key: &str, value: &JsValue) {
    set(o.unchecked_ref(), key, value);
}

/// `n` + "px".
fn px(n: u32) -> JsValue {
    cat(&f64::from(n).into(), &"px".into())
}

/// Creates the iframe in `slot` with a fresh channel and arms its load timer. No borrow of
/// `HOSTS` is held while the page's DOM runs (its event handlers may call the controller).
pub(super) fn mount_in(h: u32, slot: JsValue) {
    let win = global("");
    let encode = |s: &JsValue| call1(&win, "encodeURIComponent", s).unwrap_or_default();
    let channel = call0(&get(&win, "crypto"), "randomUUID").unwrap_or_default();
    let generation = GENERATION.fetch_add(1, core::sync::atomic::Ordering::Relaxed) + 1;
    let page = encode(&get(&global("location"), "origin"));
    let Some((src, ms, scheme, fields)) = with_host(h, |host| {
        let mut src = cat3(&host.origin, "/widget/", &host.session_id);
        // The mount's locale goes in the query: the edge renders the page's texts in it.
        if !host.locale.is_undefined() {
            src = cat3(&src, "?l=", &encode(&host.locale));
        }
        let src = cat3(&cat3(&src, "#ch=", &channel), "&o=", &page);
        let fields = host.parts[Kind::Fields as usize].clone();
        (src, host.load_timeout_ms, host.color_scheme, fields)
    }) else {
        return;
    };
    let Ok(frame) = call1(&get(&win, "document"), "createElement", &"iframe".into()) else {
        return;
    };
    set_str(&frame, "src", &src);
    set_str(&frame, "title", &TITLE.into());
    let _ = js_call(&frame, "setAttribute", &"allow".into(), &"payment".into());
    // Sizes through CSSOM (not a style attribute a merchant CSP would have to allow). The
    // height is the form's own at rest, reserved so nothing moves when it arrives.
    let style = get(&frame, "style");
    set_str(&style, "cssText", &FRAME_STYLE.into());
    let _ = call1(&slot, "appendChild", &frame);
    // The session's own scheme is not known here: only this mount's option counts.
    let dark = match scheme {
        Some("dark") => true,
        Some("auto") => call1(&win, "matchMedia", &"(prefers-color-scheme: dark)".into())
            .is_ok_and(|m| get(&m, "matches").is_truthy()),
        _ => false,
    };
    let width = call0(&frame, "getBoundingClientRect")
        .map_or(0.0, |r| get(&r, "width").as_f64().unwrap_or(0.0));
    set_str(
        &style,
        "height",
        &px(predicted_height(width, &fields, dark)),
    );
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

/// Replaces the mounted frame by a new one in the same slot.
pub(super) fn remount(h: u32, method: &str) -> Result<(), JsValue> {
    let Some(Some(old)) = with_host(h, |host| host.mount.take()) else {
        let m = ": the payment form is not mounted";
        return Err(maven_error(method, &JsValue::UNDEFINED, m));
    };
    // The new frame goes where the old one was; the old one's messages and timer stop counting.
    let _ = call0(&old.frame, "remove");
    mount_in(h, old.slot);
    Ok(())
}

/// The load timer of host `h`'s frame number `generation` went off.
pub(super) fn tick(h: u32, generation: u32) {
    let ms = with_host(h, |host| match &host.mount {
        Some(m) if m.generation == generation && m.loading => Some(host.load_timeout_ms),
        _ => None,
    });
    if let Some(Some(ms)) = ms {
        let text = "The payment form did not load within ".into();
        let text = cat(&cat(&text, &f64::from(ms as u32).into()), &" ms".into());
        load_failed(h, "load_timeout", &text);
    }
}

/// Reports `loaderror` once for the frame host `h` has mounted.
fn load_failed(h: u32, code: &str, message: &JsValue) {
    let handlers = with_host(h, |host| {
        let m = host.mount.as_mut().filter(|m| !m.failed)?;
        m.failed = true;
        m.loading = false;
        Some(host.handlers_of(LOADERROR))
    });
    let arg = dom::object(&[
        ("error_code", code.into()),
        ("error_message", message.clone()),
    ]);
    run(&handlers.flatten().unwrap_or_default(), &arg.into());
}

/// Calls merchant handlers. An exception thrown by the merchant's code is reported like an
/// uncaught error (`reportError`) instead of unwinding through the controller.
fn run(handlers: &JsValue, arg: &JsValue) {
    if handlers.is_undefined() {
        return;
    }
    for f in handlers.unchecked_ref::<js_sys::Array>().iter() {
        if let Err(e) = js_call(&f, "call", &JsValue::UNDEFINED, arg) {
            let _ = call1(&global(""), "reportError", &e);
        }
    }
}

impl Host {
    /// A copy of the event's handlers (undefined when none): handlers may call `off`.
    fn handlers_of(&self, event: u8) -> JsValue {
        let list = self.handlers.get(usize::from(event));
        list.and_then(|l| call0(l, "slice").ok())
            .unwrap_or_default()
    }

    /// Posts `{mv: 1, ch, t, p}` to the mounted form (protocol.rs), to the widget origin only.
    pub(super) fn post(&self, kind: &str, payload: &JsValue) {
        if let Some(m) = &self.mount {
            let message = dom::object(&[
                ("mv", 1.0.into()),
                ("ch", m.channel.clone()),
                ("t", kind.into()),
                ("p", payload.clone()),
            ]);
            let w = get(&m.frame, "contentWindow");
            let _ = js_call(&w, "postMessage", &message.into(), &self.origin);
        }
    }
}

/// A `message` event of the page: handled when it comes from a mounted frame, from the widget
/// origin, on that frame's channel; anything else is ignored.
pub(super) fn message(data: &JsValue, origin: &JsValue, source: &JsValue) {
    // Pick the host and handlers while borrowed, call them after: merchant code may destroy().
    let found = hosts(|hs| {
        hs.iter_mut().enumerate().find_map(|(i, slot)| {
            let host = slot.as_mut()?;
            let m = host.mount.as_mut()?;
            // Only the frame mounted now: a replaced frame (retry, update) has another window.
            if m.failed || source.is_null() || get(&m.frame, "contentWindow") != *source {
                return None;
            }
            Some((i as u32, dispatch(host, data, origin)))
        })
    });
    match found {
        Some((h, Step::Failed)) => {
            let m = "The payment form's script could not start";
            load_failed(h, "form_unavailable", &m.into())
        }
        Some((_, Step::Call(handlers, arg))) => run(&handlers, &arg),
        _ => {}
    }
}

enum Step {
    Nothing,
    Failed,
    Call(JsValue, JsValue),
}

/// What one message from host's mounted frame means.
fn dispatch(host: &mut Host, data: &JsValue, origin: &JsValue) -> Step {
    let Some(m) = host.mount.as_mut() else {
        return Step::Nothing;
    };
    // protocol.rs: {mv: 1, ch, t, p} on this frame's channel.
    if *origin != host.origin
        || get(data, "mv").as_f64() != Some(1.0)
        || get(data, "ch") != m.channel
    {
        return Step::Nothing;
    }
    let (t, p) = (get(data, "t"), get(data, "p"));
    if is(&t, msg::HELLO) {
        // The form's title in its language: the iframe's accessible name from now on.
        if p.dyn_ref::<js_sys::JsString>()
            .is_some_and(|t| t.length() <= 120)
        {
            set_str(&m.frame, "title", &p);
        }
        let init = dom::object(&[
            ("theme", host.parts[0].clone()),
            ("labels", host.parts[1].clone()),
            ("fields", host.parts[2].clone()),
            (
                "colorScheme",
                host.color_scheme.map_or(JsValue::UNDEFINED, JsValue::from),
            ),
        ]);
        host.post(msg::INIT, &init.into());
        return Step::Nothing;
    }
    // The other types are the events' names (protocol.rs); `loaderror` is the form page's
    // script failing, reported as the host's own `loaderror`.
    let Some(event) = EVENTS.iter().position(|e| is(&t, e)).map(|e| e as u8) else {
        return Step::Nothing;
    };
    let arg = match event {
        LOADERROR => return Step::Failed,
        RESIZE => {
            // The loading skeleton's size does not count: the predicted height stays until
            // ready.
            let Some(h) = p
                .as_f64()
                .filter(|n| !m.loading && (0.0..=10_000.0).contains(n))
            else {
                return Step::Nothing;
            };
            // Rounded up to whole pixels (the form's height may be fractional).
            let whole = h as u32 + u32::from((h as u32 as f64) < h);
            set_str(&get(&m.frame, "style"), "height", &px(whole));
            dom::object(&[("height", f64::from(whole).into())]).into()
        }
        // ready, escape and expired carry nothing.
        READY | ESCAPE | EXPIRED => {
            m.loading &= event != READY;
            JsValue::UNDEFINED
        }
        _ => p,
    };
    Step::Call(host.handlers_of(event), arg)
}
