import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binaries } from '../stack/binaries';
import { cacheDir } from '../test/helpers/env';

const root = join(__dirname, '..');
const run = (cmd: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(cmd, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  ports?: { target: number; published?: string; host_ip?: string }[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  user?: string;
}

/**
 * No Docker engine here: the deployment files are checked by the tools that read them, hadolint for
 * the Dockerfile and Docker Compose's own `config` for docker-compose.yml (both from registries).
 */
describe('deployment files', () => {
  test('given the Dockerfile, then hadolint passes it at warning level; a bad one fails', () => {
    const hadolint = binaries(cacheDir).hadolint();
    const ok = run(hadolint, ['--failure-threshold', 'warning', 'Dockerfile']);
    expect({ status: ok.status, out: ok.stdout + ok.stderr }).toEqual({ status: 0, out: '' });
    const dir = mkdtempSync(join(tmpdir(), 'hadolint-'));
    try {
      const bad = join(dir, 'Dockerfile');
      writeFileSync(bad, 'FROM node:latest\nRUN cd /app && npm install\n');
      const res = run(hadolint, ['--failure-threshold', 'warning', bad]);
      expect(res.status).not.toBe(0);
      expect(res.stdout).toContain('DL3007'); // the latest tag
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Built in stages; the runtime stage has production dependencies only and does not run as root.
    const text = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(text.match(/^FROM /gm)).toHaveLength(3);
    expect(text).toContain('npm ci --omit=dev');
    expect(
      text
        .trimEnd()
        .split('\n')
        .filter((l) => l.startsWith('USER '))
        .at(-1),
    ).toBe('USER 1000:1000');
  });

  const PAYLOAD_KEYS = `k1:${Buffer.alloc(32, 7).toString('base64')}`;
  const config = () =>
    run(binaries(cacheDir).dockerCompose(), ['-f', 'docker-compose.yml', 'config', '--format', 'json'], {
      AUTH_JWT_SECRET: 'k'.repeat(32),
      PAYLOAD_KEYS: PAYLOAD_KEYS,
    });

  test('given docker-compose.yml, then Compose accepts it, and every part the issue names is there and converges', () => {
    const res = config();
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    const { services } = JSON.parse(res.stdout) as { services: Record<string, ComposeService> };
    expect(Object.keys(services).sort()).toEqual([
      'api',
      'grafana',
      'jaeger',
      'mailpit',
      'mongo',
      'postgresql',
      'projector-worker',
      'prometheus',
      'redis',
      'saga-worker',
      'temporal',
      'temporal-setup',
      'temporal-ui',
      'webhook-worker',
    ]);
    for (const name of ['api', 'saga-worker', 'projector-worker', 'webhook-worker']) {
      const s = services[name] as ComposeService;
      expect(s.build).toBeDefined();
      expect(s.healthcheck?.test.join(' ')).toContain('/health/ready');
      // Started only once Temporal has its search attributes and the stores answer.
      expect(s.depends_on).toMatchObject({
        'temporal-setup': { condition: 'service_completed_successfully' },
        mongo: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
      expect(s.environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', PAYLOAD_KEYS });
      // and its spans to Jaeger's collector
      expect(s.environment?.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://jaeger:4318');
    }
    // The token secret only where tokens are verified; the Web UI decodes with the API's codec.
    expect(services.api?.environment).toMatchObject({ AUTH_JWT_SECRET: 'k'.repeat(32) });
    expect(services['saga-worker']?.environment?.AUTH_JWT_SECRET).toBeUndefined();
    expect(services['temporal-ui']?.environment).toMatchObject({
      TEMPORAL_CODEC_ENDPOINT: 'http://localhost:3000/codec',
    });
    // Only the API, which checks every caller's token, is published on every interface; Temporal's gRPC
    // and Web UI, Mailpit (the customers' emails), Prometheus, Grafana and Jaeger have no login.
    const published = Object.entries(services).flatMap(([name, svc]) =>
      (svc.ports ?? []).map((p) => `${name}:${p.published ?? ''}@${p.host_ip ?? '0.0.0.0'}`),
    );
    expect(published.filter((p) => !p.endsWith('@127.0.0.1')).sort()).toEqual(['api:3000@0.0.0.0']);
    expect(published).toContain('temporal:7233@127.0.0.1');
    expect(published).toContain('temporal-ui:8080@127.0.0.1');
    // Workers publish no host port, so `--scale` can run several.
    for (const name of ['saga-worker', 'projector-worker', 'webhook-worker']) {
      expect(services[name]?.ports ?? []).toEqual([]);
    }
    for (const name of ['postgresql', 'temporal', 'mongo', 'redis']) {
      expect(services[name]?.healthcheck?.test.length ?? 0).toBeGreaterThan(0);
    }
    expect(services.temporal?.depends_on).toMatchObject({ postgresql: { condition: 'service_healthy' } });
  });

  test.each([
    ['AUTH_JWT_SECRET', { AUTH_JWT_SECRET: '', PAYLOAD_KEYS }],
    ['PAYLOAD_KEYS', { AUTH_JWT_SECRET: 'k'.repeat(32), PAYLOAD_KEYS: '' }],
  ])('given no %s, then Compose refuses the file with the reason', (variable, env) => {
    const res = run(
      binaries(cacheDir).dockerCompose(),
      ['-f', 'docker-compose.yml', 'config', '--quiet'],
      env,
    );
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain(`set ${variable}`);
  });

  /** The kustomize base as built for `kubectl apply -k`, each resource as JSON. */
  const kustomized = () => {
    const built = run(binaries(cacheDir).kustomize(), ['build', 'deploy/k8s/base']);
    expect(built.stderr).toBe('');
    expect(built.status).toBe(0);
    return built.stdout;
  };
  const validate = (yaml: string) =>
    spawnSync(binaries(cacheDir).kubernetesValidate(), ['--strict', '-'], { input: yaml, encoding: 'utf8' });

  test('given the Kubernetes base, then kustomize builds it and every resource is valid against the Kubernetes schemas', () => {
    const yaml = kustomized();
    const res = validate(yaml);
    expect(res.status).toBe(0);
    expect(res.stdout.match(/passed for resource/g)).toHaveLength(10);
    // The validator bites: a wrong type is refused.
    const broken = validate(yaml.replace(/replicas: 2/, 'replicas: two'));
    expect(broken.status).not.toBe(0);
  });

  interface K8sObject {
    kind: string;
    metadata: { name: string };
    spec: {
      scaleTargetRef?: { name: string };
      minReplicas?: number;
      template?: {
        spec: {
          securityContext?: { runAsNonRoot?: boolean };
          containers: {
            readinessProbe?: { httpGet?: { path: string } };
            livenessProbe?: { httpGet?: { path: string } };
            resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
            envFrom?: unknown[];
          }[];
        };
      };
    };
  }

  test('given the Kubernetes base, then the API and each worker have probes, resources, a non-root user and an autoscaler', () => {
    const json = spawnSync(
      binaries(cacheDir).toolsPython(),
      ['-c', 'import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(sys.stdin))))'],
      { input: kustomized(), encoding: 'utf8' },
    );
    const objects = JSON.parse(json.stdout) as K8sObject[];
    const deployments = objects.filter((o) => o.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([
      'api',
      'projector-worker',
      'saga-worker',
      'webhook-worker',
    ]);
    for (const d of deployments) {
      const pod = d.spec.template?.spec;
      const [container] = pod?.containers ?? [];
      expect(pod?.securityContext?.runAsNonRoot).toBe(true);
      expect(container?.readinessProbe?.httpGet?.path).toBe('/health/ready');
      expect(container?.livenessProbe?.httpGet?.path).toBe('/health/live');
      expect(Object.keys(container?.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(container?.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(container?.envFrom).toHaveLength(2);
    }
    const scaled = objects
      .filter((o) => o.kind === 'HorizontalPodAutoscaler')
      .map((h) => h.spec.scaleTargetRef?.name)
      .sort();
    expect(scaled).toEqual(['api', 'projector-worker', 'saga-worker', 'webhook-worker']);
  });
});
