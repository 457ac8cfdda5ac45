import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binaries } from '../stack/binaries';
import { cacheDir } from '../test/helpers/env';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

const root = join(__dirname, '..');
const EXAMPLE = 'production.example.tfvars';
/** Values of the ephemeral variables for the example's stores; none is kept anywhere. */
const SECRETS = {
  TF_VAR_payload_keys: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  TF_VAR_smtp_url: 'smtps://orders:relay-password@smtp.example.com:465',
  TF_VAR_mongodb_password: 'mongodb-password-1234',
  TF_VAR_redis_password: 'redis-password-12345',
};

/** Settings of TLS to Temporal with every part: a CA, a server name, a client certificate, an API key. */
const TEMPORAL_TLS = {
  TF_VAR_temporal_tls:
    '{ enabled = true, ca_pem = "CA-PEM", server_name = "temporal.internal", client_certificate = true, api_key = true }',
  TF_VAR_temporal_client_cert_pem: 'CLIENT-CERTIFICATE-PEM',
  TF_VAR_temporal_client_key_pem: 'CLIENT-PRIVATE-KEY-PEM-0123',
  TF_VAR_temporal_api_key: 'temporal-cloud-api-key-0123',
};

interface PlanJson {
  prior_state: {
    values: {
      root_module: {
        child_modules: { resources: { address: string; values: { manifests?: Record<string, string> } }[] }[];
      };
    };
  };
}

interface Deployment {
  metadata: { name: string };
  spec: {
    template: {
      spec: {
        volumes: { name: string; secret?: { secretName: string } }[];
        containers: { volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[] }[];
      };
    };
  };
}

/** A root module that applies only deploy/opentofu/modules/order-saga, with these TLS file names. */
function moduleRoot(kubeconfig: string, tlsFileNames: string[]): string {
  const files = Object.fromEntries(tlsFileNames.map((name) => [name, `PEM of ${name}`]));
  return `terraform {
  required_providers {
    kubernetes    = { source = "hashicorp/kubernetes" }
    kustomization = { source = "kbst/kustomization" }
  }
}
provider "kubernetes" {
  config_path = "${kubeconfig}"
}
provider "kustomization" {
  kubeconfig_path = "${kubeconfig}"
}
module "service" {
  source           = "../deploy/opentofu/modules/order-saga"
  namespace        = "order-saga"
  kustomize_base   = "\${path.module}/../deploy/k8s/base"
  image_repository = "registry.example/order-saga"
  image_tag        = "0123abc"
  config           = {}
  secret_keys      = []
  secrets          = {}
  secrets_revision = 1
  tls_files        = ${JSON.stringify(files).replace(/:/g, ' = ')}
  tls_file_names   = ${JSON.stringify(tlsFileNames)}
  tls_dir          = "/etc/order-saga/temporal-tls"
}
`;
}

/**
 * deploy/opentofu, checked offline: OpenTofu and the two providers built from the Go module proxy
 * (`setup.sh --validators`), initialised from that mirror. Each test works on its own copy of deploy/
 * (the modules apply ../k8s/base), so the clone is never written to.
 */
class TofuCopy {
  readonly dir: string;
  private readonly work: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor() {
    this.work = mkdtempSync(join(tmpdir(), 'opentofu-'));
    cpSync(join(root, 'deploy'), join(this.work, 'deploy'), { recursive: true });
    this.dir = join(this.work, 'deploy', 'opentofu');
    // no user's CLI configuration (provider installation, credentials) takes part
    const cliConfig = join(this.work, 'tofurc');
    writeFileSync(cliConfig, '');
    this.env = { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: '1' };
  }

  run(args: string[], extraEnv: Record<string, string> = {}, input = '', cwd = this.dir) {
    return spawnSync(binaries(cacheDir).tofu(), args, {
      cwd,
      encoding: 'utf8',
      input,
      env: { ...this.env, ...extraEnv },
    });
  }

  /** `tofu init` from the mirror, without the backend (the cluster's), as validate needs. */
  init() {
    return this.initWith(['-backend=false']);
  }

  /** `tofu init` with the state in a local file instead of the cluster: `console` needs a backend. */
  initWithLocalState() {
    writeFileSync(
      join(this.dir, 'backend_override.tf'),
      `terraform {\n  backend "local" {\n    path = "${join(this.work, 'terraform.tfstate')}"\n  }\n}\n`,
    );
    return this.initWith([]);
  }

  /** `tofu init` from the mirror, in the root module at `cwd` (the copy's deploy/opentofu unless told). */
  private initWith(args: string[], cwd = this.dir) {
    const res = this.run(
      ['init', '-no-color', '-input=false', ...args, `-plugin-dir=${binaries(cacheDir).tofuPlugins()}`],
      {},
      '',
      cwd,
    );
    expect({ status: res.status, err: res.stderr }).toEqual({ status: 0, err: '' });
    return this;
  }

