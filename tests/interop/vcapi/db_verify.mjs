// Verifies a credential openler issued with Digital Bazaar's libraries alone:
// @digitalbazaar/vc + @digitalbazaar/data-integrity + @digitalbazaar/eddsa-rdfc-2022-cryptosuite
// (through db_world.mjs: contexts from npm packages only; the issuer's did:web document and
// the status list credential from the live openler server).
//
// stdin: {"credential": {...}, "server": "http://127.0.0.1:PORT"}
// stdout: {"verified": bool, "error": str|null, "statuses": [{"purpose", "index", "set"}]}
import * as vc from '@digitalbazaar/vc';
import {world} from './db_world.mjs';

const input = JSON.parse(await new Promise(resolve => {
  let text = '';
  process.stdin.on('data', chunk => { text += chunk; });
  process.stdin.on('end', () => resolve(text));
}));
const {documentLoader, suite, checkStatus} = world(input.server);

const result = await vc.verifyCredential({
  credential: input.credential, suite, documentLoader, checkStatus
});
const error = result.error
  ? String(result.error.errors?.[0]?.message ?? result.error.message ?? result.error)
  : null;
process.stdout.write(JSON.stringify({
  verified: result.verified, error, statuses: checkStatus.found ?? []
}) + '\n');
