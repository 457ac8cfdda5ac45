import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config';

/** The cache where scripts/setup.sh installed the servers (same rule as the config module). */
export const cacheDir = loadConfig({ ...process.env, DATA_DIR: tmpdir() }).cacheDir;

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `order-saga-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
