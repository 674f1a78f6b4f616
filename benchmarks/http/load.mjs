// The load generator of `make bench-http`, the same for every service measured: autocannon
// posting the given VC API request bodies in turn (each connection cycles through all of
// them) to POST /credentials/verify, after a warm-up run whose figures are dropped.
//
// Usage: node load.mjs --url http://127.0.0.1:PORT --bodies FILE.json
//          [--connections 8] [--seconds 10] [--warmup 3]
// FILE.json is a JSON array of request bodies (objects). Prints one JSON line:
// {"warmupRequests": n, "requests": n, "rps": mean requests/s, "p50": ms, "p90": ms, "p99": ms, "max": ms,
//  "errors": socket errors and timeouts, "non2xx": answers other than 2xx}
import {readFileSync} from 'node:fs';
import {parseArgs} from 'node:util';
import autocannon from 'autocannon';

const {values: args} = parseArgs({options: {
  url: {type: 'string'},
  bodies: {type: 'string'},
  connections: {type: 'string', default: '8'},
  seconds: {type: 'string', default: '10'},
  warmup: {type: 'string', default: '3'},
}});

const bodies = JSON.parse(readFileSync(args.bodies, 'utf8'));
const requests = bodies.map(body => ({
  method: 'POST',
  path: '/credentials/verify',
  headers: {'content-type': 'application/json', accept: 'application/json'},
  body: JSON.stringify(body),
}));

function run(seconds) {
  return autocannon({
    url: args.url,
    connections: Number(args.connections),
    duration: seconds,
    requests,
    timeout: 30,
  });
}

const warmup = Number(args.warmup) > 0 ? await run(Number(args.warmup)) : null;
const result = await run(Number(args.seconds));
process.stdout.write(JSON.stringify({
  warmupRequests: warmup ? warmup.requests.total : 0,
  requests: result.requests.total,
  rps: result.requests.average,
  p50: result.latency.p50,
  p90: result.latency.p90,
  p99: result.latency.p99,
  max: result.latency.max,
  errors: result.errors + result.timeouts,
  non2xx: result.non2xx,
}) + '\n');
