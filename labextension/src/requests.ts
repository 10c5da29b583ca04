/**
 * The "Data requests" sidebar: remote data science requests waiting for the data owner. Each
 * request opens to its review (code, planned ε with OpenDP's accuracy previews, budget left,
 * review hints, checks) and can be approved or denied with a reason. Running approved code stays
 * with the CLI / Python API on the owner's side. Talks only to /jupyter-privacy/api/requests.
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { LabIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { ApiError, requestAPI } from './api';
import { el } from './dom';

export const REQUESTS_PANEL_ID = 'jupyter-privacy-requests';
const POLL_MS = 5000;

const inboxSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path class="jp-icon3" fill="#616161" d="M4 4h16l2 9v7H2v-7l2-9zm1.6 2-1.5 7H9a3 3 0 0 0 6 0h4.9l-1.5-7H5.6z"/></svg>`;
export const requestsIcon = new LabIcon({ name: 'jupyter-privacy:requests', svgstr: inboxSvg });

export interface IRequestSummary {
  id: number;
  dataset: string;
  budget: string;
  title: string;
  description: string;
  scientist: string;
  submitted_at: string;
  status: string;
  code_kind: string;
  code_sha256: string;
  planned_epsilon: number;
  planned_delta: number;
  decision: { approved: boolean; actor: string; reason: string; at: string } | null;
  run: { outcome: string | null; releases: number[]; epsilon: number } | null;
}

interface IRequestsReply {
  requests: IRequestSummary[];
  counts: { [status: string]: number };
}

interface IReviewReply {
  request: IRequestSummary & { code: string };
  budget: { name: string; epsilon_remaining: number; delta_remaining: number };
  plan: { item: string; preview: string }[];
  hints: string[];
  findings: { level: string; text: string }[];
  blocked: boolean;
}

function num(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4).replace(/\.?0+$/, '');
}

/** The sidebar panel; polls while visible and re-renders the list only when it changed. */
export class RequestsPanel extends Widget {
  private _timer = 0;
  private _signature = '';
  private _open: number | null = null;
  private _message = '';
  private _renders = 0;
  private _reasons = new Map<number, string>(); // typed reasons survive a re-render

  constructor() {
    super();
    this.id = REQUESTS_PANEL_ID;
    this.addClass('jp-PrivacyRequests');
    this.title.icon = requestsIcon;
    this.title.caption = 'Data requests';
    this.node.appendChild(el('div', 'jp-PrivacyRequests-loading', 'Loading data requests…'));
  }

