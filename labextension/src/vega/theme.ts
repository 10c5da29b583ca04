/**
 * Chart colours from the Lab theme: text, grid and background come from JupyterLab's CSS variables,
 * so a chart follows light, dark and any other theme; views re-render when the theme changes.
 */

export type ThemeListener = () => void;

const listeners = new Set<ThemeListener>();
let observer: MutationObserver | null = null;

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  return style.getPropertyValue(name).trim() || fallback;
}

/** True unless the Lab says its theme is dark (`data-jp-theme-light="false"` on the body). */
export function isLightTheme(): boolean {
  return document.body.dataset.jpThemeLight !== 'false';
}

/** A Vega-Lite config whose text, axes, legend and background use the current Lab theme. */
export function themeConfig(): { [key: string]: any } {
  const style = getComputedStyle(document.body);
  const text = cssVar(style, '--jp-ui-font-color1', isLightTheme() ? '#1f1f1f' : '#e8e8e8');
  const muted = cssVar(style, '--jp-ui-font-color2', isLightTheme() ? '#424242' : '#bdbdbd');
  const grid = cssVar(style, '--jp-border-color2', isLightTheme() ? '#e0e0e0' : '#424242');
  const background = cssVar(style, '--jp-layout-color0', isLightTheme() ? '#ffffff' : '#111111');
  const font = cssVar(style, '--jp-ui-font-family', 'sans-serif');
  const axis = {
    labelColor: muted,
    titleColor: text,
    gridColor: grid,
    domainColor: muted,
    tickColor: muted,
    labelFont: font,
    titleFont: font
  };
  return {
    background,
    font,
    title: { color: text, font, subtitleColor: muted },
    axis,
    legend: { labelColor: text, titleColor: text, labelFont: font, titleFont: font },
    header: { labelColor: text, titleColor: text, labelFont: font, titleFont: font },
    view: { stroke: grid },
    text: { color: text },
    style: { 'guide-label': { fill: muted }, 'guide-title': { fill: text } }
  };
}

/** Call `listener` after each theme change; returns the function that stops listening. */
export function onThemeChange(listener: ThemeListener): () => void {
  listeners.add(listener);
  if (!observer) {
    observer = new MutationObserver(() => listeners.forEach(notify => notify()));
    observer.observe(document.body, {
      attributes: true,
      attributeFilter: ['data-jp-theme-light', 'data-jp-theme-name']
    });
  }
  return () => {
    listeners.delete(listener);
  };
}
