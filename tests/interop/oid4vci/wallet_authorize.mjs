// The authorization code flow of @openid4vc/openid4vci's Openid4vciClient against openler:
// step "start" turns an offer (authorization_code grant, issuer_state) into the
// authorization request URL the wallet opens in the browser (PKCE S256, made by the
// library); step "finish" exchanges the code the browser came back with for an access
// token, gets a nonce, proves a key and receives the credential.
//
// In:  {step: "start", offer, redirectUri} -> {url, codeVerifier}
//      {step: "finish", offer, redirectUri, code, codeVerifier} -> {credential, holder}
//                                                               or {stage, error, ...}
import {Openid4vciClient, extractScopesForCredentialConfigurationIds, setGlobalConfig} from '@openid4vc/openid4vci';
import {clientAuthenticationAnonymous} from '@openid4vc/oauth2';
import {callbacksBase, holderKey, readInput, signWith} from './common.mjs';

setGlobalConfig({allowInsecureUrls: true});

const input = await readInput();
const holder = await holderKey('Ed25519');
const client = new Openid4vciClient({
  callbacks: {
    ...callbacksBase,
    fetch,
    clientAuthentication: clientAuthenticationAnonymous(),
    signJwt: async (signer, {header, payload}) => ({
      jwt: await signWith(holder.privateKey, header, payload), signerJwk: holder.jwk,
    }),
  },
});

const credentialOffer = await client.resolveCredentialOffer(input.offer);
const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
const configurationId = credentialOffer.credential_configuration_ids[0];

let out;
if (input.step === 'start') {
  const scope = extractScopesForCredentialConfigurationIds({
    credentialConfigurationIds: [configurationId], issuerMetadata,
  })?.join(' ');
  const {authorizationRequestUrl, pkce} = await client.createAuthorizationRequestUrlFromOffer({
    credentialOffer, issuerMetadata, clientId: 'independent-wallet', redirectUri: input.redirectUri, scope,
  });
  out = {url: authorizationRequestUrl, codeVerifier: pkce?.codeVerifier};
} else {
  let stage = 'token';
  try {
    const {accessTokenResponse} = await client.retrieveAuthorizationCodeAccessTokenFromOffer({
      credentialOffer, issuerMetadata, authorizationCode: input.code,
      pkceCodeVerifier: input.codeVerifier, redirectUri: input.redirectUri,
    });
    stage = 'credential';
    const {c_nonce: nonce} = await client.requestNonce({issuerMetadata});
    const proof = await client.createCredentialRequestJwtProof({
      issuerMetadata, credentialConfigurationId: configurationId, nonce,
      signer: {method: 'did', didUrl: holder.kid, alg: holder.alg},
    });
    const response = await client.retrieveCredentials({
      issuerMetadata, accessToken: accessTokenResponse.access_token,
      credentialConfigurationId: configurationId, proofs: {jwt: [proof.jwt]},
    });
    const entry = response.credentialResponse.credentials[0];
    out = {credential: entry.credential ?? entry, holder: holder.did};
  } catch (error) {
    const body = error?.errorResponse ?? {error: 'unexpected', error_description: String(error?.message ?? error)};
    out = {stage, error: body.error, error_description: body.error_description};
  }
}
console.log(JSON.stringify(out));
