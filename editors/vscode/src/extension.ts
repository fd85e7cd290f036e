// The VS Code shell around `quoteline lsp`: finds and starts the server, mirrors settings,
// and adds the commands and the status bar item that the protocol alone does not give.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as vscode from 'vscode';
import {
  DefinitionRequest,
  DocumentDiagnosticRequest,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  NotificationType,
  type ServerOptions,
  State,
  WorkspaceSymbolRequest,
  type SymbolInformation,
  type WorkspaceSymbol,
} from 'vscode-languageclient/node';
import { firstDefinitionTarget } from './definitionTarget';
import { describeIndexStatus, type IndexStatusParams, STARTING_VIEW, stoppedView, type StatusBarView } from './indexStatus';
import { findServer } from './serverDiscovery';
import { collectServerOptions, serverOptionKeys, SETTINGS_SECTION } from './serverOptions';

const IndexStatusNotification = new NotificationType<IndexStatusParams>('quoteline/status');

/** Commands this extension registers itself; the server may advertise some of them too. */
const CLIENT_COMMANDS = {
  restartServer: 'quoteline.restartServer',
  searchCorpus: 'quoteline.searchCorpus',
  showSource: 'quoteline.showSource',
  reindex: 'quoteline.reindex',
  showLog: 'quoteline.showLog',
} as const;

/** Used when `quoteline.fileTypes` is unset; the same as its default in src/options.json. */
const DOCUMENT_LANGUAGES = ['markdown', 'latex', 'tex', 'plaintext', 'typst', 'restructuredtext', 'org'];

let client: LanguageClient | undefined;
let outputChannel: vscode.OutputChannel;
let statusBarItem: vscode.StatusBarItem;
let optionKeys: string[] = [];

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  outputChannel = vscode.window.createOutputChannel('quoteline');
  statusBarItem = vscode.window.createStatusBarItem('quoteline.status', vscode.StatusBarAlignment.Left, 0);
  statusBarItem.name = 'quoteline';
  statusBarItem.command = CLIENT_COMMANDS.showLog;
  context.subscriptions.push(outputChannel, statusBarItem);

  const contributed = (context.extension.packageJSON as PackageJson).contributes.configuration.properties;
  optionKeys = serverOptionKeys(contributed);

  context.subscriptions.push(
    vscode.commands.registerCommand(CLIENT_COMMANDS.showLog, () => outputChannel.show(true)),
    vscode.commands.registerCommand(CLIENT_COMMANDS.restartServer, () => restartServer(context)),
    vscode.commands.registerCommand(CLIENT_COMMANDS.searchCorpus, searchCorpus),
    vscode.commands.registerCommand(CLIENT_COMMANDS.showSource, showSource),
    vscode.commands.registerCommand(CLIENT_COMMANDS.reindex, reindex),
    vscode.workspace.onDidChangeConfiguration((event) => {
      // The binary and the document selector are fixed when the client starts.
      if (
        event.affectsConfiguration(`${SETTINGS_SECTION}.server.path`) ||
        event.affectsConfiguration(`${SETTINGS_SECTION}.fileTypes`)
      ) {
        void restartServer(context);
      }
    }),
  );

  await startServer(context);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}