  /** A module's file changed by `edit`. */
  edit(file: string, edit: (text: string) => string) {
    const path = join(this.dir, file);
    const before = readFileSync(path, 'utf8');
    const after = edit(before);
    expect(after).not.toBe(before);
    writeFileSync(path, after);
  }

  /** An expression evaluated in the root module with the example settings (as JSON). */
  evaluate(expression: string, extraEnv: Record<string, string> = SECRETS) {
    const res = this.run(
      ['console', '-no-color', `-var-file=${EXAMPLE}`],
      extraEnv,
      `jsonencode(${expression})\n`,
    );
    return {
      status: res.status,
      value: res.status === 0 ? (JSON.parse(JSON.parse(res.stdout) as string) as unknown) : null,
      err: res.stderr,
    };
  }

  /**
   * `tofu plan` with the example settings against a cluster that is not there (a kubeconfig of a closed
   * port, never the user's own): what is checked before the cluster is asked.
   */
  plan(extraEnv: Record<string, string> = SECRETS, args: string[] = []) {
    return this.run(
      [
        'plan',
        '-no-color',
        '-input=false',
        `-var-file=${EXAMPLE}`,
        `-var=kubeconfig_path=${this.kubeconfig()}`,
        ...args,
      ],
      extraEnv,
    );
  }

  /** A kubeconfig of a closed port, never the user's own. */
  kubeconfig() {
    const kubeconfig = join(this.work, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'none', cluster: { server: 'https://127.0.0.1:1' } }],
        contexts: [{ name: 'production', context: { cluster: 'none', user: 'none' } }],
        users: [{ name: 'none', user: { token: 'none' } }],
        'current-context': 'production',
      }),
    );
    return kubeconfig;
  }

  /**
   * The Deployments the order-saga module renders (its kustomize overlay, read at plan time) when a root
   * of its own calls it with `tlsFileNames`: the module alone, outside the root's `depends_on`, which
   * defers the read to the apply.
   */
  renderedDeployments(tlsFileNames: string[]) {
    const dir = join(this.work, 'module-root');
    mkdirSync(dir);
    writeFileSync(join(dir, 'main.tf'), moduleRoot(this.kubeconfig(), tlsFileNames));
    this.initWith([], dir);
    const planFile = join(dir, 'plan');
    const target = '-target=module.service.data.kustomization_overlay.service';
    const planned = this.run(['plan', '-no-color', '-input=false', target, `-out=${planFile}`], {}, '', dir);
    expect({ status: planned.status, err: planned.stderr }).toEqual({ status: 0, err: '' });
    const shown = this.run(['show', '-json', planFile], {}, '', dir);
    const plan = JSON.parse(shown.stdout) as PlanJson;
    const overlay = plan.prior_state.values.root_module.child_modules
      .flatMap((m) => m.resources)
      .find((r) => r.address === 'module.service.data.kustomization_overlay.service');
    const manifests = Object.entries(overlay?.values.manifests ?? {});
    return manifests
      .filter(([id]) => id.startsWith('apps/Deployment/'))
      .map(([, manifest]) => JSON.parse(manifest) as Deployment);
  }

  /** A file of the copy's working directory. */
  path(name: string) {
    return join(this.work, name);
  }

  remove() {
    rmSync(this.work, { recursive: true, force: true });
  }
}

