// Rewrites contributes.configuration in package.json, and the settings table in README.md,
// from src/options.json. Run `npm run sync-settings` after changing options.json;
// `--check` only reports a difference (the unit tests check the same).
import { readFileSync, writeFileSync } from 'node:fs';
import {
  configurationFromOptions,
  PACKAGE_JSON,
  README_MD,
  readOptions,
  settingsTable,
  withSettingsTable,
} from './settings-from-options.mjs';

const check = process.argv.includes('--check');
const manifest = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8'));
const configuration = configurationFromOptions(readOptions());
const readme = readFileSync(README_MD, 'utf8');
const wantedReadme = withSettingsTable(readme, settingsTable(configuration));
let stale = false;

if (JSON.stringify(manifest.contributes.configuration) !== JSON.stringify(configuration)) {
  stale = true;
  if (!check) {
    manifest.contributes.configuration = configuration;
    writeFileSync(PACKAGE_JSON, `${JSON.stringify(manifest, null, 2)}\n`);
    console.log('package.json: contributes.configuration rewritten from src/options.json');
  }
}
if (wantedReadme !== readme) {
  stale = true;
  if (!check) {
    writeFileSync(README_MD, wantedReadme);
    console.log('README.md: settings table rewritten from src/options.json');
  }
}
if (check && stale) {
  console.error('package.json or README.md differ from src/options.json: run `npm run sync-settings`.');
  process.exit(1);
}