async function startServer(context: vscode.ExtensionContext): Promise<void> {
  showStatus(STARTING_VIEW);
  const settings = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const workspaceFolder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const search = findServer({
    configuredPath: settings.get<string>('server.path') ?? '',
    bundledPath: context.asAbsolutePath('server/quoteline'),
    pathEnv: process.env.PATH,
    homeDir: os.homedir(),
    workspaceFolder,
    isExecutableFile,
    platform: process.platform,
  });
  if ('error' in search) {
    outputChannel.appendLine(search.error);
    showStatus(stoppedView(search.error));
    const openSettings = 'Open Settings';
    const choice = await vscode.window.showErrorMessage(search.error, openSettings);
    if (choice === openSettings) {
      await vscode.commands.executeCommand('workbench.action.openSettings', `${SETTINGS_SECTION}.server.path`);
    }
    return;
  }
  outputChannel.appendLine(`quoteline: starting ${search.found.command} lsp (found via ${search.found.origin})`);

  // No `transport`: with TransportKind.stdio the library appends `--stdio`, which
  // `quoteline lsp` rejects; without one it still talks over stdin/stdout.
  const executable = { command: search.found.command, args: ['lsp'] };
  const serverOptions: ServerOptions = { run: executable, debug: executable };
  const clientOptions: LanguageClientOptions = {
    // The server checks the languages in `quoteline.fileTypes`; send it exactly those.
    documentSelector: (settings.get<string[]>('fileTypes') ?? DOCUMENT_LANGUAGES).flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]),
    initializationOptions: currentServerOptions(),
    outputChannel,
    synchronize: { configurationSection: SETTINGS_SECTION },
    middleware: {
      workspace: {
        // The server's config is strict: answer with its keys only, never the client-only
        // `server.path` / `trace.server` that a plain getConfiguration('quoteline') includes.
        configuration: (params, token, next) => {
          if (params.items.every((item) => item.section !== SETTINGS_SECTION)) {
            return next(params, token);
          }
          return params.items.map((item) =>
            item.section === SETTINGS_SECTION
              ? currentServerOptions(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined)
              : null,
          );
        },
        didChangeConfiguration: async () => {
          await client?.sendNotification('workspace/didChangeConfiguration', {
            settings: { [SETTINGS_SECTION]: currentServerOptions() },
          });
        },
      },
    },
  };

  const newClient = new LanguageClient('quoteline', 'quoteline', serverOptions, clientOptions);
  keepClientCommandsOutOfServerRegistrations(newClient);
  newClient.onDidChangeState((change) => {
    if (change.newState === State.Stopped) {
      showStatus(stoppedView('quoteline language server stopped.'));
    }
  });
  // Registered before start() so that a status sent while the server initializes is not lost.
  context.subscriptions.push(
    newClient.onNotification(IndexStatusNotification, (status) => {
      showStatus(describeIndexStatus(status));
      if (status.state === 'ready') {
        pullDiagnosticsAgain(newClient);
      }
    }),
  );
  client = newClient;
  try {
    await newClient.start();
  } catch (error) {
    const message = `quoteline: the language server failed to start: ${String(error)}`;
    outputChannel.appendLine(message);
    showStatus(stoppedView(message));
    void vscode.window.showErrorMessage(message);
    return;
  }
}

/**
 * Makes the client pull diagnostics again for every open document, as it does when the server
 * sends `workspace/diagnostic/refresh`. A pull answered while the corpus was still being indexed
 * is empty, and the server cannot rely on the refresh request: it sends it only to clients that
 * declare support, and it reads that declaration under `workspace.diagnostic` (lsp-types 0.94)
 * while this client writes `workspace.diagnostics`. Seen in the e2e test: no warning until the
 * draft was edited.
 */
function pullDiagnosticsAgain(languageClient: LanguageClient): void {
  const feature = languageClient.getFeature(DocumentDiagnosticRequest.method);
  if (feature === undefined) {
    return; // the server pushes diagnostics instead
  }
  const providers = new Set(vscode.workspace.textDocuments.map((document) => feature.getProvider(document)));
  for (const provider of providers) {
    provider?.onDidChangeDiagnosticsEmitter.fire();
  }
}

/**
 * vscode-languageclient registers a VS Code command for every command the server lists in
 * `executeCommandProvider`. The server lists `quoteline.reindex`, which this extension
 * already registers (it must exist before the server is up), and a second registration
 * throws and aborts the client's start. So the client's own commands are left out of what
 * the library registers; all other server commands are still registered.
 */
function keepClientCommandsOutOfServerRegistrations(languageClient: LanguageClient): void {
  const feature = languageClient.getFeature(ExecuteCommandRequest.method);
  const register = feature.register.bind(feature);
  const ownCommands = new Set<string>(Object.values(CLIENT_COMMANDS));
  feature.register = (data) => {
    const commands = data.registerOptions.commands.filter((command) => !ownCommands.has(command));
    register({ ...data, registerOptions: { ...data.registerOptions, commands } });
  };
}

async function restartServer(context: vscode.ExtensionContext): Promise<void> {
  const previous = client;
  client = undefined;
  if (previous !== undefined) {
    try {
      await previous.stop();
    } catch (error) {
      outputChannel.appendLine(`quoteline: stopping the server failed: ${String(error)}`);
    }
    await previous.dispose();
  }
  await startServer(context);
}

function currentServerOptions(scope?: vscode.Uri): Record<string, unknown> {
  const settings = vscode.workspace.getConfiguration(SETTINGS_SECTION, scope);
  return collectServerOptions(optionKeys, (key) => settings.get(key));
}

function runningClient(): LanguageClient | undefined {
  if (client === undefined || !client.isRunning()) {
    void vscode.window.showWarningMessage(
      'quoteline: the language server is not running. Open a Markdown, LaTeX or text file, or run "quoteline: Restart Server".',
    );
    return undefined;
  }
  return client;
}

interface CorpusPick extends vscode.QuickPickItem {
  readonly location: vscode.Location;
}