  onAfterAttach(): void {
    void this.refresh(true);
    this._timer = window.setInterval(() => void this.refresh(false), POLL_MS);
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

  async refresh(force: boolean): Promise<void> {
    if (!force && (!this.isVisible || document.hidden)) {
      return;
    }
    try {
      const reply = await requestAPI<IRequestsReply>('requests');
      const pending = reply.counts.pending ?? 0;
      this.title.caption = `Data requests (${pending} pending)`;
      const signature = JSON.stringify(reply.requests.map(r => [r.id, r.status]));
      if (!force && signature === this._signature) {
        return;
      }
      this._signature = signature;
      await this._render(reply);
    } catch (error) {
      this._signature = '';
      this._renderError(error);
    }
  }

  private async _render(reply: IRequestsReply): Promise<void> {
    const root = el('div', 'jp-PrivacyRequests-content');
    const header = el('div', 'jp-PrivacyRequests-header');
    header.appendChild(el('h2', 'jp-PrivacyRequests-title', 'Data requests'));
    const refresh = el('button', 'jp-mod-styled jp-PrivacyRequests-refresh', 'Refresh');
    refresh.onclick = () => void this.refresh(true);
    header.appendChild(refresh);
    root.appendChild(header);
    root.appendChild(
      el('div', 'jp-PrivacyRequests-counts', `${reply.counts.pending ?? 0} pending, ${reply.requests.length} in all`)
    );
    if (this._message) {
      root.appendChild(el('div', 'jp-PrivacyRequests-message', this._message));
    }
    if (!reply.requests.length) {
      root.appendChild(
        el('div', 'jp-PrivacyRequests-empty',
          'No requests yet. A scientist submits one with %%dp_request submit or jupyter privacy requests submit.')
      );
    }
    const ordered = [...reply.requests].sort(
      (a, b) => Number(b.status === 'pending') - Number(a.status === 'pending') || b.id - a.id
    );
    const list = el('ul', 'jp-PrivacyRequests-list');
    for (const request of ordered) {
      list.appendChild(await this._item(request));
    }
    root.appendChild(list);
    this.node.replaceChildren(root);
    this.node.dataset.renders = String(++this._renders); // lets tests wait for a render
  }

  private async _item(request: IRequestSummary): Promise<HTMLElement> {
    const item = el('li', `jp-PrivacyRequest jp-mod-${request.status}`);
    item.dataset.requestId = String(request.id);
    const top = el('button', 'jp-PrivacyRequest-toggle');
    top.appendChild(el('span', 'jp-PrivacyRequest-title', `#${request.id} ${request.title}`));
    top.appendChild(el('span', 'jp-PrivacyRequest-status', request.status));
    top.onclick = () => {
      this._open = this._open === request.id ? null : request.id;
      this._message = '';
      void this.refresh(true);
    };
    item.appendChild(top);
    item.appendChild(
      el('div', 'jp-PrivacyRequest-meta',
        `${request.dataset} · by ${request.scientist} · planned ε ${num(request.planned_epsilon)}`)
    );
    if (this._open === request.id) {
      try {
        item.appendChild(this._review(await requestAPI<IReviewReply>(`requests/${request.id}`)));
      } catch (error) {
        item.appendChild(el('div', 'jp-PrivacyRequests-error', String((error as Error).message ?? error)));
      }
    }
    return item;
  }

  private _review(review: IReviewReply): HTMLElement {
    const box = el('div', 'jp-PrivacyRequest-review');
    const r = review.request;
    box.appendChild(el('h4', '', `Code (${r.code_kind}, SHA-256 ${r.code_sha256.slice(0, 12)}…)`));
    box.appendChild(el('pre', 'jp-PrivacyRequest-code', r.code));
    box.appendChild(el('h4', '', 'Planned releases'));
    for (const part of review.plan) {
      box.appendChild(el('div', 'jp-PrivacyRequest-item', part.item));
      box.appendChild(el('pre', 'jp-PrivacyRequest-preview', part.preview));
    }
    box.appendChild(
      el('div', 'jp-PrivacyRequest-budget',
        `Total ε ≤ ${num(r.planned_epsilon)}; budget '${review.budget.name}' has ε ${num(review.budget.epsilon_remaining)} left`)
    );
    if (review.hints.length) {
      box.appendChild(el('h4', '', 'Review hints (a reading aid, not a security check)'));
      const hints = el('ul', 'jp-PrivacyRequest-hints');
      review.hints.forEach(hint => hints.appendChild(el('li', '', hint)));
      box.appendChild(hints);
    }
    review.findings.forEach(f =>
      box.appendChild(el('div', `jp-PrivacyRequest-finding jp-mod-${f.level}`, `[${f.level}] ${f.text}`))
    );
    if (r.decision) {
      box.appendChild(
        el('div', 'jp-PrivacyRequest-decision',
          `${r.decision.approved ? 'Approved' : 'Denied'} by ${r.decision.actor}: ${r.decision.reason || '—'}`)
      );
    }
    if (r.status === 'pending' || r.status === 'approved') {
      box.appendChild(this._actions(r, review.blocked));
    }
    return box;
  }

  private _actions(r: IRequestSummary, blocked: boolean): HTMLElement {
    const actions = el('div', 'jp-PrivacyRequest-actions');
    const reason = document.createElement('textarea');
    reason.className = 'jp-PrivacyRequest-reason';
    reason.placeholder = 'Reason (shown to the scientist; required to deny)';
    reason.value = this._reasons.get(r.id) ?? '';
    reason.oninput = () => this._reasons.set(r.id, reason.value);
    actions.appendChild(reason);
    const decide = async (verb: 'approve' | 'deny') => {
      try {
        await requestAPI(`requests/${r.id}/${verb}`, {
          method: 'POST',
          body: JSON.stringify({ reason: reason.value })
        });
        this._message = `Request ${r.id} ${verb === 'approve' ? 'approved' : 'denied'}.`;
        this._reasons.delete(r.id);
      } catch (error) {
        const code = error instanceof ApiError ? ` (HTTP ${error.status})` : '';
        this._message = `Request ${r.id} not ${verb === 'approve' ? 'approved' : 'denied'}${code}: ${(error as Error).message}`;
      }
      await this.refresh(true);
    };
    if (r.status === 'pending') {
      const approve = el('button', 'jp-mod-styled jp-mod-accept jp-PrivacyRequest-approve', 'Approve');
      (approve as HTMLButtonElement).disabled = blocked;
      approve.onclick = () => void decide('approve');
      actions.appendChild(approve);
    }
    const deny = el('button', 'jp-mod-styled jp-mod-warn jp-PrivacyRequest-deny',
      r.status === 'approved' ? 'Withdraw approval' : 'Deny');
    deny.onclick = () => void decide('deny');
    actions.appendChild(deny);
    return actions;
  }

  private _renderError(error: unknown): void {
    const box = el('div', 'jp-PrivacyRequests-content jp-PrivacyRequests-error');
    const code = error instanceof ApiError ? ` (${error.code}, HTTP ${error.status})` : '';
    box.appendChild(el('strong', '', `Data requests cannot be read${code}:`));
    box.appendChild(el('p', '', String((error as Error).message ?? error)));
    this.node.replaceChildren(box);
  }
}

/** A plugin of its own, so the budgets sidebar's plugin stays untouched. */
export const requestsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-privacy:requests',
  description: 'Data requests sidebar: review, approve or deny remote data science requests.',
  autoStart: true,
  optional: [ICommandPalette],
  activate: (app: JupyterFrontEnd, palette: ICommandPalette | null) => {
    const panel = new RequestsPanel();
    app.shell.add(panel, 'left', { rank: 710 });
    app.commands.addCommand('jupyter-privacy:open-requests', {
      label: 'Show data requests',
      execute: () => app.shell.activateById(REQUESTS_PANEL_ID)
    });
    palette?.addItem({ command: 'jupyter-privacy:open-requests', category: 'Privacy pilot' });
  }
};
