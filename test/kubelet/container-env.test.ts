// A container's environment: $(VAR) expansion, the Downward API, ConfigMap and Secret
// references (optional or not), envFrom with prefixes, and service link variables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Secret, Service } from 'kubernetes-types/core/v1.js';
import { ContainerConfigError, expandCommand, makeEnvironment } from '../../src/kubelet/container-env.js';
import type { PodSources } from '../../src/kubelet/container-env.js';
import { expand, mappingFor } from '../../src/kubelet/expansion.js';
import { serviceEnvVars } from '../../src/kubelet/service-env.js';
import { pod } from './fixtures.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function sources(cms: ConfigMap[] = [], secs: Secret[] = [], svcs: Service[] = []): PodSources {
  return {
    configMap: (ns, n) => cms.find((c) => c.metadata?.namespace === ns && c.metadata?.name === n),
    secret: (ns, n) => secs.find((c) => c.metadata?.namespace === ns && c.metadata?.name === n),
    services: (ns) => svcs.filter((s) => s.metadata?.namespace === ns),
  };
}

const ctx = { facts: { podIP: '10.1.2.3', hostIP: '192.168.0.9', nodeName: 'n1' }, nodeAllocatable: { cpu: '4', memory: '8Gi' } };
const envMap = (e: { key: string; value: string }[]) => Object.fromEntries(e.map((x) => [x.key, x.value]));

const expansionRows: [string, string, string][] = [
  ['a defined variable', 'x=$(A)', 'x=1'],
  ['an undefined variable stays as written', '$(NOPE)', '$(NOPE)'],
  ['$$ escapes', '$$(A)', '$(A)'],
  ['a lone $ stays', 'cost $5', 'cost $5'],
  ['several references', '$(A)-$(B)', '1-two'],
  ['an unterminated reference stays, the rest expands', '$(A $$', '$(A $'],
];
for (const [name, input, want] of expansionRows) {
  test(`expand: ${name}`, () => {
    assert.equal(expand(input, mappingFor(new Map([['A', '1'], ['B', 'two']]))), want);
  });
}

test('env: values, fieldRef, resourceFieldRef, and expansion of earlier variables', () => {
  const p = pod({
    serviceAccountName: 'sa1',
    nodeName: 'n1',
    containers: [{
      name: 'c', image: 'busybox',
      resources: { limits: { memory: '64Mi' }, requests: { cpu: '250m' } },
      env: [
        { name: 'A', value: 'a' },
        { name: 'B', value: '$(A)-b' },
        { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'NOTE', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
        { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        { name: 'CPU_REQ_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
      ],
    }],
  }, { labels: { app: 'web' }, annotations: { note: 'hi' } });
  const env = envMap(makeEnvironment(p, p.spec!.containers[0]!, sources(), ctx));
  assert.deepEqual(
    { A: env.A, B: env.B, NAME: env.NAME, NS: env.NS, UID: env.UID, APP: env.APP, NOTE: env.NOTE, NODE: env.NODE, SA: env.SA, POD_IP: env.POD_IP, HOST_IP: env.HOST_IP, MEM_MI: env.MEM_MI, CPU_LIMIT: env.CPU_LIMIT, CPU_REQ_M: env.CPU_REQ_M },
    { A: 'a', B: 'a-b', NAME: 'p', NS: 'ns', UID: 'uid-1', APP: 'web', NOTE: 'hi', NODE: 'n1', SA: 'sa1', POD_IP: '10.1.2.3', HOST_IP: '192.168.0.9', MEM_MI: '64', CPU_LIMIT: '4', CPU_REQ_M: '250' },
  );
});

test('env: ConfigMap and Secret keys; optional ones may be missing', () => {
  const cm: ConfigMap = { metadata: { name: 'cfg', namespace: 'ns' }, data: { color: 'blue' } };
  const sec: Secret = { metadata: { name: 'sec', namespace: 'ns' }, data: { password: b64('s3cret') } };
  const p = pod({
    containers: [{
      name: 'c', image: 'busybox',
      env: [
        { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'color' } } },
        { name: 'PW', valueFrom: { secretKeyRef: { name: 'sec', key: 'password' } } },
        { name: 'MISSING_KEY', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nope', optional: true } } },
        { name: 'MISSING_MAP', valueFrom: { secretKeyRef: { name: 'gone', key: 'x', optional: true } } },
      ],
    }],
  });
  const env = envMap(makeEnvironment(p, p.spec!.containers[0]!, sources([cm], [sec]), ctx));
  assert.equal(env.COLOR, 'blue');
  assert.equal(env.PW, 's3cret');
  assert.equal('MISSING_KEY' in env, false);
  assert.equal('MISSING_MAP' in env, false);
});

const configErrorRows: [string, object, string][] = [
  ['a missing ConfigMap', { configMapKeyRef: { name: 'gone', key: 'k' } }, 'configmap "gone" not found'],
  ['a missing ConfigMap key', { configMapKeyRef: { name: 'cfg', key: 'k' } }, "couldn't find key k in ConfigMap ns/cfg"],
  ['a missing Secret', { secretKeyRef: { name: 'gone', key: 'k' } }, 'secret "gone" not found'],
];
for (const [name, valueFrom, message] of configErrorRows) {
  test(`env: ${name} that is not optional fails the container config`, () => {
    const cm: ConfigMap = { metadata: { name: 'cfg', namespace: 'ns' }, data: {} };
    const p = pod({ containers: [{ name: 'c', image: 'busybox', env: [{ name: 'X', valueFrom }] }] });
    assert.throws(() => makeEnvironment(p, p.spec!.containers[0]!, sources([cm]), ctx), (e: unknown) => e instanceof ContainerConfigError && e.message === message);
  });
}

test('envFrom: prefixes, Secret values decoded, env wins over envFrom, optional missing source skipped', () => {
  const cm: ConfigMap = { metadata: { name: 'cfg', namespace: 'ns' }, data: { A: '1', B: '2' } };
  const sec: Secret = { metadata: { name: 'sec', namespace: 'ns' }, data: { TOKEN: b64('t') } };
  const p = pod({
    containers: [{
      name: 'c', image: 'busybox',
      envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }, { secretRef: { name: 'sec' } }, { configMapRef: { name: 'gone', optional: true } }],
      env: [{ name: 'CFG_A', value: 'override' }],
    }],
  });
  const env = envMap(makeEnvironment(p, p.spec!.containers[0]!, sources([cm], [sec]), ctx));
  assert.equal(env.CFG_A, 'override');
  assert.equal(env.CFG_B, '2');
  assert.equal(env.TOKEN, 't');
});

