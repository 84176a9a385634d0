// Build step after wasm-bindgen + wasm-opt (called by scripts/build-widget.sh):
//   node widget/js/finish.mjs <template.js> <glue.js> <in.wasm> <out.wasm> <out.js> <url-prefix> <mode>
// 1. Shortens every import/export name of the module (binaryen's minify pass) and renames them
//    in the wasm-bindgen glue to match: `__wbg_createElement_de4a31ed2fb252be` → `B`. The long,
//    hashed names are ~2 KB of incompressible bytes per module, paid by every merchant page.
// 1b. Trims the glue: plain memory views and a compact string copy in both modules; the
//    controller's also loses unused import shims and gets a compact loader.
// 2. Content-hashes the wasm and writes <out.wasm dir>/maven-<mode>-<hash>.wasm.
// 3. Form mode: replaces the glue's generic loader (sync init, deprecated-argument warnings,
//    the fallback for servers without the wasm MIME type, the script-relative default URL) by
//    `instantiateStreaming` of the URL form.js passes: our edge serves application/wasm.
// 4. Splices the glue into the loader template (inside its IIFE) with the wasm's URL.
// Prints the wasm file name.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const [template, gluePath, inWasm, outWasmTmp, outJs, mode] = process.argv.slice(2);
const wasmOpt = join(process.cwd(), "node_modules/.bin/wasm-opt");
const features = ["bulk-memory", "nontrapping-float-to-int", "sign-ext", "mutable-globals",
  "reference-types", "multivalue"].map((f) => `--enable-${f}`);

const mapText = execFileSync(wasmOpt, [...features, "--minify-imports-and-exports-and-modules",
  inWasm, "-o", outWasmTmp], { encoding: "utf8", maxBuffer: 1 << 24 });
const map = JSON.parse(mapText.slice(mapText.indexOf("{")));
const bytes = readFileSync(outWasmTmp);
const newModule = WebAssembly.Module.imports(new WebAssembly.Module(bytes))[0]?.module;

let glue = readFileSync(gluePath, "utf8");
// Glue trims (before the renames below: the new text names exports).
// Cuts `from` … `to` (or to the end for null) out of the glue, putting `by` in its place.
const cut = (from, to, by) => {
  const a = glue.indexOf(from), b = to === null ? glue.length : glue.indexOf(to, a);
  if (a < 0 || b < 0) throw new Error(`glue has no ${JSON.stringify(from)} … ${JSON.stringify(to)}`);
  glue = glue.slice(0, a) + by + glue.slice(b + (to === null ? 0 : to.length));
};
// Both modules: plain memory views and a compact string copy (form: −0.1 KB gzip of form.js).
{
  // Whole helper functions of the glue, by name, up to their closing brace (4-space indent).
  const fn = (name, by) => cut(`    function ${name}(`, "\n    }\n", by);
  // Plain views of the memory, made per use: no caches to invalidate when it grows.
  fn("getDataViewMemory0", "    function getDataViewMemory0() { return new DataView(wasm.memory.buffer); }\n");
  fn("getUint8ArrayMemory0", "    function getUint8ArrayMemory0() { return new Uint8Array(wasm.memory.buffer); }\n");
  for (const c of ["cachedDataViewMemory0", "cachedUint8ArrayMemory0"]) {
    for (const line of [`    let ${c} = null;\n`, `        ${c} = null;\n`]) {
      if (!glue.includes(line)) throw new Error(`glue has no ${JSON.stringify(line)}`);
      glue = glue.replace(line, "");
    }
  }
  // Strings into the module, if any (the controller reads JS strings through charCodeAt,
  // dom.rs `text`): TextEncoder's copy (no ASCII fast path, no encodeInto polyfill).
  if (glue.includes("    function passStringToWasm0(")) fn("passStringToWasm0", `    function passStringToWasm0(arg, malloc) {
        const buf = cachedTextEncoder.encode(arg);
        const ptr = malloc(buf.length, 1) >>> 0;
        getUint8ArrayMemory0().set(buf, ptr);
        WASM_VECTOR_LEN = buf.length;
        return ptr;
    }
`);
  if (glue.includes("encodeInto")) cut("    if (!('encodeInto' in cachedTextEncoder)) {", "\n    }\n", "");
}
// The controller's glue, trimmed further. wasm-bindgen's generic loader also handles initSync,
// a missing URL (guessed from the script's), non-Response inputs and servers without the wasm
// MIME type, none of which widget.js needs (it passes the URL; the edge serves
// application/wasm). A compact one in its place saves every merchant page ~0.4 KB gzip. The
// form's loader is replaced below (step 3).
if (mode === "host") {
  // Import shims for imports wasm-opt removed from the module (unused after optimizing).
  const kept = new Set(map.imports.map(([, name]) => name));
  for (const [, name] of glue.matchAll(/^ {12}(__wbg_\w+): function/gm)) {
    if (kept.has(name)) continue;
    const from = `            ${name}: function`, a = glue.indexOf(from);
    const ends = ["\n            },\n", "\n            }, arguments); },\n"]
      .map((e) => [glue.indexOf(e, a), e]).filter(([i]) => i > a).sort((x, y) => x[0] - y[0]);
    if (!ends.length) throw new Error(`glue: no end for ${name}`);
    glue = glue.slice(0, a) + glue.slice(ends[0][0] + ends[0][1].length);
  }
  cut("    let script_src;", "toString();\n    }\n", "");
  cut("    async function __wbg_load(", null, `    async function __wbg_init(url) {
        const response = await fetch(url);
        if (!response.ok) throw new Error("HTTP " + response.status);
        const { instance, module } = await WebAssembly.instantiateStreaming(response, __wbg_get_imports());
        return __wbg_finalize_init(instance, module);
    }
    return Object.assign(__wbg_init, exports);
})({});
`);
}

