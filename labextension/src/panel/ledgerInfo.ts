/**
 * Which ledger the sidebar reads (URL with any password masked), the hint when there is no budget
 * yet, and what the current user may do.
 */
import { IBudgetsReply } from '../api';
import { el } from '../dom';
import { IPanelSection } from './section';

export class LedgerInfoSection implements IPanelSection {
  readonly id = 'ledger';
  readonly rank = 90;
  readonly node = el('div', 'jp-PrivacyPanel-ledgerInfo');

  update(reply: IBudgetsReply): void {
    const parts: HTMLElement[] = [];
    if (reply.hint) {
      parts.push(el('div', 'jp-PrivacyPanel-hint', reply.hint));
    }
    const allowed = reply.permissions;
    if (allowed && !allowed.create_budget && !allowed.raise_budget) {
      parts.push(
        el('div', 'jp-PrivacyPanel-viewOnly',
          'View only: creating or raising budgets needs permission on this server (ask its administrator).')
      );
    }
    parts.push(el('div', 'jp-PrivacyPanel-ledger', `Ledger: ${reply.ledger.url}`));
    this.node.replaceChildren(...parts);
  }
}
