import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from './config.ts';
import { openPlatform } from './platform.ts';

test('application logs go to SHEQU_LOG_DIR, apart from the business data directory', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'shequ-data-'));
  const logDir = mkdtempSync(join(tmpdir(), 'shequ-logs-'));
  try {
    const platform = await openPlatform(loadConfig({ SHEQU_DATA_DIR: dataDir, SHEQU_LOG_DIR: logDir }), {
      role: 'logtest',
      seed: false,
    });
    platform.log.info({ marker: 'separate-storage' }, 'hello');
    await platform.close();
    const text = readFileSync(join(logDir, 'logtest.log'), 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(lines.some((l) => l.marker === 'separate-storage' && l.role === 'logtest'));
    assert.ok(!readdirSync(dataDir).includes('logs'), 'nothing logged into the data dir');
    assert.ok(existsSync(join(dataDir, 'pglite')), 'the database lives in the data dir');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(logDir, { recursive: true, force: true });
  }
});
