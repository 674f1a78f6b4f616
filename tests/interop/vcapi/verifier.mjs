// A VC API exchange verifier in Node, for openler's wallet to answer: interaction URLs
// answering {"protocols": {"vcapi": ...}}, a verifiablePresentationRequest (QueryByExample,
// with DIDAuthentication unless the exchange was made without), and the answer verified
// by Digital Bazaar's @digitalbazaar/vc with the eddsa-rdfc-2022 suite (db_world.mjs) —
// the presentation's proof for the challenge and domain, and every credential in it with
// its status list from the live openler server.
//
// node verifier.mjs OPENLER_BASE_URL; prints {"listening": PORT} first.
// POST /admin/exchanges {"didAuth": bool}   -> {"id", "interactionUrl"}
// GET  /admin/results/ID                     -> {"state", "verified", "error", "presentation"}
import http from 'node:http';
import {randomUUID} from 'node:crypto';
import * as vc from '@digitalbazaar/vc';
import {world} from './db_world.mjs';

const {documentLoader, suite, checkStatus} = world(process.argv[2]);
const exchanges = new Map();
let base = '';

function send(response, status, body) {
  response.writeHead(status, {'Content-Type': 'application/json'});
  response.end(JSON.stringify(body));
}

async function body(request) {
  let text = '';
  for await (const chunk of request) text += chunk;
  return text ? JSON.parse(text) : {};
}

function vpr(id, exchange) {
  const query = [{
    type: 'QueryByExample',
    credentialQuery: {
      reason: 'Piedmont-style check of a nursing licence, by an independent verifier',
      example: {
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        type: ['VerifiableCredential', 'OpenBadgeCredential']
      }
    }
  }];
  if (exchange.didAuth) query.push({type: 'DIDAuthentication', acceptedMethods: [{method: 'key'}]});
  return {
    query, challenge: exchange.challenge, domain: exchange.domain,
    interact: {service: [{type: 'UnmediatedPresentationService2021', serviceEndpoint: `${base}/exchanges/${id}`}]}
  };
}

async function answer(id, exchange, presentation) {
  if (exchange.state !== 'pending') return {error: 'exchange_complete', error_description: 'already answered'};
  let result;
  if (exchange.didAuth) {
    result = await vc.verify({
      presentation, suite, documentLoader, checkStatus,
      challenge: exchange.challenge, domain: exchange.domain
    });
  } else {
    result = await vc.verify({presentation, suite, documentLoader, checkStatus, unsignedPresentation: true});
  }
  const error = result.error
    ? String(result.error.errors?.[0]?.message ?? result.error.message ?? result.error)
    : null;
  exchange.result = {verified: result.verified, error, presentation};
  if (!result.verified) return {error: 'invalid_presentation', error_description: error};
  exchange.state = 'complete';
  return {};
}

const server = http.createServer(async (request, response) => {
  try {
    const url = new URL(request.url, base);
    const parts = url.pathname.split('/').filter(Boolean);
    if (request.method === 'POST' && url.pathname === '/admin/exchanges') {
      const options = await body(request);
      const id = randomUUID();
      exchanges.set(id, {
        didAuth: options.didAuth !== false, challenge: randomUUID(), domain: new URL(base).host,
        state: 'pending', result: null
      });
      return send(response, 201, {id, interactionUrl: `${base}/exchanges/${id}?iuv=1`});
    }
    if (request.method === 'GET' && parts[0] === 'admin' && parts[1] === 'results') {
      const exchange = exchanges.get(parts[2]);
      return send(response, exchange ? 200 : 404, exchange
        ? {state: exchange.state, ...(exchange.result ?? {})} : {error: 'unknown'});
    }
    if (parts[0] === 'exchanges' && exchanges.has(parts[1])) {
      const id = parts[1];
      const exchange = exchanges.get(id);
      if (request.method === 'GET') {
        return send(response, 200, {protocols: {vcapi: `${base}/exchanges/${id}`}});
      }
      const received = await body(request);
      if (!received.verifiablePresentation) {
        return send(response, 200, {verifiablePresentationRequest: vpr(id, exchange)});
      }
      const outcome = await answer(id, exchange, received.verifiablePresentation);
      return send(response, outcome.error ? 400 : 200, outcome);
    }
    return send(response, 404, {error: 'not_found'});
  } catch (e) {
    return send(response, 500, {error: 'server_error', error_description: String(e?.message ?? e)});
  }
});

server.listen(0, '127.0.0.1', () => {
  const {port} = server.address();
  base = `http://127.0.0.1:${port}`;
  process.stdout.write(JSON.stringify({listening: port}) + '\n');
});
