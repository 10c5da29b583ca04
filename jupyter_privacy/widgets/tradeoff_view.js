// The trade-off explorer's browser half (anywidget ESM; the Python half is tradeoff_view.py).
//
// The model holds the whole curve: for every slider position its ε label, each statistic's
// utility, the plain-language line, the attack-risk line and the button's label. Moving the slider
// ("input") only looks these up and moves the marker: no kernel round trip. Letting go ("change")
// tells the kernel the position; the button sends a "release" message. Text is set with
// textContent; only the kernel's release HTML (escaped there) is set as HTML.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 460, HEIGHT = 260, LEFT = 64, RIGHT = 12, TOP = 28, BOTTOM = 44;
const COLORS = ["#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2"];

function make(tag, attributes = {}, parent = null, namespace = null) {
  const node = namespace ? document.createElementNS(namespace, tag) : document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (parent) parent.appendChild(node);
  return node;
}

function logScale(values, low, high) {
  const finite = values.filter((v) => v > 0 && Number.isFinite(v));
  const lo = Math.log10(Math.min(...finite)), hi = Math.log10(Math.max(...finite));
  const span = hi - lo || 1;
  return { lo, hi, at: (v) => low + ((Math.log10(v) - lo) / span) * (high - low) };
}

function powersOfTen(lo, hi) {
  const out = [];
  for (let p = Math.ceil(lo - 1e-9); p <= Math.floor(hi + 1e-9); p++) out.push(p);
  return out;
}

function tickLabel(power) {
  return power >= -3 && power <= 4 ? String(Number((10 ** power).toPrecision(1))) : `1e${power}`;
}

