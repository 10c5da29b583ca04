/**
 * One poller of `GET budgets` for the whole frontend: the sidebar, the dashboard and the status bar
 * subscribe instead of polling on their own. It polls while the page is visible and someone
 * listens, and says `changed` only when a budget's figures, the ledger or the permissions changed
 * (every spend, create and raise changes a budget's row).
 */
import { Signal, ISignal } from '@lumino/signaling';

import { ApiError, IBudgetsReply, requestAPI } from './api';

export function signature(reply: IBudgetsReply): string {
  return JSON.stringify([
    reply.ledger,
    reply.permissions,
    reply.budgets.map(b => [
      b.name, b.epsilon_total, b.delta_total, b.epsilon_spent, b.delta_spent, b.release_count,
      b.last_release_at
    ])
  ]);
}

export class LedgerWatcher {
  private _timer = 0;
  private _busy = false;
  private _signature = '';
  private _last: IBudgetsReply | null = null;
  private _changed = new Signal<this, IBudgetsReply>(this);
  private _failed = new Signal<this, ApiError | Error>(this);

  constructor(private readonly _intervalMs = 1000) {
    this._timer = window.setInterval(() => void this.poll(false), this._intervalMs);
  }

  /** Emitted with the new reply when anything the views show changed (and on a forced poll). */
  get changed(): ISignal<this, IBudgetsReply> {
    return this._changed;
  }

  /** Emitted when the ledger cannot be read; the next successful poll emits `changed` again. */
  get failed(): ISignal<this, ApiError | Error> {
    return this._failed;
  }

  get last(): IBudgetsReply | null {
    return this._last;
  }

  /** Read `budgets` now; `force` emits `changed` even when nothing changed. */
  async poll(force = true): Promise<IBudgetsReply | null> {
    if (this._busy || (!force && document.hidden)) {
      return this._last;
    }
    this._busy = true;
    try {
      const reply = await requestAPI<IBudgetsReply>('budgets');
      const sig = signature(reply);
      this._last = reply;
      if (force || sig !== this._signature) {
        this._signature = sig;
        this._changed.emit(reply);
      }
      return reply;
    } catch (error) {
      this._signature = '';
      this._failed.emit(error as Error);
      return null;
    } finally {
      this._busy = false;
    }
  }

  dispose(): void {
    window.clearInterval(this._timer);
    Signal.clearData(this);
  }
}
