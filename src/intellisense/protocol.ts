/**
 * Messages between the extension host (src/extension/intellisense.ts) and the IntelliSense thread
 * (src/intellisense/thread.ts), which holds a TypeScript language service per SynthAD notebook. Offsets
 * are UTF-16 offsets in a cell's text; a cell is named by its `id` (the cell document's URI).
 */
import type { CellSource } from './virtualDocument';

export type { CellSource };

/** What the host tells the thread; `id` marks a request, which gets exactly one `ThreadReply`. */
export type HostMessage =
  /** The notebook's TypeScript and JavaScript code cells, in order, as they are now. */
  | {
      readonly type: 'update';
      readonly notebook: string;
      readonly cwd: string;
      readonly version: number;
      readonly cells: ReadonlyArray<CellSource>;
    }
  | { readonly type: 'close'; readonly notebook: string }
  | { readonly type: 'diagnostics'; readonly id: number; readonly notebook: string }
  | {
      readonly type: 'completions';
      readonly id: number;
      readonly notebook: string;
      readonly cell: string;
      readonly offset: number;
      readonly trigger?: string;
    }
  | {
      readonly type: 'completionDetails';
      readonly id: number;
      readonly notebook: string;
      readonly cell: string;
      readonly offset: number;
      readonly name: string;
      readonly source?: string;
      readonly data?: unknown;
    }
  | {
      readonly type: 'quickInfo';
      readonly id: number;
      readonly notebook: string;
      readonly cell: string;
      readonly offset: number;
    }
  | {
      readonly type: 'signatureHelp';
      readonly id: number;
      readonly notebook: string;
      readonly cell: string;
      readonly offset: number;
      readonly trigger?: { readonly kind: 'invoked' | 'characterTyped' | 'retrigger'; readonly character?: string };
    };

export type HostRequest = Extract<HostMessage, { id: number }>;

export type ThreadReply =
  | { readonly type: 'reply'; readonly id: number; readonly result: unknown }
  | { readonly type: 'reply'; readonly id: number; readonly error: string };

export type Severity = 'error' | 'warning' | 'suggestion' | 'message';

export interface CellDiagnostic {
  readonly start: number;
  readonly end: number;
  readonly message: string;
  readonly code: number;
  readonly severity: Severity;
  readonly related?: ReadonlyArray<RelatedLocation>;
}

/** Where a diagnostic's related information points: a cell of the notebook, or a file (0-based lines). */
export type RelatedLocation =
  | { readonly cell: string; readonly start: number; readonly end: number; readonly message: string }
  | {
      readonly file: string;
      readonly line: number;
      readonly character: number;
      readonly endLine: number;
      readonly endCharacter: number;
      readonly message: string;
    };

export interface DiagnosticsResult {
  /** The `update` version these diagnostics are for. */
  readonly version: number;
  /** Every cell of that update, with its diagnostics (possibly none). */
  readonly cells: ReadonlyArray<{ readonly cell: string; readonly diagnostics: ReadonlyArray<CellDiagnostic> }>;
}

export interface CompletionEntry {
  readonly name: string;
  /** TypeScript's ScriptElementKind ('property', 'method', 'function', 'const', …). */
  readonly kind: string;
  readonly kindModifiers?: string;
  readonly sortText: string;
  readonly insertText?: string;
  readonly filterText?: string;
  readonly isSnippet?: boolean;
  /** The cell text the item replaces, when not the word at the cursor. */
  readonly replace?: { readonly start: number; readonly end: number };
  readonly labelDetail?: string;
  readonly labelDescription?: string;
  readonly source?: string;
  readonly data?: unknown;
}

export interface CompletionResult {
  readonly isMemberCompletion: boolean;
  readonly entries: ReadonlyArray<CompletionEntry>;
}

export interface CompletionDetails {
  /** The item's signature, e.g. `(property) Dataset.rowCount: number`. */
  readonly detail: string;
  /** Markdown: documentation and JSDoc tags. */
  readonly documentation: string;
}

export interface QuickInfo {
  /** The signature, shown as a TypeScript code block. */
  readonly signature: string;
  /** Markdown: documentation and JSDoc tags. */
  readonly documentation: string;
  readonly start: number;
  readonly end: number;
}

export interface SignatureHelpResult {
  readonly signatures: ReadonlyArray<{
    readonly label: string;
    readonly documentation: string;
    readonly parameters: ReadonlyArray<{ readonly label: readonly [number, number]; readonly documentation: string }>;
  }>;
  readonly activeSignature: number;
  readonly activeParameter: number;
}