function render({ model, el }) {
  const root = make("div", { class: "jp-PrivacyTradeoff-view" }, el);
  root.style.cssText = "font-family: var(--jp-ui-font-family); color: var(--jp-ui-font-color1);";
  const row = make("div", {}, root);
  row.style.cssText = "display: flex; align-items: center; gap: 8px;";
  make("label", {}, row).textContent = "ε";
  // data-lm-suppress-shortcuts: arrow keys move the slider instead of Lab's notebook selection
  const slider = make("input", { type: "range", min: "0", step: "1", class: "jp-PrivacyTradeoff-slider",
    "aria-label": "ε", "data-lm-suppress-shortcuts": "true" }, row);
  slider.style.width = "420px";
  const readout = make("span", { class: "jp-PrivacyTradeoff-readout" }, row);
  const line = make("div", { class: "jp-PrivacyTradeoff-line" }, root);
  const risk = make("div", { class: "jp-PrivacyTradeoff-risk" }, root);
  const hint = make("div", { class: "jp-PrivacyTradeoff-hint" }, root);
  hint.style.color = "var(--jp-warn-color0, #b26b00)";
  const svg = make("svg", { class: "jp-PrivacyTradeoff-chart", width: WIDTH, height: HEIGHT + 24,
    viewBox: `0 0 ${WIDTH} ${HEIGHT + 24}`, role: "img" }, root, SVG);
  svg.style.cssText = "display: block; overflow: visible;";
  const button = make("button", { class: "jp-PrivacyTradeoff-release jupyter-button mod-warning" }, root);
  button.style.cssText = "width: auto; margin: 6px 0;";
  const note = make("div", { class: "jp-PrivacyTradeoff-note" }, root);
  const result = make("div", { class: "jp-PrivacyTradeoff-result jp-RenderedHTMLCommon" }, root);
  result.style.paddingLeft = "0";
  let chart = null; // {x, y, rule, markers}

  function drawChart() {
    svg.replaceChildren();
    const epsilons = model.get("epsilons"), series = model.get("series");
    const all = series.flatMap((s) => s.values).filter((v) => v !== null);
    const x = logScale(epsilons, LEFT, WIDTH - RIGHT);
    const y = logScale(all.length ? all : [1], HEIGHT - BOTTOM, TOP);
    const axis = "var(--jp-ui-font-color2, #666)";
    const title = make("text", { x: LEFT, y: 14, "font-size": 12, "font-weight": "bold",
      fill: "currentColor" }, svg, SVG);
    title.textContent = model.get("title");
    for (const p of powersOfTen(x.lo, x.hi)) {
      const at = x.at(10 ** p);
      make("line", { x1: at, x2: at, y1: TOP, y2: HEIGHT - BOTTOM, stroke: axis, "stroke-opacity": 0.2 }, svg, SVG);
      const label = make("text", { x: at, y: HEIGHT - BOTTOM + 14, "font-size": 10, fill: axis,
        "text-anchor": "middle" }, svg, SVG);
      label.textContent = tickLabel(p);
    }
    for (const p of powersOfTen(y.lo, y.hi)) {
      const at = y.at(10 ** p);
      make("line", { x1: LEFT, x2: WIDTH - RIGHT, y1: at, y2: at, stroke: axis, "stroke-opacity": 0.2 }, svg, SVG);
      const label = make("text", { x: LEFT - 4, y: at + 3, "font-size": 10, fill: axis,
        "text-anchor": "end" }, svg, SVG);
      label.textContent = tickLabel(p);
    }
    make("rect", { x: LEFT, y: TOP, width: WIDTH - RIGHT - LEFT, height: HEIGHT - BOTTOM - TOP,
      fill: "none", stroke: axis }, svg, SVG);
    const xTitle = make("text", { x: (LEFT + WIDTH - RIGHT) / 2, y: HEIGHT - BOTTOM + 30,
      "font-size": 11, fill: "currentColor", "text-anchor": "middle" }, svg, SVG);
    xTitle.textContent = "ε (log scale)";
    const yTitle = make("text", { x: 12, y: (TOP + HEIGHT - BOTTOM) / 2, "font-size": 11,
      fill: "currentColor", "text-anchor": "middle",
      transform: `rotate(-90 12 ${(TOP + HEIGHT - BOTTOM) / 2})` }, svg, SVG);
    yTitle.textContent = model.get("measure");
    const marks = make("g", { class: "marks" }, svg, SVG);
    series.forEach((s, k) => {
      const points = s.values.map((v, i) => (v > 0 ? `${x.at(epsilons[i]).toFixed(1)},${y.at(v).toFixed(1)}` : null))
        .filter((p) => p !== null);
      make("polyline", { points: points.join(" "), fill: "none", stroke: COLORS[k % COLORS.length],
        "stroke-width": 2 }, marks, SVG);
      const key = make("g", {}, svg, SVG);
      const left = LEFT + k * 150;
      make("circle", { cx: left + 5, cy: HEIGHT + 12, r: 5, fill: COLORS[k % COLORS.length] }, key, SVG);
      const text = make("text", { x: left + 14, y: HEIGHT + 16, "font-size": 11, fill: "currentColor" }, key, SVG);
      text.textContent = s.name;
    });
    const rule = make("line", { class: "jp-PrivacyTradeoff-rule", y1: TOP, y2: HEIGHT - BOTTOM,
      stroke: "currentColor", "stroke-dasharray": "4 3" }, marks, SVG);
    const markers = series.map(() => make("circle", { class: "jp-PrivacyTradeoff-marker", r: 5,
      fill: "currentColor" }, marks, SVG));
    chart = { x, y, rule, markers };
  }

  function show(index) {
    const i = Math.max(0, Math.min(index, model.get("epsilons").length - 1));
    readout.textContent = model.get("labels")[i];
    line.textContent = model.get("lines")[i];
    risk.textContent = model.get("risks")[i];
    button.textContent = model.get("buttons")[i];
    button.disabled = model.get("disabled")[i];
    if (chart) {
      const at = chart.x.at(model.get("epsilons")[i]).toFixed(1);
      chart.rule.setAttribute("x1", at);
      chart.rule.setAttribute("x2", at);
      model.get("series").forEach((s, k) => {
        const value = s.values[i];
        chart.markers[k].setAttribute("cx", at);
        chart.markers[k].setAttribute("cy", value > 0 ? chart.y.at(value).toFixed(1) : -100);
      });
    }
  }

  function setup() {
    slider.max = String(model.get("epsilons").length - 1);
    slider.value = String(model.get("index"));
    hint.textContent = model.get("hint");
    hint.style.display = model.get("hint") ? "" : "none";
    note.innerHTML = model.get("note"); // built and escaped by the kernel
    drawChart();
    show(Number(slider.value));
  }

  slider.addEventListener("input", () => show(Number(slider.value)));
  slider.addEventListener("change", () => {
    model.set("index", Number(slider.value));
    model.save_changes();
  });
  button.addEventListener("click", () => model.send({ event: "release", index: Number(slider.value) }));
  model.on("change:index", () => {
    slider.value = String(model.get("index"));
    show(model.get("index"));
  });
  model.on("change:kernel_index", () => { root.dataset.kernelIndex = String(model.get("kernel_index")); });
  model.on("change:lines change:risks change:buttons change:disabled", () => show(Number(slider.value)));
  model.on("change:epsilons change:series change:title change:measure change:hint change:note", setup);
  model.on("change:result", () => { result.innerHTML = model.get("result"); });
  setup();
  result.innerHTML = model.get("result");
  root.dataset.kernelIndex = String(model.get("kernel_index"));
}

export default { render };
