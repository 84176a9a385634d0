// A merchant page written against www/widget/v1/maven.d.ts, type-checked with `tsc --strict` by
// scripts/typecheck.sh. Each `@ts-expect-error` line must fail to compile: if the declarations
// stopped catching that mistake, tsc reports the unused directive and the check fails.
/// <reference path="../../www/widget/v1/maven.d.ts" />

const c: Maven.Controller = Maven.createPayment({
  sessionId: "3f1c…",
  colorScheme: "auto",
  locale: "de-CH",
  loadTimeout: 10_000,
  onLoadError: (e) => console.log(e.error_code === "load_timeout", e.error_message),
  theme: { primary_color: "#0f766e", border_radius: 6 },
})
  .mount("#pay")
  .updateTheme({ text_color: "#111827" })
  .updateLabels({ pay_button: "Buy {amount}" })
  .updateFields({ postal_code: "required" })
  .on("change", (s) => console.log(s.complete, s.brand, s.error?.field))
  .on("success", (r) => console.log(r.card_last4, r.amount_cents))
  .on("resize", (r) => console.log(r.height + 1))
  .on("focus", (f) => console.log(f.field))
  .focus();
c.off("change").retry().update({ sessionId: "9e2…" }).blur();
const nothing: void = c.destroy();
void nothing;

const el = document.createElement("maven-payment");
el.setAttribute("session-id", "3f1c…");
el.addEventListener("maven-success", (e) => console.log(e.detail.transaction_id));
document.addEventListener("maven-failure", (e) => console.log(e.detail.error_code));
el.controller?.updateTheme({ primary_color: "#000" });

// @ts-expect-error unknown event name
c.on("paid", () => {});
// @ts-expect-error a change handler gets a ChangeState, not a PaymentResult
c.on("change", (s: Maven.PaymentResult) => s);
// @ts-expect-error colorScheme is light | dark | auto
Maven.createPayment({ sessionId: "x", colorScheme: "night" });
// @ts-expect-error sessionId is required
Maven.createPayment({ locale: "fr" });
// @ts-expect-error destroy returns nothing to chain on
c.destroy().mount("#pay");
// @ts-expect-error update takes only a sessionId
c.update({ locale: "fr" });
// @ts-expect-error theme values are typed
c.updateTheme({ border_radius: "6px" });
// @ts-expect-error the DOM event's detail is typed
el.addEventListener("maven-success", (e) => e.detail.nope);
