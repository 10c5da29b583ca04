/**
 * One budget in the sidebar: a compact, collapsible row (name, a bar with ε spent / total, ε left)
 * that expands to its figures, actions and newest releases (entry id, ε, what, who, from where).
 */
import { IBudget, IBudgetReply, IPermissions, IRelease, budgetPath, requestAPI } from '../api';
import { button, el } from '../dom';
import { formatAgo, formatDelta, formatEpsilon, formatTime } from '../format';
import { raiseBudget } from './actions';
import { IPanelContext } from './section';

const FIRST_PAGE = 5;
const MORE = 10;

export class BudgetRow {
  readonly node = el('li', 'jp-PrivacyBudget');
  private _shown = FIRST_PAGE;
  private _detail = el('div', 'jp-PrivacyBudget-detail');
  private _toggle: HTMLButtonElement;
  private _budget: IBudget;

  constructor(
    budget: IBudget,
    private _permissions: IPermissions,
    private readonly _context: IPanelContext,
    private _expanded: boolean,
    private readonly _onToggle: (name: string, open: boolean) => void
  ) {
    this._budget = budget;
    this.node.dataset.budget = budget.name;
    this._toggle = el('button', 'jp-PrivacyBudget-toggle');
    this._toggle.type = 'button';
    this._toggle.addEventListener('click', () => this._setExpanded(!this._expanded));
    this._detail.id = `jp-PrivacyBudget-detail-${cssId(budget.name)}`;
    this._toggle.setAttribute('aria-controls', this._detail.id);
    this.node.append(this._toggle, this._detail);
    this.update(budget, _permissions);
  }

  get name(): string {
    return this._budget.name;
  }

  /** Redraw with the budget's new figures (and its releases when expanded). */
  update(budget: IBudget, permissions: IPermissions): void {
    this._budget = budget;
    this._permissions = permissions;
    this._toggle.replaceChildren(...this._summary(budget));
    this._toggle.setAttribute('aria-expanded', String(this._expanded));
    this._toggle.setAttribute(
      'aria-label',
      `${budget.name}: ε ${formatEpsilon(budget.epsilon_spent)} spent of ${formatEpsilon(budget.epsilon_total)}, ` +
        `${formatEpsilon(budget.epsilon_remaining)} left; ${this._expanded ? 'collapse' : 'expand'}`
    );
    this._detail.hidden = !this._expanded;
    if (this._expanded) {
      void this._loadDetail();
    }
  }

  private _setExpanded(open: boolean): void {
    this._expanded = open;
    this._onToggle(this._budget.name, open);
    this.update(this._budget, this._permissions);
  }

  private _summary(b: IBudget): HTMLElement[] {
    const top = el('span', 'jp-PrivacyBudget-top');
    top.appendChild(el('span', 'jp-PrivacyBudget-chevron', this._expanded ? '▾' : '▸'));
    top.appendChild(el('span', 'jp-PrivacyBudget-name', b.name));
    top.appendChild(el('span', 'jp-PrivacyBudget-remaining', `ε ${formatEpsilon(b.epsilon_remaining)} left`));
    const bottom = el('span', 'jp-PrivacyBudget-bottom');
    const bar = el('span', 'jp-PrivacyBudget-bar');
    const fill = el('span', 'jp-PrivacyBudget-spent');
    const pct = Math.min(100, Math.round(b.fraction_spent * 1000) / 10);
    fill.style.width = `${pct}%`;
    fill.classList.toggle('jp-mod-warn', pct >= 90);
    bar.appendChild(fill);
    bottom.appendChild(bar);
    bottom.appendChild(
      el('span', 'jp-PrivacyBudget-epsilon', `ε ${formatEpsilon(b.epsilon_spent)} / ${formatEpsilon(b.epsilon_total)}`)
    );
    bottom.appendChild(el('span', 'jp-PrivacyBudget-used', formatAgo(b.last_release_at)));
    return [top, bottom];
  }

