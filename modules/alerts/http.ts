import type { Route, RouteRequest } from '../../src/index.js';
import type { alertsContract } from './contract.js';

/** The path names the target; a body must not redirect the call to another id. */
const pathId = (req: RouteRequest) => ({ id: req.params.id });

export const routes: Route<typeof alertsContract>[] = [
  { method: 'POST', path: '/rules', access: 'operator', status: 201, operation: 'createRule' },
  { method: 'GET', path: '/rules', access: 'viewer', operation: 'listRules' },
  { method: 'DELETE', path: '/rules/:id', access: 'operator', status: 204, operation: 'deleteRule', input: pathId },
  { method: 'GET', path: '/', access: 'viewer', operation: 'listAlerts' },
  { method: 'POST', path: '/:id/ack', access: 'operator', operation: 'acknowledgeAlert', input: pathId },
];
