import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** A span as an OTLP/HTTP JSON export carries it, with the instance of the process that sent it. */
export interface ReceivedSpan {
  instance: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, unknown>;
}

type Json = Record<string, any>;

/** An OTLP id as hex: JSON exports carry hex, protobuf-JSON mappings base64. */
const hexId = (id: string | undefined, bytes: number): string | undefined => {
  if (!id) return undefined;
  if (new RegExp(`^[0-9a-f]{${bytes * 2}}$`).test(id)) return id;
  const hex = Buffer.from(id, 'base64').toString('hex');
  return /^0+$/.test(hex) ? undefined : hex;
};

const valueOf = (value: Json): unknown => value.stringValue ?? value.intValue ?? value.doubleValue ?? value.boolValue ?? value.arrayValue?.values?.map(valueOf);
const attributesOf = (list: Json[] = []) => Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));

/** A tiny OTLP/HTTP JSON receiver (`POST /v1/traces`) that keeps every span it is sent. */
export async function startOtlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; stop(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      if (req.url !== '/v1/traces' || !String(req.headers['content-type']).includes('json')) {
        res.writeHead(415).end();
        return;
      }
      const exported = JSON.parse(body.toString()) as Json;
      for (const resourceSpans of exported.resourceSpans ?? []) {
        const instance = String(attributesOf(resourceSpans.resource?.attributes)['service.instance.id']);
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            spans.push({
              instance,
              traceId: hexId(span.traceId, 16)!,
              spanId: hexId(span.spanId, 8)!,
              parentSpanId: hexId(span.parentSpanId, 8),
              name: span.name,
              kind: span.kind,
              startNs: BigInt(span.startTimeUnixNano),
              endNs: BigInt(span.endTimeUnixNano),
              attributes: attributesOf(span.attributes),
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, spans, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

const kinds = ['internal', 'server', 'client', 'producer', 'consumer'];

/** A trace as an indented tree of spans, each with its kind, process and duration, children in start order. */
export function renderTrace(spans: ReceivedSpan[], instanceName: (instance: string) => string = (i) => i): string {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = (parent: string | undefined) =>
    spans.filter((s) => (parent ? s.parentSpanId === parent : !s.parentSpanId || !ids.has(s.parentSpanId))).sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
  const lines: string[] = [];
  const walk = (span: ReceivedSpan, depth: number) => {
    const ms = Number(span.endNs - span.startNs) / 1e6;
    const label = `${'  '.repeat(depth)}${span.name} (${kinds[span.kind - 1] ?? span.kind})`;
    lines.push(`${label.padEnd(60)} ${instanceName(span.instance).padEnd(10)} ${ms.toFixed(1).padStart(7)} ms`);
    for (const child of children(span.spanId)) walk(child, depth + 1);
  };
  for (const root of children(undefined)) walk(root, 0);
  return lines.join('\n');
}
