import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = join(__dirname, '..');

/** The Markdown a reader meets: the README, CONTRIBUTING, and every page under docs/. */
function markdownFiles(): string[] {
  const inDocs = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return inDocs(path);
      return name.endsWith('.md') ? [path] : [];
    });
  return [join(root, 'README.md'), join(root, 'CONTRIBUTING.md'), ...inDocs(join(root, 'docs'))];
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors a Markdown file offers: its headings', outside code blocks. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{1,6} (.*)$/.exec(line);
    if (heading) anchors.add(anchorOf(heading[1] ?? ''));
  }
  return anchors;
}

/** Relative links `[text](target)` outside code blocks and code spans. */
function linksOf(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)]
    .map((m) => m[1] ?? '')
    .filter((target) => !/^[a-z]+:/i.test(target));
}

/** Why a link does not resolve, or null when it does. */
function brokenLink(file: string, target: string): string | null {
  const [path = '', anchor] = target.split('#');
  const resolved = path === '' ? file : join(dirname(file), path);
  if (!existsSync(resolved)) return 'no such file';
  if (anchor === undefined || statSync(resolved).isDirectory()) return null;
  return anchorsOf(readFileSync(resolved, 'utf8')).has(anchor) ? null : `no heading #${anchor}`;
}

describe('the documentation', () => {
  test('given every Markdown page, then each relative link names a file that exists, and a heading in it', () => {
    const broken = markdownFiles().flatMap((file) =>
      linksOf(readFileSync(file, 'utf8')).flatMap((target) => {
        const why = brokenLink(file, target);
        return why ? [`${relative(root, file)}: (${target}) ${why}`] : [];
      }),
    );
    expect(broken).toEqual([]);
    // and a link that does not resolve is found
    const readme = join(root, 'README.md');
    expect(brokenLink(readme, 'docs/nowhere.md')).toBe('no such file');
    expect(brokenLink(readme, 'docs/api.md#nowhere')).toBe('no heading #nowhere');
    expect(brokenLink(readme, 'docs/api.md#idempotency-keys')).toBeNull();
  });

  test('given a heading, then its anchor is the one GitHub makes', () => {
    expect(anchorOf('Consistency, honestly')).toBe('consistency-honestly');
    expect(anchorOf('Infrastructure as code: deploy/opentofu')).toBe('infrastructure-as-code-deployopentofu');
    expect(anchorOf('What each button of the Web UI does to an order')).toBe(
      'what-each-button-of-the-web-ui-does-to-an-order',
    );
    expect(anchorOf('`kill-one-replica` without the pause (2026-12-01, issue 19)')).toBe(
      'kill-one-replica-without-the-pause-2026-12-01-issue-19',
    );
  });

  test('given the README, then it stays a first page: 250 lines at most', () => {
    expect(readFileSync(join(root, 'README.md'), 'utf8').trimEnd().split('\n').length).toBeLessThanOrEqual(
      250,
    );
  });
});
