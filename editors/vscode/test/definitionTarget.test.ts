import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstDefinitionTarget } from '../src/definitionTarget';

const range = { start: { line: 2, character: 4 }, end: { line: 2, character: 40 } };
const wholeFile = { start: { line: 0, character: 0 }, end: { line: 9, character: 0 } };

test('a Location, a list of them, or LocationLinks give the first passage', () => {
  const uri = 'file:///w/corpus/state-dept-cable-2011.txt';
  assert.deepEqual(firstDefinitionTarget({ uri, range }), { uri, range });
  assert.deepEqual(firstDefinitionTarget([{ uri, range }]), { uri, range });
  assert.deepEqual(
    firstDefinitionTarget([{ targetUri: uri, targetRange: wholeFile, targetSelectionRange: range }]),
    { uri, range },
  );
});

test('no answer gives no target', () => {
  assert.equal(firstDefinitionTarget(null), undefined);
  assert.equal(firstDefinitionTarget([]), undefined);
});
