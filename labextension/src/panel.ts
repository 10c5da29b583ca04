/**
 * The "Privacy budgets" sidebar: each budget's spent/remaining bar, ε and δ, privacy unit, newest
 * releases and the ledger's integrity status. Polls the REST API; re-renders only on change.
 */
import { Widget } from '@lumino/widgets';

import {
  ApiError,
  IBudget,
  IBudgetReply,
  IBudgetsReply,
  IRelease,
  IVerifyReply,
  budgetPath,
  formatDelta,
  formatNumber,
  requestAPI
} from './api';

export const PANEL_ID = 'jupyter-privacy-budgets';
const PAGE = 20;
const VERIFY_EVERY_MS = 30000;

function el(tag: string, className = '', text = ''): HTMLElement {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text) {
    node.textContent = text;
  }
  return node;
}

function signature(reply: IBudgetsReply): string {
  return JSON.stringify([
    reply.ledger,
    reply.budgets.map(b => [
      b.name, b.epsilon_total, b.delta_total, b.epsilon_spent, b.delta_spent, b.release_count
    ])
  ]);
}

export class BudgetsPanel extends Widget {
  private _timer = 0;
  private _lastSignature = '';
  private _lastVerify = 0;
  private _verify: IVerifyReply | null = null;
  private _shown = new Map<string, number>();
  private _busy = false;
  private _renders = 0;

  constructor(private readonly _intervalMs = 1000) {
    super();
    this.id = PANEL_ID;
    this.addClass('jp-PrivacyPanel');
    this.title.caption = 'Privacy budgets';
    this.node.appendChild(el('div', 'jp-PrivacyPanel-loading', 'Loading privacy budgets…'));
  }

  onAfterAttach(): void {
    void this.refresh(true);
    this._timer = window.setInterval(() => void this.refresh(false), this._intervalMs);
  }

  onAfterShow(): void {
    void this.refresh(true);
  }

  onBeforeDetach(): void {
    window.clearInterval(this._timer);
  }

  dispose(): void {
    window.clearInterval(this._timer);
    super.dispose();
  }

  /** Fetch the budgets; re-render when they changed, when forced, or to re-check integrity. */
  async refresh(force: boolean): Promise<void> {
    if (this._busy || (!force && (!this.isVisible || document.hidden))) {
      return;
    }
    this._busy = true;
    try {
      const reply = await requestAPI<IBudgetsReply>('budgets');
      const sig = signature(reply);
      const verifyDue = Date.now() - this._lastVerify > VERIFY_EVERY_MS;
      if (!force && !verifyDue && sig === this._lastSignature) {
        return;
      }
      const details = await Promise.all(
        reply.budgets.map(b =>
          requestAPI<IBudgetReply>(budgetPath(b.name, 0, this._shown.get(b.name) ?? PAGE))
        )
      );
      this._verify = await requestAPI<IVerifyReply>('verify');
      this._lastVerify = Date.now();
      this._lastSignature = sig;
      this._render(reply, details);
    } catch (error) {
      this._lastSignature = '';
      this._renderError(error);
    } finally {
      this._busy = false;
    }
  }

  private _render(reply: IBudgetsReply, details: IBudgetReply[]): void {
    const root = el('div', 'jp-PrivacyPanel-content');
    root.appendChild(this._header());
    root.appendChild(this._integrity());
    const ledger = el('div', 'jp-PrivacyPanel-ledger', `Ledger: ${reply.ledger.url}`);
    root.appendChild(ledger);
    if (reply.hint) {
      root.appendChild(el('div', 'jp-PrivacyPanel-hint', reply.hint));
    }
    details.forEach(detail => root.appendChild(this._budget(detail)));
    this.node.replaceChildren(root);
    this.node.dataset.renders = String(++this._renders); // lets tests and benchmarks wait for it
  }

  private _header(): HTMLElement {
    const header = el('div', 'jp-PrivacyPanel-header');
    header.appendChild(el('h2', 'jp-PrivacyPanel-title', 'Privacy budgets'));
    const button = el('button', 'jp-mod-styled jp-PrivacyPanel-refresh', 'Refresh');
    button.title = 'Re-read the ledger and re-check its integrity';
    button.onclick = () => {
      this._lastVerify = 0;
      void this.refresh(true);
    };
    header.appendChild(button);
    return header;
  }

