// The `quoteline/status` notification and how the status bar shows it. No `vscode`
// import, so the wording is unit-tested.

/** Params of the server's custom `quoteline/status` notification. */
export interface IndexStatusParams {
  readonly state: 'indexing' | 'ready' | 'error';
  readonly sources: number;
  readonly passages: number;
  readonly message?: string;
}

export interface StatusBarView {
  readonly text: string;
  readonly tooltip: string;
  readonly isError: boolean;
}

export function describeIndexStatus(status: IndexStatusParams): StatusBarView {
  const detail = status.message ? `\n${status.message}` : '';
  switch (status.state) {
    case 'indexing':
      return {
        text: '$(sync~spin) quoteline: indexing',
        tooltip: `quoteline is indexing the corpus${detail}\nClick to show the log.`,
        isError: false,
      };
    case 'ready':
      return {
        text: `$(quote) quoteline: ${plural(status.sources, 'source')}, ${plural(status.passages, 'passage')}`,
        tooltip: `quoteline indexed ${plural(status.sources, 'source')} with ${plural(status.passages, 'passage')}${detail}\nClick to show the log.`,
        isError: false,
      };
    case 'error':
      return {
        text: '$(error) quoteline',
        tooltip: `quoteline could not index the corpus${detail || '\n(no message from the server)'}\nClick to show the log.`,
        isError: true,
      };
    default:
      // A newer server may send a state this client does not know; say so instead of hiding it.
      return {
        text: '$(question) quoteline',
        tooltip: `quoteline reported an unknown state ${JSON.stringify((status as { state: unknown }).state)}${detail}`,
        isError: false,
      };
  }
}

export const STARTING_VIEW: StatusBarView = {
  text: '$(sync~spin) quoteline: starting',
  tooltip: 'quoteline language server is starting\nClick to show the log.',
  isError: false,
};

export function stoppedView(reason: string): StatusBarView {
  return { text: '$(error) quoteline', tooltip: `${reason}\nClick to show the log.`, isError: true };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
