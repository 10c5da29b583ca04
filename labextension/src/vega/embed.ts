/**
 * One Vega-Lite v6 runtime for the whole extension (dashboard and notebook outputs), loaded on the
 * first chart from our own bundle: no CDN, no script in the notebook. JupyterLab 4.4's built-in
 * renderer reads only Vega-Lite ≤ v5; Altair 6 writes v6.
 */
import type { Result, VisualizationSpec } from 'vega-embed';

import { onThemeChange, themeConfig } from './theme';

export interface IChartView {
  /** The drawn Vega view (for listeners), or null before the first draw. */
  readonly result: Result | null;
  /** Stop following the theme and free the view. */
  dispose(): void;
}

type ClickHandler = (datum: { [key: string]: unknown }) => void;

let runtime: Promise<typeof import('vega-embed')> | null = null;

function loadRuntime(): Promise<typeof import('vega-embed')> {
  if (!runtime) {
    runtime = import(/* webpackChunkName: "jupyter-privacy-vega" */ 'vega-embed');
  }
  return runtime;
}

/**
 * Draw `spec` into `node` as SVG with the Lab theme's colours, redrawing when the theme changes.
 * The view's menu saves it as PNG or SVG. `onClick` gets the data row of a clicked mark.
 */
export function drawChart(
  node: HTMLElement,
  spec: VisualizationSpec,
  label: string,
  onClick?: ClickHandler
): IChartView {
  let result: Result | null = null;
  let disposed = false;
  let drawing = Promise.resolve();
  const draw = async () => {
    const { default: embed } = await loadRuntime();
    if (disposed) {
      return;
    }
    result?.finalize();
    result = await embed(node, spec, {
      renderer: 'svg',
      config: themeConfig() as any,
      actions: { export: true, source: false, compiled: false, editor: false },
      downloadFileName: label.replace(/[^A-Za-z0-9_-]+/g, '-'),
      i18n: { PNG_ACTION: 'Save as PNG', SVG_ACTION: 'Save as SVG' } as any
    });
    if (disposed) {
      result.finalize();
      return;
    }
    node.setAttribute('role', 'img');
    node.setAttribute('aria-label', label);
    node.dataset.chartDrawn = String(Number(node.dataset.chartDrawn ?? 0) + 1);
    if (onClick) {
      result.view.addEventListener('click', (_event, item) => {
        const datum = (item as any)?.datum;
        if (datum) {
          onClick(datum);
        }
      });
    }
  };
  const redraw = () => {
    drawing = drawing.then(draw).catch(error => showError(node, error));
  };
  const stop = onThemeChange(redraw);
  redraw();
  return {
    get result() {
      return result;
    },
    dispose() {
      disposed = true;
      stop();
      result?.finalize();
    }
  };
}

function showError(node: HTMLElement, error: unknown): void {
  node.textContent = `This chart cannot be drawn: ${(error as Error).message ?? error}`;
  node.classList.add('jp-PrivacyChart-error');
}
