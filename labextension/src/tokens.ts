/**
 * What other plugins can use: the sidebar, to add a section of their own (budget access control,
 * data requests), and the shared ledger watcher.
 */
import { Token } from '@lumino/coreutils';

import { IPanelSection } from './panel/section';
import { LedgerWatcher } from './watcher';

export interface IPrivacySidebar {
  addSection(section: IPanelSection): void;
  readonly watcher: LedgerWatcher;
}

export const IPrivacySidebar = new Token<IPrivacySidebar>(
  'jupyter-privacy:sidebar',
  'The Privacy budgets sidebar: add a section to it.'
);
