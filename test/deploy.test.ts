import fs from 'node:fs';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { root } from './fixtures/cli-run.js';
import { buildModules, hostsByModule, isThirdParty, parseYaml, run, testNeeding, type Doc } from './support/deploy.js';
import { portNumber, Rendered } from './support/kustomize.js';

const withKubectl = testNeeding('kubectl', 'install kubectl (Debian: apt-get install kubernetes-client)');
const withCompose = testNeeding('docker-compose', 'apt-get install docker-compose');

/** `cleave start` forces an exit this long after `shutdown.timeoutMs`. */
const FORCE_EXIT_AFTER_MS = 2000;
const HTTP_PORT = 3000;

let rendering: Promise<Rendered> | undefined;
const render = () => (rendering ??= run('kubectl', ['kustomize', 'deploy/k8s']).then((text) => new Rendered(parseYaml(text))));

/** Every container of every workload (Deployment or StatefulSet), with its workload and its environment. */
async function containers() {
  const rendered = await render();
  return [...rendered.ofKind('Deployment'), ...rendered.ofKind('StatefulSet')].flatMap((deployment) =>
    (deployment.spec.template.spec.containers as Doc[]).map((container) => ({
      deployment,
      container,
      env: rendered.env(container),
      name: `${deployment.metadata.name}/${container.name}`,
    })),
  );
}

const cleaveContainers = async () => (await containers()).filter(({ container }) => !isThirdParty(container.image));

/** Each module has one host: the difference shows every module, and the message who hosts what. */
function assertEachHostedOnce(t: ExecutionContext, hosting: Record<string, string[]>) {
  const counts = Object.fromEntries(Object.entries(hosting).map(([module, hosts]) => [module, hosts.length]));
  t.deepEqual(counts, Object.fromEntries(Object.keys(hosting).map((module) => [module, 1])), JSON.stringify(hosting));
}

const valueOf = (env: Map<string, { value?: string }>, name: string) => env.get(name)?.value;

withKubectl('when the Kubernetes base is rendered, then each module of the build is hosted by exactly one workload', async (t) => {
  const modules = await buildModules(t);
  const hosts = (await cleaveContainers()).map(({ name, env }) => ({ name, modules: valueOf(env, 'CLEAVE_MODULES') }));

  const hosting = hostsByModule(modules, hosts);

  t.true(modules.includes('identity'));
  assertEachHostedOnce(t, hosting);
});

withKubectl('when the Kubernetes base is rendered, then every process that hosts modules keeps its name when its pod is replaced (a StatefulSet), so it resumes its bus session', async (t) => {
  const hosts = (await cleaveContainers()).filter(({ env }) => valueOf(env, 'CLEAVE_MODULES') !== 'none');

  t.true(hosts.length >= 3);
  for (const { name, deployment } of hosts) t.is(deployment.kind, 'StatefulSet', name);
  const rendered = await render();
  for (const { deployment } of hosts) t.is(rendered.get('Service', deployment.spec.serviceName).spec.clusterIP, 'None');
});

withKubectl('when the Kubernetes base is rendered, then every Cleave container runs one image with requests and limits', async (t) => {
  const all = await containers();
  const cleave = await cleaveContainers();

  t.deepEqual([...new Set(cleave.map(({ container }) => container.image))], ['cleave:latest']);
  t.true(cleave.length >= 4);
  for (const { name, container } of all) {
    for (const bound of ['requests', 'limits']) {
      t.truthy(container.resources?.[bound]?.cpu, `${name} ${bound} cpu`);
      t.truthy(container.resources?.[bound]?.memory, `${name} ${bound} memory`);
    }
  }
});

withKubectl('when the Kubernetes base is rendered, then every Cleave container is probed on /readyz and /healthz', async (t) => {
  for (const { name, container } of await cleaveContainers()) {
    t.is(container.readinessProbe?.httpGet?.path, '/readyz', name);
    t.is(container.livenessProbe?.httpGet?.path, '/healthz', name);
    t.is(portNumber(container, container.readinessProbe?.httpGet?.port), HTTP_PORT, name);
    t.is(portNumber(container, container.livenessProbe?.httpGet?.port), HTTP_PORT, name);
  }
});

