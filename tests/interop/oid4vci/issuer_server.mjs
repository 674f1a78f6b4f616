// An OpenID4VCI credential issuer built on @openid4vc/openid4vci (Openid4vciIssuer) and
// @openid4vc/oauth2 (Oauth2AuthorizationServer), signing with Digital Bazaar's vc and the
// eddsa-rdfc-2022 cryptosuite: the independent issuer openler's wallet receives from.
//
// It serves its metadata, offers by value and by reference, the token endpoint (the
// pre-authorized code grant, optional tx_code), the nonce endpoint and the credential
// endpoint. POST /test/offers {txCode?: bool, byReference?: bool, mode?: "honest"|
// "other-holder"|"tampered"} makes an offer (a hook
// for the test, standing in for the issuer's own back office).
import http from 'node:http';
import {randomUUID} from 'node:crypto';
import {Openid4vciIssuer, Openid4vciVersion, setGlobalConfig} from '@openid4vc/openid4vci';
import {Oauth2AuthorizationServer, preAuthorizedCodeGrantIdentifier} from '@openid4vc/oauth2';
import * as base58 from 'base58-universal';
import {
  DataIntegrityProof, callbacksBase, documentLoader, eddsaRdfc2022, holderKey, issuerKey, jose,
  signWith, vc,
} from './common.mjs';

setGlobalConfig({allowInsecureUrls: true});

const signingKey = await issuerKey(); // the issuer's did:key (Ed25519 Multikey)
const tokenKey = await holderKey('Ed25519'); // signs access tokens
const OB3 = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
const VC2 = 'https://www.w3.org/ns/credentials/v2';

function publicJwkOfDid(didUrl) {
  const fingerprint = didUrl.split('#')[0].slice('did:key:'.length);
  const bytes = base58.decode(fingerprint.slice(1));
  if (bytes[0] === 0xed && bytes[1] === 0x01) {
    return {kty: 'OKP', crv: 'Ed25519', x: Buffer.from(bytes.slice(2)).toString('base64url')};
  }
  throw new Error(`unsupported did:key ${didUrl}`);
}

async function verifyJwt(signer, {compact}) {
  const jwk = signer.method === 'jwk' ? signer.publicJwk : publicJwkOfDid(signer.didUrl);
  try {
    await jose.compactVerify(compact, await jose.importJWK(jwk, signer.alg));
    return {verified: true, signerJwk: jwk};
  } catch {
    return {verified: false};
  }
}

const callbacks = {
  ...callbacksBase,
  fetch,
  verifyJwt,
  signJwt: async (signer, {header, payload}) => ({
    jwt: await signWith(tokenKey.privateKey, header, payload), signerJwk: tokenKey.jwk,
  }),
  clientAuthentication: () => {},
};
const issuer = new Openid4vciIssuer({callbacks});
const authorizationServer = new Oauth2AuthorizationServer({callbacks});

const offers = new Map(); // pre-authorized code -> {txCode, used, expiresAt}
const byReference = new Map(); // offer id -> offer object
const tokens = new Map(); // access token -> {code, used}
const nonces = new Map(); // c_nonce -> expiry

let base;
let credentialIssuerMetadata;
let authorizationServerMetadata;

function issuerMetadataResult() {
  return {
    originalDraftVersion: Openid4vciVersion.V1,
    credentialIssuer: credentialIssuerMetadata,
    authorizationServers: [authorizationServerMetadata],
    knownCredentialConfigurations: issuer.getKnownCredentialConfigurationsSupported(credentialIssuerMetadata),
  };
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, {'content-type': 'application/json', 'cache-control': 'no-store', ...headers});
  res.end(JSON.stringify(body));
}

