// Turns src/options.json (the one description of quoteline's options) into the
// `contributes.configuration` block of package.json. Used by sync-settings.mjs to write it
// and by test/options-sync.test.mjs to check it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const OPTIONS_JSON = fileURLToPath(new URL('../../../src/options.json', import.meta.url));
export const PACKAGE_JSON = fileURLToPath(new URL('../package.json', import.meta.url));

// Only these JSON-schema words appear in options.json; each has the same meaning in VS Code's
// settings schema, so they are copied as they are. An unknown word fails loudly instead of
// being dropped, so a new kind of constraint in options.json cannot silently go missing.
const COPIED_SCHEMA_WORDS = ['type', 'items', 'enum', 'default', 'minimum', 'maximum', 'description', 'properties'];

/** Settings of the client itself; they never reach the server. */
export const CLIENT_SETTINGS = {
  'quoteline.server.path': {
    type: 'string',
    default: '',
    scope: 'machine-overridable',
    description:
      'Path to the quoteline binary. Empty: use the binary bundled with the extension, else `quoteline` on PATH. A leading ~ and ${workspaceFolder} are expanded.',
  },
  'quoteline.trace.server': {
    type: 'string',
    enum: ['off', 'messages', 'verbose'],
    default: 'off',
    scope: 'window',
    description: 'Log the messages between VS Code and the quoteline language server to the output channel.',
  },
};

export function readOptions() {
  return JSON.parse(readFileSync(OPTIONS_JSON, 'utf8')).options;
}

export function settingSchema(name, option) {
  const schema = {};
  for (const [word, value] of Object.entries(option)) {
    if (!COPIED_SCHEMA_WORDS.includes(word)) {
      throw new Error(`src/options.json: option "${name}" uses "${word}", which settings-from-options.mjs does not map`);
    }
    schema[word] = word === 'properties' ? mapProperties(name, value) : value;
  }
  if (option.type === 'object') {
    // The server rejects unknown keys, so the settings editor should too.
    schema.additionalProperties = false;
  }
  return schema;
}

function mapProperties(name, properties) {
  return Object.fromEntries(
    Object.entries(properties).map(([key, property]) => [key, settingSchema(`${name}.${key}`, property)]),
  );
}

export function configurationFromOptions(options) {
  const properties = {};
  let order = 0;
  for (const [key, option] of Object.entries(options)) {
    properties[`quoteline.${key}`] = { ...settingSchema(key, option), order: order++ };
  }
  for (const [name, setting] of Object.entries(CLIENT_SETTINGS)) {
    properties[name] = { ...setting, order: order++ };
  }
  return { title: 'quoteline', properties };
}

export const README_MD = fileURLToPath(new URL('../README.md', import.meta.url));
export const TABLE_START = '<!-- settings table: written by `npm run sync-settings` from src/options.json -->';
export const TABLE_END = '<!-- end of settings table -->';

function showDefault(value) {
  return `\`${JSON.stringify(value)}\``;
}

function showType(schema) {
  if (schema.enum) {
    return schema.enum.map((v) => `\`${v}\``).join(' \\| ');
  }
  if (schema.type === 'array') {
    return `array of ${schema.items.type}`;
  }
  if (schema.type === 'object') {
    return `object: ${Object.keys(schema.properties).map((k) => `\`${k}\``).join(', ')}`;
  }
  return schema.type + (schema.minimum !== undefined ? ` ≥ ${schema.minimum}` : '');
}

/** The README's settings table, one row per setting, in package.json order. */
export function settingsTable(configuration) {
  const rows = Object.entries(configuration.properties).map(([name, schema]) => {
    const description = (schema.description ?? '').replace(/\|/g, '\\|');
    return `| \`${name}\` | ${showType(schema)} | ${showDefault(schema.default)} | ${description} |`;
  });
  return [TABLE_START, '', '| Setting | Type | Default | Description |', '| --- | --- | --- | --- |', ...rows, '', TABLE_END].join('\n');
}

/** `readme` with its settings table replaced by `table`. */
export function withSettingsTable(readme, table) {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) {
    throw new Error(`README.md lacks the settings table markers (${TABLE_START} … ${TABLE_END})`);
  }
  return readme.slice(0, start) + table + readme.slice(end + TABLE_END.length);
}
