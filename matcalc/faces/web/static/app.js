// The matcalc playground: reads the page's state from the URL, asks POST /api/diff, shows the
// answer. The server does all the mathematics (and makes the MathML); nothing here evaluates
// the expression. MathML from the server is the only markup inserted; all else is text.
"use strict";

const KINDS = ["scalar", "vector", "matrix", "symmetric", "spd", "diagonal"];
const SQUARE = new Set(["symmetric", "spd", "diagonal"]);
const DEBOUNCE_MS = 350;

const state = {expr: "", wrt: [], layout: "denominator", order: 1, vars: {}};
let variables = [];            // the last variables the server reported, for state.expr
let variablesOf = null;        // the expression those variables belong to
let lastAnswer = null;
let inFlight = null;           // the AbortController of the request in flight
let timer = null;
let backend = "numpy";

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

// MathML made and checked by the server (matcalc.faces.web.mathml); text where there is none
function math(markup, fallback, display) {
  const box = el("span", {class: display ? "math display" : "math"});
  if (markup) box.innerHTML = markup;
  else box.append(el("code", {text: fallback}));
  return box;
}

// -- the URL holds the state: /?expr=x'*A*x&wrt=x&layout=numerator ------------------------------
function readURL() {
  const q = new URLSearchParams(window.location.search);
  state.expr = q.get("expr") || "";
  state.wrt = (q.get("wrt") || "").split(",").map((s) => s.trim()).filter(Boolean);
  const layout = q.get("layout");
  state.layout = ["denominator", "numerator", "mixed"].includes(layout) ? layout : "denominator";
  state.order = q.get("order") === "2" ? 2 : 1;
  state.vars = {};
  for (const spec of q.getAll("var")) {
    const name = spec.split(":")[0].trim();
    if (name) state.vars[name] = spec;
  }
}

function stateURL() {
  const q = new URLSearchParams();
  if (state.expr) q.set("expr", state.expr);
  if (state.wrt.length) q.set("wrt", state.wrt.join(","));
  if (state.order === 2) q.set("order", "2");
  else if (state.layout !== "denominator") q.set("layout", state.layout);
  for (const spec of Object.values(state.vars)) q.append("var", spec);
  // characters a query may hold as they are (RFC 3986), left readable in the link
  const query = q.toString().replace(/%(27|2C|28|29|2F|3A|2A)/g,
                                     (m) => decodeURIComponent(m));
  return window.location.pathname + (query ? "?" + query : "");
}

function writeURL() {
  window.history.replaceState(null, "", stateURL());
}

function showState() {
  $("expr").value = state.expr;
  $("order-" + state.order).checked = true;
  $("layout-" + state.layout).checked = true;
  $("layout-group").classList.toggle("disabled", state.order === 2);
  for (const input of document.querySelectorAll("input[name=layout]")) {
    input.disabled = state.order === 2;
  }
}

// -- talking to the server --------------------------------------------------------------------
async function ask(body, signal) {
  const response = await fetch("/api/diff", {
    method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify(body), signal,
  });
  let data;
  try {
    data = await response.json();
  } catch (e) {
    data = {error: {message: `the server answered ${response.status} without JSON`}};
  }
  return {ok: response.ok, status: response.status, data};
}

function schedule(delay = DEBOUNCE_MS) {
  clearTimeout(timer);
  timer = setTimeout(run, delay);
}

function defaultWrt() {
  for (const kind of ["vector", "matrix", "scalar"]) {
    const found = variables.find((v) => v.kind === kind);
    if (found) return [found.name];
  }
  return [];
}