describe('the infrastructure as code (deploy/opentofu)', () => {
  let copy: TofuCopy;
  beforeEach(() => {
    copy = new TofuCopy();
  });
  afterEach(() => copy.remove());

  test('given the modules, then tofu validate and fmt -check pass them', () => {
    copy.init();
    const valid = copy.run(['validate', '-no-color']);
    expect({ status: valid.status, out: valid.stdout.trim(), err: valid.stderr }).toEqual({
      status: 0,
      out: 'Success! The configuration is valid.',
      err: '',
    });
    const fmt = copy.run(['fmt', '-check', '-recursive', '-no-color']);
    expect({ status: fmt.status, out: fmt.stdout, err: fmt.stderr }).toEqual({ status: 0, out: '', err: '' });
  });

  test('given the Secret written to an attribute the state keeps, then validate refuses it', () => {
    copy.init();
    copy.edit('modules/order-saga/main.tf', (t) =>
      t.replace('data_wo          = var.secrets', 'data = var.secrets'),
    );
    const res = copy.run(['validate', '-no-color']);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/Ephemeral value used in non-ephemeral context/);
    expect(res.stderr).toContain('kubernetes_secret_v1.service');
  });

  test('given a misformatted file, then fmt -check refuses it and names it', () => {
    copy.edit('modules/temporal-namespace/variables.tf', (t) =>
      t.replace('  type        = string', '  type = string'),
    );
    const res = copy.run(['fmt', '-check', '-recursive', '-no-color']);
    expect(res.status).not.toBe(0);
    expect(res.stdout.trim()).toBe('modules/temporal-namespace/variables.tf');
  });

  test('given the example settings, then the Temporal namespace gets the search attributes the workflow sets, and what carries a password is in the Secret, not the ConfigMap', () => {
    copy.initWithLocalState();
    const registered = copy.evaluate('var.temporal.search_attributes');
    expect(registered).toEqual({
      status: 0,
      value: Object.fromEntries(SEARCH_ATTRIBUTES.map(({ name, type }) => [name, type])),
      err: '',
    });
    const { value: secretKeys } = copy.evaluate('local.secret_keys');
    expect(secretKeys).toEqual(['MONGODB_URL', 'PAYLOAD_KEYS', 'REDIS_URL', 'SMTP_URL']);
    const { value: config } = copy.evaluate('local.config');
    const configKeys = Object.keys(config as Record<string, string>);
    expect(configKeys.filter((k) => (secretKeys as string[]).includes(k))).toEqual([]);
    // every value is one the service reads (config/index.ts)
    const known = readFileSync(join(root, 'config', 'index.ts'), 'utf8');
    expect(configKeys.filter((k) => !known.includes(`'${k}'`) && !known.includes(`.${k}`))).toEqual([]);
    expect(config).toMatchObject({ TEMPORAL_NAMESPACE: 'orders', MONGODB_DB: 'orders' });
  });

  test('given a store to create without its password, or one to use without its URL, then the plan is refused naming the variable', () => {
    copy.initWithLocalState();
    const { TF_VAR_mongodb_password: _created, ...noPassword } = SECRETS;
    const missing = copy.plan(noPassword);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(
      /mongodb_password \(16 characters or more\) is needed when mongodb.create\s+=\s+true/,
    );
    copy.edit(EXAMPLE, (t) => t.replace('redis   = { create = true }', 'redis   = { create = false }'));
    const noUrl = copy.plan();
    expect(noUrl.status).not.toBe(0);
    expect(noUrl.stderr).toMatch(/redis_url is needed when redis.create = false/);
  });

  test('given the example settings and its secrets, then the plan holds none of them, in its file or as tofu shows it', () => {
    copy.initWithLocalState();
    // everything the Kubernetes provider plans by itself; the kustomize resources are planned by the
    // cluster (a server-side dry run), which is not there
    const targets = [
      'module.service_namespace',
      'module.mongodb',
      'module.redis',
      'module.temporal_namespace',
      'module.service.kubernetes_secret_v1.service',
    ].map((t) => `-target=${t}`);
    const planFile = copy.path('plan');
    const planned = copy.plan(SECRETS, [...targets, `-out=${planFile}`]);
    expect({ status: planned.status, err: planned.stderr }).toEqual({ status: 0, err: '' });
    const shown = copy.run(['show', '-json', planFile]);
    expect(shown.status).toBe(0);
    const plan = JSON.parse(shown.stdout) as { resource_changes: { address: string }[] };
    expect(plan.resource_changes.map((r) => r.address).sort()).toEqual([
      'module.mongodb[0].kubernetes_secret_v1.password',
      'module.mongodb[0].kubernetes_service_v1.store',
      'module.mongodb[0].kubernetes_stateful_set_v1.store',
      'module.redis[0].kubernetes_secret_v1.password',
      'module.redis[0].kubernetes_service_v1.store',
      'module.redis[0].kubernetes_stateful_set_v1.store',
      'module.service.kubernetes_secret_v1.service',
      'module.service_namespace.kubernetes_namespace_v1.this[0]',
      'module.temporal_namespace[0].kubernetes_job_v1.register',
    ]);
    const planBytes = readFileSync(planFile).toString('latin1') + unzipped(planFile);
    // the plan's contents are read (the StatefulSets' password variable is there), the secrets are not
    expect(planBytes).toContain('MONGO_INITDB_ROOT_PASSWORD');
    for (const secret of Object.values(SECRETS)) {
      const forms = [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)];
      for (const form of forms) {
        expect({ form, inShown: shown.stdout.includes(form), inFile: planBytes.includes(form) }).toEqual({
          form,
          inShown: false,
          inFile: false,
        });
      }
    }
  });

  test('given TLS to Temporal with a CA, a client certificate and an API key, then the ConfigMap names the mounted files, the API key goes to the Secret, and the plan holds neither the key nor the API key', () => {
    copy.initWithLocalState();
    const withTls = { ...SECRETS, ...TEMPORAL_TLS };
    const dir = '/etc/order-saga/temporal-tls';
    expect(copy.evaluate('local.config', withTls).value).toMatchObject({
      TEMPORAL_TLS: 'true',
      TEMPORAL_TLS_CA: `${dir}/ca.pem`,
      TEMPORAL_TLS_CERT: `${dir}/client.pem`,
      TEMPORAL_TLS_KEY: `${dir}/client.key`,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    expect(copy.evaluate('local.secret_keys', withTls).value).toContain('TEMPORAL_API_KEY');
    expect(copy.evaluate('local.temporal_tls_file_names', withTls).value).toEqual([
      'ca.pem',
      'client.key',
      'client.pem',
    ]);
    expect(copy.evaluate('local.temporal_tls_config', SECRETS).value).toEqual({});

    const targets = [
      'module.service.kubernetes_secret_v1.service',
      'module.service.kubernetes_secret_v1.temporal_tls',
    ];
    const planFile = copy.path('plan');
    const planned = copy.plan(withTls, [...targets.map((t) => `-target=${t}`), `-out=${planFile}`]);
    expect({ status: planned.status, err: planned.stderr }).toEqual({ status: 0, err: '' });
    const shown = copy.run(['show', '-json', planFile]);
    const changes = (JSON.parse(shown.stdout) as { resource_changes: { address: string }[] })
      .resource_changes;
    expect(changes.map((r) => r.address)).toContain('module.service.kubernetes_secret_v1.temporal_tls[0]');
    const planBytes = readFileSync(planFile).toString('latin1') + unzipped(planFile);
    for (const secret of [
      TEMPORAL_TLS.TF_VAR_temporal_client_key_pem,
      TEMPORAL_TLS.TF_VAR_temporal_api_key,
    ]) {
      expect({ secret, inShown: shown.stdout.includes(secret), inFile: planBytes.includes(secret) }).toEqual({
        secret,
        inShown: false,
        inFile: false,
      });
    }
  });

  test('given a client certificate without its key, or a CA with TLS off, then the plan is refused naming the variable', () => {
    copy.initWithLocalState();
    const { TF_VAR_temporal_client_key_pem: _k, ...noKey } = TEMPORAL_TLS;
    const missingKey = copy.plan({ ...SECRETS, ...noKey });
    expect(missingKey.status).not.toBe(0);
    expect(missingKey.stderr).toMatch(
      /temporal_client_key_pem is needed when\s+temporal_tls\.client_certificate\s+=\s+true/,
    );
    const off = copy.plan({ ...SECRETS, TF_VAR_temporal_tls: '{ enabled = false, ca_pem = "CA-PEM" }' });
    expect(off.status).not.toBe(0);
    expect(off.stderr).toMatch(/temporal_tls\.enabled must be true/);
  });

  test("given Temporal's TLS files, then every Deployment mounts them read-only; given none, then nothing is mounted", () => {
    const mounted = (d: Deployment) => ({
      name: d.metadata.name,
      volume: d.spec.template.spec.volumes.find((v) => v.name === 'temporal-tls')?.secret?.secretName,
      mount: d.spec.template.spec.containers[0]?.volumeMounts.find((m) => m.name === 'temporal-tls'),
    });
    const withFiles = copy.renderedDeployments(['ca.pem', 'client.pem', 'client.key']).map(mounted);
    expect(withFiles.map((d) => d.name).sort()).toEqual([
      'api',
      'projector-worker',
      'saga-worker',
      'webhook-worker',
    ]);
    for (const d of withFiles) {
      expect(d).toEqual({
        name: d.name,
        volume: 'order-saga-temporal-tls',
        mount: { name: 'temporal-tls', mountPath: '/etc/order-saga/temporal-tls', readOnly: true },
      });
    }
    copy.remove();
    copy = new TofuCopy();
    const without = copy.renderedDeployments([]).map(mounted);
    expect(without.map((d) => [d.volume, d.mount])).toEqual(without.map(() => [undefined, undefined]));
    expect(without).toHaveLength(4);
  });
});

/** The plan file is a zip: its members' bytes (as Latin-1 text), read by Python's zipfile. */
function unzipped(file: string): string {
  const res = spawnSync(
    'python3',
    [
      '-c',
      'import sys, zipfile\nfor n in zipfile.ZipFile(sys.argv[1]).namelist(): sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(n))',
      file,
    ],
    { encoding: 'latin1' },
  );
  expect(res.status).toBe(0);
  return res.stdout;
}
