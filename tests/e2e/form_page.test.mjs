// The form page carries its fixed strings in one language (docs/widget.md, "Languages"): the
// mount's `l` query parameter when it is a BCP 47 tag, else the session's locale, else none
// (English). The form's wasm has no catalogue of its own, so this is what a customer reads.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { admin, createSession, http, tokenOfPage, SIM } from "./lib.mjs";
import { pageLocale, sessionBlock } from "../browser/server.mjs";

const INCOMPLETE = "Card number is incomplete";
const BLOCK = /<script type="application\/json" id="mv-l10n">([^<]*)<\/script>/;

async function page(locale, query = "") {
  const r = await createSession({ project: "demo", amount_cents: 500, gateway: "stripe", ...(locale ? { locale } : {}) });
  assert.equal(r.status, 201, r.text);
  const p = await http("GET", `/widget/${r.json.session_id}${query}`);
  assert.equal(p.status, 200);
  const m = BLOCK.exec(p.text);
  const labels = JSON.parse(SESSION.exec(p.text)[1]).labels;
  return { text: p.text, strings: m ? JSON.parse(m[1]) : null, labels };
}

describe("form page strings", () => {
  test("the session's locale: German strings with the Swiss tag, and the form token is still there", async () => {
    const { text, strings, labels } = await page("de-CH");
    assert.equal(strings["Card number is incomplete"], "Die Kartennummer ist unvollständig");
    // The labels come translated in the session block (the project's are the English defaults).
    assert.equal(labels.card_number, "Kartennummer");
    assert.equal(labels.pay_button, "{amount} bezahlen");
    // What only the edge shows (screens, labels) is not sent in the strings block.
    assert.equal(strings["Your card was declined."], undefined);
    assert.equal(strings["Card number"], undefined);
    assert.ok(tokenOfPage(text), "the page has no form token");
  });

  test("the page's own texts are written in its language; English pages hold them as form.html does", async () => {
    const own = JSON.parse(readFileSync(new URL("../../core/src/l10n.json", import.meta.url), "utf8")).page;
    const en = await page(null);
    for (const text of own) assert.ok(en.text.includes(`>${text}<`) || en.text.includes(`="${text}"`), `form.html no longer holds "${text}"`);
    const ja = await page("ja");
    assert.match(ja.text, /<title>安全な支払いフォーム<\/title>/);
    assert.ok(ja.text.includes(">テストモード<"), "the badge is not in Japanese");
    assert.ok(!ja.text.includes(">Secured by Maven<"));
    assert.equal(ja.strings["Test mode"], undefined, "in the page, not the block");
  });

  test("English sessions and languages without a translation get no block", async () => {
    assert.equal((await page(null)).strings, null);
    assert.equal((await page("it-IT")).strings, null);
  });

  test("the mount's locale wins; a malformed one is ignored", async () => {
    const fr = await page("de", "?l=fr-CA");
    assert.equal(fr.strings[INCOMPLETE], "Le numéro de carte est incomplet");
    assert.equal(fr.labels.card_number, "Numéro de carte");
    assert.equal((await page("de", "?l=pt-PT")).strings[INCOMPLETE], "O número do cartão está incompleto");
    const bad = await page("ja", "?l=%3C%2Fscript%3E");
    assert.equal(bad.strings[INCOMPLETE], "カード番号が不完全です");
    assert.equal(bad.labels.card_number, "カード番号");
    assert.ok(!bad.text.includes("</script></script>"));
  });
});

// The session rendered into the page (maven_core::form_page): the form starts from it without
// a request. The browser tests' mock edge mirrors it in JS (tests/browser/server.mjs): both must
// give the same block for the same session.
const SESSION = /<script type="application\/json" id="mv-session">([^<]*)<\/script>/;

