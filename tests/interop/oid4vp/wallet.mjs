// An OpenID4VP 1.0 wallet built from libraries others wrote: @openid4vc/openid4vp parses
// the link, resolves the request_uri and checks the signed request object; `dcql` matches
// the held credentials against the query; Digital Bazaar's vc library signs the
// presentation (eddsa-rdfc-2022) with the request's nonce as challenge and client_id as
// domain; @openid4vc/openid4vp builds and direct_posts the response.
//
// stdin: {uri, holder: {id, controller, publicKeyMultibase, secretKeyMultibase},
//         credentials: [...], contexts: {url: document}, base, twist, second_uri}
// stdout: {status, body, request, dcql}
import {
  parseOpenid4vpAuthorizationRequest,
  resolveOpenid4vpAuthorizationRequest,
  createOpenid4vpAuthorizationResponse,
  submitOpenid4vpAuthorizationResponse,
} from '@openid4vc/openid4vp';
import {setGlobalConfig} from '@openid4vc/oauth2';
import {DcqlQuery} from 'dcql';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as jose from 'jose';
import jsonld from 'jsonld';
import {readFileSync} from 'node:fs';
import {createHash} from 'node:crypto';

const input = JSON.parse(readFileSync(0, 'utf8'));
// the tests serve openler on http://127.0.0.1; a wallet in the field would refuse http
setGlobalConfig({allowInsecureUrls: true});

function documentLoader(url) {
  const document = input.contexts[url];
  if (!document) throw new Error(`no context ${url} in this wallet`);
  return {contextUrl: null, documentUrl: url, document};
}

// did:web of an openler on 127.0.0.1:PORT, read over http (the tests' loopback server)
async function resolveDid(did) {
  if (!did.startsWith('did:web:')) throw new Error(`cannot resolve ${did}`);
  const [host, ...path] = did.slice('did:web:'.length).split(':');
  const url = `http://${decodeURIComponent(host)}/${path.join('/')}/did.json`;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

async function jwkFromMultibase(publicKeyMultibase) {
  const keyPair = await Ed25519Multikey.from({publicKeyMultibase});
  return Ed25519Multikey.toJwk({keyPair});
}

const callbacks = {
  fetch,
  hash: (data, alg) => createHash('sha256').update(data).digest(),
  async verifyJwt(signer, {compact}) {
    if (signer.method !== 'did') return {verified: false};
    const [did] = signer.didUrl.split('#');
    const document = await resolveDid(did);
    const method = (document.verificationMethod || []).find(m => m.id === signer.didUrl);
    if (!method) return {verified: false};
    const jwk = await jwkFromMultibase(method.publicKeyMultibase);
    try {
      await jose.compactVerify(compact, await jose.importJWK(jwk, 'EdDSA'));
      return {verified: true, signerJwk: jwk};
    } catch {
      return {verified: false, signerJwk: jwk};
    }
  },
};

async function resolve(uri) {
  const parsed = parseOpenid4vpAuthorizationRequest({authorizationRequest: uri});
  return resolveOpenid4vpAuthorizationRequest({
    authorizationRequestPayload: parsed.params,
    callbacks,
  });
}

let resolved;
try {
  resolved = await resolve(input.uri);
} catch (error) {
  // what the library refused, and why (an expired or answered request, a bad signature)
  console.log(JSON.stringify({resolve_error: {
    name: error.constructor.name,
    error: error.errorResponse?.error,
    message: String(error.message),
  }}));
  process.exit(0);
}
const request = resolved.authorizationRequestPayload;

if (input.twist === 'decline') {
  // the person says no: an error response (§8.5), posted by the library like an answer
  const sent = await submitOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: {error: 'access_denied', error_description: 'the holder declined', state: request.state},
    callbacks,
  });
  const text = await sent.response.text();
  console.log(JSON.stringify({status: sent.response.status, body: JSON.parse(text), request}));
  process.exit(0);
}

// DCQL: the held credentials, their types expanded by their own contexts (jsonld.js)
const query = DcqlQuery.parse(resolved.dcql.query);
DcqlQuery.validate(query);
const held = [];
for (const credential of input.credentials) {
  const expanded = await jsonld.expand(
    {'@context': credential['@context'], type: credential.type}, {documentLoader});
  held.push({
    credential_format: 'ldp_vc',
    claims: credential,
    type: expanded[0]['@type'],
    cryptographic_holder_binding: true,
  });
}
const result = DcqlQuery.query(query, held);
if (!result.can_be_satisfied) {
  console.log(JSON.stringify({dcql: {can_be_satisfied: false}, request}));
  process.exit(0);
}

const keyPair = await Ed25519Multikey.from({
  id: input.holder.id,
  controller: input.holder.controller,
  publicKeyMultibase: input.holder.publicKeyMultibase,
  secretKeyMultibase: input.holder.secretKeyMultibase,
});
const twist = input.twist || 'none';
let challenge = request.nonce;
let domain = request.client_id;
if (twist === 'wrong_nonce') challenge = 'not-the-nonce';
if (twist === 'wrong_domain') domain = 'redirect_uri:https://elsewhere.example/cb';

const vpToken = {};
for (const credentialQuery of query.credentials) {
  const match = result.credential_matches[credentialQuery.id];
  if (!match || !match.success) continue;
  const chosen = input.credentials[match.valid_credentials[0].input_credential_index];
  const presentation = vc.createPresentation({
    verifiableCredential: [structuredClone(chosen)],
    holder: input.holder.controller,
  });
  const signed = await vc.signPresentation({
    presentation,
    suite: new DataIntegrityProof({signer: keyPair.signer(), cryptosuite: eddsaRdfc2022}),
    challenge,
    domain,
    documentLoader,
  });
  if (twist === 'tamper') signed.verifiableCredential[0].credentialSubject.achievement.name = 'Surgeon';
  vpToken[credentialQuery.id] = [signed];
}

const response = await createOpenid4vpAuthorizationResponse({
  authorizationRequestPayload: request,
  authorizationResponsePayload: {vp_token: vpToken},
  callbacks,
});
let payload = response.authorizationResponsePayload;
if (twist === 'other_state') {
  // the presentation made for this request, posted with another request's state
  const other = (await resolve(input.second_uri)).authorizationRequestPayload;
  payload = {...payload, state: other.state};
}
async function submit() {
  const sent = await submitOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: payload,
    callbacks,
  });
  const text = await sent.response.text();
  return {status: sent.response.status, body: JSON.parse(text)};
}
const first = await submit();
const out = {
  ...first,
  request,
  client: resolved.client,
  version: resolved.version,
  dcql: {can_be_satisfied: true, ids: Object.keys(vpToken)},
  vp_token: vpToken,
};
if (twist === 'replay') out.replay = await submit();
console.log(JSON.stringify(out));