  private _integrity(): HTMLElement {
    const verify = this._verify;
    if (!verify) {
      return el('div', 'jp-PrivacyPanel-integrity', 'Integrity: not checked yet');
    }
    if (verify.ok) {
      return el(
        'div',
        'jp-PrivacyPanel-integrity jp-mod-ok',
        `Integrity: verified (${verify.entries_checked} entries)`
      );
    }
    const box = el('div', 'jp-PrivacyPanel-integrity jp-mod-error');
    box.appendChild(
      el('strong', '', `Integrity: FAILED — ${verify.problems.length} problem(s)`)
    );
    const list = el('ul');
    verify.problems.slice(0, 10).forEach(p => {
      const where = p.entry_id === null ? '' : `entry ${p.entry_id}: `;
      list.appendChild(el('li', '', `${where}${p.problem} — ${p.detail}`));
    });
    box.appendChild(list);
    return box;
  }

  private _budget(detail: IBudgetReply): HTMLElement {
    const b: IBudget = detail.budget;
    const card = el('section', 'jp-PrivacyBudget');
    card.dataset.budget = b.name;
    card.appendChild(el('h3', 'jp-PrivacyBudget-name', b.name));
    const bar = el('div', 'jp-PrivacyBudget-bar');
    const fill = el('div', 'jp-PrivacyBudget-spent');
    const pct = Math.round(b.fraction_spent * 1000) / 10;
    fill.style.width = `${Math.min(pct, 100)}%`;
    if (pct >= 90) {
      fill.classList.add('jp-mod-warn');
    }
    bar.appendChild(fill);
    bar.title = `${pct}% of ε spent`;
    card.appendChild(bar);
    const figures = el('dl', 'jp-PrivacyBudget-figures');
    const add = (term: string, value: string, cls: string) => {
      figures.appendChild(el('dt', '', term));
      figures.appendChild(el('dd', cls, value));
    };
    add('ε spent / total', `${formatNumber(b.epsilon_spent)} / ${formatNumber(b.epsilon_total)}`, 'jp-PrivacyBudget-epsilon');
    add('ε remaining', formatNumber(b.epsilon_remaining), 'jp-PrivacyBudget-remaining');
    add('δ spent / total', `${formatDelta(b.delta_spent)} / ${formatDelta(b.delta_total)}`, 'jp-PrivacyBudget-delta');
    add('Privacy unit', `${b.privacy_unit} (≤ ${b.max_contributions} contribution(s))`, 'jp-PrivacyBudget-unit');
    add('Composition', b.composition, 'jp-PrivacyBudget-composition');
    card.appendChild(figures);
    card.appendChild(this._releases(b, detail));
    return card;
  }

  private _releases(b: IBudget, detail: IBudgetReply): HTMLElement {
    const wrap = el('div', 'jp-PrivacyBudget-releases');
    wrap.appendChild(el('h4', '', `Releases (${detail.paging.total})`));
    if (!detail.releases.length) {
      wrap.appendChild(el('div', 'jp-PrivacyBudget-empty', 'Nothing spent yet.'));
      return wrap;
    }
    const list = el('ol', 'jp-PrivacyRelease-list');
    detail.releases.forEach((r: IRelease) => {
      const item = el('li', 'jp-PrivacyRelease');
      item.dataset.releaseId = String(r.id);
      const top = el('div', 'jp-PrivacyRelease-top');
      top.appendChild(el('span', 'jp-PrivacyRelease-epsilon', `ε ${formatNumber(r.epsilon)}`));
      top.appendChild(el('span', 'jp-PrivacyRelease-time', new Date(r.created_at).toLocaleString()));
      item.appendChild(top);
      item.appendChild(el('div', 'jp-PrivacyRelease-description', r.description || r.mechanism || '—'));
      item.appendChild(el('div', 'jp-PrivacyRelease-notebook', r.notebook || r.origin));
      item.title = `${r.mechanism || 'release'} #${r.id}, δ=${r.delta}, by ${r.actor} (${r.origin})`;
      list.appendChild(item);
    });
    wrap.appendChild(list);
    if (detail.releases.length < detail.paging.total) {
      const more = el('button', 'jp-mod-styled jp-PrivacyBudget-more', 'Show more');
      more.onclick = () => {
        this._shown.set(b.name, detail.releases.length + PAGE);
        void this.refresh(true);
      };
      wrap.appendChild(more);
    }
    return wrap;
  }

  private _renderError(error: unknown): void {
    const box = el('div', 'jp-PrivacyPanel-content');
    box.appendChild(this._header());
    box.classList.add('jp-PrivacyPanel-error');
    const code = error instanceof ApiError ? ` (${error.code}, HTTP ${error.status})` : '';
    box.appendChild(el('strong', '', `The ledger cannot be read${code}:`));
    box.appendChild(el('p', 'jp-PrivacyPanel-errorMessage', String((error as Error).message ?? error)));
    this.node.replaceChildren(box);
  }
}
