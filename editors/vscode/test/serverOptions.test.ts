import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectServerOptions, serverOptionKeys } from '../src/serverOptions';

test('client-only settings are not server options', () => {
  const keys = serverOptionKeys({
    'quoteline.minWords': {},
    'quoteline.severity': {},
    'quoteline.server.path': {},
    'quoteline.trace.server': {},
  });
  assert.deepEqual(keys, ['minWords', 'severity']);
});

test('server options are plain data with camelCase keys', () => {
  const options = collectServerOptions(['minWords', 'severity', 'corpus'], (key) =>
    ({ minWords: 3, severity: { drift: 'error' }, corpus: undefined })[key],
  );
  assert.deepEqual(options, { minWords: 3, severity: { drift: 'error' } });
});
