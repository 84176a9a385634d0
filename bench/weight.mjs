// Widget weight: what the merchant page transferred to show the form (recorded by ready.mjs in
// its first cold load: every response from the edge up to onReady), raw, gzip -9 and brotli
// (quality 11), beside braintree-web's `client` + `hosted-fields` browser bundles from npm,
// minified the same way as ours (esbuild --minify; the npm package ships them unminified).
// usage: node bench/weight.mjs BRAINTREE_MIN_DIR
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import zlib from "node:zlib";
import { OUT, ROOT, save } from "./lib.mjs";

const BT_DIR = process.argv[2];
const sizes = (buf) => ({
  raw: buf.length,
  gzip: zlib.gzipSync(buf, { level: 9 }).length,
  brotli: zlib.brotliCompressSync(buf, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length },
  }).length,
});
const sum = (rows) => rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }), { raw: 0, gzip: 0, brotli: 0 });

const fetched = JSON.parse(readFileSync(join(OUT, "fetched.json"), "utf8"));
const name = (f) => f.type === "document" ? "form page /widget/<id> (form.html)" : f.path.replace(/^\/widget\/v1\//, "");
const files = fetched.filter((f) => !f.path.startsWith("/v1/"))
  .map((f) => ({ name: name(f), frame: f.frame, ...sizes(readFileSync(join(OUT, "fetched", f.file))) }));
const data = fetched.filter((f) => f.path.startsWith("/v1/"))
  .map((f) => ({ name: `${f.path.replace(/[0-9a-f-]{36}/, "<id>")} (JSON)`, frame: f.frame, ...sizes(readFileSync(join(OUT, "fetched", f.file))) }));
for (const need of [/^widget\.js$/, /^maven-host-.*\.wasm$/, /form\.html/, /^form\.css$/, /^form\.js$/, /^maven-form-.*\.wasm$/]) {
  if (!files.some((f) => need.test(f.name))) throw new Error(`the first cold load fetched no ${need}: ${files.map((f) => f.name)}`);
}
const ours = { files, total: sum(files), data };

const bt = ["client", "hosted-fields"].map((m) => ({
  name: `${m}.min.js`,
  ...sizes(readFileSync(join(BT_DIR, `${m}.min.js`))),
  shipped: readFileSync(join(ROOT, "node_modules/braintree-web/dist/browser", `${m}.js`)).length,
}));
const version = JSON.parse(readFileSync(join(ROOT, "node_modules/braintree-web/package.json"), "utf8")).version;
const braintree = { version, files: bt, total: sum(bt), shipped_raw: bt.reduce((t, f) => t + f.shipped, 0) };
const ratio = Object.fromEntries(["raw", "gzip", "brotli"].map((k) => [k, ours.total[k] / braintree.total[k]]));
save("weight", { ours, braintree, ratio });
console.log(JSON.stringify({ ours: ours.total, braintree: braintree.total, ratio }));
