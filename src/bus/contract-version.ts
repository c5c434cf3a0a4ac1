import { majorOf, type Contract } from '../contract/contract.js';
import { CleaveError } from '../errors.js';
import type { Envelope } from './envelope.js';

/**
 * Guarantee: a request built against another major version of a module's contract than the one this host serves
 * is refused with VERSION_MISMATCH, naming the module and both versions, before its input is validated (so the
 * caller learns that the builds differ, not that a field looks wrong). Minor and patch differences pass: they are
 * compatible by the rules `cleave contracts check` enforces. A request that states no version (a build from before
 * contract versions) is served as before.
 */
export function assertSameMajor(contract: Contract, request: Envelope): void {
  const theirs = request.contractversion;
  if (theirs === undefined || theirs === contract.version) return;
  if (typeof theirs === 'string' && majorOf(theirs) === majorOf(contract.version)) return;
  throw new CleaveError(
    'VERSION_MISMATCH',
    `${request.type}: the caller was built with the ${contract.name} contract ${String(theirs)}, this host serves ${contract.version}: deploy builds of the same major version`,
    { module: contract.name, callerVersion: theirs, hostVersion: contract.version },
  );
}
