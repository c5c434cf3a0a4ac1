import type { Doc } from './deploy.js';

/** Where a container's variable comes from: a value (after `$(VAR)` expansion), or a field of the pod. */
export interface EnvValue {
  value?: string;
  fieldPath?: string;
}

/** The objects of a rendered kustomize base, with the look-ups the deploy tests make. */
export class Rendered {
  constructor(readonly objects: Doc[]) {}

  /** Every object of `kind`. */
  ofKind(kind: string): Doc[] {
    return this.objects.filter((object) => object.kind === kind);
  }

  /** The object of `kind` named `name`; throws when there is none. */
  get(kind: string, name: string): Doc {
    const found = this.objects.find((object) => object.kind === kind && object.metadata?.name === name);
    if (!found) throw new Error(`the render has no ${kind} named ${name}`);
    return found;
  }

  /** The Services whose selector picks the pods of `deployment`. */
  servicesOf(deployment: Doc): Doc[] {
    const labels: Record<string, string> = deployment.spec.template.metadata.labels ?? {};
    return this.ofKind('Service').filter((service) => {
      const selector: Record<string, string> = service.spec?.selector ?? {};
      return Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);
    });
  }

  /** A container's environment as Kubernetes builds it: `envFrom` first, then `env`, expanding `$(VAR)`. */
  env(container: Doc): Map<string, EnvValue> {
    const env = new Map<string, EnvValue>();
    for (const source of container.envFrom ?? []) {
      const values = source.configMapRef
        ? this.get('ConfigMap', source.configMapRef.name).data ?? {}
        : this.secretValues(source.secretRef.name);
      for (const [name, value] of Object.entries(values)) env.set(name, { value: String(value) });
    }
    for (const variable of container.env ?? []) {
      env.set(variable.name, this.envValue(variable, env));
    }
    return env;
  }

  private envValue(variable: Doc, env: Map<string, EnvValue>): EnvValue {
    const from = variable.valueFrom;
    if (from?.fieldRef) return { fieldPath: from.fieldRef.fieldPath };
    if (from?.secretKeyRef) return { value: this.secretValues(from.secretKeyRef.name)[from.secretKeyRef.key] };
    if (from?.configMapKeyRef) return { value: this.get('ConfigMap', from.configMapKeyRef.name).data?.[from.configMapKeyRef.key] };
    const value = String(variable.value ?? '');
    return { value: value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (text, name) => env.get(name)?.value ?? text) };
  }

  private secretValues(name: string): Record<string, string> {
    const secret = this.get('Secret', name);
    const decoded = Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(String(value), 'base64').toString()]);
    return { ...Object.fromEntries(decoded), ...(secret.stringData ?? {}) };
  }
}

/** The port number a probe or Service names, by number or by the container's port name. */
export function portNumber(container: Doc, port: number | string): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((candidate: Doc) => candidate.name === port)?.containerPort;
}
