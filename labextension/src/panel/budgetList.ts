/**
 * The budgets, most recently used first, with a filter box and (when allowed) "New budget".
 * Rows keep their expanded state across refreshes; arrow keys move between rows.
 */
import { IBudget, IBudgetsReply } from '../api';
import { arrowNavigation, button, el } from '../dom';
import { createBudget } from './actions';
import { BudgetRow } from './budgetRow';
import { IPanelContext, IPanelSection } from './section';

/** Most recently used first; never-used budgets after them, newest first. */
export function byRecentUse(a: IBudget, b: IBudget): number {
  const used = (x: IBudget) => x.last_release_at ?? '';
  if (used(a) !== used(b)) {
    return used(b).localeCompare(used(a));
  }
  return (b.created_at ?? '').localeCompare(a.created_at ?? '');
}

export class BudgetListSection implements IPanelSection {
  readonly id = 'budgets';
  readonly rank = 50;
  readonly node = el('div', 'jp-PrivacyPanel-budgets');
  private _filter = el('input', 'jp-mod-styled jp-PrivacyPanel-filter');
  private _create: HTMLButtonElement;
  private _list = el('ul', 'jp-PrivacyBudget-list');
  private _empty = el('div', 'jp-PrivacyPanel-noMatch', 'No budget matches the filter.');
  private _rows = new Map<string, BudgetRow>();
  private _expanded = new Set<string>();
  private _reply: IBudgetsReply | null = null;

  constructor(private readonly _context: IPanelContext) {
    const toolbar = el('div', 'jp-PrivacyPanel-toolbar');
    this._filter.type = 'search';
    this._filter.placeholder = 'Filter budgets';
    this._filter.setAttribute('aria-label', 'Filter budgets by name or privacy unit');
    this._filter.addEventListener('input', () => this._applyFilter());
    this._create = button('New budget', async () => {
      const name = await createBudget();
      if (name) {
        this._expanded.add(name);
        await this._context.refresh();
      }
    }, 'jp-PrivacyPanel-create', 'Create a privacy budget (recorded in the ledger)');
    toolbar.append(this._filter, this._create);
    this._list.setAttribute('aria-label', 'Budgets, most recently used first');
    arrowNavigation(this._list, '.jp-PrivacyBudget-toggle');
    this._empty.hidden = true;
    this.node.append(toolbar, this._list, this._empty);
  }

  update(reply: IBudgetsReply): void {
    this._reply = reply;
    this._create.hidden = !reply.permissions?.create_budget;
    const budgets = [...reply.budgets].sort(byRecentUse);
    const rows = budgets.map(b => {
      const row = this._rows.get(b.name);
      if (row) {
        row.update(b, reply.permissions);
        return row;
      }
      const created = new BudgetRow(b, reply.permissions, this._context, this._expanded.has(b.name),
        (name, open) => (open ? this._expanded.add(name) : this._expanded.delete(name)));
      this._rows.set(b.name, created);
      return created;
    });
    const names = new Set(budgets.map(b => b.name));
    [...this._rows.keys()].filter(n => !names.has(n)).forEach(n => this._rows.delete(n));
    this._list.replaceChildren(...rows.map(r => r.node));
    this._applyFilter();
  }

  private _applyFilter(): void {
    const text = this._filter.value.trim().toLowerCase();
    let shown = 0;
    for (const b of this._reply?.budgets ?? []) {
      const row = this._rows.get(b.name);
      const match = !text || b.name.toLowerCase().includes(text) || b.privacy_unit.toLowerCase().includes(text);
      if (row) {
        row.node.hidden = !match;
        shown += match ? 1 : 0;
      }
    }
    this._empty.hidden = shown > 0 || !this._reply?.budgets.length;
  }
}
