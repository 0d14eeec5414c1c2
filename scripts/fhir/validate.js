// Validates a FHIR R4 resource (a Bundle and everything in it) with FHIR.js
// against the R4 4.0.1 structure definitions and value sets. Reads the JSON
// from the file named on the command line; prints every message; exits 1 on
// any error (a missing required element, a wrong type, a code outside a
// required value set) and on an unexpected property. Codes outside the
// example value sets FHIR.js carries (most of LOINC) are only warnings.
// Run with NODE_PATH pointing at the node_modules `npm ci` made from this
// folder's package.json (scripts/install-test-tools.sh does).
'use strict';
const fs = require('fs');
const { Fhir } = require('fhir');

const resource = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const result = new Fhir().validate(resource, { errorOnUnexpected: true });
for (const m of result.messages) {
  console.log(`${m.severity}: ${m.location}: ${m.message}`);
}
const clean =
  result.valid &&
  !result.messages.some((m) => m.severity === 'error' || /unexpected property/i.test(m.message));
console.log(clean ? 'valid FHIR R4' : 'NOT valid FHIR R4');
process.exit(clean ? 0 : 1);
