import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON, historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';

export const HISTORY_FIXTURES = join(__dirname, '..', 'fixtures', 'histories');

/**
 * With RECORD_HISTORIES=1, the workflow tests save each run's history as a replay fixture
 * (`RECORD_HISTORIES=1 npx jest workflows/ test/integration/webhooks test/integration/notifications`);
 * commit the files so CI replays them. Before a `patched()` change, move the old ones into a folder.
 */
export async function recordHistory(name: string, history: temporal.api.history.v1.IHistory): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  mkdirSync(HISTORY_FIXTURES, { recursive: true });
  writeFileSync(join(HISTORY_FIXTURES, `${name}.json`), historyToJSON(history));
}

export interface HistoryFixture {
  workflowId: string;
  history: temporal.api.history.v1.IHistory;
}

/**
 * Every committed history: the current recordings, and under a folder each the recordings taken
 * before a `patched()` change (named `folder/workflowId`), which the current code must still replay.
 */
export function loadHistories(dir = HISTORY_FIXTURES, prefix = ''): HistoryFixture[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry): HistoryFixture[] => {
      if (entry.isDirectory()) return loadHistories(join(dir, entry.name), `${prefix}${entry.name}/`);
      if (!entry.name.endsWith('.json')) return [];
      const json: unknown = JSON.parse(readFileSync(join(dir, entry.name), 'utf8'));
      return [{ workflowId: prefix + entry.name.replace(/\.json$/, ''), history: historyFromJSON(json) }];
    });
}
