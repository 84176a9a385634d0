/* Maven hosted card form (/widget/v1/form.js): starts the `maven-widget` wasm module built with
 * feature "form" on form.html. Same-origin only, under the form page's strict CSP. */
(function () {
  "use strict";
  var WASM = "/widget/v1/__WASM__";

  /*__GLUE__*/

  wasm_bindgen({ module_or_path: WASM }).then(function () {
    wasm_bindgen.startForm();
  }, broken);

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