async function body(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function oauthError(res, error) {
  console.error('refused:', error?.message, JSON.stringify(error?.errorResponse), error?.cause ?? '', error?.stack);
  const response = error?.errorResponse ?? {error: 'invalid_request', error_description: String(error?.message ?? error)};
  send(res, error?.status ?? 400, response);
}

async function makeOffer({txCode = false, byReference: reference = false, configuration = 'forklift_ldp', mode = 'honest'}) {
  const code = randomUUID();
  const tx = txCode ? String(Math.floor(100000 + Math.random() * 899999)) : undefined;
  offers.set(code, {txCode: tx, used: false, expiresAt: Date.now() + 600_000, mode});
  const id = randomUUID();
  const {credentialOffer, credentialOfferObject} = await issuer.createCredentialOffer({
    issuerMetadata: issuerMetadataResult(),
    credentialConfigurationIds: [configuration],
    grants: {
      [preAuthorizedCodeGrantIdentifier]: {
        'pre-authorized_code': code,
        ...(tx ? {tx_code: {input_mode: 'numeric', length: 6, description: 'Sent by text'}} : {}),
      },
    },
    ...(reference ? {credentialOfferUri: `${base}/offers/${id}`} : {}),
  });
  byReference.set(id, credentialOfferObject);
  return {offer: credentialOffer, txCode: tx};
}

async function token(req, res) {
  const form = Object.fromEntries(new URLSearchParams(await body(req)));
  const request = {method: 'POST', url: `${base}/token`, headers: new Headers(req.headers)};
  try {
    const {grant, accessTokenRequest} = authorizationServer.parseAccessTokenRequest({request, accessTokenRequest: form});
    const offer = offers.get(grant.preAuthorizedCode);
    if (!offer || offer.used) {
      return send(res, 400, {error: 'invalid_grant', error_description: 'unknown or used pre-authorized code'});
    }
    await authorizationServer.verifyPreAuthorizedCodeAccessTokenRequest({
      authorizationServerMetadata, grant, accessTokenRequest, request,
      expectedPreAuthorizedCode: grant.preAuthorizedCode,
      expectedTxCode: offer.txCode,
      preAuthorizedCodeExpiresAt: new Date(offer.expiresAt),
    });
    offer.used = true;
    const created = await authorizationServer.createAccessTokenResponse({
      authorizationServer: base, audience: base, expiresInSeconds: 300,
      signer: {method: 'jwk', publicJwk: tokenKey.jwk, alg: tokenKey.alg},
      subject: grant.preAuthorizedCode,
    });
    const accessTokenResponse = created.accessTokenResponse ?? created;
    tokens.set(accessTokenResponse.access_token, {used: false, mode: offer.mode});
    send(res, 200, accessTokenResponse);
  } catch (error) {
    oauthError(res, error);
  }
}

async function credential(req, res) {
  const access = (req.headers.authorization ?? '').replace(/^Bearer /, '');
  const grant = tokens.get(access);
  if (!grant || grant.used) {
    return send(res, 401, {error: 'invalid_token'}, {'www-authenticate': 'Bearer error="invalid_token"'});
  }
  try {
    const parsed = issuer.parseCredentialRequest({
      issuerMetadata: issuerMetadataResult(), credentialRequest: JSON.parse(await body(req)),
    });
    const jwt = parsed.proofs?.jwt?.[0] ?? parsed.proof?.jwt;
    const claimed = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url')).nonce;
    const expiresAt = nonces.get(claimed);
    const {signer} = await issuer.verifyCredentialRequestJwtProof({
      issuerMetadata: issuerMetadataResult(), jwt,
      expectedNonce: expiresAt ? claimed : 'none-given', nonceExpiresAt: new Date(expiresAt ?? 0),
    });
    nonces.delete(claimed);
    grant.used = true;
    // a misbehaving issuer, for the wallet's refusals: bound to someone else, or altered
    const holder = grant.mode === 'other-holder'
      ? (await issuerKey()).controller
      : signer.method === 'did' ? signer.didUrl.split('#')[0] : null;
    const unsigned = {
      '@context': [VC2, OB3],
      id: `urn:uuid:${randomUUID()}`,
      type: ['VerifiableCredential', 'OpenBadgeCredential'],
      name: 'Forklift Operator Safety',
      issuer: {id: signingKey.controller, type: ['Profile'], name: 'Independent Training Institute'},
      validFrom: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      credentialSubject: {
        id: holder,
        type: ['AchievementSubject'],
        achievement: {
          id: 'urn:uuid:4b5d8c8e-2f6b-4c1f-9a27-6d1d3f0f9a11',
          type: ['Achievement'],
          name: 'Forklift Operator Safety',
          description: 'Operates a counterbalance forklift safely.',
          criteria: {narrative: 'Passed the practical assessment.'},
        },
      },
    };
    const suite = new DataIntegrityProof({signer: signingKey.signer(), cryptosuite: eddsaRdfc2022});
    const signed = await vc.issue({credential: unsigned, suite, documentLoader: documentLoader()});
    if (grant.mode === 'tampered') signed.credentialSubject.achievement.name = 'Crane Operator';
    const response = issuer.createCredentialResponse({credentialRequest: parsed, credentials: [{credential: signed}]});
    send(res, 200, response.credentialResponse ?? response);
  } catch (error) {
    oauthError(res, error);
  }
}

const server = http.createServer(async (req, res) => {
  const path = new URL(req.url, base).pathname;
  try {
    if (req.method === 'GET' && path === '/.well-known/openid-credential-issuer') return send(res, 200, credentialIssuerMetadata);
    if (req.method === 'GET' && path === '/.well-known/oauth-authorization-server') return send(res, 200, authorizationServerMetadata);
    if (req.method === 'GET' && path.startsWith('/offers/')) {
      const found = byReference.get(path.slice('/offers/'.length));
      return found ? send(res, 200, found) : send(res, 404, {error: 'not_found'});
    }
    if (req.method === 'POST' && path === '/token') return await token(req, res);
    if (req.method === 'POST' && path === '/nonce') {
      const cNonce = randomUUID();
      nonces.set(cNonce, Date.now() + 300_000);
      return send(res, 200, issuer.createNonceResponse({cNonce}).nonceResponse ?? {c_nonce: cNonce});
    }
    if (req.method === 'POST' && path === '/credential') return await credential(req, res);
    if (req.method === 'POST' && path === '/test/offers') return send(res, 200, await makeOffer(JSON.parse((await body(req)) || '{}')));
    if (req.method === 'GET' && path === '/test/issuer') return send(res, 200, {did: signingKey.controller});
    send(res, 404, {error: 'not_found'});
  } catch (error) {
    send(res, 500, {error: 'server_error', error_description: String(error?.stack ?? error)});
  }
});

server.listen(0, '127.0.0.1', () => {
  base = `http://127.0.0.1:${server.address().port}`;
  credentialIssuerMetadata = issuer.createCredentialIssuerMetadata({
    credential_issuer: base,
    credential_endpoint: `${base}/credential`,
    nonce_endpoint: `${base}/nonce`,
    display: [{name: 'Independent Training Institute', locale: 'en-US'}],
    credential_configurations_supported: {
      forklift_ldp: {
        format: 'ldp_vc',
        cryptographic_binding_methods_supported: ['did:key'],
        credential_signing_alg_values_supported: ['eddsa-rdfc-2022'],
        proof_types_supported: {jwt: {proof_signing_alg_values_supported: ['EdDSA', 'ES256']}},
        credential_definition: {'@context': [VC2, OB3], type: ['VerifiableCredential', 'OpenBadgeCredential']},
        credential_metadata: {display: [{name: 'Forklift Operator Safety', locale: 'en-US'}]},
      },
    },
  });
  authorizationServerMetadata = authorizationServer.createAuthorizationServerMetadata({
    issuer: base,
    token_endpoint: `${base}/token`,
    'pre-authorized_grant_anonymous_access_supported': true,
  });
  console.log(JSON.stringify({listening: server.address().port}));
});
