/**
 * Palette commands and launcher cards that copy a pilot template into the current folder and open it.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, showErrorMessage } from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { LabIcon } from '@jupyterlab/ui-components';

import { ITemplate, requestAPI } from './api';

export const CREATE_FROM_TEMPLATE = 'jupyter-privacy:create-from-template';
const CATEGORY = 'Privacy pilot';

export function registerTemplates(
  app: JupyterFrontEnd,
  icon: LabIcon,
  palette: ICommandPalette | null,
  launcher: ILauncher | null,
  browser: IDefaultFileBrowser | null
): void {
  const titles = new Map<string, ITemplate>();
  app.commands.addCommand(CREATE_FROM_TEMPLATE, {
    label: args => {
      const t = titles.get(String(args.name));
      return args.isLauncher ? (t?.title ?? String(args.name)) : `New notebook from pilot template: ${t?.title ?? args.name}`;
    },
    caption: args => {
      const t = titles.get(String(args.name));
      const params = t?.parameters.map(p => p.name).join(', ');
      return `${t?.description ?? ''}${params ? ` Parameters: ${params}.` : ''}`;
    },
    icon: args => (args.isPalette ? undefined : icon),
    execute: async args => {
      const name = String(args.name);
      const folder = String(args.cwd ?? browser?.model.path ?? '');
      try {
        const reply = await requestAPI<{ path: string }>(
          `templates/${encodeURIComponent(name)}/copy`,
          { method: 'POST', body: JSON.stringify({ path: folder }) }
        );
        await app.commands.execute('docmanager:open', { path: reply.path });
        return reply.path;
      } catch (error) {
        void showErrorMessage('Cannot create the notebook', (error as Error).message);
        return null;
      }
    }
  });
  void requestAPI<{ templates: ITemplate[] }>('templates')
    .then(reply => {
      reply.templates.forEach((t, rank) => {
        titles.set(t.name, t);
        palette?.addItem({ command: CREATE_FROM_TEMPLATE, args: { name: t.name, isPalette: true }, category: CATEGORY });
        launcher?.add({ command: CREATE_FROM_TEMPLATE, args: { name: t.name, isLauncher: true }, category: CATEGORY, rank });
      });
    })
    .catch(error => console.warn('jupyter-privacy: cannot list templates', error));
}