/** A quick pick whose items come from `workspace/symbol`, asked again as the user types. */
async function searchCorpus(): Promise<void> {
  const languageClient = runningClient();
  if (languageClient === undefined) {
    return;
  }
  const picker = vscode.window.createQuickPick<CorpusPick>();
  picker.placeholder = 'Search the quoteline corpus (words from a passage)';
  picker.matchOnDescription = true;
  picker.matchOnDetail = true;
  let pending: vscode.CancellationTokenSource | undefined;
  let debounce: NodeJS.Timeout | undefined;

  const query = async (text: string): Promise<void> => {
    pending?.cancel();
    const cancellation = new vscode.CancellationTokenSource();
    pending = cancellation;
    picker.busy = true;
    try {
      const symbols = await languageClient.sendRequest(WorkspaceSymbolRequest.type, { query: text }, cancellation.token);
      if (cancellation.token.isCancellationRequested) {
        return;
      }
      picker.items = (symbols ?? []).flatMap((symbol) => corpusPick(languageClient, symbol));
    } catch (error) {
      if (!cancellation.token.isCancellationRequested) {
        outputChannel.appendLine(`quoteline: workspace/symbol failed: ${String(error)}`);
      }
    } finally {
      if (pending === cancellation) {
        picker.busy = false;
      }
    }
  };

  picker.onDidChangeValue((text) => {
    clearTimeout(debounce);
    debounce = setTimeout(() => void query(text), 150);
  });
  picker.onDidAccept(async () => {
    const chosen = picker.selectedItems[0];
    picker.hide();
    if (chosen !== undefined) {
      await revealLocation(chosen.location, vscode.ViewColumn.Active);
    }
  });
  picker.onDidHide(() => {
    clearTimeout(debounce);
    pending?.cancel();
    picker.dispose();
  });
  picker.show();
  void query('');
}

function corpusPick(languageClient: LanguageClient, symbol: SymbolInformation | WorkspaceSymbol): CorpusPick[] {
  // quoteline answers with SymbolInformation; a WorkspaceSymbol without a range cannot be opened.
  if (!('range' in symbol.location)) {
    return [];
  }
  const location = languageClient.protocol2CodeConverter.asLocation(symbol.location);
  return [
    {
      label: symbol.name,
      description: symbol.containerName,
      detail: `${vscode.workspace.asRelativePath(location.uri)}:${location.range.start.line + 1}`,
      // The server already matched the query; VS Code's own fuzzy filter must not hide its answers.
      alwaysShow: true,
      location,
    },
  ];
}

/** Opens the corpus passage a quote comes from beside the draft. */
async function showSource(): Promise<void> {
  const languageClient = runningClient();
  const editor = vscode.window.activeTextEditor;
  if (languageClient === undefined || editor === undefined) {
    return;
  }
  const params = languageClient.code2ProtocolConverter.asTextDocumentPositionParams(
    editor.document,
    editor.selection.active,
  );
  const result = await languageClient.sendRequest(DefinitionRequest.type, params);
  const target = firstDefinitionTarget(result);
  if (target === undefined) {
    void vscode.window.showInformationMessage('quoteline: no source passage for the text at the cursor.');
    return;
  }
  const location = new vscode.Location(
    languageClient.protocol2CodeConverter.asUri(target.uri),
    languageClient.protocol2CodeConverter.asRange(target.range),
  );
  await revealLocation(location, vscode.ViewColumn.Beside);
}

async function revealLocation(location: vscode.Location, viewColumn: vscode.ViewColumn): Promise<void> {
  const editor = await vscode.window.showTextDocument(location.uri, {
    viewColumn,
    selection: location.range,
    preserveFocus: false,
  });
  editor.revealRange(location.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

async function reindex(): Promise<void> {
  const languageClient = runningClient();
  if (languageClient === undefined) {
    return;
  }
  try {
    await languageClient.sendRequest(ExecuteCommandRequest.type, { command: 'quoteline.reindex', arguments: [] });
  } catch (error) {
    const message = `quoteline: reindexing failed: ${String(error)}`;
    outputChannel.appendLine(message);
    void vscode.window.showErrorMessage(message);
  }
}

function showStatus(view: StatusBarView): void {
  statusBarItem.text = view.text;
  statusBarItem.tooltip = view.tooltip;
  statusBarItem.backgroundColor = view.isError ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  statusBarItem.show();
}

function isExecutableFile(file: string): boolean {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) {
      return false;
    }
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

interface PackageJson {
  readonly contributes: { readonly configuration: { readonly properties: Record<string, unknown> } };
}