async function run() {
  clearTimeout(timer);
  writeURL();
  if (inFlight) inFlight.abort();
  const controller = new AbortController();
  inFlight = controller;
  const expr = state.expr;
  if (!expr.trim()) {
    clearOutputs("The derivative appears here.");
    showVariables([]);
    showError(null);
    showWarnings([]);
    return;
  }
  setStatus("busy", "computing…");
  const started = performance.now();
  try {
    const vars = Object.values(state.vars);
    if (variablesOf !== expr) {
      // the variables first (a fast answer), to offer them and choose what to differentiate by
      const first = await ask({expr, vars}, controller.signal);
      if (!first.ok) return fail(first);
      variables = first.data.variables;
      variablesOf = expr;
      keepKnownNames();
      showVariables(variables);
      showWarnings(first.data.warnings);
    }
    if (!state.wrt.length) {
      state.wrt = defaultWrt();
      showVariables(variables);
      writeURL();
    }
    const body = {expr, wrt: state.wrt, vars: Object.values(state.vars), order: state.order,
                  layout: state.order === 2 ? null : state.layout,
                  steps: true, check: true, code: true};
    const answer = await ask(body, controller.signal);
    if (!answer.ok) return fail(answer);
    variables = answer.data.variables;
    showVariables(variables);
    showError(null);
    showWarnings(answer.data.warnings);
    show(answer.data);
    setStatus("done", `${Math.round(performance.now() - started)} ms`);
  } catch (e) {
    if (e.name === "AbortError") return;
    fail({status: 0, data: {error: {message: "the server cannot be reached; is matcalc serve still running?"}}});
  } finally {
    if (inFlight === controller) inFlight = null;
  }
}

function keepKnownNames() {
  const names = new Set(variables.map((v) => v.name));
  state.wrt = state.wrt.filter((n) => names.has(n));
  for (const name of Object.keys(state.vars)) if (!names.has(name)) delete state.vars[name];
  writeURL();
}

function fail(answer) {
  const error = (answer.data && answer.data.error) || {message: `error ${answer.status}`};
  showError(error);
  showWarnings([]);
  setStatus("error", answer.status === 503 ? "stopped" : "error");
  for (const id of ["result", "check", "steps", "code"]) $(id).classList.add("stale");
}

// -- showing ----------------------------------------------------------------------------------
function setStatus(kind, text) {
  const status = $("status");
  status.className = "status " + kind;
  status.textContent = text;
}

function showError(error) {
  const box = $("expr-error");
  const input = $("expr");
  if (!error) {
    box.hidden = true;
    input.removeAttribute("aria-invalid");
    return;
  }
  box.hidden = false;
  input.setAttribute("aria-invalid", "true");
  $("expr-message").textContent = error.message;
  const caret = $("expr-caret");
  caret.replaceChildren();
  if (typeof error.position === "number") {
    // the expression with the spot marked, and the cursor put there
    const text = state.expr;
    const at = Math.min(error.position, text.length);
    caret.append(text.slice(0, at), el("mark", {text: text.slice(at, at + 1) || " "}),
                 text.slice(at + 1));
    caret.hidden = false;
    if (document.activeElement !== input) input.setSelectionRange(at, at);
  } else {
    caret.hidden = true;
  }
}

function showWarnings(list) {
  // text that parses but may not mean what it says (a scalar spread over a vector), under the input
  const box = $("expr-warnings");
  box.replaceChildren(...(list || []).map((message) => el("li", {text: message})));
  box.hidden = !box.children.length;
}

function showVariables(list) {
  const body = $("variables-body");
  body.replaceChildren();
  if (!list.length) {
    body.append(el("tr", {class: "empty"}, el("td", {colspan: "4",
      text: "Type an expression to see its variables."})));
    return;
  }
  for (const v of list) {
    const kind = v.properties.find((p) => SQUARE.has(p)) || v.kind;
    const by = el("input", {type: "checkbox", "aria-label": `differentiate by ${v.name}`,
                            "data-name": v.name});
    by.checked = state.wrt.includes(v.name);
    by.addEventListener("change", () => {
      state.wrt = by.checked ? [...state.wrt, v.name] : state.wrt.filter((n) => n !== v.name);
      schedule(0);
    });
    const select = el("select", {"aria-label": `kind of ${v.name}`, "data-name": v.name});
    for (const k of KINDS) {
      const option = el("option", {value: k, text: k});
      option.selected = k === kind;
      select.append(option);
    }
    const rows = el("input", {class: "dim", value: v.dims[0] || "n", "aria-label": `rows of ${v.name}`});
    const cols = el("input", {class: "dim", value: v.dims[1] || v.dims[0] || "n",
                              "aria-label": `columns of ${v.name}`});
    const size = el("span", {class: "size"});
    const declare = () => {
      state.vars[v.name] = spec(v.name, select.value, rows.value.trim() || "n",
                                cols.value.trim() || "n");
      schedule(0);
    };
    const layoutSize = () => {
      size.replaceChildren();
      if (select.value === "scalar") size.append(el("span", {class: "muted", text: "1 × 1"}));
      else if (select.value === "vector") size.append(rows, el("span", {class: "muted", text: " × 1"}));
      else if (SQUARE.has(select.value)) size.append(rows, el("span", {class: "muted", text: " × " + rows.value}));
      else size.append(rows, el("span", {class: "muted", text: " × "}), cols);
    };
    select.addEventListener("change", () => { layoutSize(); declare(); });
    rows.addEventListener("change", declare);
    cols.addEventListener("change", declare);
    layoutSize();
    const name = el("td", {class: "name"}, math(null, v.name));
    body.append(el("tr", {}, el("td", {class: "by"}, by), name, el("td", {}, select),
                   el("td", {}, size)));
  }
}

