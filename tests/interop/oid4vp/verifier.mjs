// An OpenID4VP 1.0 verifier built from libraries others wrote, serving HTTP on 127.0.0.1:
// @openid4vc/openid4vp creates the signed request (JAR by reference, client_id
// decentralized_identifier:did:key:…) and parses the direct_post response (state, vp_token
// shape); Digital Bazaar's vc library verifies each presentation (eddsa-rdfc-2022, the
// request's nonce as challenge and client_id as domain) and the credentials in it;
// `dcql` checks that the presented credentials satisfy the query.
//
// argv[2]: a JSON file {contexts: {url: document}}
// POST /requests {query, twist} -> {id, uri};   GET /request/:id -> the request object
// POST /response (form) -> 200 {} or 400 {error, error_description};   GET /results/:id
import http from 'node:http';
import {readFileSync} from 'node:fs';
import {createHash, randomBytes} from 'node:crypto';
import {
  createOpenid4vpAuthorizationRequest,
  parseOpenid4vpAuthorizationResponse,
} from '@openid4vc/openid4vp';
import {setGlobalConfig} from '@openid4vc/oauth2';
import {DcqlQuery, DcqlPresentationResult} from 'dcql';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {driver as didKeyDriver} from '@digitalbazaar/did-method-key';
import jsonld from 'jsonld';
import {gunzipSync} from 'node:zlib';
import * as jose from 'jose';

setGlobalConfig({allowInsecureUrls: true}); // the tests run on http://127.0.0.1
const {contexts} = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const didKey = didKeyDriver();
didKey.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

async function documentLoader(url) {
  if (contexts[url]) return {contextUrl: null, documentUrl: url, document: contexts[url]};
  if (url.startsWith('did:key:')) {
    return {contextUrl: null, documentUrl: url, document: await didKey.get({url})};
  }
  if (url.startsWith('did:web:')) {
    // an openler on 127.0.0.1:PORT, read over http in these tests
    const [did, fragment] = url.split('#');
    const [host, ...path] = did.slice('did:web:'.length).split(':');
    const response = await fetch(`http://${decodeURIComponent(host)}/${path.join('/')}/did.json`);
    const document = await response.json();
    if (!fragment) return {contextUrl: null, documentUrl: url, document};
    const method = document.verificationMethod.find(m => m.id === url);
    return {
      contextUrl: null,
      documentUrl: url,
      document: {'@context': 'https://w3id.org/security/multikey/v1', ...method},
    };
  }
  throw new Error(`this verifier does not load ${url}`);
}

const {privateKey: signingKey, publicKey} = await jose.generateKeyPair('EdDSA', {extractable: true});
const publicJwk = await jose.exportJWK(publicKey);
const key = await Ed25519Multikey.fromJwk({jwk: publicJwk});
const did = `did:key:${key.publicKeyMultibase}`;
key.id = `${did}#${key.publicKeyMultibase}`;
const clientId = `decentralized_identifier:${did}`;

const requests = new Map(); // id -> {payload, jwt, results}
const byState = new Map();
let base;

const callbacks = {
  fetch,
  hash: data => createHash('sha256').update(data).digest(),
  generateRandom: n => randomBytes(n),
  async signJwt(signer, {header, payload}) {
    const jwt = await new jose.CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({...header, alg: 'EdDSA', kid: signer.didUrl})
      .sign(signingKey);
    return {jwt, signerJwk: publicJwk};
  },
};

