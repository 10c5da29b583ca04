/**
 * jupyter-privacy frontend: the budget dashboard, the budgets sidebar, the status-bar item and
 * the template launcher. (The Vega-Lite v6 output renderer is the mime extension in mime.ts.)
 */
import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IStatusBar } from '@jupyterlab/statusbar';
import { LabIcon } from '@jupyterlab/ui-components';

import { DashboardView, createDashboard } from './dashboard/widget';
import { BudgetListSection } from './panel/budgetList';
import { IntegritySection } from './panel/integrity';
import { LedgerInfoSection } from './panel/ledgerInfo';
import { BudgetsPanel, PANEL_ID } from './panel/panel';
import { IPanelContext } from './panel/section';
import { requestsPlugin } from './requests';
import { BudgetStatus } from './status';
import { CATEGORY, registerTemplates } from './templates';
import { IPrivacySidebar } from './tokens';
import { LedgerWatcher } from './watcher';

const shieldSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path class="jp-icon3" fill="#616161" d="M12 2 4 5v6c0 5 3.4 9.7 8 11 4.6-1.3 8-6 8-11V5l-8-3zm0 4a2.5 2.5 0 0 1 2.5 2.5V10h.5v6H9v-6h.5V8.5A2.5 2.5 0 0 1 12 6zm0 1.5a1 1 0 0 0-1 1V10h2V8.5a1 1 0 0 0-1-1z"/></svg>`;
export const privacyIcon = new LabIcon({ name: 'jupyter-privacy:shield', svgstr: shieldSvg });

export const OPEN_DASHBOARD = 'jupyter-privacy:open-dashboard';
export const OPEN_SIDEBAR = 'jupyter-privacy:open-budgets';

const plugin: JupyterFrontEndPlugin<IPrivacySidebar> = {
  id: 'jupyter-privacy:plugin',
  description: 'Privacy budget dashboard, budgets sidebar, status bar and pilot-template launcher.',
  autoStart: true,
  provides: IPrivacySidebar,
  optional: [
    ILabShell, IStatusBar, ICommandPalette, ILauncher, INotebookTracker, IDefaultFileBrowser,
    ILayoutRestorer
  ],
  activate: (
    app: JupyterFrontEnd,
    labShell: ILabShell | null,
    statusBar: IStatusBar | null,
    palette: ICommandPalette | null,
    launcher: ILauncher | null,
    notebooks: INotebookTracker | null,
    browser: IDefaultFileBrowser | null,
    restorer: ILayoutRestorer | null
  ): IPrivacySidebar => {
    const watcher = new LedgerWatcher();
    const openPath = (path: string) => void app.commands.execute('docmanager:open', { path });
    const tracker = new WidgetTracker<MainAreaWidget<DashboardView>>({ namespace: 'jupyter-privacy-dashboard' });
    const context: IPanelContext = {
      openPath,
      openDashboard: budget => void app.commands.execute(OPEN_DASHBOARD, budget ? { budget } : {}),
      refresh: async () => {
        await watcher.poll(true);
        await panel.refresh();
      }
    };

    const panel = new BudgetsPanel(watcher, context);
    panel.title.icon = privacyIcon;
    panel.addSection(new IntegritySection());
    panel.addSection(new BudgetListSection(context));
    panel.addSection(new LedgerInfoSection());
    app.shell.add(panel, 'left', { rank: 700 });
    restorer?.add(panel, PANEL_ID);

    app.commands.addCommand(OPEN_DASHBOARD, {
      label: args => (args.isLauncher ? 'Budget dashboard' : 'Open the privacy budget dashboard'),
      caption: 'Charts of every privacy budget: spent and remaining, ε over time, by notebook and person; all releases.',
      icon: args => (args.isPalette ? undefined : privacyIcon),
      execute: args => {
        let widget = tracker.currentWidget;
        if (!widget || widget.isDisposed) {
          widget = createDashboard(watcher, openPath, privacyIcon);
          void tracker.add(widget);
          app.shell.add(widget, 'main');
        }
        const budget = typeof args.budget === 'string' ? args.budget : null;
        if (budget !== null || args.all) {
          widget.content.select(budget);
        }
        app.shell.activateById(widget.id);
        return widget;
      }
    });
    restorer?.restore(tracker, { command: OPEN_DASHBOARD, name: () => 'dashboard' });
    app.commands.addCommand(OPEN_SIDEBAR, {
      label: 'Show privacy budgets',
      execute: () => app.shell.activateById(PANEL_ID)
    });
    app.commands.addCommand('jupyter-privacy:refresh-budgets', {
      label: 'Refresh privacy budgets',
      execute: () => context.refresh()
    });
    for (const command of [OPEN_DASHBOARD, OPEN_SIDEBAR, 'jupyter-privacy:refresh-budgets']) {
      palette?.addItem({ command, category: CATEGORY, args: { isPalette: true } });
    }
    launcher?.add({ command: OPEN_DASHBOARD, category: CATEGORY, rank: 0, args: { isLauncher: true } });

    if (statusBar) {
      const status = new BudgetStatus(watcher);
      const follow = () => {
        const current = labShell?.currentWidget ?? null;
        const notebook = notebooks?.currentWidget ?? null;
        // The item follows the notebook in front; with something else in front it shows nothing.
        status.notebook = notebook && (!labShell || current === notebook) ? notebook.context.path : null;
      };
      notebooks?.currentChanged.connect(follow);
      labShell?.currentChanged.connect(follow);
      statusBar.registerStatusItem('jupyter-privacy:budget-status', {
        item: status,
        align: 'left',
        rank: 5
      });
      follow();
    }
    registerTemplates(app, privacyIcon, palette, launcher, browser);
    return { addSection: section => panel.addSection(section), watcher };
  }
};

export default [plugin, requestsPlugin];