function spec(name, kind, rows, cols) {
  if (kind === "scalar") return `${name}: scalar`;
  if (kind === "vector") return `${name}: vector(${rows})`;
  if (SQUARE.has(kind)) return `${name}: matrix(${rows}, ${rows}) ${kind}`;
  return `${name}: matrix(${rows}, ${cols})`;
}

function clearOutputs(message) {
  $("result").replaceChildren(el("p", {class: "placeholder", text: message}));
  for (const id of ["check", "steps"]) $(id).replaceChildren();
  $("code-text").textContent = "";
  $("code-tabs").replaceChildren();
  for (const id of ["result", "check", "steps", "code"]) $(id).classList.remove("stale");
  setStatus("", "");
}

function show(data) {
  lastAnswer = data;
  for (const id of ["result", "check", "steps", "code"]) $(id).classList.remove("stale");
  showResult(data);
  showCheck(data);
  showSteps(data);
  showCode(data);
}

function shape(dims) {
  return dims.join(" × ");
}

function copyButton(label, text, title) {
  const button = el("button", {type: "button", class: "button small", text: label, title});
  button.addEventListener("click", () => copy(text));
  return button;
}

function showResult(data) {
  const box = $("result");
  box.replaceChildren();
  // the function keeps the name its derivation gives it (L in backpropagation, f otherwise)
  box.append(el("div", {class: "function"}, el("span", {class: "f", text: `${data.name || "f"} =`}),
                math(data.mathml, data.unicode, false)));
  for (const d of data.derivatives) {
    const meta = el("div", {class: "meta"},
      el("span", {class: "pill", text: d.convention}),
      el("span", {class: "pill", text: "shape " + shape(d.shape)}),
      copyButton("LaTeX", `${d.lhs_latex} = ${d.latex}`, "copy the LaTeX"),
      copyButton("Python", d.result, "copy the expression as matcalc/numpy text"));
    box.append(el("div", {class: "derivative"}, math(d.mathml, `${d.lhs} = ${d.unicode}`, true),
                  meta));
    // the parts used more than once, named once (the unicode fallback above already has them)
    if (d.mathml && d.where && d.where.length) {
      box.append(el("div", {class: "where"}, el("span", {class: "where-label", text: "where"}),
        ...d.where.map((part) => el("div", {class: "where-part"},
          math(part.mathml, `${part.name} = ${part.unicode}`, false)))));
    }
  }
}

function showCheck(data) {
  const box = $("check");
  box.replaceChildren();
  for (const d of data.derivatives) {
    if (!d.check) continue;
    const c = d.check;
    const sizes = Object.entries(c.sizes).map(([k, v]) => `${k}=${v}`).join(", ") || "none";
    box.append(el("div", {class: "check-row " + (c.ok ? "ok" : "bad")},
      el("span", {class: "badge", text: c.ok ? "✓ passes" : "✗ FAILED"}),
      el("span", {class: "what", text: d.lhs}),
      el("span", {class: "number", text: "max rel. error " + (c.max_rel_error === null
        ? "not a number" : c.max_rel_error.toExponential(2))}),
      el("span", {class: "muted", text: `sizes ${sizes} · ${c.points} point${c.points === 1 ? "" : "s"} · seed ${c.seed}`})));
    if (c.detail) box.append(el("p", {class: "muted detail", text: c.detail}));
  }
}

