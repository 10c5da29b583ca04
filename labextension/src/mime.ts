/**
 * Notebook outputs of Vega-Lite v6 (Altair 6) drawn by the extension's bundled Vega runtime: every
 * chart on a page shares one runtime and the notebook stores only the spec (and a small static
 * SVG for readers without the extension). `jupyter_privacy.charts.use_offline_renderer()` emits
 * `application/vnd.vegalite.v6+json`; Altair 6's own "mimetype" renderer emits `….v6.json`.
 */
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { drawChart, IChartView } from './vega/embed';

export const VEGALITE6_MIME_TYPES = [
  'application/vnd.vegalite.v6+json',
  'application/vnd.vegalite.v6.json'
];

export class VegaLite6Renderer extends Widget implements IRenderMime.IRenderer {
  private _view: IChartView | null = null;

  constructor(private readonly _options: IRenderMime.IRendererOptions) {
    super();
    this.addClass('jp-PrivacyVegaLite6');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const spec = model.data[this._options.mimeType] as any;
    this._view?.dispose();
    const title = typeof spec?.title === 'string' ? spec.title : spec?.title?.text;
    this._view = drawChart(this.node, spec, title ? `Chart: ${title}` : 'Vega-Lite chart');
  }

  dispose(): void {
    this._view?.dispose();
    this._view = null;
    super.dispose();
  }
}

export const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: VEGALITE6_MIME_TYPES,
  defaultRank: 57,
  createRenderer: options => new VegaLite6Renderer(options)
};

const extension: IRenderMime.IExtension = {
  id: 'jupyter-privacy:vegalite6',
  description: 'Draws Vega-Lite v6 outputs (Altair 6) offline with the bundled Vega runtime.',
  rendererFactory,
  rank: 57,
  dataType: 'json'
};

export default extension;
