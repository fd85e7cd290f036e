import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { findServer, type ServerSearch } from '../src/serverDiscovery';

function search(executables: string[], overrides: Partial<ServerSearch> = {}): ServerSearch {
  return {
    configuredPath: '',
    bundledPath: '/ext/server/quoteline',
    pathEnv: ['/usr/local/bin', '/usr/bin'].join(path.delimiter),
    homeDir: '/home/ana',
    workspaceFolder: '/home/ana/thesis',
    isExecutableFile: (file) => executables.includes(file),
    platform: 'linux',
    ...overrides,
  };
}

test('the setting wins over the bundled binary and PATH', () => {
  const result = findServer(
    search(['/opt/quoteline', '/ext/server/quoteline', '/usr/bin/quoteline'], { configuredPath: '/opt/quoteline' }),
  );
  assert.deepEqual(result, { found: { command: '/opt/quoteline', origin: 'setting' } });
});

test('the setting expands ~ and ${workspaceFolder}, and is relative to the workspace', () => {
  const executables = ['/home/ana/bin/quoteline', '/home/ana/thesis/target/release/quoteline'];
  assert.deepEqual(findServer(search(executables, { configuredPath: '~/bin/quoteline' })), {
    found: { command: '/home/ana/bin/quoteline', origin: 'setting' },
  });
  assert.deepEqual(findServer(search(executables, { configuredPath: '${workspaceFolder}/target/release/quoteline' })), {
    found: { command: '/home/ana/thesis/target/release/quoteline', origin: 'setting' },
  });
  assert.deepEqual(findServer(search(executables, { configuredPath: 'target/release/quoteline' })), {
    found: { command: '/home/ana/thesis/target/release/quoteline', origin: 'setting' },
  });
});

test('a setting pointing nowhere is an error naming the setting, not a fallback', () => {
  const result = findServer(search(['/usr/bin/quoteline'], { configuredPath: '/nope/quoteline' }));
  assert.ok('error' in result);
  assert.match(result.error, /quoteline\.server\.path/);
  assert.match(result.error, /\/nope\/quoteline/);
});

test('the bundled binary comes before PATH', () => {
  const result = findServer(search(['/ext/server/quoteline', '/usr/bin/quoteline']));
  assert.deepEqual(result, { found: { command: '/ext/server/quoteline', origin: 'bundled' } });
});

test('PATH is searched in order', () => {
  const result = findServer(search(['/usr/bin/quoteline', '/usr/local/bin/quoteline']));
  assert.deepEqual(result, { found: { command: '/usr/local/bin/quoteline', origin: 'path' } });
});

test('nothing found: the error says how to fix it', () => {
  const result = findServer(search([]));
  assert.ok('error' in result);
  assert.match(result.error, /quoteline\.server\.path/);
  assert.match(result.error, /PATH/);
});