withKubectl('when the Kubernetes base is rendered, then every Cleave process is named by its pod and stops within its grace period', async (t) => {
  for (const { name, deployment, env } of await cleaveContainers()) {
    t.deepEqual(env.get('CLEAVE_INSTANCE'), { fieldPath: 'metadata.name' }, name);
    const timeoutMs = Number(valueOf(env, 'CLEAVE_SHUTDOWN_TIMEOUT_MS') ?? 10_000);
    const graceMs = (deployment.spec.template.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    t.true(graceMs >= timeoutMs + FORCE_EXIT_AFTER_MS, `${name}: ${graceMs} ms of grace for a ${timeoutMs} ms shutdown`);
  }
});

withKubectl('when the Kubernetes base is rendered, then every Cleave process uses the MQTT bus on the Mosquitto Service with its password', async (t) => {
  const rendered = await render();
  const mosquitto = (await containers()).find(({ container }) => container.image.startsWith('eclipse-mosquitto:'));
  t.truthy(mosquitto, 'a Mosquitto container');

  for (const { name, env } of await cleaveContainers()) {
    t.is(valueOf(env, 'CLEAVE_BUS'), 'mqtt', name);
    const url = new URL(valueOf(env, 'CLEAVE_MQTT_URL') ?? 'none:');
    const service = rendered.servicesOf(mosquitto!.deployment).find((candidate) => candidate.metadata.name === url.hostname);
    t.truthy(service, `${name}: ${url.hostname} is a Service of Mosquitto`);
    const port = service?.spec.ports.find((candidate: Doc) => candidate.port === Number(url.port || 1883));
    t.is(portNumber(mosquitto!.container, port?.targetPort), 1883, name);
    t.is(valueOf(mosquitto!.env, 'MQTT_PASSWORD'), url.password, name);
    t.truthy(valueOf(env, 'CLEAVE_BUS_KEY'), name);
  }
});

withKubectl('when the Kubernetes base is rendered, then the gateway hosts no module and a Service takes HTTP and devices to it', async (t) => {
  const rendered = await render();
  const gateways = (await cleaveContainers()).filter(({ env }) => valueOf(env, 'CLEAVE_GATEWAY') === 'true');
  t.is(gateways.length, 1);
  const [{ deployment, container, env }] = gateways;

  const ports = rendered.servicesOf(deployment).flatMap((service) => service.spec.ports as Doc[]);

  t.is(valueOf(env, 'CLEAVE_MODULES'), 'none');
  t.is(valueOf(env, 'CLEAVE_EDGE') ?? 'embedded', 'embedded');
  const edgePort = Number(valueOf(env, 'CLEAVE_EDGE_PORT') ?? 1883);
  const served = ports.map((port) => [port.port, portNumber(container, port.targetPort ?? port.port)]);
  t.deepEqual(served.filter(([port]) => port === 3000 || port === 1883).sort(), [[1883, edgePort], [3000, HTTP_PORT]]);
});

withKubectl('when the Kubernetes base is rendered, then Mosquitto runs the bus configuration on a claim with TCP probes', async (t) => {
  const rendered = await render();
  const mosquitto = (await containers()).find(({ container }) => container.image === 'eclipse-mosquitto:2');
  const volumes = (mosquitto?.deployment.spec.template.spec.volumes ?? []) as Doc[];

  const config = volumes.find((volume) => volume.configMap);
  const claim = volumes.find((volume) => volume.persistentVolumeClaim);

  const conf = fs.readFileSync(path.join(root, 'deploy/k8s/mosquitto-bus.conf'), 'utf8');
  t.is(rendered.get('ConfigMap', config?.configMap.name ?? 'none').data['mosquitto.conf'], conf);
  t.truthy(rendered.get('PersistentVolumeClaim', claim?.persistentVolumeClaim.claimName ?? 'none'));
  t.is(portNumber(mosquitto!.container, mosquitto!.container.readinessProbe?.tcpSocket?.port), 1883);
  t.is(portNumber(mosquitto!.container, mosquitto!.container.livenessProbe?.tcpSocket?.port), 1883);
});

withKubectl('when the Kubernetes base is rendered, then its secrets hold what a new user fills in and nothing names a namespace', async (t) => {
  const rendered = await render();
  const cleave = await cleaveContainers();

  const secretKeys = rendered.ofKind('Secret').flatMap((secret) => Object.keys(secret.data ?? {}));
  const hostsOf = (module: string) => cleave.filter(({ env }) => valueOf(env, 'CLEAVE_MODULES')?.split(',').includes(module));

  for (const key of ['CLEAVE_IDENTITY_ADMIN_EMAIL', 'CLEAVE_IDENTITY_ADMIN_PASSWORD', 'CLEAVE_DB_URL', 'CLEAVE_BUS_KEY']) t.true(secretKeys.includes(key), key);
  for (const { name, env } of hostsOf('identity')) t.true(env.has('CLEAVE_IDENTITY_ADMIN_EMAIL'), name);
  for (const { name, env } of cleave.filter(({ env }) => valueOf(env, 'CLEAVE_MODULES') !== 'none')) {
    t.regex(valueOf(env, 'CLEAVE_DB_URL') ?? '', /^postgres(ql)?:\/\//, name);
  }
  t.deepEqual(rendered.objects.filter((object) => object.metadata?.namespace).map((object) => object.metadata.name), []);
  for (const object of rendered.objects) t.is(object.metadata?.labels?.['app.kubernetes.io/name'], 'cleave', object.metadata?.name);
});

let composing: Promise<Record<string, Doc>> | undefined;
const composeServices = (): Promise<Record<string, Doc>> =>
  (composing ??= run('docker-compose', ['-f', 'deploy/compose.yaml', 'config']).then((text) => parseYaml(text)[0].services as Record<string, Doc>));

/** Every Cleave service of the compose file, by name, with its environment. */
async function cleaveServices() {
  const services: Array<[string, Doc]> = Object.entries(await composeServices());
  return services
    .filter(([, service]) => !isThirdParty(service.image))
    .map(([name, service]) => ({ name, service, env: (service.environment ?? {}) as Record<string, string | undefined> }));
}

/** Seconds of a compose duration such as `30s` or `1m30s`. */
const seconds = (duration: string) =>
  [...String(duration).matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s)/g)].reduce((sum, [, n, unit]) => sum + Number(n) * { h: 3600, m: 60, s: 1, ms: 0.001 }[unit]!, 0);

