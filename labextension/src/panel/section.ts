/**
 * The sidebar is a stack of sections, one file each. A feature adds its own section
 * (`IPrivacySidebar.addSection`) instead of editing the others: budget access control and
 * data requests plug in here.
 */
import { IBudgetsReply } from '../api';

/** What a section can ask the Lab to do. */
export interface IPanelContext {
  /** Open a file (a notebook a release came from) in the Lab. */
  openPath(path: string): void;
  /** Open the budget dashboard, narrowed to `budget` when given. */
  openDashboard(budget?: string): void;
  /** Re-read the ledger now (after an action changed it). */
  refresh(): Promise<void>;
}

export interface IPanelSection {
  /** Stable id, also the section element's `data-section`. */
  readonly id: string;
  /** Sections are shown in ascending rank (integrity 10, budgets 50, ledger info 90). */
  readonly rank: number;
  readonly node: HTMLElement;
  /**
   * Show the ledger's state: called when a budget changed and when the sidebar is shown; `force`
   * is true when the user asked for a refresh (re-check everything now).
   */
  update(reply: IBudgetsReply, force: boolean): void | Promise<void>;
  dispose?(): void;
}
