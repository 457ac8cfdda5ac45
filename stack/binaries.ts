import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

/** Where scripts/setup.sh puts the servers; one function so every caller agrees. */
export function binaries(cacheDir: string) {
  const bin = join(cacheDir, 'bin');
  const need = (path: string) => {
    if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run setup\` first`);
    return path;
  };
  return {
    temporal: () => need(join(bin, 'temporal')),
    temporalTestServer: () => need(join(bin, 'temporal-test-server')),
    ferretdb: () => need(join(bin, 'ferretdb')),
    /** the local mailbox (SMTP, web UI and API) */
    mailpit: () => need(join(bin, 'mailpit')),
    /** the Temporal server built from the Go module proxy, its SQL tool and schemas (`setup.sh --cluster`) */
    temporalServer: () => need(join(bin, 'temporal-server')),
    temporalSqlTool: () => need(join(bin, 'temporal-sql-tool')),
    temporalSchemaDir: () => need(join(cacheDir, 'temporal-server', 'schema')),
    /** the Temporal Web UI's server, built from the Go module proxy with its assets (`setup.sh --cluster`) */
    temporalUiServer: () => need(join(bin, 'temporal-ui-server')),
    redisServer: () => onPath('redis-server') ?? need('/usr/bin/redis-server'),
    mongod: () => onPath('mongod'),
    /** validators of the deployment files (`setup.sh --validators`) */
    hadolint: () => need(join(bin, 'hadolint')),
    dockerCompose: () => need(join(bin, 'docker-compose')),
    kustomize: () => need(join(bin, 'kustomize')),
    /** the GitHub Actions workflows' linter */
    actionlint: () => need(join(bin, 'actionlint')),
    kubernetesValidate: () => need(join(bin, 'kubernetes-validate')),
    /** OpenTofu, and the mirror of the providers deploy/opentofu uses (`tofu init -plugin-dir`) */
    tofu: () => need(join(bin, 'tofu')),
    tofuPlugins: () => need(join(cacheDir, 'tofu-plugins')),
    /** the validators' Python, which has PyYAML */
    toolsPython: () => need(join(bin, 'tools-python')),
  };
}

function onPath(cmd: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}
