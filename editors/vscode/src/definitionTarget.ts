// Reduces a `textDocument/definition` answer, which may come in three shapes, to the one
// location `quoteline.showSource` opens.
import type { Location, LocationLink, Range } from 'vscode-languageclient/node';

export interface SourceTarget {
  readonly uri: string;
  /** The range to select: the passage itself, not the enclosing document. */
  readonly range: Range;
}

export function firstDefinitionTarget(
  result: Location | Location[] | LocationLink[] | null | undefined,
): SourceTarget | undefined {
  if (result === null || result === undefined) {
    return undefined;
  }
  const first = Array.isArray(result) ? result[0] : result;
  if (first === undefined) {
    return undefined;
  }
  if ('targetUri' in first) {
    return { uri: first.targetUri, range: first.targetSelectionRange ?? first.targetRange };
  }
  return { uri: first.uri, range: first.range };
}
