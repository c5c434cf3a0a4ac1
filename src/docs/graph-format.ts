import type { GraphEdge, ModuleGraph } from './graph.js';

/**
 * Guarantee: both formats draw the same graph the same way: modules as boxes, kernel components as
 * subroutine boxes, calls as solid arrows labelled with operations, events as dashed arrows labelled with event
 * names, a few names per line.
 */

/** The formats `cleave graph` prints. */
export const graphFormats = ['mermaid', 'dot'] as const;
export type GraphFormat = (typeof graphFormats)[number];

const perLine = 3;

/** Labels a few per line, joined by `newline`. */
function wrap(labels: string[], newline: string): string {
  const lines: string[] = [];
  for (let i = 0; i < labels.length; i += perLine) lines.push(labels.slice(i, i + perLine).join(', '));
  return lines.join(newline);
}

/** A Mermaid `flowchart LR` of the graph. */
export function toMermaid(graph: ModuleGraph): string {
  const lines = ['flowchart LR'];
  for (const node of graph.nodes) lines.push(node.kind === 'kernel' ? `  ${node.id}[["${node.label}"]]` : `  ${node.id}["${node.label}"]`);
  for (const edge of graph.edges) {
    const arrow = edge.kind === 'call' ? '-->' : '-.->';
    lines.push(`  ${edge.from} ${arrow}|"${wrap(edge.labels, '<br/>')}"| ${edge.to}`);
  }
  return lines.join('\n');
}

/** A Graphviz `digraph` of the graph, for `dot -Tsvg`. */
export function toDot(graph: ModuleGraph): string {
  const lines = [
    'digraph cleave {',
    '  rankdir=LR;',
    '  node [shape=box, style=rounded, fontname="Helvetica"];',
    '  edge [fontname="Helvetica", fontsize=10];',
  ];
  for (const node of graph.nodes) {
    lines.push(`  ${quote(node.id)} [label=${quote(node.label)}${node.kind === 'kernel' ? ', shape=component, style=""' : ''}];`);
  }
  for (const edge of graph.edges) lines.push(`  ${quote(edge.from)} -> ${quote(edge.to)} [label=${quote(wrap(edge.labels, '\n'))}${style(edge)}];`);
  lines.push('}');
  return lines.join('\n');
}

const style = (edge: GraphEdge) => (edge.kind === 'event' ? ', style=dashed' : '');

/** A DOT string literal: quotes and backslashes escaped, line breaks as `\n`. */
const quote = (text: string) => `"${text.replace(/["\\]/g, '\\$&').replace(/\n/g, '\\n')}"`;

/** The graph in `format`. */
export function formatGraph(graph: ModuleGraph, format: GraphFormat): string {
  return format === 'dot' ? toDot(graph) : toMermaid(graph);
}
