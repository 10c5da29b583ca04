/**
 * Status-bar item for the active notebook: `pilot · ε 0.35 / 1` for the budget this notebook
 * spends from (by its releases' origin), "no budget yet" before its first release. It never shows
 * another notebook's budget. The server decides (GET status); we pass the notebook's path.
 */
import { Widget } from '@lumino/widgets';

import { IStatusReply, requestAPI } from './api';
import { formatDelta, formatEpsilon } from './format';
import { LedgerWatcher } from './watcher';

export const NO_BUDGET = 'no budget yet';

export class BudgetStatus extends Widget {
  private _notebook: string | null = null;
  private _request = 0;

  constructor(watcher: LedgerWatcher) {
    super();
    this.addClass('jp-PrivacyStatus');
    this.node.setAttribute('role', 'status');
    watcher.changed.connect(() => void this.refresh());
  }

  /** The active notebook's path from the server root, or null when no notebook is active. */
  set notebook(path: string | null) {
    if (path !== this._notebook) {
      this._notebook = path;
      void this.refresh();
    }
  }

  get notebook(): string | null {
    return this._notebook;
  }

  async refresh(): Promise<void> {
    const notebook = this._notebook;
    const ticket = ++this._request;
    if (!notebook) {
      this._show('', '', null);
      return;
    }
    try {
      const reply = await requestAPI<IStatusReply>(`status?notebook=${encodeURIComponent(notebook)}`);
      if (ticket !== this._request) {
        return;
      }
      const b = reply.budget;
      if (!b) {
        this._show(`Privacy: ${NO_BUDGET}`, reply.hint ?? 'This notebook has not spent from a privacy budget yet', null);
        return;
      }
      this._show(
        `${b.name} · ε ${formatEpsilon(b.epsilon_spent)} / ${formatEpsilon(b.epsilon_total)}`,
        `Privacy budget "${b.name}" (this notebook spends from it): ε ${formatEpsilon(b.epsilon_spent)} ` +
          `spent of ${formatEpsilon(b.epsilon_total)}, ${formatEpsilon(b.epsilon_remaining)} left; ` +
          `δ ${formatDelta(b.delta_spent)} of ${formatDelta(b.delta_total)}; unit: ${b.privacy_unit}`,
        b.name
      );
    } catch (error) {
      if (ticket === this._request) {
        this._show('Privacy: ledger error', `Privacy ledger error: ${(error as Error).message}`, null);
      }
    }
  }

  private _show(text: string, title: string, budget: string | null): void {
    this.node.textContent = text;
    this.node.title = title;
    this.node.setAttribute('aria-label', title || 'No notebook active');
    if (budget) {
      this.node.dataset.budget = budget;
    } else {
      delete this.node.dataset.budget;
    }
  }
}
