/**
 * Create and raise a budget from the sidebar: a form, then a confirmation that says what will be
 * recorded, then the REST call (which goes through the ledger API and its checks). A refused
 * request shows the server's sentence and offers the form again with what was typed.
 */
import { Dialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { IBudget, postJSON } from '../api';
import { el, field, input } from '../dom';
import { formatDelta, formatEpsilon } from '../format';

type Values = { [name: string]: string };

class FormBody extends Widget implements Dialog.IBodyWidget<Values> {
  constructor(fields: HTMLElement[], intro = '') {
    super({ node: el('form', 'jp-PrivacyForm') });
    if (intro) {
      this.node.appendChild(el('p', 'jp-PrivacyForm-intro', intro));
    }
    fields.forEach(f => this.node.appendChild(f));
    this.node.addEventListener('submit', event => event.preventDefault());
  }

  getValue(): Values {
    const values: Values = {};
    this.node.querySelectorAll<HTMLInputElement>('input, select, textarea').forEach(i => {
      values[i.name] = i.value.trim();
    });
    return values;
  }
}

function number(text: string): number | string {
  const value = Number(text);
  return text !== '' && Number.isFinite(value) ? value : text; // the server names a bad value
}

async function confirm(title: string, message: string, label: string): Promise<boolean> {
  const result = await showDialog({
    title,
    body: message,
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label })]
  });
  return result.button.accept;
}

/** The create-budget flow; resolves to the new budget's name, or null when cancelled. */
export async function createBudget(previous: Values = {}): Promise<string | null> {
  const composition = el('select', 'jp-mod-styled');
  composition.name = 'composition';
  ['basic', 'zcdp'].forEach(value => composition.appendChild(el('option', '', value)));
  composition.value = previous.composition || 'basic';
  const form = new FormBody([
    field('Name', input('name', previous.name ?? ''), "letters, digits, '.', '_' or '-'"),
    field('Total ε', input('epsilon', previous.epsilon ?? '1.0', 'number'), 'the privacy loss this budget allows'),
    field('Total δ', input('delta', previous.delta ?? '0', 'number'), '0 for pure ε-DP; otherwise below 1/n'),
    field('Privacy unit', input('privacy_unit', previous.privacy_unit ?? 'one person'), 'whom the guarantee protects'),
    field('Most rows per unit', input('max_contributions', previous.max_contributions ?? '1', 'number')),
    field('Composition', composition, 'how releases add up'),
    field('Notes', input('notes', previous.notes ?? ''))
  ]);
  const filled = await showDialog({
    title: 'New privacy budget',
    body: form,
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Next' })],
    focusNodeSelector: 'input[name="name"]'
  });
  if (!filled.button.accept || !filled.value) {
    return null;
  }
  const v = filled.value;
  const summary =
    `Create budget "${v.name}" with total ε ${v.epsilon} and δ ${v.delta || 0} for ${v.privacy_unit || 'one row'}` +
    ` (${v.composition} composition)? It is recorded in the ledger's hash chain.`;
  if (!(await confirm('Create this budget?', summary, 'Create budget'))) {
    return null;
  }
  try {
    const budget = await postJSON<IBudget>('budgets', {
      name: v.name,
      epsilon: number(v.epsilon),
      delta: number(v.delta || '0'),
      privacy_unit: v.privacy_unit || 'one row',
      max_contributions: number(v.max_contributions || '1'),
      composition: v.composition,
      notes: v.notes
    });
    return budget.name;
  } catch (error) {
    await showErrorMessage('The budget was not created', (error as Error).message);
    return createBudget(v);
  }
}

/** The raise-budget flow for `budget`; resolves to true when the ledger recorded the raise. */
export async function raiseBudget(budget: IBudget, previous: Values = {}): Promise<boolean> {
  const form = new FormBody(
    [
      field('New total ε', input('epsilon', previous.epsilon ?? String(budget.epsilon_total), 'number'),
        `now ${formatEpsilon(budget.epsilon_total)}; ${formatEpsilon(budget.epsilon_spent)} spent`),
      field('New total δ', input('delta', previous.delta ?? String(budget.delta_total), 'number'),
        `now ${formatDelta(budget.delta_total)}`),
      field('Reason', input('reason', previous.reason ?? ''), 'who approved it and why (kept in the ledger)')
    ],
    'Raising a budget allows more privacy loss for the people in this data. It cannot be undone.'
  );
  const filled = await showDialog({
    title: `Raise budget "${budget.name}"`,
    body: form,
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Next' })],
    focusNodeSelector: 'input[name="epsilon"]'
  });
  if (!filled.button.accept || !filled.value) {
    return false;
  }
  const v = filled.value;
  const summary =
    `Raise "${budget.name}" from ε ${formatEpsilon(budget.epsilon_total)} to ε ${v.epsilon}` +
    ` (δ ${formatDelta(budget.delta_total)} → ${v.delta})? Reason recorded: "${v.reason}".`;
  if (!(await confirm('Raise this budget?', summary, 'Raise budget'))) {
    return false;
  }
  try {
    const body: { [key: string]: unknown } = { reason: v.reason };
    if (v.epsilon !== '') {
      body.epsilon = number(v.epsilon);
    }
    if (v.delta !== '') {
      body.delta = number(v.delta);
    }
    await postJSON<IBudget>(`budgets/${encodeURIComponent(budget.name)}/raise`, body);
    return true;
  } catch (error) {
    await showErrorMessage('The budget was not raised', (error as Error).message);
    return raiseBudget(budget, v);
  }
}
