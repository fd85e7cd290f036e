// package.json must mirror src/options.json one for one: same keys, types, defaults,
// descriptions, enums and bounds. This test is what keeps the two in sync.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  CLIENT_SETTINGS,
  configurationFromOptions,
  PACKAGE_JSON,
  README_MD,
  readOptions,
  settingsTable,
  withSettingsTable,
} from '../scripts/settings-from-options.mjs';

const options = readOptions();
const settings = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')).contributes.configuration.properties;

test('every server option is a setting named quoteline.<key>', () => {
  for (const key of Object.keys(options)) {
    assert.ok(settings[`quoteline.${key}`], `package.json lacks the setting quoteline.${key}`);
  }
});

test('every setting is a server option or a client-only setting', () => {
  for (const name of Object.keys(settings)) {
    const key = name.replace(/^quoteline\./, '');
    assert.ok(key in options || name in CLIENT_SETTINGS, `setting ${name} is not in src/options.json`);
  }
});

test('each setting has the type, default, description, enum and bounds of its option', () => {
  for (const [key, option] of Object.entries(options)) {
    const setting = settings[`quoteline.${key}`];
    for (const word of ['type', 'default', 'description', 'enum', 'minimum', 'maximum', 'items']) {
      assert.deepEqual(setting[word], option[word], `quoteline.${key}: "${word}" differs from src/options.json`);
    }
    for (const [name, property] of Object.entries(option.properties ?? {})) {
      for (const word of ['type', 'default', 'description', 'enum']) {
        assert.deepEqual(
          setting.properties?.[name]?.[word],
          property[word],
          `quoteline.${key}.${name}: "${word}" differs from src/options.json`,
        );
      }
    }
  }
});

test('package.json is exactly what `npm run sync-settings` writes', () => {
  const manifest = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8'));
  assert.deepEqual(manifest.contributes.configuration, configurationFromOptions(options));
});

test('an option word the generator does not know is an error, not silently dropped', () => {
  assert.throws(
    () => configurationFromOptions({ x: { type: 'string', default: '', pattern: '^a' } }),
    /option "x" uses "pattern"/,
  );
});

test('the README settings table is what `npm run sync-settings` writes', () => {
  const readme = readFileSync(README_MD, 'utf8');
  const configuration = configurationFromOptions(options);
  assert.equal(readme, withSettingsTable(readme, settingsTable(configuration)));
});
