/**
 * Palette commands and launcher cards that copy a pilot template into the current folder and open
 * it. Labels are the templates' full titles; tooltips are plain text and say which earlier steps a
 * step needs (the notebook itself also checks, in one line, when they have not run).
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, showErrorMessage } from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { LabIcon } from '@jupyterlab/ui-components';

import { ITemplate, requestAPI } from './api';

export const CREATE_FROM_TEMPLATE = 'jupyter-privacy:create-from-template';
export const CATEGORY = 'Privacy pilot';

/** "Needs steps 1 and 3 first" from the titles of the needed templates. */
export function needsText(template: ITemplate, titles: Map<string, ITemplate>): string {
  const needs = template.needs ?? [];
  if (!needs.length) {
    return 'Needs no earlier step.';
  }
  // "03_x|07_y": whichever of them the pilot track runs
  const names = needs.map(need =>
    need
      .split('|')
      .map(name => titles.get(name)?.title ?? name)
      .join(' or ')
  );
  return `Run first: ${names.join('; ')}.`;
}

export function caption(template: ITemplate | undefined, titles: Map<string, ITemplate>): string {
  if (!template) {
    return '';
  }
  const params = template.parameters.map(p => p.name).join(', ');
  return [template.description, needsText(template, titles), params ? `Parameters: ${params}.` : '']
    .filter(Boolean)
    .join('\n\n');
}

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
    caption: args => caption(titles.get(String(args.name)), titles),
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
      reply.templates.forEach(t => titles.set(t.name, t));
      reply.templates.forEach((t, rank) => {
        palette?.addItem({ command: CREATE_FROM_TEMPLATE, args: { name: t.name, isPalette: true }, category: CATEGORY });
        launcher?.add({ command: CREATE_FROM_TEMPLATE, args: { name: t.name, isLauncher: true }, category: CATEGORY, rank: rank + 1 });
      });
    })
    .catch(error => console.warn('jupyter-privacy: cannot list templates', error));
}
