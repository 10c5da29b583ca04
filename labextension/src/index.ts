/**
 * jupyter-privacy frontend: the budgets sidebar, the ε status-bar item and the template launcher.
 */
import {
  ILabShell,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IStatusBar } from '@jupyterlab/statusbar';
import { LabIcon } from '@jupyterlab/ui-components';

import { BudgetsPanel, PANEL_ID } from './panel';
import { requestsPlugin } from './requests';
import { BudgetStatus } from './status';
import { registerTemplates } from './templates';

const shieldSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path class="jp-icon3" fill="#616161" d="M12 2 4 5v6c0 5 3.4 9.7 8 11 4.6-1.3 8-6 8-11V5l-8-3zm0 4a2.5 2.5 0 0 1 2.5 2.5V10h.5v6H9v-6h.5V8.5A2.5 2.5 0 0 1 12 6zm0 1.5a1 1 0 0 0-1 1V10h2V8.5a1 1 0 0 0-1-1z"/></svg>`;
export const privacyIcon = new LabIcon({ name: 'jupyter-privacy:shield', svgstr: shieldSvg });

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-privacy:plugin',
  description: 'Privacy budgets sidebar, ε status bar and pilot-template launcher.',
  autoStart: true,
  optional: [ILabShell, IStatusBar, ICommandPalette, ILauncher, INotebookTracker, IDefaultFileBrowser],
  activate: (
    app: JupyterFrontEnd,
    labShell: ILabShell | null,
    statusBar: IStatusBar | null,
    palette: ICommandPalette | null,
    launcher: ILauncher | null,
    notebooks: INotebookTracker | null,
    browser: IDefaultFileBrowser | null
  ) => {
    const panel = new BudgetsPanel();
    panel.title.icon = privacyIcon;
    app.shell.add(panel, 'left', { rank: 700 });

    app.commands.addCommand('jupyter-privacy:open-budgets', {
      label: 'Show privacy budgets',
      execute: () => app.shell.activateById(PANEL_ID)
    });
    app.commands.addCommand('jupyter-privacy:refresh-budgets', {
      label: 'Refresh privacy budgets',
      execute: () => panel.refresh(true)
    });
    palette?.addItem({ command: 'jupyter-privacy:open-budgets', category: 'Privacy pilot' });
    palette?.addItem({ command: 'jupyter-privacy:refresh-budgets', category: 'Privacy pilot' });

    if (statusBar) {
      const status = new BudgetStatus();
      const follow = () => {
        status.notebook = notebooks?.currentWidget?.context.path ?? null;
      };
      notebooks?.currentChanged.connect(follow);
      labShell?.currentChanged.connect(follow);
      statusBar.registerStatusItem('jupyter-privacy:budget-status', {
        item: status,
        align: 'left',
        rank: 5
      });
    }
    registerTemplates(app, privacyIcon, palette, launcher, browser);
  }
};

export default [plugin, requestsPlugin];
