/**
 * Status-bar item `ε 0.35 / 1.00`: the budget the active notebook spends from (by the releases'
 * origin), else the most recently used budget. The server decides; we pass the notebook path.
 */
import { Widget } from '@lumino/widgets';

import { IBudgetsReply, IStatusReply, formatNumber, requestAPI } from './api';

export class BudgetStatus extends Widget {
  private _timer = 0;
  private _notebook: string | null = null;
  private _lastKey = '';

  constructor(private readonly _intervalMs = 1000) {
    super();
    this.addClass('jp-PrivacyStatus');
    this.node.textContent = 'ε –';
    this._timer = window.setInterval(() => {
      if (!document.hidden) {
        void this.refresh();
      }
    }, this._intervalMs);
    void this.refresh();
  }

  set notebook(path: string | null) {
    if (path !== this._notebook) {
      this._notebook = path;
      void this.refresh();
    }
  }

  dispose(): void {
    window.clearInterval(this._timer);
    super.dispose();
  }

  /** One cheap `budgets` call per tick; the `status` lookup only when something changed. */
  async refresh(): Promise<void> {
    const query = this._notebook ? `?notebook=${encodeURIComponent(this._notebook)}` : '';
    try {
      const budgets = await requestAPI<IBudgetsReply>('budgets');
      const key = JSON.stringify([
        query,
        budgets.ledger,
        budgets.budgets.map(b => [b.name, b.epsilon_total, b.epsilon_spent, b.release_count])
      ]);
      if (key === this._lastKey) {
        return;
      }
      const reply = await requestAPI<IStatusReply>(`status${query}`);
      this._lastKey = key;
      const b = reply.budget;
      if (!b) {
        this.node.textContent = 'ε –';
        this.node.title = reply.hint ?? 'No privacy budget yet';
        return;
      }
      this.node.textContent = `ε ${formatNumber(b.epsilon_spent)} / ${formatNumber(b.epsilon_total)}`;
      const why =
        reply.source === 'notebook'
          ? 'this notebook spends from it'
          : reply.source === 'recent'
            ? 'most recently used budget'
            : 'newest budget';
      this.node.title = `Privacy budget "${b.name}" (${why}): ε ${b.epsilon_spent} spent of ${b.epsilon_total}, δ ${b.delta_spent} of ${b.delta_total}; unit: ${b.privacy_unit}`;
      this.node.dataset.budget = b.name;
    } catch (error) {
      this._lastKey = '';
      this.node.textContent = 'ε ?';
      this.node.title = `Privacy ledger error: ${(error as Error).message}`;
    }
  }
}
