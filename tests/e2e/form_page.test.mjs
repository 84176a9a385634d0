// The form page carries its fixed strings in one language (docs/widget.md, "Languages"): the
// mount's `l` query parameter when it is a BCP 47 tag, else the session's locale, else none
// (English). The form's wasm has no catalogue of its own, so this is what a customer reads.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createSession, http, tokenOfPage } from "./lib.mjs";

const BLOCK = /<script type="application\/json" id="mv-l10n">([^<]*)<\/script>/;

async function page(locale, query = "") {
  const r = await createSession({ project: "demo", amount_cents: 500, gateway: "stripe", ...(locale ? { locale } : {}) });
  assert.equal(r.status, 201, r.text);
  const p = await http("GET", `/widget/${r.json.session_id}${query}`);
  assert.equal(p.status, 200);
  const m = BLOCK.exec(p.text);
  return { text: p.text, strings: m ? JSON.parse(m[1]) : null };
}

describe("form page strings", () => {
  test("the session's locale: German strings with the Swiss tag, and the form token is still there", async () => {
    const { text, strings } = await page("de-CH");
    assert.equal(strings["Card number"], "Kartennummer");
    assert.equal(strings["Pay {amount}"], "{amount} bezahlen");
    assert.equal(strings["Your card was declined."], "Ihre Karte wurde abgelehnt.");
    assert.ok(tokenOfPage(text), "the page has no form token");
  });

  test("English sessions and languages without a translation get no block", async () => {
    assert.equal((await page(null)).strings, null);
    assert.equal((await page("it-IT")).strings, null);
  });

  test("the mount's locale wins; a malformed one is ignored", async () => {
    assert.equal((await page("de", "?l=fr-CA")).strings["Card number"], "Numéro de carte");
    assert.equal((await page("de", "?l=pt-PT")).strings["Card number"], "Número do cartão");
    const bad = await page("ja", "?l=%3C%2Fscript%3E");
    assert.equal(bad.strings["Card number"], "カード番号");
    assert.ok(!bad.text.includes("</script></script>"));
  });
});

describe("color_scheme", () => {
  test("the create API takes light, dark or auto and the session view shows it; anything else is a 422 naming the field", async () => {
    const r = await createSession({ project: "demo", amount_cents: 500, gateway: "stripe", color_scheme: "auto" });
    assert.equal(r.status, 201, r.text);
    const v = await http("GET", `/v1/widget-sessions/${r.json.session_id}`);
    assert.equal(v.status, 200, v.text);
    assert.equal(v.json.color_scheme, "auto");
    const none = await createSession({ project: "demo", amount_cents: 500, gateway: "stripe" });
    const nv = await http("GET", `/v1/widget-sessions/${none.json.session_id}`);
    assert.equal("color_scheme" in nv.json, false);
    for (const bad of ["Dark", "", 3]) {
      const e = await createSession({ project: "demo", amount_cents: 500, gateway: "stripe", color_scheme: bad });
      assert.equal(e.status, 422, e.text);
      assert.deepEqual(e.json.detail.map((d) => d.loc), [["body", "color_scheme"]]);
    }
  });
});
