// Digital Bazaar's verification of an ldp_vc (eddsa-rdfc-2022), offline.
// In: {credential, documents: {url: document}, lists: {url: status list credential}}
// Out: {verified, error}
import {readInput, verifyLdp} from './common.mjs';

const input = await readInput();
console.log(JSON.stringify(await verifyLdp(input.credential, input)));