const oldModules = new Set(map.imports.map(([m]) => m));
for (const m of oldModules) {
  const quoted = JSON.stringify(m);
  if (!glue.includes(quoted)) throw new Error(`glue does not name import module ${m}`);
  glue = glue.split(quoted).join(JSON.stringify(newModule));
}
const word = (s) => new RegExp(`(?<![\\w$])${s.replace(/\$/g, "\\$")}(?![\\w$])`, "g");
for (const [, oldName, newName] of map.imports) {
  const re = word(oldName);
  if (!re.test(glue)) throw new Error(`glue does not define import ${oldName}`);
  glue = glue.replace(word(oldName), JSON.stringify(newName));
}
for (const [oldName, newName] of map.exports) {
  glue = glue.replace(new RegExp(`wasm\\.${oldName}(?![\\w$])`, "g"), `wasm[${JSON.stringify(newName)}]`);
}

if (mode === "form") {
  // Exact text of wasm-bindgen's no-modules glue (its version is pinned in Cargo.toml): a
  // newer wasm-bindgen that changes it fails the build here instead of shipping a broken loader.
  const cut = (from, to, put) => {
    const a = glue.indexOf(from), b = glue.indexOf(to, a);
    if (a < 0 || b < 0) throw new Error(`finish.mjs: glue has no ${JSON.stringify(from)} … ${JSON.stringify(to)}`);
    glue = glue.slice(0, a) + put + glue.slice(b + to.length);
  };
  cut("    let script_src;\n", "location.href).toString();\n    }\n", "");
  cut("    async function __wbg_load(", "return Object.assign(__wbg_init, { initSync }, exports);",
    "function __wbg_init(url) {\n" +
    "        return WebAssembly.instantiateStreaming(fetch(url), __wbg_get_imports())\n" +
    "            .then((r) => __wbg_finalize_init(r.instance, r.module));\n" +
    "    }\n\n    return Object.assign(__wbg_init, exports);");
}

const hash = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
const wasmName = `maven-${mode}-${hash}.wasm`;
writeFileSync(join(dirname(outWasmTmp), wasmName), bytes);
const src = readFileSync(template, "utf8")
  .replace("__WASM__", wasmName)
  .replace("/*__GLUE__*/", () => glue);
writeFileSync(outJs, src);
process.stdout.write(wasmName + "\n");
