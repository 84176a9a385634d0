/* Maven hosted card form (/widget/v1/form.js): starts the `maven-widget` wasm module built with
 * feature "form" on form.html. Same-origin only, under the form page's strict CSP.
 * This file is the form's thin shell: it wires the page's events, size changes, timers and the
 * two HTTP requests to the module's exports; every decision is made in Rust. (Closures handed
 * from Rust to JS cost ~2 KB gzip of wasm-bindgen machinery; these few lines cost ~0.3 KB.) */
(function () {
  "use strict";
  var WASM = "/widget/v1/__WASM__";

  /*__GLUE__*/

  var w = wasm_bindgen;
  w(WASM).then(function () {
    var main = document.getElementById("mv");
    w.startForm();
    ["input", "focusin", "focusout", "submit", "click", "keydown"].forEach(function (k) {
      main.addEventListener(k, w.onEvent);
    });
    if (parent !== window) addEventListener("message", w.onMessage);
    new ResizeObserver(function () { w.onResize(); }).observe(main);
  }, broken);

  // Property access for the module (dom.rs): undefined where a read would throw.
  function mvGet(o, k) { try { return o == null ? undefined : o[k]; } catch (e) {} }
  function mvSet(o, k, v) { o[k] = v; }
  function mvCall(o, m, a, b) { return o[m](a, b); }
  // Imported by the module (net.rs, form/mod.rs).
  function mvToday() { var d = new Date(); return d.getFullYear() * 12 + d.getMonth(); }
  function mvAfter(ms, timer) {
    setTimeout(function () { w.onTimer(timer); }, ms);
  }
  // GET (or a JSON POST of `body` with the page's form token) to our own origin, in the page's
  // language (the charge's `screen` is worded in it); the answer's status and JSON body (null
  // when not JSON) go to onReply, status 0 when there was none.
  function mvFetch(url, body, purpose) {
    var h = { accept: "application/json", "accept-language": document.documentElement.lang },
      init = { headers: h }, t;
    if (body != null) {
      init.method = "POST";
      init.body = body;
      h["content-type"] = "application/json";
      t = document.querySelector("meta[name=maven-form-token]");
      if (t) h["maven-form-token"] = t.content;
    }
    fetch(url, init).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (j) {
        w.onReply(purpose, r.status, j);
      });
    }, function () { w.onReply(purpose, 0, null); });
  }

  // Without the wasm nothing else can tell the host page: report it here, on the same channel
  // and only to the origin the host named (never "*").
  function broken() {
    document.documentElement.setAttribute("data-state", "broken");
    var m = /^#ch=([\w-]+)&o=([^&]+)$/.exec(location.hash), o;
    try { o = m && decodeURIComponent(m[2]); if (o && new URL(o).origin !== o) o = null; } catch (e) { o = null; }
    if (o && parent !== window) {
      parent.postMessage({ mv: 1, ch: m[1], t: "loaderror", p: null }, o);
    }
  }
})();
