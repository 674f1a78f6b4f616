// A wallet built on @openid4vc/openid4vci (OpenWallet Foundation), run against openler's
// credential issuer: resolve the offer, fetch metadata, exchange the pre-authorized code,
// get a nonce, prove possession of a key with a jwt proof made by the library, get the
// credential — then verify it with Digital Bazaar's vc (ldp_vc) or jose (jwt_vc_json).
//
// In:  {offer, offer2?, txCode?, keyType: "Ed25519"|"P-256", proofKey: "kid"|"jwk",
//       proofType: "jwt" (default) | "di_vp" (a presentation Digital Bazaar's vc signs),
//       scenario: "happy"|"replay-code"|"wrong-tx"|"wrong-nonce"|"reused-nonce"|
//                 "other-key"|"wrong-aud"|"expired",
//       issuerJwks: {kid: jwk}}
// Out: {credential, format, holder, verification} or {error, error_description, stage}
import {Openid4vciClient, setGlobalConfig} from '@openid4vc/openid4vci';
import {clientAuthenticationAnonymous} from '@openid4vc/oauth2';
import {
  DataIntegrityProof, callbacksBase, documentLoader, eddsaRdfc2022, holderKey, issuerKey, jose,
  readInput, signWith, vc,
} from './common.mjs';

setGlobalConfig({allowInsecureUrls: true}); // openler runs on http://127.0.0.1 in the tests

const input = await readInput();
const holder = await holderKey(input.keyType ?? 'Ed25519');
const other = await holderKey(input.keyType ?? 'Ed25519');
const signingKey = input.scenario === 'other-key' ? other : holder;

const client = new Openid4vciClient({
  callbacks: {
    ...callbacksBase,
    fetch,
    clientAuthentication: clientAuthenticationAnonymous(),
    signJwt: async (signer, {header, payload}) => ({
      jwt: await signWith(signingKey.privateKey, header, payload),
      signerJwk: holder.jwk,
    }),
  },
});

function refusal(stage, error) {
  const body = error?.errorResponse
    ?? error?.response?.credentialErrorResponseResult?.data
    ?? {error: 'unexpected', error_description: String(error?.message ?? error)};
  return {stage, error: body.error, error_description: body.error_description};
}

async function tokenFor(offerUri, txCode) {
  const credentialOffer = await client.resolveCredentialOffer(offerUri);
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
  const {accessTokenResponse} = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer, issuerMetadata, txCode,
  });
  return {credentialOffer, issuerMetadata, accessTokenResponse};
}

// di_vp: a presentation signed by Digital Bazaar's vc (eddsa-rdfc-2022, authentication)
const presenter = input.proofType === 'di_vp' ? await issuerKey() : null;

async function diVpFor(issuerMetadata, nonce) {
  const presentation = vc.createPresentation({holder: presenter.controller, version: 2.0});
  const suite = new DataIntegrityProof({signer: presenter.signer(), cryptosuite: eddsaRdfc2022});
  return vc.signPresentation({
    presentation, suite, challenge: nonce,
    domain: issuerMetadata.credentialIssuer.credential_issuer, documentLoader: documentLoader(),
  });
}

async function proofFor(issuerMetadata, configurationId, nonce) {
  if (input.scenario === 'wrong-aud') {
    const header = {alg: holder.alg, typ: 'openid4vci-proof+jwt', kid: holder.kid};
    const payload = {aud: 'https://elsewhere.example/issuer', iat: Math.floor(Date.now() / 1000), nonce};
    return {jwt: await signWith(holder.privateKey, header, payload)};
  }
  const signer = input.proofKey === 'jwk'
    ? {method: 'jwk', publicJwk: holder.jwk, alg: holder.alg}
    : {method: 'did', didUrl: holder.kid, alg: holder.alg};
  return client.createCredentialRequestJwtProof({
    issuerMetadata, credentialConfigurationId: configurationId, signer, nonce,
  });
}

async function credentialWith(offerUri, nonceOverride) {
  let stage = 'token';
  try {
    const {credentialOffer, issuerMetadata, accessTokenResponse} = await tokenFor(offerUri, input.txCode);
    if (input.scenario === 'replay-code') {
      stage = 'token (again)'; // the same code sent again
      await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
        credentialOffer, issuerMetadata, txCode: input.txCode,
      });
      return {stage, error: 'none', error_description: 'the code was accepted twice'};
    }
    stage = 'nonce';
    const {c_nonce: nonce} = await client.requestNonce({issuerMetadata});
    const configurationId = credentialOffer.credential_configuration_ids[0];
    stage = 'credential';
    const proofs = presenter
      ? {di_vp: [await diVpFor(issuerMetadata, nonceOverride ?? nonce)]}
      : {jwt: [(await proofFor(issuerMetadata, configurationId, nonceOverride ?? nonce)).jwt]};
    const response = await client.retrieveCredentials({
      issuerMetadata, accessToken: accessTokenResponse.access_token,
      credentialConfigurationId: configurationId, proof: undefined, proofs,
    });
    const format = issuerMetadata.credentialIssuer.credential_configurations_supported[configurationId].format;
    const entry = response.credentialResponse.credentials[0];
    return {credential: entry.credential ?? entry, format, nonce, issuerMetadata};
  } catch (error) {
    return refusal(stage, error);
  }
}

async function verify(result) {
  if (result.format === 'ldp_vc') return null; // verify_ldp.mjs, once the lists are fetched
  // jwt_vc_json: the issuer's key from its DID document (passed in), checked by jose
  const {kid} = jose.decodeProtectedHeader(result.credential);
  const jwk = input.issuerJwks?.[kid];
  if (!jwk) return {verified: false, error: `no key ${kid}`};
  try {
    const {payload} = await jose.jwtVerify(result.credential, await jose.importJWK(jwk, 'EdDSA'));
    return {verified: true, payload};
  } catch (error) {
    return {verified: false, error: String(error)};
  }
}

let out;
if (input.scenario === 'wrong-nonce') {
  out = await credentialWith(input.offer, 'a-nonce-openler-never-gave');
} else if (input.scenario === 'reused-nonce') {
  const first = await credentialWith(input.offer);
  out = first.error ? first : await credentialWith(input.offer2, first.nonce);
} else {
  out = await credentialWith(input.offer);
  if (!out.error && input.scenario !== 'happy') {
    out = {stage: 'credential', error: 'none', error_description: 'the issuer accepted it'};
  } else if (!out.error) {
    out.verification = await verify(out);
    delete out.issuerMetadata;
  }
}
out.holder = presenter ? presenter.controller : input.proofKey === 'jwk' ? 'jwk' : holder.did;
out.holderJwk = holder.jwk;
console.log(JSON.stringify(out));
