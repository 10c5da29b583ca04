"""What the browser tests measure in the page: the Lab theme, WCAG contrast of text as drawn, and
whether a screenshot of a chart has anything on it. Shared by tests/ui and benchmarks/; runs in
Debian Chromium through playwright and downloads nothing.
"""

from __future__ import annotations

import base64
from typing import Any

DARK, LIGHT = "JupyterLab Dark", "JupyterLab Light"

#: WCAG 2.x contrast of each element's text colour against the colour behind it (the first
#: ancestor with a background, alpha composited over the ones behind it).
CONTRAST_JS = """
(selector) => {
  const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, bottom) => { const a = top[3] + bottom[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    return [0, 1, 2].map(i => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a)
      .concat([a]); };
  const background = node => { const layers = [];
    for (let n = node; n; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor); if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break; }
    return layers.reverse().reduce((acc, c) => over(c, acc), [255, 255, 255, 1]); };
  const lum = c => { const s = c.slice(0, 3).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * s[0] + 0.7152 * s[1] + 0.0722 * s[2]; };
  return [...document.querySelectorAll(selector)].filter(n => n.offsetParent !== null &&
      n.textContent.trim()).map(n => {
    const bg = background(n); const fg = over(parse(getComputedStyle(n).color), bg);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    return { text: n.textContent.trim().slice(0, 60), ratio: (a + 0.05) / (b + 0.05) }; });
}
"""

#: Share of an image's pixels that differ from its most common colour (its background).
INK_JS = """
async (dataUrl) => {
  const image = new Image(); image.src = dataUrl; await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = image.width; canvas.height = image.height;
  const context = canvas.getContext('2d'); context.drawImage(image, 0, 0);
  const data = context.getImageData(0, 0, image.width, image.height).data;
  const counts = new Map();
  for (let i = 0; i < data.length; i += 4) {
    const key = (data[i] >> 3) << 10 | (data[i + 1] >> 3) << 5 | (data[i + 2] >> 3);
    counts.set(key, (counts.get(key) || 0) + 1); }
  const most = Math.max(...counts.values());
  return 1 - most / (data.length / 4);
}
"""


def use_theme(page: Any, theme: str) -> None:
    """Switch the Lab's theme from the command palette and wait until the page says so."""
    page.keyboard.press("Control+Shift+C")
    page.keyboard.type(f"Use Theme: {theme}")
    page.keyboard.press("Enter")
    light = "true" if theme == LIGHT else "false"
    page.wait_for_function(f"document.body.dataset.jpThemeLight === '{light}'", timeout=30_000)


def contrast_ratios(page: Any, selector: str) -> list[dict[str, Any]]:
    """`[{"text", "ratio"}]` for every visible element with text matching `selector`."""
    return list(page.evaluate(CONTRAST_JS, selector))


def ink(page: Any, png: bytes) -> float:
    """How much of a screenshot is not its background colour (0.0 means blank)."""
    url = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return float(page.evaluate(INK_JS, url))
