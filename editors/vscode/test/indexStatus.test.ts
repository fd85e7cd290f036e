import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeIndexStatus } from '../src/indexStatus';

test('indexing spins', () => {
  assert.equal(describeIndexStatus({ state: 'indexing', sources: 0, passages: 0 }).text, '$(sync~spin) quoteline: indexing');
});

test('ready counts sources and passages', () => {
  assert.equal(
    describeIndexStatus({ state: 'ready', sources: 5, passages: 212 }).text,
    '$(quote) quoteline: 5 sources, 212 passages',
  );
  assert.equal(
    describeIndexStatus({ state: 'ready', sources: 1, passages: 1 }).text,
    '$(quote) quoteline: 1 source, 1 passage',
  );
});

test('error shows the server message in the tooltip', () => {
  const view = describeIndexStatus({ state: 'error', sources: 0, passages: 0, message: 'corpus/ not found' });
  assert.equal(view.text, '$(error) quoteline');
  assert.ok(view.isError);
  assert.match(view.tooltip, /corpus\/ not found/);
});
