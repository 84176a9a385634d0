// What the widget's wasm is made of: `twiggy top` on the wasm-bindgen output before wasm-opt
// (target/widget-build/<mode>/bg/glue_bg.wasm, which still has function names; scripts/build-widget.sh
// keeps it), grouped by crate. Shares of the pre-opt code+data; the shipped file is wasm-opt -Oz
// of it. Skipped (with a note) when twiggy is not installed. Writes bench/out/twiggy.json.
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { ROOT, save } from "./lib.mjs";

const dir = join(process.env.CARGO_TARGET_DIR || join(ROOT, "target"), "widget-build");
let version;
try { version = execFileSync("twiggy", ["--version"], { encoding: "utf8" }).trim(); } catch { version = null; }
const out = { version, modes: {} };
if (!version) { out.note = "twiggy not installed (cargo install twiggy)"; save("twiggy", out); process.exit(0); }

// One CSV field parser is enough for twiggy's output (quotes doubled inside quoted fields).
function parseCsv(text) {
  const rows = [];
  for (const line of text.trim().split("\n").slice(1)) {
    const fields = []; let cur = "", q = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (q) { if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') q = false; else cur += c; }
      else if (c === '"') q = true; else if (c === ",") { fields.push(cur); cur = ""; } else cur += c;
    }
    fields.push(cur);
    rows.push({ name: fields[0], bytes: Number(fields[1]) });
  }
  return rows;
}
function crateOf(name) {
  if (/^data segment/.test(name)) return "(static data: strings, tables)";
  if (/subsection$|^custom section|^type\[|^import |^export |^table\[|^elem\[|^global\[|^memory\[|^wasm magic|^header/.test(name)) return "(wasm sections: types, imports, exports, tables)";
  const m = /^[<&\s]*(?:mut\s+|dyn\s+)?([A-Za-z_][A-Za-z0-9_]*)/.exec(name);
  return m ? m[1].replace(/\[[0-9a-f]+\]$/, "") : "(other)";
}
for (const mode of ["host", "form"]) {
  const file = join(dir, mode, "bg", "glue_bg.wasm");
  if (!existsSync(file)) { out.modes[mode] = { note: `missing ${file}` }; continue; }
  const rows = parseCsv(execFileSync("twiggy", ["top", "-n", "100000", "--format", "csv", file], { encoding: "utf8", maxBuffer: 64 << 20 }))
    .filter((r) => !/function names|^"?name"? section|producers|target_features/.test(r.name));
  const total = rows.reduce((t, r) => t + r.bytes, 0);
  const byCrate = {};
  for (const r of rows) byCrate[crateOf(r.name)] = (byCrate[crateOf(r.name)] || 0) + r.bytes;
  out.modes[mode] = {
    file: file.replace(ROOT + "/", ""), pre_opt_bytes: statSync(file).size, counted_bytes: total,
    crates: Object.entries(byCrate).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([crate, bytes]) => ({ crate, bytes, share: bytes / total })),
    top: rows.sort((a, b) => b.bytes - a.bytes).slice(0, 6),
  };
}
save("twiggy", out);
console.log(JSON.stringify(Object.fromEntries(Object.entries(out.modes).map(([m, v]) => [m, v.crates?.slice(0, 5)]))));
