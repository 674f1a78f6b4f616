// A Learner-Credential-Wallet-like client, built from the libraries LCW itself uses:
// @digitalcredentials/vc, @digitalcredentials/ed25519-signature-2020,
// @digitalcredentials/ed25519-verification-key-2020 and the DCC security document loader.
// It walks a VC API exchange the way LCW does (GET the interaction URL for JSON, POST {},
// read the verifiablePresentationRequest, answer it at interact.service[0].serviceEndpoint),
// and signs credentials and DIDAuth presentations with Ed25519Signature2020 for the tests.
//
// JSON on stdin: {"action": ..., ...}; JSON out on stdout (the last line).
import * as vc from '@digitalcredentials/vc';
import {Ed25519Signature2020} from '@digitalcredentials/ed25519-signature-2020';
import {Ed25519VerificationKey2020} from '@digitalcredentials/ed25519-verification-key-2020';
import {securityLoader} from '@digitalcredentials/security-document-loader';

const documentLoader = securityLoader().build();

async function wallet(seedHex) {
  const key = await Ed25519VerificationKey2020.generate({seed: Buffer.from(seedHex, 'hex')});
  const did = `did:key:${key.fingerprint()}`;
  key.controller = did;
  key.id = `${did}#${key.fingerprint()}`;
  return {key, did, suite: new Ed25519Signature2020({key})};
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
}

// LCW's QueryByExample match: every example value must be in the credential
function matches(example, value) {
  for (const [k, want] of Object.entries(example)) {
    const got = value?.[k];
    if (Array.isArray(want)) {
      if (!Array.isArray(got) || !want.every(w => got.includes(w))) return false;
    } else if (want && typeof want === 'object') {
      if (!matches(want, got)) return false;
    } else if (got !== want) {
      return false;
    }
  }
  return true;
}

async function presentation({seed, signerSeed, holder, credentials = [], challenge, domain, signed = true}) {
  const me = await wallet(seed);
  const signer = signerSeed ? await wallet(signerSeed) : me;
  const options = {holder: holder ?? me.did};
  if (credentials.length) options.verifiableCredential = credentials;
  const unsigned = vc.createPresentation(options);
  if (!signed) return unsigned;
  return vc.signPresentation({
    presentation: unsigned, suite: signer.suite, challenge, domain, documentLoader
  });
}

async function postJson(url, body) {
  const answer = await fetch(url, {
    method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)
  });
  // LCW reads the body whatever the status
  return {status: answer.status, body: await answer.json()};
}

async function exchange(payload) {
  const {url, seed, credentials = [], tamper = {}} = payload;
  const got = await fetch(url, {headers: {Accept: 'application/json'}});
  const protocols = await got.json();
  const vcapi = protocols?.protocols?.vcapi;
  if (!vcapi) return {protocols};
  const first = await postJson(vcapi, {});
  const vpr = first.body.verifiablePresentationRequest;
  if (!vpr) return {protocols, first};
  let signed = false;
  let chosen = [];
  for (const query of [].concat(vpr.query)) {
    if (query.type === 'DIDAuthentication' || query.type === 'DIDAuth') {
      signed = true;
    } else if (query.type === 'QueryByExample') {
      const example = query.credentialQuery?.example;
      chosen = chosen.concat(credentials.filter(c => example && matches(example, c)));
    }
  }
  const vp = await presentation({
    seed,
    signerSeed: tamper.signerSeed,
    credentials: chosen,
    challenge: tamper.challenge ?? vpr.challenge,
    domain: tamper.domain ?? vpr.domain,
    signed: tamper.unsigned ? false : signed
  });
  const target = vpr.interact?.service?.[0]?.serviceEndpoint ?? vcapi;
  const second = await postJson(target, {verifiablePresentation: vp});
  return {protocols, request: vpr, sent: vp, status: second.status, response: second.body, target};
}

const payload = await readStdin();
let out;
switch (payload.action) {
  case 'did': {
    out = {did: (await wallet(payload.seed)).did};
    break;
  }
  case 'sign-credential': {
    const issuer = await wallet(payload.seed);
    out = await vc.issue({credential: payload.credential, suite: issuer.suite, documentLoader});
    break;
  }
  case 'presentation': {
    out = await presentation(payload);
    break;
  }
  case 'verify-credential': {
    // LCW's own check of what it received (Ed25519Signature2020 or Data Integrity proofs
    // are not both understood by this stack: the result says which)
    out = await vc.verifyCredential({
      credential: payload.credential, suite: new Ed25519Signature2020(), documentLoader
    });
    out = {verified: out.verified};
    break;
  }
  case 'exchange': {
    out = await exchange(payload);
    break;
  }
  case 'post': {
    out = await postJson(payload.url, payload.body);
    break;
  }
  default:
    throw new Error(`unknown action ${payload.action}`);
}
process.stdout.write(JSON.stringify(out) + '\n');
