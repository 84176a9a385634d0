/* Maven Chat Payments SDK (https://<edge>/widget/v1/widget.js).
 * A classic script: `window.Maven` exists as soon as this file has run. The controller is the
 * export of the `maven-widget` wasm module (feature "host"); this shim only loads that module,
 * queues calls made before it is ready, and says clearly why it could not load. */
(function () {
  "use strict";
  var w = window, d = document;
  if (w.Maven && w.Maven.createPayment) return; // the script was included twice
  var script = d.currentScript; // only readable now, while this script runs
  var ORIGIN = new URL(script && script.src ? script.src : location.href).origin;
  var WASM = ORIGIN + "/widget/v1/__WASM__";
  // The controller's methods, numbered in this order by the wasm's one export, `call`
  // (host/mod.rs MOUNT…UPDATE; then 11 "iframe", 12 free, 13 createPayment, 14 a load timer,
  // 15 a message event).
  var METHODS = ["mount", "updateTheme", "updateLabels", "updateFields", "destroy", "on", "off",
    "focus", "blur", "retry", "update"];

  // Plumbing the wasm imports by name (host.rs): generic calls instead of one typed binding per
  // DOM method. Every check and decision stays in the wasm.
  function mvCall(o, m, a, b) { return o[m](a, b); }
  function mvNew(C, a) { return new C(a); }
  function mvTimer(h, g, ms) { setTimeout(function () { mod.call(h, 14, g); }, ms); }
  function mvError(a, v, b) {
    var e = new Error("Maven: " + a + (v === undefined ? "" : String(v)) + (b || ""));
    e.name = "MavenError";
    return e;
  }
  // Property access for the module (dom.rs): undefined where a read would throw.
  function mvGet(o, k) { try { return o == null ? undefined : o[k]; } catch (e) {} }
  function mvSet(o, k, v) { o[k] = v; }
  function mvGlobal(n) { return n ? w[n] : w; }
  // While a form is mounted, the page has one `message` listener for every controller; the
  // wasm checks origin, frame and channel.
  function onMessage(e) { mod.call(0, 15, e); }
  function mvListen(on) { w[on ? "addEventListener" : "removeEventListener"]("message", onMessage); }

  /*__GLUE__*/

  var mod = null, failure = null, pending = [], blocked = "";
  function onViolation(e) {
    if (e.blockedURI === "wasm-eval" || e.blockedURI === WASM) blocked = e.effectiveDirective || e.violatedDirective || "";
  }
  d.addEventListener("securitypolicyviolation", onViolation);

  function explain(e) {
    var m = String((e && e.message) || e);
    return mvError((/^connect-src|^default-src/.test(blocked) && blocked.indexOf("wasm") < 0
      ? "the page's Content-Security-Policy blocks " + WASM + ": add " + ORIGIN + " to connect-src"
      : /^script-src/.test(blocked) || /unsafe-eval|Content Security Policy/i.test(m)
        ? "the page's Content-Security-Policy blocks WebAssembly: add 'wasm-unsafe-eval' to script-src"
        : "could not load " + WASM + " (" + m + ")"));
  }

  // An unmounted controller's state is freed in the wasm once the page drops the controller.
  var gc = w.FinalizationRegistry && new FinalizationRegistry(function (h) { mod.call(h, 12); });

  // The object createPayment returns: each method forwards to the wasm's `call` with its
  // number. Made before the module is ready, it records calls and replays them in order.
  function Controller(options, h) {
    this._o = options; this._q = []; this._h = h;
    if (h !== undefined && gc) gc.register(this, h);
  }
  METHODS.forEach(function (name, op) {
    Controller.prototype[name] = function (a, b) {
      // Every method but destroy returns the controller, for chains.
      if (this._h !== undefined) mod.call(this._h, op, a, b);
      else if (failure) throw failure;
      else this._q.push([name, arguments]);
      return name === "destroy" ? undefined : this;
    };
  });
  Object.defineProperty(Controller.prototype, "iframe", {
    get: function () { return this._h === undefined ? null : mod.call(this._h, 11); }
  });

  function start(p) {
    try {
      if (failure) throw failure;
      p._h = mod.call(0, 13, p._o, ORIGIN);
      if (gc) gc.register(p, p._h);
      p._q.forEach(function (call) { p[call[0]].apply(p, call[1]); });
    } catch (e) {
      // Too late to throw at the merchant's call: tell onFailure, and fail loudly in the console.
      var f = p._o && p._o.onFailure;
      if (typeof f === "function") {
        f({ error_code: failure ? "sdk_unavailable" : "integration_error", error_message: e.message });
      }
      setTimeout(function () { throw e; });
    }
    p._q = null;
  }

  var ready = new Promise(function (resolve, reject) {
    wasm_bindgen(WASM).then(function () {
      mod = wasm_bindgen;
      d.removeEventListener("securitypolicyviolation", onViolation);
      pending.forEach(start);
      pending = null;
      resolve();
    }, function (e) {
      // CSP violation events are queued as tasks: let them arrive before judging the error.
      setTimeout(function () {
        failure = explain(e);
        d.removeEventListener("securitypolicyviolation", onViolation);
        pending.forEach(start);
        pending = null;
        reject(failure);
      }, 0);
    });
  });
  ready.catch(function () {}); // awaiting Maven.ready is optional

  // <maven-payment session-id="…">: the same controller as a custom element, for pages built
  // with any framework. Attributes map to options; every event is re-sent as a bubbling
  // `maven-<event>` DOM event whose `detail` is the handler's argument.
  var EVENTS = ["ready", "change", "focus", "blur", "escape", "success", "failure", "expired", "loaderror", "resize"];
  // Attribute → option: session-id → sessionId (the option's name in camelCase).
  var ATTRS = ["session-id", "base-url", "color-scheme", "locale", "load-timeout", "theme", "labels", "fields"];
  function fire(el, name, detail) {
    el.dispatchEvent(new CustomEvent("maven-" + name, { detail: detail, bubbles: true, composed: true }));
  }
  if (w.customElements && !customElements.get("maven-payment")) {
    customElements.define("maven-payment", class extends HTMLElement {
      static get observedAttributes() { return ["session-id"]; }
      connectedCallback() {
        if (this._c) return;
        var opts = {}, el = this;
        ATTRS.forEach(function (a) {
          var v = el.getAttribute(a);
          if (v === null) return;
          opts[a.replace(/-(.)/g, function (m, c) { return c.toUpperCase(); })] = a === "load-timeout" ? Number(v) : /^(theme|labels|fields)$/.test(a) ? JSON.parse(v) : v;
        });
        // CSSOM, not a style attribute: merchant CSPs without 'unsafe-inline' allow it.
        if (!el.style.display) el.style.display = "block";
        try {
          var c = w.Maven.createPayment(opts);
          EVENTS.forEach(function (name) { c.on(name, function (arg) { fire(el, name, arg); }); });
          this._c = c.mount(el);
        } catch (e) {
          this._c = null;
          fire(el, "failure", { error_code: "integration_error", error_message: e.message });
          setTimeout(function () { throw e; });
        }
      }
      disconnectedCallback() { if (this._c) { this._c.destroy(); this._c = null; } }
      attributeChangedCallback(name, old, value) {
        // A new session id swaps the form in place (the cart changed).
        if (this._c && value && old !== value) this._c.update({ sessionId: value });
      }
      get controller() { return this._c || null; }
      focus() { if (this._c) this._c.focus(); }
      blur() { if (this._c) this._c.blur(); }
      retry() { if (this._c) this._c.retry(); }
    });
  }

  w.Maven = Object.freeze({
    version: "1",
    ready: ready,
    createPayment: function (options) {
      if (mod) return new Controller(options, mod.call(0, 13, options, ORIGIN));
      if (failure) throw failure;
      var p = new Controller(options);
      pending.push(p);
      return p;
    }
  });
})();