async function createRequest({query, twist}) {
  const id = randomBytes(8).toString('hex');
  const nonce = randomBytes(16).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const created = await createOpenid4vpAuthorizationRequest({
    authorizationRequestPayload: {
      response_type: 'vp_token',
      response_mode: 'direct_post',
      client_id: clientId,
      response_uri: `${base}/response`,
      nonce,
      state,
      dcql_query: query,
      client_metadata: {
        client_name: 'Blue Ridge Staffing (Node verifier)',
        vp_formats_supported: {
          ldp_vc: {proof_type_values: ['DataIntegrityProof'], cryptosuite_values: ['eddsa-rdfc-2022']},
        },
      },
    },
    jar: {
      requestUri: `${base}/request/${id}`,
      jwtSigner: {method: 'did', didUrl: key.id, alg: 'EdDSA'},
      additionalJwtPayload: {iat: now, exp: twist === 'expired' ? now - 60 : now + 600},
    },
    callbacks,
  });
  let jwt = created.jar.authorizationRequestJwt;
  if (twist === 'tampered_request') {
    const [h, p, s] = jwt.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url'));
    payload.response_uri = 'http://127.0.0.1:9/steal';
    jwt = [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.');
  }
  const entry = {payload: created.authorizationRequestPayload, jwt, results: [], twist};
  requests.set(id, entry);
  byState.set(state, entry);
  return {id, uri: created.authorizationRequest};
}

async function expandedTypes(credential) {
  const expanded = await jsonld.expand(
    {'@context': credential['@context'], type: credential.type}, {documentLoader});
  return expanded[0]['@type'];
}

// Bitstring Status List 1.0, read here (the list is fetched from openler over http)
async function checkStatus({credential}) {
  for (const entry of [].concat(credential.credentialStatus ?? [])) {
    const list = await (await fetch(entry.statusListCredential)).json();
    const encoded = list.credentialSubject.encodedList;
    const bits = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
    const index = Number(entry.statusListIndex);
    if ((bits[index >> 3] >> (7 - (index % 8))) & 1) {
      return {verified: false, error: new Error(`${entry.statusPurpose} (index ${index})`)};
    }
  }
  return {verified: true};
}

function failure(verified) {
  const errors = [];
  if (verified.presentationResult && !verified.presentationResult.verified) {
    errors.push('presentation: ' + String(verified.presentationResult.error?.message ?? 'not verified'));
  }
  for (const result of verified.credentialResults ?? []) {
    if (!result.verified) {
      const error = result.error ?? result.results?.find(r => !r.verified)?.error;
      errors.push('credential: ' + String(error?.message ?? error?.errors?.[0]?.message ?? JSON.stringify(error)));
    }
  }
  if (verified.error && !errors.length) errors.push(String(verified.error.message));
  return errors.join('; ');
}

async function takeResponse(form) {
  const entry = byState.get(form.state);
  if (!entry) return [400, {error: 'invalid_request', error_description: 'unknown state'}];
  const request = entry.payload;
  let parsed;
  try {
    parsed = await parseOpenid4vpAuthorizationResponse({
      authorizationResponse: form,
      authorizationRequestPayload: request,
      callbacks,
    });
  } catch (error) {
    entry.results.push({ok: false, stage: 'parse', message: String(error.message)});
    return [400, {error: 'invalid_request', error_description: String(error.message)}];
  }
  const query = DcqlQuery.parse(request.dcql_query);
  const dcqlPresentations = {};
  const checks = [];
  for (const [queryId, presentations] of Object.entries(parsed.dcql.presentations)) {
    dcqlPresentations[queryId] = [];
    for (const presentation of presentations) {
      const verified = await vc.verify({
        presentation,
        suite: new DataIntegrityProof({cryptosuite: eddsaRdfc2022}),
        challenge: parsed.expectedNonce,
        domain: request.client_id,
        documentLoader,
        checkStatus,
      });
      checks.push({queryId, verified: verified.verified,
        error: verified.verified ? null : failure(verified)});
      for (const credential of [].concat(presentation.verifiableCredential)) {
        dcqlPresentations[queryId].push({
          credential_format: 'ldp_vc',
          claims: credential,
          type: await expandedTypes(credential),
          cryptographic_holder_binding: true,
        });
      }
    }
  }
  if (entry.twist === 'refuse') checks.push({queryId: '-', verified: false, error: 'this verifier refuses'});
  const dcqlResult = DcqlPresentationResult.fromDcqlPresentation(dcqlPresentations, {dcqlQuery: query});
  const ok = checks.every(c => c.verified) && dcqlResult.can_be_satisfied;
  entry.results.push({
    ok, checks, can_be_satisfied: dcqlResult.can_be_satisfied,
    nonce: parsed.expectedNonce, state: form.state,
    vp_token_keys: Object.keys(parsed.dcql.presentations),
    proof: Object.values(parsed.dcql.presentations)[0][0].proof,
  });
  if (!ok) {
    return [400, {error: 'invalid_request', error_description: JSON.stringify(checks)}];
  }
  return [200, {}];
}

function send(res, status, body, type = 'application/json') {
  res.writeHead(status, {'content-type': type});
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    const url = new URL(req.url, base);
    if (req.method === 'POST' && url.pathname === '/requests') {
      return send(res, 201, await createRequest(JSON.parse(text)));
    }
    if (req.method === 'GET' && url.pathname.startsWith('/request/')) {
      const entry = requests.get(url.pathname.slice('/request/'.length));
      if (!entry) return send(res, 404, {error: 'invalid_request_uri'});
      return send(res, 200, entry.jwt, 'application/oauth-authz-req+jwt');
    }
    if (req.method === 'POST' && url.pathname === '/response') {
      const form = Object.fromEntries(new URLSearchParams(text));
      const [status, body] = await takeResponse(form);
      return send(res, status, body);
    }
    if (req.method === 'GET' && url.pathname.startsWith('/results/')) {
      const entry = requests.get(url.pathname.slice('/results/'.length));
      return send(res, entry ? 200 : 404, entry ? entry.results : {});
    }
    send(res, 404, {error: 'not_found'});
  } catch (error) {
    send(res, 500, {error: 'server_error', error_description: String(error.stack)});
  }
});
server.listen(0, '127.0.0.1', () => {
  base = `http://127.0.0.1:${server.address().port}`;
  console.log(JSON.stringify({listening: server.address().port}));
});
