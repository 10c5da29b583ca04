/**
 * The "Privacy budgets" sidebar: a header, then sections (integrity, budgets, ledger) that follow
 * the ledger through the shared watcher. Re-renders only when a budget changed or on Refresh.
 */
import { Widget } from '@lumino/widgets';

import { ApiError, IBudgetsReply, requestAPI } from '../api';
import { button, el } from '../dom';
import { LedgerWatcher } from '../watcher';
import { IPanelContext, IPanelSection } from './section';

export const PANEL_ID = 'jupyter-privacy-budgets';

export class BudgetsPanel extends Widget {
  private _sections: IPanelSection[] = [];
  private _body = el('div', 'jp-PrivacyPanel-sections');
  private _error = el('div', 'jp-PrivacyPanel-error');
  private _renders = 0;

  constructor(
    private readonly _watcher: LedgerWatcher,
    readonly context: IPanelContext
  ) {
    super();
    this.id = PANEL_ID;
    this.addClass('jp-PrivacyPanel');
    this.title.caption = 'Privacy budgets';
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', 'Privacy budgets');
    this.node.appendChild(this._header());
    this._error.hidden = true;
    this._error.setAttribute('role', 'alert');
    this.node.appendChild(this._error);
    this._body.appendChild(el('div', 'jp-PrivacyPanel-loading', 'Loading privacy budgets…'));
    this.node.appendChild(this._body);
    _watcher.changed.connect((_, reply) => this._onChange(reply, false));
    _watcher.failed.connect((_, error) => this._renderError(error));
  }

  /** Add a section (kept in rank order); it is shown from the next update on. */
  addSection(section: IPanelSection): void {
    section.node.dataset.section = section.id;
    this._sections.push(section);
    this._sections.sort((a, b) => a.rank - b.rank);
    if (this._watcher.last && this.isVisible) {
      this._onChange(this._watcher.last, false);
    }
  }

  /** Re-read the ledger and redraw every section, re-checking integrity now (the Refresh button). */
  async refresh(): Promise<void> {
    try {
      this._onChange(await requestAPI<IBudgetsReply>('budgets'), true);
    } catch (error) {
      this._renderError(error as Error);
    }
  }

  protected onAfterAttach(): void {
    if (this.isVisible) {
      this.onAfterShow();
    }
  }

  protected onAfterShow(): void {
    if (this._watcher.last) {
      this._onChange(this._watcher.last, false); // a check of the last 30 s, not a new one
    } else {
      void this.refresh();
    }
  }

  dispose(): void {
    this._sections.forEach(s => s.dispose?.());
    super.dispose();
  }

  private _onChange(reply: IBudgetsReply, force: boolean): void {
    if (!this.isVisible) {
      return; // drawn when shown (onAfterShow): a hidden sidebar costs nothing
    }
    this._error.hidden = true;
    this._error.replaceChildren();
    this._body.replaceChildren(...this._sections.map(s => s.node));
    this._sections.forEach(section => void section.update(reply, force));
    this.node.dataset.renders = String(++this._renders); // lets tests and benchmarks wait for it
  }

  private _header(): HTMLElement {
    const header = el('div', 'jp-PrivacyPanel-header');
    header.appendChild(el('h2', 'jp-PrivacyPanel-title', 'Privacy budgets'));
    const actions = el('div', 'jp-PrivacyPanel-headerActions');
    actions.appendChild(
      button('Dashboard', () => this.context.openDashboard(), 'jp-PrivacyPanel-dashboard',
        'Open the privacy budget dashboard (charts, all releases)')
    );
    actions.appendChild(
      button('Refresh', () => void this.refresh(), 'jp-PrivacyPanel-refresh',
        'Re-read the ledger and re-check its integrity')
    );
    header.appendChild(actions);
    return header;
  }

  private _renderError(error: ApiError | Error): void {
    if (!this.isVisible) {
      return;
    }
    const code = error instanceof ApiError ? ` (${error.code}, HTTP ${error.status})` : '';
    this._error.replaceChildren(
      el('strong', '', `The ledger cannot be read${code}:`),
      el('p', 'jp-PrivacyPanel-errorMessage', String(error.message ?? error))
    );
    this._error.hidden = false;
    this._body.replaceChildren();
  }
}
