/**
 * The ledger's integrity badge (GET verify): the server's newest check (at most 30 s old) when a
 * budget changed and every 30 s while shown; a new check on Refresh. Colours pass WCAG AA in light and dark themes.
 */
import { IBudgetsReply, IVerifyReply, requestAPI } from '../api';
import { el } from '../dom';
import { IPanelSection } from './section';

const VERIFY_EVERY_MS = 30000;

/** The badge's element, shared with the dashboard. */
export function integrityBadge(verify: IVerifyReply | null, error?: string): HTMLElement {
  const badge = el('div', 'jp-PrivacyIntegrity');
  badge.setAttribute('role', 'status');
  if (error) {
    badge.classList.add('jp-mod-error');
    badge.textContent = `Integrity: cannot be checked — ${error}`;
    return badge;
  }
  if (!verify) {
    badge.textContent = 'Integrity: checking…';
    return badge;
  }
  if (verify.checked_at) {
    badge.title = `Hash chain and totals checked at ${new Date(verify.checked_at).toLocaleTimeString()}; Refresh checks again now`;
  }
  if (verify.ok) {
    badge.classList.add('jp-mod-ok');
    badge.textContent = `Integrity: verified (${verify.entries_checked.toLocaleString('en-US')} entries)`;
    return badge;
  }
  badge.classList.add('jp-mod-error');
  badge.appendChild(el('strong', '', `Integrity: FAILED — ${verify.problems.length} problem(s)`));
  const list = el('ul');
  verify.problems.slice(0, 10).forEach(p => {
    const where = p.entry_id === null ? '' : `entry ${p.entry_id}: `;
    list.appendChild(el('li', '', `${where}${p.problem} — ${p.detail}`));
  });
  badge.appendChild(list);
  return badge;
}

export class IntegritySection implements IPanelSection {
  readonly id = 'integrity';
  readonly rank = 10;
  readonly node = el('div', 'jp-PrivacyPanel-integrity');
  private _checked = 0;
  private _timer = window.setInterval(() => this._due() && void this._check(), 5000);

  async update(_reply: IBudgetsReply, force: boolean): Promise<void> {
    await this._check(force); // every change (the server's recent check), and Refresh (a new one)
  }

  dispose(): void {
    window.clearInterval(this._timer);
  }

  private _due(): boolean {
    return this.node.isConnected && !document.hidden && Date.now() - this._checked > VERIFY_EVERY_MS;
  }

  private async _check(force = false): Promise<void> {
    this._checked = Date.now();
    try {
      this._show(integrityBadge(await requestAPI<IVerifyReply>(force ? 'verify?force=1' : 'verify')));
    } catch (error) {
      this._show(integrityBadge(null, (error as Error).message));
    }
  }

  private _show(badge: HTMLElement): void {
    this.node.replaceChildren(badge);
    this.node.classList.toggle('jp-mod-ok', badge.classList.contains('jp-mod-ok'));
    this.node.classList.toggle('jp-mod-error', badge.classList.contains('jp-mod-error'));
  }
}
