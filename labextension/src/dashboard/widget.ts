/**
 * The Privacy budget dashboard (main area): every budget's spent / remaining, cumulative ε over
 * time with each budget's total, spend by notebook and by person, the releases table, the
 * high-risk lane apart above the charts (lane.ts), and the ledger's integrity and chain head.
 * Choosing a budget (the picker, or a click on its bar) narrows everything to it. It follows the
 * ledger live through the shared watcher.
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import { LabIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { IDashboardReply, IVerifyReply, query, requestAPI } from '../api';
import { button, el } from '../dom';
import { integrityBadge } from '../panel/integrity';
import { LedgerWatcher } from '../watcher';
import { ChartGrid } from './charts';
import { HighRiskLane } from './lane';
import { ReleaseTable } from './table';

export const DASHBOARD_ID = 'jupyter-privacy-dashboard';
const VERIFY_AT_MOST_EVERY_MS = 5000;

export class DashboardView extends Widget {
  private _picker = el('select', 'jp-mod-styled jp-PrivacyDashboard-picker');
  private _updated = el('span', 'jp-PrivacyDashboard-updated');
  private _integrity = el('div', 'jp-PrivacyDashboard-integrity');
  private _head = el('div', 'jp-PrivacyDashboard-head');
  private _message = el('div', 'jp-PrivacyDashboard-message');
  private _charts: ChartGrid;
  private _table: ReleaseTable;
  private _lane = new HighRiskLane();
  private _budget: string | null = null;
  private _stale = true;
  private _loading: Promise<void> | null = null;
  private _again = false;
  private _verified = 0;
  private _renders = 0;

  constructor(watcher: LedgerWatcher, open: (path: string) => void) {
    super();
    this.addClass('jp-PrivacyDashboard');
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', 'Privacy budget dashboard');
    this._charts = new ChartGrid(name => this.select(name));
    this._table = new ReleaseTable(open);
    this._picker.setAttribute('aria-label', 'Budget shown');
    this._picker.addEventListener('change', () => this.select(this._picker.value || null));
    const bar = el('div', 'jp-PrivacyDashboard-bar');
    bar.append(
      el('h2', 'jp-PrivacyDashboard-title', 'Privacy budget dashboard'),
      this._picker,
      button('Refresh', () => void this.refresh(true), 'jp-PrivacyDashboard-refresh', 'Re-read the ledger'),
      this._updated
    );
    const ledger = el('div', 'jp-PrivacyDashboard-ledger');
    ledger.append(this._integrity, this._head);
    this._message.hidden = true;
    this.node.append(bar, ledger, this._message, this._lane.node, this._charts.node, this._table.node);
    watcher.changed.connect(() => {
      this._stale = true;
      if (this.isVisible) {
        void this.refresh(false);
      }
    });
  }

  get budget(): string | null {
    return this._budget;
  }

  /** Narrow the whole dashboard to one budget (null: every budget). */
  select(budget: string | null): void {
    if (budget === this._budget) {
      return;
    }
    this._budget = budget;
    this.node.dataset.budget = budget ?? '';
    void this.refresh(false, false);
  }

  // A widget added to a visible parent gets after-attach but no after-show: load on either.
  protected onAfterAttach(): void {
    if (this._stale) {
      void this.refresh(false);
    }
  }

  protected onAfterShow(): void {
    if (this._stale) {
      void this.refresh(false);
    }
    this._charts.fit(); // charts drawn while hidden measured a zero-width container
  }

  protected onResize(): void {
    this._charts.fit();
  }

  protected onBeforeDetach(): void {
    this._charts.dispose();
  }

  /** Reload charts, table and (at most every 5 s, or when forced) the integrity check. */
  async refresh(force: boolean, keepPage = true): Promise<void> {
    if (this._loading) {
      this._again = true; // one more round after the one running: never two at once
      return this._loading;
    }
    this._loading = this._load(force, keepPage).finally(() => {
      this._loading = null;
      if (this._again) {
        this._again = false;
        void this.refresh(false);
      }
    });
    return this._loading;
  }

  private async _load(force: boolean, keepPage: boolean): Promise<void> {
    this._stale = false;
    let reply: IDashboardReply;
    try {
      reply = await requestAPI<IDashboardReply>('dashboard' + query({ budget: this._budget }));
    } catch (error) {
      this._showMessage(`The ledger cannot be read: ${(error as Error).message}`, true);
      if (this._budget) {
        this._budget = null; // the budget is gone: fall back to all budgets on the next refresh
      }
      return;
    }
    this._fillPicker(reply);
    this._head.textContent = reply.head
      ? `Chain head: entry ${reply.head.entries.toLocaleString('en-US')}, hash ${reply.head.hash.slice(0, 16)}… (pin it as an anchor)`
      : '';
    this._head.title = reply.head ? `Full hash: ${reply.head.hash}` : '';
    if (reply.hint && !reply.budgets.length) {
      this._showMessage(reply.hint, false);
    } else {
      this._message.hidden = true;
    }
    this._charts.update(reply);
    await Promise.all([this._table.show(this._budget, keepPage), this._lane.show(this._budget)]);
    this._updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    this.node.dataset.renders = String(++this._renders); // lets tests and benchmarks wait for it
    if (force || Date.now() - this._verified > VERIFY_AT_MOST_EVERY_MS) {
      void this._verify(force);
    }
  }

  private async _verify(force: boolean): Promise<void> {
    this._verified = Date.now();
    try {
      const path = force ? 'verify?force=1' : 'verify';
      this._integrity.replaceChildren(integrityBadge(await requestAPI<IVerifyReply>(path)));
    } catch (error) {
      this._integrity.replaceChildren(integrityBadge(null, (error as Error).message));
    }
  }

  private _fillPicker(reply: IDashboardReply): void {
    const options = [el('option', '', 'All budgets')];
    options[0].value = '';
    reply.budgets.forEach(b => {
      const option = el('option', '', b.name);
      option.value = b.name;
      options.push(option);
    });
    this._picker.replaceChildren(...options);
    this._picker.value = this._budget ?? '';
  }

  private _showMessage(text: string, error: boolean): void {
    this._message.textContent = text;
    this._message.classList.toggle('jp-mod-error', error);
    this._message.hidden = false;
  }
}

/** The dashboard in a main-area tab. */
export function createDashboard(
  watcher: LedgerWatcher,
  open: (path: string) => void,
  icon: LabIcon
): MainAreaWidget<DashboardView> {
  const content = new DashboardView(watcher, open);
  const widget = new MainAreaWidget({ content });
  widget.id = DASHBOARD_ID;
  widget.title.label = 'Privacy budgets';
  widget.title.caption = 'Privacy budget dashboard';
  widget.title.icon = icon;
  widget.title.closable = true;
  return widget;
}