withCompose('when the compose file is validated, then each module of the build is hosted by exactly one service', async (t) => {
  const modules = await buildModules(t);
  const hosts = (await cleaveServices()).map(({ name, env }) => ({ name, modules: env.CLEAVE_MODULES }));

  const hosting = hostsByModule(modules, hosts);

  assertEachHostedOnce(t, hosting);
});

withCompose('when the compose file is validated, then every Cleave service runs one image on the MQTT bus, is checked on /readyz and stops in time', async (t) => {
  const services = await composeServices();
  const cleave = await cleaveServices();

  t.is(new Set(cleave.map(({ service }) => service.image)).size, 1);
  for (const { name, service, env } of cleave) {
    t.is(env.CLEAVE_BUS, 'mqtt', name);
    const url = new URL(env.CLEAVE_MQTT_URL ?? 'none:');
    t.is(url.hostname, 'mosquitto', name);
    t.is(services.mosquitto.environment?.MQTT_PASSWORD, url.password, name);
    t.truthy(env.CLEAVE_BUS_KEY, name);
    t.regex([service.healthcheck?.test ?? []].flat().join(' '), /\/readyz/, name);
    const timeoutMs = Number(env.CLEAVE_SHUTDOWN_TIMEOUT_MS ?? 10_000);
    t.true(seconds(service.stop_grace_period ?? '10s') * 1000 >= timeoutMs + FORCE_EXIT_AFTER_MS, name);
  }
});

withCompose('when the compose file is validated, then module hosts wait for a healthy database and bus, and the gateway publishes HTTP and devices', async (t) => {
  const services = await composeServices();
  const cleave = await cleaveServices();
  const gateways = cleave.filter(({ env }) => env.CLEAVE_GATEWAY === 'true');
  const waitsFor = (service: Doc, name: string) => service.depends_on?.[name]?.condition === 'service_healthy';

  for (const { name, service, env } of cleave.filter(({ env }) => env.CLEAVE_MODULES !== 'none')) {
    t.true(waitsFor(service, 'postgres') && waitsFor(service, 'mosquitto'), name);
    t.regex(env.CLEAVE_DB_URL ?? '', /^postgres(ql)?:\/\/[^@]+@postgres:5432\//, name);
  }
  t.is(gateways.length, 1);
  const [gateway] = gateways;
  t.is(gateway.env.CLEAVE_MODULES, 'none');
  t.true(waitsFor(gateway.service, 'mosquitto'));
  const targets = (gateway.service.ports as Array<Doc | string>).map((port) => Number(typeof port === 'object' ? port.target : port.split(':').pop()));
  t.deepEqual(targets.sort(), [1883, 3000]);
  t.is(services.postgres.image, 'postgres:16');
  t.true(services.mosquitto.volumes.some((volume: unknown) => String(typeof volume === 'object' ? (volume as Doc).source : volume).includes('deploy/k8s/mosquitto-bus.conf')));
});
