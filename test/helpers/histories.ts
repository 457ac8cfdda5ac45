import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON, historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';

export const HISTORY_FIXTURES = join(__dirname, '..', 'fixtures', 'histories');

/**
 * With RECORD_HISTORIES=1, the workflow tests save each run's history as a replay fixture
 * (`RECORD_HISTORIES=1 npx jest workflows/ test/integration/webhooks`); commit the files so CI replays them.
 */
export async function recordHistory(name: string, history: temporal.api.history.v1.IHistory): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  mkdirSync(HISTORY_FIXTURES, { recursive: true });
  writeFileSync(join(HISTORY_FIXTURES, `${name}.json`), historyToJSON(history));
}

export function loadHistories(): { workflowId: string; history: temporal.api.history.v1.IHistory }[] {
  return readdirSync(HISTORY_FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({
      workflowId: f.replace(/\.json$/, ''),
      history: historyFromJSON(JSON.parse(readFileSync(join(HISTORY_FIXTURES, f), 'utf8'))),
    }));
}
