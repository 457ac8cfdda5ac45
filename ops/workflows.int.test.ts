import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binaries } from '../stack/binaries';
import { cacheDir } from '../test/helpers/env';

const root = join(__dirname, '..');
const WORKFLOW = join(root, '.github', 'workflows', 'delivery.yml');

const actionlint = (file: string) =>
  spawnSync(binaries(cacheDir).actionlint(), ['-no-color', file], { cwd: root, encoding: 'utf8' });

interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<
    string,
    {
      if?: string;
      needs?: string | string[];
      environment?: string;
      steps: { uses?: string; run?: string; if?: string }[];
    }
  >;
}

/** The workflow as YAML reads it (the validators' Python has PyYAML). */
function parsed(file: string): Workflow {
  const out = spawnSync(
    binaries(cacheDir).toolsPython(),
    ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', file],
    { encoding: 'utf8' },
  );
  // PyYAML reads the key `on` as the boolean true (YAML 1.1)
  const json = JSON.parse(out.stdout) as Workflow & { true?: Workflow['on'] };
  return { ...json, on: json.on ?? json.true ?? {} };
}

describe('the CI/CD workflow (.github/workflows)', () => {
  test('given the delivery workflow, then actionlint passes it; a broken one is refused', () => {
    const ok = actionlint(WORKFLOW);
    expect({ status: ok.status, out: ok.stdout + ok.stderr }).toEqual({ status: 0, out: '' });
    const dir = mkdtempSync(join(tmpdir(), 'actionlint-'));
    try {
      const broken = join(dir, 'broken.yml');
      writeFileSync(
        broken,
        [
          'on: push',
          'jobs:',
          '  deploy:',
          '    needs: image',
          '    runs-on: ubuntu-24.04',
          '    steps:',
          '      - uses: actions/checkout@v4',
          '        with:',
          '          no-such-input: true',
        ].join('\n'),
      );
      const res = actionlint(broken);
      expect(res.status).not.toBe(0);
      expect(res.stdout).toMatch(/needs job "image" which does not exist/);
      expect(res.stdout).toMatch(/input "no-such-input" is not defined/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('given a push or a pull request, then the tests run; only main builds the image, and production waits for it', () => {
    const wf = parsed(WORKFLOW);
    expect(Object.keys(wf.on).sort()).toEqual(['pull_request', 'push']);
    const { test: tests, image, deploy } = wf.jobs;
    expect(tests?.if).toBeUndefined();
    expect(tests?.steps.at(-1)?.run).toBe('.ci/run');
    expect(image?.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
    expect(image?.needs).toBe('test');
    expect(image?.steps.some((s) => s.uses?.startsWith('docker/build-push-action@'))).toBe(true);
    // the environment's protection rules (required reviewers) are the approval
    expect(deploy?.needs).toBe('image');
    expect(deploy?.environment).toBe('production');
    // with kustomize, or with the infrastructure as code when the repository says so; never both
    const kustomize = deploy?.steps.find((s) => s.run?.includes('kubectl apply -k'));
    const tofu = deploy?.steps.find((s) => s.run?.includes('tofu apply'));
    expect(kustomize?.if).toBe("vars.DEPLOY_WITH != 'opentofu'");
    expect(tofu?.if).toBe("vars.DEPLOY_WITH == 'opentofu'");
    expect(tofu?.run).toContain('-var "image_tag=${IMAGE##*:}"');
  });
});
