// The dashboard pages' one DOM builder (shared by every page module).

/** A DOM element: `h("td", {className: "x"}, "text", child…)`. `on…` props become listeners,
 * known properties are set, anything else becomes an attribute; null, undefined and false
 * children are skipped. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k in el) el[k] = v;
    else el.setAttribute(k, v);
  }
  el.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}