test('service variables: host, ports, named ports and docker links', () => {
  const svc: Service = { metadata: { name: 'redis-primary', namespace: 'ns' }, spec: { clusterIP: '10.43.0.11', ports: [{ name: 'redis', port: 6379, protocol: 'TCP' }, { port: 9121, protocol: 'UDP' }] } };
  const vars = Object.fromEntries(serviceEnvVars([svc]));
  assert.deepEqual(vars, {
    REDIS_PRIMARY_SERVICE_HOST: '10.43.0.11',
    REDIS_PRIMARY_SERVICE_PORT: '6379',
    REDIS_PRIMARY_SERVICE_PORT_REDIS: '6379',
    REDIS_PRIMARY_PORT: 'tcp://10.43.0.11:6379',
    REDIS_PRIMARY_PORT_6379_TCP: 'tcp://10.43.0.11:6379',
    REDIS_PRIMARY_PORT_6379_TCP_PROTO: 'tcp',
    REDIS_PRIMARY_PORT_6379_TCP_PORT: '6379',
    REDIS_PRIMARY_PORT_6379_TCP_ADDR: '10.43.0.11',
    REDIS_PRIMARY_PORT_9121_UDP: 'udp://10.43.0.11:9121',
    REDIS_PRIMARY_PORT_9121_UDP_PROTO: 'udp',
    REDIS_PRIMARY_PORT_9121_UDP_PORT: '9121',
    REDIS_PRIMARY_PORT_9121_UDP_ADDR: '10.43.0.11',
  });
});

test('service variables: the kubernetes service always, others only with enableServiceLinks; headless ignored', () => {
  const k8s: Service = { metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.43.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] } };
  const web: Service = { metadata: { name: 'web', namespace: 'ns' }, spec: { clusterIP: '10.43.0.20', ports: [{ port: 80 }] } };
  const headless: Service = { metadata: { name: 'db', namespace: 'ns' }, spec: { clusterIP: 'None', ports: [{ port: 5432 }] } };
  const src = sources([], [], [k8s, web, headless]);
  const on = envMap(makeEnvironment(pod(), pod().spec!.containers[0]!, src, ctx));
  assert.equal(on.KUBERNETES_SERVICE_HOST, '10.43.0.1');
  assert.equal(on.KUBERNETES_SERVICE_PORT, '443');
  assert.equal(on.WEB_SERVICE_HOST, '10.43.0.20');
  assert.equal('DB_SERVICE_HOST' in on, false);
  const offPod = pod({ enableServiceLinks: false });
  const off = envMap(makeEnvironment(offPod, offPod.spec!.containers[0]!, src, ctx));
  assert.equal(off.KUBERNETES_SERVICE_HOST, '10.43.0.1');
  assert.equal('WEB_SERVICE_HOST' in off, false);
});

test('command and args are expanded against the final environment', () => {
  const c = { name: 'c', image: 'busybox', command: ['sh', '-c'], args: ['echo $(GREETING) $$(GREETING) $(UNSET)'] };
  assert.deepEqual(expandCommand(c, [{ key: 'GREETING', value: 'hi' }]), { command: ['sh', '-c'], args: ['echo hi $(GREETING) $(UNSET)'] });
});