describe("form page session", () => {
  const block = (html) => {
    const m = SESSION.exec(html);
    assert.ok(m, "the page has no session block");
    return m[1];
  };

  test("the public view with the amount in the page's locale, as the mock edge renders it", async () => {
    for (const [body, query, amount, locale] of [
      // Swiss grouping: ICU writes ' or ’ depending on its version (workerd's and node's differ).
      [{ amount_cents: 123450, currency: "chf", locale: "de-CH" }, "", /^CHF\s1['’]234\.50$/, "de-CH"],
      [{ amount_cents: 1000, currency: "jpy", locale: "ja" }, "?l=en-us", /^¥1,000$/, "en-US"],
      [{ amount_cents: 1234, description: "Tea </script><b>x</b>" }, "?l=%3C%2Fscript%3E", /^\$12\.34$/, "en"],
    ]) {
      const r = await createSession({ project: "demo", gateway: "stripe", ...body });
      assert.equal(r.status, 201, r.text);
      const id = r.json.session_id;
      const p = await http("GET", `/widget/${id}${query}`);
      assert.equal(p.status, 200);
      assert.equal(p.headers.get("cache-control"), "no-store");
      const raw = block(p.text);
      assert.ok(!raw.includes("<"), "a < in the block could end the element");
      const got = JSON.parse(raw);
      assert.match(got.amount_text, amount);
      assert.equal(got.locale, locale);
      assert.equal(got.session_id, id);
      const view = (await http("GET", `/v1/widget-sessions/${id}`)).json;
      const mount = new URLSearchParams(query).get("l");
      const mock = JSON.parse(block(sessionBlock(view, false, pageLocale(mount, view.locale))));
      const sameMark = (v) => ({ ...v, amount_text: v.amount_text.replace(/[’\u00a0\u202f]/g, (c) => (c === "’" ? "'" : " ")) });
      assert.deepEqual(sameMark(got), sameMark(mock));
      assert.equal(got.description, body.description ?? null);
    }
  });

  test("the amount has the currency's ISO 4217 minor digits, the ones it is charged in, where Intl's own differ", async () => {
    // Browsers' Intl (CLDR) writes HUF, IDR and MGA without decimals; the session's amount is in
    // hundredths of them (ISO 4217, maven_core::money), so 123450 HUF is HUF 1,234.50, never 123,450.
    for (const [currency, amount_cents, amount] of [
      ["huf", 123450, /^HUF\s1,234\.50$/],
      ["idr", 1500000, /^IDR\s15,000\.00$/],
      ["kwd", 1230, /^KWD\s1\.230$/],
      ["jpy", 500, /^¥500$/],
    ]) {
      const r = await createSession({ project: "demo", gateway: "stripe", amount_cents, currency, locale: "en-US" });
      if (r.status !== 201) {
        // A currency the demo project's gateway cannot take is refused at create: nothing to show.
        assert.equal(r.json.error_code, "currency_not_supported", r.text);
        continue;
      }
      const got = JSON.parse(block((await http("GET", `/widget/${r.json.session_id}`)).text));
      assert.match(got.amount_text, amount, currency);
    }
  });

  test("an unknown session's page carries only the locale and its screen, in that language", async () => {
    const p = await http("GET", `/widget/00000000-0000-4000-8000-000000000000?l=fr`);
    assert.equal(p.status, 200);
    const got = JSON.parse(block(p.text));
    assert.deepEqual(Object.keys(got).sort(), ["locale", "screen"]);
    assert.equal(got.locale, "fr");
    assert.equal(got.screen.state, "invalid");
    assert.equal(got.screen.title, "Lien de paiement non valide");
    assert.deepEqual(got.screen.error, { error_code: "session_not_found", error_message: "This payment link is not valid. Ask for a new one to continue." });
    assert.deepEqual(JSON.parse(block(sessionBlock(null, false, "fr"))), got);
    // The form's poll reads the same block as JSON.
    const state = await http("GET", `/widget/00000000-0000-4000-8000-000000000000/state?l=fr`);
    assert.equal(state.status, 200);
    assert.equal(state.headers.get("cache-control"), "no-store");
    assert.deepEqual(state.json, got);
  });

  test("a pending session's state is its block without a screen (paid ones: charge.test.mjs)", async () => {
    const r = await createSession({ project: "demo", gateway: "stripe", amount_cents: 1500, locale: "de" });
    assert.equal(r.status, 201, r.text);
    const pending = await http("GET", `/widget/${r.json.session_id}/state`);
    assert.equal(pending.status, 200);
    assert.equal(pending.json.status, "pending");
    assert.equal(pending.json.labels.card_number, "Kartennummer");
    assert.equal("screen" in pending.json, false);
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

describe("per-project defaults", () => {
  // A project of its own (the demo project is shared by the suites running beside this one).
  async function project() {
    const suffix = randomBytes(4).toString("hex");
    const a = await admin("POST", "/v1/admin/accounts", { name: `Defaults ${suffix}` });
    assert.equal(a.status, 201, a.text);
    const p = await admin("POST", `/v1/admin/accounts/${a.json.id}/projects`, { slug: `defaults-${suffix}`, name: "Defaults" });
    assert.equal(p.status, 201, p.text);
    const gw = await admin("PUT", `/v1/admin/projects/${p.json.id}/gateways/test/stripe`, {
      base_url: `${SIM}/stripe`, credentials: { secret_key: "sk_test_maven_sim" },
    });
    assert.equal(gw.status, 200, gw.text);
    const k = await admin("POST", `/v1/admin/accounts/${a.json.id}/keys`, { environment: "test" });
    assert.equal(k.status, 201, k.text);
    return { account: a.json.id, id: p.json.id, key: k.json.key };
  }

  async function session(p, extra = {}) {
    const r = await createSession({ project: p.id, amount_cents: 500, gateway: "stripe", ...extra }, { key: p.key });
    assert.equal(r.status, 201, r.text);
    const view = await http("GET", `/v1/widget-sessions/${r.json.session_id}`);
    const page = await http("GET", `/widget/${r.json.session_id}`);
    assert.equal(page.status, 200);
    const m = BLOCK.exec(page.text);
    return { view: view.json, strings: m ? JSON.parse(m[1]) : null, labels: JSON.parse(SESSION.exec(page.text)[1]).labels };
  }

  test("project default dark + de: a session without them gets a German, dark form; a session's own values win", async () => {
    const p = await project();
    const plain = await session(p);
    assert.equal(plain.strings, null, "English until a default is set");
    assert.equal("color_scheme" in plain.view, false);

    const set = await admin("PATCH", `/v1/admin/projects/${p.id}`, { color_scheme: "dark", locale: "de" });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.json.color_scheme, "dark");
    assert.equal(set.json.locale, "de");
    const d = await session(p);
    assert.equal(d.view.color_scheme, "dark");
    assert.equal(d.view.locale, "de");
    assert.equal(d.strings[INCOMPLETE], "Die Kartennummer ist unvollständig");
    assert.equal(d.labels.pay_button, "{amount} bezahlen");

    const own = await session(p, { color_scheme: "light", locale: "fr-CA" });
    assert.equal(own.view.color_scheme, "light");
    assert.equal(own.view.locale, "fr-CA");
    assert.equal(own.strings[INCOMPLETE], "Le numéro de carte est incomplet");
    assert.equal(own.labels.card_number, "Numéro de carte");

    // Validated like the session's; null clears.
    const bad = await admin("PATCH", `/v1/admin/projects/${p.id}`, { color_scheme: "Dark", locale: "not a tag!" });
    assert.equal(bad.status, 422, bad.text);
    assert.deepEqual(bad.json.detail.map((e) => [e.loc.join("."), e.type]), [["body.color_scheme", "literal_error"], ["body.locale", "value_error"]]);
    const canon = await admin("PATCH", `/v1/admin/projects/${p.id}`, { locale: "de-ch" });
    assert.equal(canon.json.locale, "de-CH");
    const cleared = await admin("PATCH", `/v1/admin/projects/${p.id}`, { color_scheme: null, locale: null });
    assert.equal(cleared.json.color_scheme, null);
    assert.equal(cleared.json.locale, null);
    assert.equal((await session(p)).strings, null);

    // Audited like the other settings.
    const log = await admin("GET", `/v1/admin/accounts/${p.account}/audit`);
    const changes = log.json.entries.filter((e) => e.action === "settings.updated").map((e) => e.details).reverse();
    assert.deepEqual(changes, [{ color_scheme: "dark", locale: "de" }, { locale: "de-ch" }, { color_scheme: null, locale: null }]);
  });
});
