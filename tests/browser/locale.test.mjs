// Languages and money formats: the session's locale, a per-mount override, the BCP 47 fallback
// (de-CH → de texts, Swiss money), merchant labels winning over translations.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, setup, createSession, merchantPage, mount, waitEvent, waitState, text, ARTIFACTS } from "./lib.mjs";

let env, browser;
before(async () => { env = await setup(); browser = await launch(); });
after(async () => { await browser?.close(); await env?.stop(); });

async function inPage(fn, opts) {
  const page = await merchantPage(browser, env, opts);
  try { return await fn(page); } finally { await page.context().close(); }
}

test("locale de-CH on the session: German texts, Swiss money, <html lang>", async () => {
  const s = await createSession(env.edge, { locale: "de-ch", currency: "chf", amount_cents: 123450 });
  await inPage(async (page) => {
    const frame = await mount(page, s.session_id);
    await waitEvent(page, "ready");
    await waitState(frame, "ready");
    assert.equal(await frame.evaluate(() => document.documentElement.lang), "de-CH");
    assert.equal(await text(frame, "#number-label"), "Kartennummer");
    assert.match(await text(frame, "#exp-label"), /^Gültig bis( \(MM\/JJ\))?$/, "the project default, translated");
    assert.equal(await text(frame, "#badge"), "Testmodus");
    assert.equal(await text(frame, "#name-opt"), "(optional)");
    assert.equal(await text(frame, "#foot"), "Gesichert durch Maven");
    assert.equal(await frame.getAttribute("#exp", "placeholder"), "MM / JJ");
    // Swiss grouping (ICU writes ' or ’ depending on its version), not German "1.234,50".
    assert.match(await text(frame, "#submit-label"), /^CHF\s1['’]234\.50 bezahlen$/);
    assert.equal(await frame.title(), "Sicheres Zahlungsformular");
    await frame.locator("#number").pressSequentially("4242");
    await frame.locator("#number").press("Enter");
    await frame.waitForFunction(() => document.getElementById("number-error").textContent !== "");
    assert.equal(await text(frame, "#number-error"), "Die Kartennummer ist unvollständig");
    assert.equal(await text(frame, "#exp-error"), "Geben Sie das Ablaufdatum ein");
    await frame.locator("#number").pressSequentially("424242424242");
    await frame.locator("#exp").pressSequentially("1234");
    await frame.locator("#cvc").pressSequentially("123");
    await frame.locator("#cvc").press("Enter");
    await waitState(frame, "success", 20_000);
    assert.equal(await text(frame, "#result-title"), "Zahlung erfolgreich");
    assert.match(await text(frame, "#result-text"), /^CHF\s1['’]234\.50 bezahlt mit Visa •••• 4242$/);
  });
});

test("the mount's locale wins over the session's; merchant labels win over translations", async () => {
  const s = await createSession(env.edge, { locale: "es", amount_cents: 1000, currency: "jpy", labels: { cvc: "Code CB" } });
  await inPage(async (page) => {
    const frame = await mount(page, s.session_id, { extra: { locale: "ja-JP" } });
    await waitEvent(page, "ready");
    await waitState(frame, "ready");
    assert.equal(await page.evaluate(() => window.__maven.iframe.title), "安全な支払いフォーム");
    assert.equal(await frame.evaluate(() => document.documentElement.lang), "ja-JP");
    assert.equal(await text(frame, "#number-label"), "カード番号");
    assert.equal(await text(frame, "#cvc-label"), "Code CB", "the merchant's label as written");
    assert.equal(await text(frame, "#submit-label"), "￥1,000 を支払う");
    // A declined card: the reason and the attempts left in Japanese.
    await frame.locator("#number").pressSequentially("4000000000000002");
    await frame.locator("#exp").pressSequentially("1234");
    await frame.locator("#cvc").pressSequentially("123");
    await frame.locator("#cvc").press("Enter");
    await waitState(frame, "failure", 20_000);
    assert.equal(await text(frame, "#result-title"), "お支払いに失敗しました");
    assert.equal(await text(frame, "#result-text"), "カードが拒否されました。 残り 2 回です。");
    assert.equal(await text(frame, "#retry"), "もう一度試す");
  });
});

test("every built-in language, a fallback to the language, and English for the rest", async () => {
  const cases = [["es-MX", "Número de tarjeta"], ["fr", "Numéro de carte"], ["pt-PT", "Número do cartão"], ["pt-BR", "Número do cartão"], ["it", "Card number"]];
  const s = await createSession(env.edge);
  await inPage(async (page) => {
    for (const [locale, label] of cases) {
      const frame = await mount(page, s.session_id, { extra: { locale } });
      await waitEvent(page, "ready");
      await waitState(frame, "ready");
      assert.equal(await text(frame, "#number-label"), label, locale);
      assert.equal(await frame.evaluate(() => document.documentElement.lang), locale);
      await page.evaluate(() => window.__maven.destroy());
    }
    const err = await page.evaluate(() => { try { Maven.createPayment({ sessionId: "abc", locale: "not a tag!" }); } catch (e) { return e.message; } });
    assert.equal(err, 'Maven: createPayment: locale must be a BCP 47 tag such as "de-CH"');
  });
});

test("the create API refuses a malformed locale", async (t) => {
  if (!env.real) return t.skip("the mock edge does not validate");
  const res = await fetch(`${env.edge}/v1/widget-sessions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${process.env.MAVEN_TEST_KEY || "mvn_test_mock"}` },
    body: JSON.stringify({ project: process.env.MAVEN_TEST_PROJECT || "demo", gateway: "stripe", amount_cents: 100, locale: "de_CH!" }),
  });
  assert.equal(res.status, 422);
  const body = await res.json();
  assert.deepEqual(body.detail.map((d) => d.loc), [["body", "locale"]]);
  const ok = await createSession(env.edge, { locale: "de-ch" });
  const view = await (await fetch(`${env.edge}/v1/widget-sessions/${ok.session_id}`)).json();
  assert.equal(view.locale, "de-CH", "stored canonical");
});