  private async _loadDetail(): Promise<void> {
    const b = this._budget;
    let reply: IBudgetReply;
    try {
      reply = await requestAPI<IBudgetReply>(budgetPath(b.name, 0, this._shown));
    } catch (error) {
      this._detail.replaceChildren(el('div', 'jp-PrivacyPanel-errorMessage', (error as Error).message));
      return;
    }
    const figures = el('dl', 'jp-PrivacyBudget-figures');
    const add = (term: string, value: string, cls: string) => {
      figures.append(el('dt', '', term), el('dd', cls, value));
    };
    add('δ spent / total', `${formatDelta(b.delta_spent)} / ${formatDelta(b.delta_total)}`, 'jp-PrivacyBudget-delta');
    add('Privacy unit', `${b.privacy_unit} (≤ ${b.max_contributions} row(s) each)`, 'jp-PrivacyBudget-unit');
    add('Composition', b.composition, 'jp-PrivacyBudget-composition');
    add('Releases', String(b.release_count), 'jp-PrivacyBudget-count');
    const actions = el('div', 'jp-PrivacyBudget-actions');
    actions.appendChild(
      button('Open in dashboard', () => this._context.openDashboard(b.name), 'jp-PrivacyBudget-open')
    );
    if (this._permissions.raise_budget) {
      actions.appendChild(
        button('Raise…', async () => {
          if (await raiseBudget(b)) {
            await this._context.refresh();
          }
        }, 'jp-PrivacyBudget-raise', `Raise the totals of ${b.name} (with a reason, recorded in the ledger)`)
      );
    }
    this._detail.replaceChildren(figures, actions, this._releases(reply));
  }

  private _releases(detail: IBudgetReply): HTMLElement {
    const wrap = el('div', 'jp-PrivacyBudget-releases');
    wrap.appendChild(el('h4', '', `Newest releases (${detail.paging.total})`));
    if (!detail.releases.length) {
      wrap.appendChild(el('div', 'jp-PrivacyBudget-empty', 'Nothing spent yet.'));
      return wrap;
    }
    const list = el('ol', 'jp-PrivacyRelease-list');
    detail.releases.forEach(r => list.appendChild(this._release(r)));
    wrap.appendChild(list);
    if (detail.releases.length < detail.paging.total) {
      wrap.appendChild(
        button('Show more', () => {
          this._shown = detail.releases.length + MORE;
          void this._loadDetail();
        }, 'jp-PrivacyBudget-more')
      );
    }
    return wrap;
  }

  private _release(r: IRelease): HTMLElement {
    const item = el('li', 'jp-PrivacyRelease');
    item.dataset.releaseId = String(r.id);
    const top = el('div', 'jp-PrivacyRelease-top');
    top.appendChild(el('span', 'jp-PrivacyRelease-id', `#${r.id}`));
    top.appendChild(el('span', 'jp-PrivacyRelease-epsilon', `ε ${formatEpsilon(r.epsilon)}`));
    top.appendChild(el('span', 'jp-PrivacyRelease-description', r.description || r.mechanism || '—'));
    item.appendChild(top);
    const meta = el('div', 'jp-PrivacyRelease-meta');
    meta.appendChild(el('span', 'jp-PrivacyRelease-actor', r.actor));
    if (r.notebook && !r.notebook.startsWith('/')) {
      const link = el('a', 'jp-PrivacyRelease-notebook', r.notebook);
      link.href = '#';
      link.title = `Open ${r.notebook}`;
      link.addEventListener('click', event => {
        event.preventDefault();
        this._context.openPath(r.notebook as string);
      });
      meta.appendChild(link);
    } else {
      meta.appendChild(el('span', 'jp-PrivacyRelease-origin', r.notebook || r.origin));
    }
    meta.appendChild(el('span', 'jp-PrivacyRelease-time', formatTime(r.created_at)));
    item.appendChild(meta);
    item.title = `${r.mechanism || 'release'} #${r.id}, ε=${r.epsilon}, δ=${r.delta}, by ${r.actor} (${r.origin})`;
    return item;
  }
}

function cssId(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_');
}
