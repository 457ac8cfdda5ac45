import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A script of the build under dist/ (`npm test` builds before jest); a clear error when it is missing. */
export function builtScript(path: string): string {
  const file = join(__dirname, '..', '..', 'dist', path);
  if (!existsSync(file))
    throw new Error('dist/ is missing: `npm run build` first (npm test builds before jest)');
  return file;
}

/**
 * Runs a built bench script (`bench/chaos.js`) with `args` and `--out <out>`, logging at warn; resolves
 * with what it printed and the JSON report it wrote. It rejects when the script exits non-zero.
 */
export async function runBuiltScript<Report>(
  path: string,
  args: string[],
  out: string,
  timeoutMs: number,
): Promise<{ stdout: string; report: Report }> {
  const { stdout } = await run(process.execPath, [builtScript(path), ...args, '--out', out], {
    timeout: timeoutMs,
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  return { stdout, report: JSON.parse(readFileSync(out, 'utf8')) as Report };
}
