// Screenshots of the card form in each of its states, to check a CSS change looks the same:
//   node scripts/form-look.mjs shoot DIR [chromium,firefox]   (needs scripts/build-widget.sh)
//   node scripts/form-look.mjs diff DIR_A DIR_B               (exit 1 when any pixel differs)
// Headless Debian Chromium and Firefox ESR through puppeteer-core, the mock edge of
// tests/browser/server.mjs on loopback, the form's iframe at 240, 280 and 400 px, reduced motion
// (no animation caught half-way) and the caret hidden (it blinks).
import { mkdirSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import puppeteer from "puppeteer-core";
import sharp from "sharp";
import { startMerchant, startMockEdge } from "../tests/browser/server.mjs";

const ENGINES = {
  chromium: { browser: "chrome", executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--force-prefers-reduced-motion", "--hide-scrollbars"] },
  firefox: { browser: "firefox", executablePath: process.env.FIREFOX || "/usr/bin/firefox-esr", args: [], extraPrefsFirefox: { "ui.prefersReducedMotion": 1 } },
};
const WIDTHS = [240, 280, 400]; // the iframe's width; the merchant page adds 56 px around it
// LOOK_TOLERANCE=1 ignores channel differences of 1: Chromium's rasterizer is not quite
// deterministic where it antialiases a mask (the result icon), from one run to the next.
const TOLERANCE = Number(process.env.LOOK_TOLERANCE || 0);
// LOOK_ONLY=regex shoots only the matching `engine-width-shot` names.
const ONLY = process.env.LOOK_ONLY ? new RegExp(process.env.LOOK_ONLY) : null;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// What each shot does after the form is mounted; `hold` keeps a request pending.
const SHOTS = {
  loading: { hold: "wasm", until: "loading" },
  broken: { fault: "wasm", until: "broken" },
  ready: {},
  full: { session: { description: "Pro plan, billed monthly", fields: { cardholder_name: "required", postal_code: "optional" } } },
  errors: { act: (f) => f.click("#submit"), blur: true },
  focus: { act: (f) => f.focus("#number") },
  invalidfocus: { act: async (f) => { await f.click("#submit"); await f.focus("#exp"); } },
  typed: { act: (f) => typeCard(f, "4242424242424242"), blur: true },
  amex: { act: (f) => typeCard(f, "378282246310005", "1234"), blur: true },
  hover: { act: (f) => f.hover("#submit") },
  submitting: { hold: "charge", act: async (f) => { await typeCard(f, "4242424242424242"); await f.click("#submit"); }, until: "submitting" },
  success: { act: async (f) => { await typeCard(f, "4242424242424242"); await f.click("#submit"); }, until: "success" },
  failure: { act: async (f) => { await typeCard(f, "4000000000000002"); await f.click("#submit"); }, until: "failure" },
  expired: { session: { expires_in: 0 }, until: "expired" },
  dark: { mount: { colorScheme: "dark" } },
  darkerrors: { mount: { colorScheme: "dark" }, act: (f) => f.click("#submit"), blur: true },
  darksuccess: { mount: { colorScheme: "dark" }, act: async (f) => { await typeCard(f, "4242424242424242"); await f.click("#submit"); }, until: "success" },
  darkfailure: { mount: { colorScheme: "dark" }, act: async (f) => { await typeCard(f, "4000000000000002"); await f.click("#submit"); }, until: "failure" },
  themed: { session: { theme: { primary_color: "#f59e0b", background_color: "#fdf6e3", text_color: "#073642", border_radius: 0 } }, act: (f) => f.click("#submit"), blur: true },
};

async function typeCard(frame, number, cvc = "123") {
  await frame.type("#number", number);
  await frame.type("#exp", "1234");
  await frame.type("#cvc", cvc);
}

async function shoot(dir, engines) {
  mkdirSync(dir, { recursive: true });
  const mock = await startMockEdge();
  const merchant = await startMerchant({ edge: mock.url });
  // Requests held on purpose (the loading skeleton, the submitting spinner).
  const hold = { wasm: false, charge: false }, held = [];
  const [handler] = mock.server.listeners("request");
  mock.server.removeAllListeners("request");
  mock.server.on("request", (req, res) => {
    if (hold.wasm && /^\/widget\/v1\/maven-form-.*\.wasm$/.test(req.url)) return held.push(res);
    if (hold.charge && /\/charge$/.test(req.url)) return held.push(res);
    return handler(req, res);
  });
  try {
    for (const name of engines) {
      const e = ENGINES[name];
      const browser = await puppeteer.launch({ ...e, headless: true });
      try {
        for (const width of WIDTHS) {
          for (const [shot, s] of Object.entries(SHOTS)) {
            if (ONLY && !ONLY.test(`${name}-${width}-${shot}`)) continue;
            hold.wasm = s.hold === "wasm";
            hold.charge = s.hold === "charge";
            mock.faults.wasm = s.fault === "wasm";
            const file = join(dir, `${name}-${width}-${shot}.png`);
            try {
              await one(browser, mock, merchant, width, s, file);
            } catch (err) {
              console.error(`${file}: ${err.message}`);
              process.exitCode = 1;
            } finally {
              for (const r of held.splice(0)) r.destroy();
            }
          }
        }
      } finally {
        await browser.close();
      }
    }
  } finally {
    mock.faults.wasm = false;
    await merchant.close();
    await mock.close();
  }
}

async function one(browser, mock, merchant, width, s, file) {
  const res = await fetch(`${mock.url}/v1/widget-sessions`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer mvn_test_mock" }, body: JSON.stringify({ project: "demo", amount_cents: 1234, ...s.session }) });
  const { session_id } = await res.json();
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    await page.setViewport({ width: width + 56, height: 900 });
    await page.goto(`${merchant.url}/?csp=strict`);
    await page.evaluate((id, opts) => window.Maven.ready.then(() => { window.__maven = window.Maven.createPayment({ sessionId: id, ...opts }).mount("#slot"); }), session_id, s.mount || {});
    const handle = await page.waitForSelector("iframe[title]", { timeout: 10_000 });
    const frame = await handle.contentFrame();
    const state = (v) => frame.waitForFunction((v) => document.documentElement.dataset.state === v, { timeout: 15_000 }, v);
    await state(s.until === "loading" || s.until === "broken" || s.until === "expired" ? s.until : "ready");
    // Through CSSOM (the page's CSP allows no <style>): the caret blinks, so hide it.
    await frame.evaluate(() => { const h = new CSSStyleSheet(); h.replaceSync("*{caret-color:transparent!important}"); document.adoptedStyleSheets = [h]; });
    await page.mouse.move(0, 0);
    if (s.act) await s.act(frame);
    if (s.until && s.until !== "loading" && s.until !== "broken" && s.until !== "expired") await state(s.until);
    if (s.blur) await frame.evaluate(() => document.activeElement?.blur());
    if (s.until === "success" || s.until === "failure") await page.mouse.move(0, 0);
    // Until the iframe's height has settled (the host sizes it from the form's messages).
    let last = -1;
    for (let i = 0; i < 20; i++) {
      await sleep(150);
      const h = await handle.evaluate((el) => el.getBoundingClientRect().height);
      if (h === last) break;
      last = h;
    }
    await handle.screenshot({ path: file });
  } finally {
    await context.close();
  }
}

async function diff(a, b) {
  let bad = 0, n = 0;
  for (const f of readdirSync(a).filter((f) => f.endsWith(".png")).sort()) {
    if (!existsSync(join(b, f))) { console.log(`${f}: missing in ${b}`); bad++; continue; }
    const [x, y] = await Promise.all([a, b].map((d) => sharp(join(d, f)).ensureAlpha().raw().toBuffer({ resolveWithObject: true })));
    n++;
    if (x.info.width !== y.info.width || x.info.height !== y.info.height) {
      console.log(`${f}: size ${x.info.width}x${x.info.height} vs ${y.info.width}x${y.info.height}`);
      bad++;
      continue;
    }
    let px = 0, max = 0;
    const box = [Infinity, Infinity, -1, -1], w = x.info.width;
    for (let i = 0; i < x.data.length; i += 4) {
      let d = 0;
      for (let k = 0; k < 4; k++) d = Math.max(d, Math.abs(x.data[i + k] - y.data[i + k]));
      if (d > TOLERANCE) {
        px++;
        max = Math.max(max, d);
        const p = i / 4, c = p % w, r = (p - c) / w;
        box[0] = Math.min(box[0], c); box[1] = Math.min(box[1], r); box[2] = Math.max(box[2], c); box[3] = Math.max(box[3], r);
      }
    }
    if (px) { console.log(`${f}: ${px} pixels differ (by up to ${max}) in x ${box[0]}..${box[2]}, y ${box[1]}..${box[3]}`); bad++; }
  }
  console.log(`${n} compared, ${bad} differ`);
  if (bad) process.exitCode = 1;
}

const [cmd, x, y] = process.argv.slice(2);
if (cmd === "shoot" && x) await shoot(x, (y || "chromium,firefox").split(","));
else if (cmd === "diff" && x && y) await diff(x, y);
else { console.error("usage: form-look.mjs shoot DIR [engines] | diff DIR_A DIR_B"); process.exit(2); }
