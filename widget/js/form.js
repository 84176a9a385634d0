/* Maven hosted card form (/widget/v1/form.js): starts the `maven-widget` wasm module built with
 * feature "form" on form.html. Same-origin only, under the form page's strict CSP. */
(function () {
  "use strict";
  var WASM = "/widget/v1/__WASM__";

  /*__GLUE__*/

  wasm_bindgen({ module_or_path: WASM }).then(function () {
    wasm_bindgen.startForm();
  }, function () {
    document.documentElement.setAttribute("data-state", "broken");
  });
})();
