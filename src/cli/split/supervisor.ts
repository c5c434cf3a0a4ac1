import { Child, type ChildSpec } from './child.js';

export interface SupervisorOptions {
  children: ChildSpec[];
  /** The `cleave` script each child runs. */
  script: string;
  /** Time each child gets to stop gracefully before it is killed. */
  graceMs: number;
  /** Called when a child cannot run at all (it exited with code 2); the supervisor should stop. */
  onFatal: (message: string) => void;
  /** Called once every child has logged that it is ready, with the HTTP address each reported. */
  onReady?: (http: Record<string, string | undefined>) => void;
}

/** Runs the children of a split rehearsal and stops them all together. */
export class Supervisor {
  private readonly children: Child[];
  private readonly ready = new Map<string, string | undefined>();

  constructor(private readonly options: SupervisorOptions) {
    const prefixWidth = Math.max(...options.children.map((spec) => spec.name.length));
    this.children = options.children.map(
      (spec) => new Child(spec, { script: options.script, prefixWidth, say, onFatal: options.onFatal, onLogLine: (line) => this.seen(spec.name, line) }),
    );
  }

  /** Process ids of the running children by name (for tools and tests). */
  pids(): Record<string, number | undefined> {
    return Object.fromEntries(this.children.map((child) => [child.spec.name, child.pid]));
  }

  start(): void {
    for (const child of this.children) child.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((child) => child.stop(this.options.graceMs)));
  }

  private seen(name: string, line: string): void {
    if (this.ready.size === this.children.length || !line.includes('"cleave is ready"')) return;
    this.ready.set(name, readyAddress(line));
    if (this.ready.size === this.children.length) this.options.onReady?.(Object.fromEntries(this.ready));
  }
}

/** Writes a supervisor message to stderr, prefixed like the children's lines. */
export function say(message: string): void {
  process.stderr.write(`[split] ${message}\n`);
}

function readyAddress(line: string): string | undefined {
  try {
    const http: unknown = JSON.parse(line).http;
    return typeof http === 'string' ? http : undefined;
  } catch {
    return undefined;
  }
}
