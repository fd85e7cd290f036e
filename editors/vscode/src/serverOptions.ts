// Which settings go to the server. The extension's package.json mirrors src/options.json
// (checked by test/options-sync.test.mjs), so the server's option keys are read from the
// contributed settings at run time instead of being listed a second time here.

export const SETTINGS_SECTION = 'quoteline';

/** Settings that configure the client itself and must never reach the server's strict config. */
export const CLIENT_ONLY_SETTINGS: readonly string[] = ['server.path', 'trace.server'];

/** The camelCase server option keys, from `contributes.configuration.properties` of package.json. */
export function serverOptionKeys(contributedProperties: Record<string, unknown>): string[] {
  const prefix = `${SETTINGS_SECTION}.`;
  return Object.keys(contributedProperties)
    .filter((name) => name.startsWith(prefix))
    .map((name) => name.slice(prefix.length))
    .filter((key) => !CLIENT_ONLY_SETTINGS.includes(key));
}

/**
 * The object sent as `initializationOptions` and as the answer to `workspace/configuration`
 * for section `quoteline`: exactly the server's keys, each with its effective value.
 */
export function collectServerOptions(
  keys: readonly string[],
  valueOf: (key: string) => unknown,
): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const key of keys) {
    const value = valueOf(key);
    if (value !== undefined) {
      // Settings objects from VS Code are proxies; a JSON round trip gives plain data.
      options[key] = JSON.parse(JSON.stringify(value));
    }
  }
  return options;
}