function showSteps(data) {
  const box = $("steps");
  box.replaceChildren();
  for (const d of data.derivatives) {
    if (!d.steps) continue;
    if (data.derivatives.length > 1) box.append(el("h3", {text: d.lhs}));
    const table = el("table", {class: "derivation"});
    let previous = null;
    for (const s of d.steps) {
      const same = previous !== null && previous.lhs_latex === s.lhs_latex;
      const rule = el("td", {class: "rule"}, el("span", {text: s.rule}));
      if (s.formula) rule.append(el("span", {class: "formula", text: s.formula}));
      table.append(el("tr", {},
        el("td", {class: "lhs"}, same ? "" : math(s.lhs_mathml, s.lhs, false)),
        el("td", {class: "eq", text: "="}),
        el("td", {class: "rhs"}, math(s.mathml, s.rhs, false)),
        rule));
      previous = s;
    }
    box.append(table);
  }
}

function showCode(data) {
  const code = data.code || {};
  const names = Object.keys(code);
  if (!names.includes(backend)) backend = names[0];
  const tabs = $("code-tabs");
  tabs.replaceChildren();
  for (const name of names) {
    const tab = el("button", {type: "button", role: "tab", class: "tab", text: name,
                              "aria-selected": String(name === backend)});
    tab.addEventListener("click", () => { backend = name; showCode(data); });
    tabs.append(tab);
  }
  // the helpers first, as the file has them, but scrolled to the function itself
  const text = backend ? code[backend] : "";
  const at = text.search(/^def (?!_)/m);
  const anchor = el("span", {class: "anchor"});
  $("code-text").replaceChildren(at >= 0 ? text.slice(0, at) : text, anchor,
                                 at >= 0 ? text.slice(at) : "");
  const pre = $("code-text").parentElement;
  pre.scrollTop = 0;
  if (at >= 0) {
    pre.scrollTop = anchor.getBoundingClientRect().top - pre.getBoundingClientRect().top;
  }
}

// -- copying, downloading, sharing ------------------------------------------------------------
async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (e) {
    const area = el("textarea", {class: "offscreen"});
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  toast("Copied");
}

function toast(text) {
  const t = $("toast");
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 1400);
}

function download() {
  if (!lastAnswer || !lastAnswer.code) return;
  const blob = new Blob([lastAnswer.code[backend]], {type: "text/x-python"});
  const link = el("a", {href: URL.createObjectURL(blob), download: `matcalc_${backend}.py`});
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

// -- wiring -----------------------------------------------------------------------------------
function start() {
  readURL();
  showState();
  $("expr").addEventListener("input", () => { state.expr = $("expr").value; schedule(); });
  $("expr").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); }
  });
  for (const input of document.querySelectorAll("input[name=layout]")) {
    input.addEventListener("change", () => { state.layout = input.value; run(); });
  }
  for (const input of document.querySelectorAll("input[name=order]")) {
    input.addEventListener("change", () => {
      state.order = Number(input.value);
      if (state.order === 2 && state.wrt.length > 2) state.wrt = state.wrt.slice(0, 1);
      showState();
      run();
    });
  }
  for (const chip of document.querySelectorAll("#examples .chip")) {
    chip.addEventListener("click", () => {
      state.expr = chip.dataset.expr;
      state.wrt = chip.dataset.wrt.split(",");
      state.order = Number(chip.dataset.order || 1);
      state.vars = {};
      for (const s of (chip.dataset.vars || "").split(";").filter(Boolean)) {
        state.vars[s.split(":")[0].trim()] = s;
      }
      variablesOf = null;
      showState();
      run();
    });
  }
  $("copy-code").addEventListener("click", () => {
    if (lastAnswer && lastAnswer.code) copy(lastAnswer.code[backend]);
  });
  $("download-code").addEventListener("click", download);
  $("share").addEventListener("click", () => copy(window.location.origin + stateURL()));
  if (!state.expr) {
    state.expr = "x'*A*x";
    state.wrt = ["x"];
    showState();
  }
  run();
}

document.addEventListener("DOMContentLoaded", start);
