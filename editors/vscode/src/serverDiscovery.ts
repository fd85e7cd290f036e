// Finds the `quoteline` binary. Kept free of the `vscode` module so the search
// order can be unit-tested with a fake file system.
import * as path from 'node:path';

export type ServerOrigin = 'setting' | 'bundled' | 'path';

export interface FoundServer {
  readonly command: string;
  readonly origin: ServerOrigin;
}

export interface ServerSearch {
  /** Value of `quoteline.server.path`; empty when unset. */
  readonly configuredPath: string;
  /** Where a binary shipped inside the .vsix would be (`<extension>/server/quoteline`). */
  readonly bundledPath: string;
  /** The `PATH` environment variable. */
  readonly pathEnv: string | undefined;
  /** The home directory, used to expand a leading `~` in the setting. */
  readonly homeDir: string;
  /** The first workspace folder, used to expand `${workspaceFolder}` and resolve relative settings. */
  readonly workspaceFolder: string | undefined;
  readonly isExecutableFile: (file: string) => boolean;
  readonly platform: NodeJS.Platform;
}

export type ServerSearchResult =
  | { readonly found: FoundServer }
  | { readonly error: string };

/**
 * Looks in the order the README promises: the setting, then the bundled binary, then `PATH`.
 * A setting that points nowhere is an error rather than a silent fallback, because a user
 * who set it expects that exact binary to run.
 */
export function findServer(search: ServerSearch): ServerSearchResult {
  const configured = search.configuredPath.trim();
  if (configured !== '') {
    const resolved = expandConfiguredPath(configured, search);
    if (search.isExecutableFile(resolved)) {
      return { found: { command: resolved, origin: 'setting' } };
    }
    return {
      error:
        `quoteline: the setting "quoteline.server.path" is "${configured}", but no executable file is there` +
        (resolved !== configured ? ` (resolved to "${resolved}")` : '') +
        '. Fix the path or clear the setting to use the bundled server or the one on PATH.',
    };
  }
  if (search.isExecutableFile(search.bundledPath)) {
    return { found: { command: search.bundledPath, origin: 'bundled' } };
  }
  const onPath = findOnPath(executableName(search.platform), search.pathEnv, search.isExecutableFile);
  if (onPath !== undefined) {
    return { found: { command: onPath, origin: 'path' } };
  }
  return {
    error:
      'quoteline: could not find the quoteline language server. ' +
      'Install it (`cargo install --path .` in the quoteline repository puts `quoteline` on PATH) ' +
      'or set "quoteline.server.path" to the binary, then run "quoteline: Restart Server".',
  };
}

function executableName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'quoteline.exe' : 'quoteline';
}

function expandConfiguredPath(configured: string, search: ServerSearch): string {
  let expanded = configured;
  if (expanded === '~' || expanded.startsWith('~/')) {
    expanded = path.join(search.homeDir, expanded.slice(1));
  }
  if (search.workspaceFolder !== undefined) {
    expanded = expanded.split('${workspaceFolder}').join(search.workspaceFolder);
    if (!path.isAbsolute(expanded)) {
      expanded = path.join(search.workspaceFolder, expanded);
    }
  }
  return expanded;
}

export function findOnPath(
  name: string,
  pathEnv: string | undefined,
  isExecutableFile: (file: string) => boolean,
): string | undefined {
  if (pathEnv === undefined) {
    return undefined;
  }
  for (const dir of pathEnv.split(path.delimiter)) {
    if (dir === '') {
      continue;
    }
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) {
      return candidate;
    }
  }
  return undefined;
}
