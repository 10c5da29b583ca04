/**
 * The high-risk lane, set apart on the dashboard (GET access): its budgets and datasets with
 * owners and spenders, and its newest spends with their approval records (approver, approval id,
 * who, from where, code digest). Names, ids and digests only: never a released value.
 */
import { IAccessBudget, IAccessReply, ILaneRelease, requestAPI } from '../api';
import { el } from '../dom';
import { formatEpsilon, formatTime } from '../format';

const NEWEST = 10;
const CODE_PREFIX = 12;

type Cell = HTMLElement | string;

function table(label: string, headers: string[], rows: Cell[][], kind: string): HTMLTableElement {
  const node = el('table', `jp-PrivacyDashboard-table jp-PrivacyDashboard-laneTable`);
  node.setAttribute('aria-label', label);
  node.dataset.lane = kind;
  const head = el('tr');
  headers.forEach(h => {
    const th = el('th', '', h);
    th.scope = 'col';
    head.appendChild(th);
  });
  const body = el('tbody');
  rows.forEach(cells => {
    const tr = el('tr', `jp-PrivacyDashboard-laneRow`);
    cells.forEach((cell, i) => {
      const td = el('td');
      td.dataset.column = headers[i];
      td.append(cell || '—');
      tr.appendChild(td);
    });
    body.appendChild(tr);
  });
  const thead = el('thead');
  thead.appendChild(head);
  node.append(thead, body);
  return node;
}

function budgetRow(b: IAccessBudget): Cell[] {
  return [b.budget, b.high_risk_reason, b.datasets.join(', '), b.owners.join(', '), b.spenders.join(', ')];
}

function code(r: ILaneRelease): Cell {
  const digest = r.audit?.code_sha256;
  if (!digest) {
    return '';
  }
  const node = el('code', 'jp-PrivacyDashboard-laneCode', `${digest.slice(0, CODE_PREFIX)}…`);
  node.title = `SHA-256 of ${r.audit?.code_source || 'the calling code'}: ${digest}`;
  return node;
}

function spendRow(r: ILaneRelease): Cell[] {
  const audit = r.audit;
  const approval = r.approved && audit?.approval
    ? `#${audit.approval}`
    : el('span', 'jp-PrivacyDashboard-laneMissing', 'none (made around the kit)');
  const where = [audit?.where?.origin, audit?.where?.host].filter(Boolean).join(' on ');
  return [
    formatTime(r.at), r.budget, formatEpsilon(r.epsilon), audit?.who?.actor || r.actor,
    audit?.approved_by || '', approval, where, code(r), audit?.why?.description || ''
  ];
}

export class HighRiskLane {
  readonly node = el('section', 'jp-PrivacyDashboard-lane');
  private _body = el('div', 'jp-PrivacyDashboard-laneBody');

  constructor() {
    const title = el('h3', 'jp-PrivacyDashboard-cardTitle', 'High-risk lane');
    title.id = 'jp-PrivacyDashboard-laneTitle';
    title.prepend(el('span', 'jp-PrivacyDashboard-laneMarker', 'High risk'), ' ');
    this.node.setAttribute('aria-labelledby', title.id);
    this.node.append(title, this._body);
  }

  /** Re-read the lane, narrowed to `budget` when one is chosen; a refusal is one line. */
  async show(budget: string | null): Promise<void> {
    let reply: IAccessReply;
    try {
      reply = await requestAPI<IAccessReply>('access');
    } catch (error) {
      this._line(`The high-risk lane is not available: ${(error as Error).message}`, 'error');
      return;
    }
    const chosen = (name: string) => budget === null || name === budget;
    const lane = reply.budgets.filter(b => b.high_risk && chosen(b.budget));
    const spends = reply.high_risk_audit.filter(r => chosen(r.budget)).slice(0, NEWEST);
    this.node.dataset.state = lane.length ? 'lane' : 'empty';
    if (!lane.length) {
      const none = budget === null ? 'No high-risk budgets or datasets' : `“${budget}” is not in the high-risk lane`;
      this._line(none, 'empty');
      return;
    }
    const parts: HTMLElement[] = [
      table('High-risk budgets and datasets', ['Budget', 'Why high-risk', 'Datasets', 'Owners', 'Spenders'],
        lane.map(budgetRow), 'budgets')
    ];
    parts.push(
      spends.length
        ? table(`Newest high-risk spends (at most ${NEWEST})`,
          ['Time', 'Budget', 'ε', 'Who', 'Approved by', 'Approval', 'From where', 'Code', 'Description'],
          spends.map(spendRow), 'spends')
        : el('div', 'jp-PrivacyDashboard-empty', 'No high-risk spends yet.')
    );
    const scroller = el('div', 'jp-PrivacyDashboard-tableScroll');
    scroller.append(...parts);
    this._body.replaceChildren(scroller);
  }

  private _line(text: string, state: 'empty' | 'error'): void {
    this.node.dataset.state = state;
    const line = el('div', state === 'error' ? 'jp-PrivacyDashboard-laneError' : 'jp-PrivacyDashboard-empty', text);
    this._body.replaceChildren(line);
  }
}
