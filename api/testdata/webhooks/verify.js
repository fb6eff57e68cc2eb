// verify.js checks Signpost's webhook messages with the Standard Webhooks reference
// library, independently of Signpost's own code. It reads a JSON file of cases
// ({secret, headers, body, valid}) and prints one line per case, then a summary.
// Run by api/webhooks_node_test.go.
"use strict";
const fs = require("fs");
const { Webhook } = require("standardwebhooks");

const cases = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
let passed = 0;
let failed = 0;
for (const [i, c] of cases.entries()) {
  let ok;
  let detail = "";
  try {
    const parsed = new Webhook(c.secret).verify(c.body, c.headers);
    ok = parsed !== undefined && typeof parsed.type === "string";
    detail = ok ? parsed.type : "no payload";
  } catch (e) {
    ok = false;
    detail = e.message;
  }
  if (ok === c.valid) {
    passed++;
  } else {
    failed++;
  }
  console.log(`${ok === c.valid ? "ok" : "WRONG"} case ${i} (${c.name}): verified=${ok} want=${c.valid} ${detail}`);
}
console.log(`${passed} as expected, ${failed} not`);
process.exit(failed === 0 ? 0 : 1);
