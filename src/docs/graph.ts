import { declaredPorts, declaredTopics, type ModuleDefinition } from '../kernel/module.js';
import { summarize } from './summary.js';

/**
 * Guarantee: the graph says only what the build declares. Module nodes and their edges come from contracts,
 * subscriptions (`on`) and calls (`uses`); the kernel's nodes, HTTP and the device listener, get edges only
 * to the modules whose routes and ports they use, and from the events those ports name.
 */

/** A box of the graph: a module, or a kernel component. */
export interface GraphNode {
  id: string;
  label: string;
  kind: 'module' | 'kernel';
}

/** An arrow: `call` from caller to callee (labels: operations), `event` from publisher to consumer (labels: events). */
export interface GraphEdge {
  from: string;
  to: string;
  kind: 'call' | 'event';
  labels: string[];
}

/** Who calls whom and who consumes which events. */
export interface ModuleGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** Kernel node ids hold an underscore, which no module name can (`^[a-z][a-z0-9-]*$`). */
export const httpNode = 'kernel_http';
export const listenerNode = 'kernel_device_listener';
const nodeId = (module: string) => module.replace(/-/g, '_');

/** The graph of a build's modules, with HTTP and the device listener where some module uses them. */
export function moduleGraph(definitions: ModuleDefinition[]): ModuleGraph {
  const edges = new Map<string, GraphEdge>();
  const add = (from: string, to: string, kind: GraphEdge['kind'], label: string) => {
    const key = `${kind} ${from} ${to}`;
    const edge = edges.get(key) ?? { from, to, kind, labels: [] };
    if (!edge.labels.includes(label)) edge.labels.push(label);
    edges.set(key, edge);
  };
  for (const summary of summarize(definitions)) {
    for (const event of summary.events) {
      for (const consumer of event.consumedBy) add(nodeId(summary.name), nodeId(consumer), 'event', event.name);
    }
    for (const call of summary.calls) {
      const [callee, operation] = call.split('.');
      add(nodeId(summary.name), nodeId(callee), 'call', operation);
    }
  }
  for (const definition of definitions) addKernelEdges(definition, add);
  const used = new Set([...edges.values()].flatMap((edge) => [edge.from, edge.to]));
  const kernel: GraphNode[] = [
    { id: httpNode, label: 'HTTP (routes, gateway)', kind: 'kernel' as const },
    { id: listenerNode, label: 'device listener', kind: 'kernel' as const },
  ].filter((node) => used.has(node.id));
  const modules = definitions.map((d): GraphNode => ({ id: nodeId(d.contract.name), label: d.contract.name, kind: 'module' }));
  return { nodes: [...kernel, ...modules], edges: [...edges.values()] };
}

type AddEdge = (from: string, to: string, kind: GraphEdge['kind'], label: string) => void;

/**
 * HTTP calls the operations of a module's routes, and the `jwks` port to verify tokens; the device listener calls
 * the operations behind device topics and device ports, and consumes the events that set credentials or wake
 * a device's outbox.
 */
function addKernelEdges(definition: ModuleDefinition, add: AddEdge): void {
  const module = nodeId(definition.contract.name);
  const ports = declaredPorts(definition);
  for (const route of definition.routes ?? []) add(httpNode, module, 'call', route.operation);
  if (ports.jwks) add(httpNode, module, 'call', ports.jwks);
  const listenerCalls = [
    ports.deviceAuth,
    ports.devicePresence,
    ...Object.values(declaredTopics(definition)),
    ports.deviceRejections,
    ports.deviceOutbox?.pending,
    ports.deviceOutbox?.delivered,
  ];
  for (const operation of listenerCalls) if (operation) add(listenerNode, module, 'call', operation);
  const listenerEvents = [ports.deviceCredentials?.issued, ...(ports.deviceCredentials?.revoked ?? []), ports.deviceOutbox?.ready];
  for (const event of listenerEvents) if (event) add(module, listenerNode, 'event', event);
}
