import type { Route, RouteRequest } from '../../src/index.js';
import type { commandsContract } from './contract.js';

/** The path names the target; a body must not redirect the call to another id. */
const pathId = (req: RouteRequest) => ({ id: req.params.id });

export const routes: Route<typeof commandsContract>[] = [
  { method: 'POST', path: '/', access: 'operator', status: 202, operation: 'sendCommand' },
  { method: 'GET', path: '/', access: 'viewer', operation: 'listCommands' },
  { method: 'GET', path: '/:id', access: 'viewer', operation: 'getCommand', input: pathId },
  { method: 'DELETE', path: '/:id', access: 'operator', operation: 'cancelCommand', input: pathId },
];
