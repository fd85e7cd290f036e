// Rewrites contributes.configuration in package.json from src/options.json.
// Run `npm run sync-settings` after changing options.json; `--check` only reports a difference.
import { readFileSync, writeFileSync } from 'node:fs';
import { configurationFromOptions, PACKAGE_JSON, readOptions } from './settings-from-options.mjs';

const manifest = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8'));
const wanted = configurationFromOptions(readOptions());
const same = JSON.stringify(manifest.contributes.configuration) === JSON.stringify(wanted);
if (process.argv.includes('--check')) {
  if (!same) {
    console.error('package.json settings differ from src/options.json: run `npm run sync-settings`.');
    process.exit(1);
  }
} else if (!same) {
  manifest.contributes.configuration = wanted;
  writeFileSync(PACKAGE_JSON, `${JSON.stringify(manifest, null, 2)}\n`);
  console.log('package.json: contributes.configuration rewritten from src/options.json');
}
