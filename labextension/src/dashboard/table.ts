/**
 * The newest releases as a table: sorted, filtered and paged by the server (GET releases), so a
 * ledger of 100,000 releases sends one page. Column headers sort (aria-sort says how); the filter
 * matches description, mechanism, person, origin and budget.
 */
import { IReleasePage, IRelease, query, requestAPI } from '../api';
import { button, el } from '../dom';
import { formatDelta, formatEpsilon, formatTime } from '../format';

const PAGE = 50;

interface IColumn {
  key: string;
  label: string;
  cell(r: IRelease, open: (path: string) => void): HTMLElement | string;
  numeric?: boolean;
}

const COLUMNS: IColumn[] = [
  { key: 'created_at', label: 'Time', cell: r => formatTime(r.created_at) },
  { key: 'budget', label: 'Budget', cell: r => r.budget },
  { key: 'epsilon', label: 'ε', cell: r => formatEpsilon(r.epsilon), numeric: true },
  { key: 'delta', label: 'δ', cell: r => formatDelta(r.delta), numeric: true },
  { key: 'mechanism', label: 'Mechanism', cell: r => r.mechanism || '—' },
  { key: 'description', label: 'Description', cell: r => r.description || '—' },
  { key: 'actor', label: 'Who', cell: r => r.actor },
  { key: 'origin', label: 'From where', cell: (r, open) => origin(r, open) },
  { key: 'id', label: 'Entry', cell: r => `#${r.id}`, numeric: true }
];

function origin(r: IRelease, open: (path: string) => void): HTMLElement | string {
  if (!r.notebook || r.notebook.startsWith('/')) {
    return r.notebook || r.origin;
  }
  const link = el('a', 'jp-PrivacyDashboard-notebook', r.notebook);
  link.href = '#';
  link.title = `Open ${r.notebook}`;
  link.addEventListener('click', event => {
    event.preventDefault();
    open(r.notebook as string);
  });
  return link;
}

export class ReleaseTable {
  readonly node = el('section', 'jp-PrivacyDashboard-releases');
  private _filter = el('input', 'jp-mod-styled jp-PrivacyDashboard-filter');
  private _table = el('table', 'jp-PrivacyDashboard-table');
  private _status = el('span', 'jp-PrivacyDashboard-paging');
  private _prev: HTMLButtonElement;
  private _next: HTMLButtonElement;
  private _sort = 'id';
  private _order: 'asc' | 'desc' = 'desc';
  private _offset = 0;
  private _budget: string | null = null;
  private _page: IReleasePage | null = null;
  private _debounce = 0;
  private _request = 0;

  constructor(private readonly _open: (path: string) => void) {
    const title = el('h3', 'jp-PrivacyDashboard-cardTitle', 'Releases');
    title.id = 'jp-PrivacyDashboard-releasesTitle';
    this.node.setAttribute('aria-labelledby', title.id);
    this._filter.type = 'search';
    this._filter.placeholder = 'Filter: description, mechanism, person, notebook, budget';
    this._filter.setAttribute('aria-label', 'Filter releases');
    this._filter.addEventListener('input', () => {
      window.clearTimeout(this._debounce);
      this._debounce = window.setTimeout(() => {
        this._offset = 0;
        void this.load();
      }, 250);
    });
    this._prev = button('Newer', () => this._move(-PAGE), 'jp-PrivacyDashboard-prev');
    this._next = button('Older', () => this._move(PAGE), 'jp-PrivacyDashboard-next');
    const bar = el('div', 'jp-PrivacyDashboard-tableBar');
    bar.append(this._filter, this._prev, this._status, this._next);
    this._table.setAttribute('aria-labelledby', title.id);
    const scroller = el('div', 'jp-PrivacyDashboard-tableScroll');
    scroller.appendChild(this._table);
    this.node.append(title, bar, scroller);
  }

  /** Show the releases of `budget` (null: every budget), keeping filter and sort. */
  async show(budget: string | null, keepPage: boolean): Promise<void> {
    if (budget !== this._budget || !keepPage) {
      this._offset = 0;
    }
    this._budget = budget;
    await this.load();
  }

  async load(): Promise<void> {
    const ticket = ++this._request;
    const page = await requestAPI<IReleasePage>(
      'releases' +
        query({ budget: this._budget, q: this._filter.value.trim(), sort: this._sort, order: this._order, offset: this._offset, limit: PAGE })
    );
    if (ticket === this._request) {
      this._page = page;
      this._render();
    }
  }

  private _move(delta: number): void {
    this._offset = Math.max(0, this._offset + delta);
    void this.load();
  }

  private _sortBy(key: string): void {
    if (this._sort === key) {
      this._order = this._order === 'desc' ? 'asc' : 'desc';
    } else {
      this._sort = key;
      this._order = key === 'id' || key === 'created_at' || key === 'epsilon' || key === 'delta' ? 'desc' : 'asc';
    }
    this._offset = 0;
    void this.load();
  }

  private _render(): void {
    const page = this._page;
    if (!page) {
      return;
    }
    const head = el('thead');
    const row = el('tr');
    COLUMNS.forEach(column => {
      const th = el('th');
      th.scope = 'col';
      const sorted = this._sort === column.key || (this._sort === 'id' && column.key === 'created_at');
      th.setAttribute('aria-sort', sorted ? (this._order === 'asc' ? 'ascending' : 'descending') : 'none');
      const arrow = sorted ? (this._order === 'asc' ? ' ▲' : ' ▼') : '';
      const sort = button(column.label + arrow, () => this._sortBy(column.key === 'created_at' ? 'id' : column.key),
        'jp-PrivacyDashboard-sort', `Sort by ${column.label}`);
      sort.dataset.sort = column.key;
      th.appendChild(sort);
      row.appendChild(th);
    });
    head.appendChild(row);
    const body = el('tbody');
    page.releases.forEach(r => {
      const tr = el('tr', 'jp-PrivacyDashboard-release');
      tr.dataset.releaseId = String(r.id);
      COLUMNS.forEach(column => {
        const td = el('td', column.numeric ? 'jp-mod-numeric' : '');
        td.dataset.column = column.key;
        const content = column.cell(r, this._open);
        td.append(content);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    if (!page.releases.length) {
      const tr = el('tr');
      const td = el('td', 'jp-PrivacyDashboard-empty', this._filter.value ? 'No release matches the filter.' : 'No releases yet.');
      td.colSpan = COLUMNS.length;
      tr.appendChild(td);
      body.appendChild(tr);
    }
    this._table.replaceChildren(head, body);
    const { offset, total } = page.paging;
    const last = Math.min(total, offset + page.releases.length);
    this._status.textContent = total ? `${offset + 1}–${last} of ${total.toLocaleString('en-US')}` : '0 releases';
    this._prev.disabled = offset === 0;
    this._next.disabled = last >= total;
  }
}
