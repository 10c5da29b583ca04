/**
 * The dashboard's charts: Vega-Lite v6 specs from the server (the same Altair builders as the
 * notebook charts), drawn with the bundled runtime in the Lab theme's colours. Each has a menu to
 * save it as PNG or SVG; clicking a budget's bar narrows the dashboard to it.
 */
import { IDashboardReply } from '../api';
import { el } from '../dom';
import { drawChart, IChartView } from '../vega/embed';

/** Chart name → heading; the order they are laid out in. */
export const CHARTS: [string, string][] = [
  ['budgets', 'Spent and remaining'],
  ['by_person', 'Spend by person'],
  ['timeline', 'Cumulative ε over time'],
  ['by_notebook', 'Spend by notebook or script']
];
/** Charts that take a whole row (small multiples, long notebook paths). */
const WIDE = new Set(['timeline', 'by_notebook']);

export class ChartGrid {
  readonly node = el('div', 'jp-PrivacyDashboard-charts');
  private _views: IChartView[] = [];
  private _frame = 0;

  constructor(private readonly _onPickBudget: (name: string) => void) {}

  update(reply: IDashboardReply): void {
    this.dispose();
    const cards = CHARTS.filter(([name]) => reply.charts[name]).map(([name, heading]) => {
      const card = el('section', `jp-PrivacyDashboard-card${WIDE.has(name) ? ' jp-mod-wide' : ''}`);
      card.dataset.chart = name;
      const title = el('h3', 'jp-PrivacyDashboard-cardTitle', heading);
      title.id = `jp-PrivacyDashboard-${name}`;
      card.setAttribute('aria-labelledby', title.id);
      const target = el('div', 'jp-PrivacyDashboard-chart');
      card.append(title, target);
      const pick =
        name === 'budgets' || name === 'timeline'
          ? (datum: { [key: string]: unknown }) => {
              if (typeof datum.budget === 'string') {
                this._onPickBudget(datum.budget);
              }
            }
          : undefined;
      this._views.push(drawChart(target, reply.charts[name], `${heading} (${reply.budget ?? 'all budgets'})`, pick));
      return card;
    });
    this.node.replaceChildren(...cards);
  }

  /** Re-measure the cards' widths: Vega's container sizing listens to window resizes. */
  fit(): void {
    window.cancelAnimationFrame(this._frame);
    this._frame = window.requestAnimationFrame(() => window.dispatchEvent(new Event('resize')));
  }

  dispose(): void {
    this._views.forEach(view => view.dispose());
    this._views = [];
  }
}
