// app.js - the form over libstackplan compiled to WebAssembly: each question is a request to the
// library's JSON ABI (sp_request) with the command and flags the native CLI takes, answered as
// the HTML report and shown as is.
"use strict";

const $ = (id) => document.getElementById(id);
let stackplan = null;

// sp_error's layout (include/stackplan.h): status, file[256], line, col, field[64], message[320].
const ERR = { size: 652, file: 4, line: 260, col: 264, field: 268, message: 332 };

// One request through the library's JSON ABI (sp_request), as every binding asks it.
function runRequest(request) {
  const errPtr = stackplan._malloc(ERR.size);
  const t0 = performance.now();
  const p = stackplan.ccall("sp_request", "number", ["string", "number"], [JSON.stringify(request), errPtr]);
  const ms = performance.now() - t0;
  let text = null, error = null;
  if (p) {
    text = stackplan.UTF8ToString(p);
    stackplan._sp_free(p);
  } else {
    const at = (offset) => stackplan.UTF8ToString(errPtr + offset);
    error = { file: at(ERR.file), line: stackplan.getValue(errPtr + ERR.line, "i32"),
              column: stackplan.getValue(errPtr + ERR.col, "i32"), field: at(ERR.field), message: at(ERR.message) };
  }
  stackplan._free(errPtr);
  return { text, error, ms };
}

// The command line a request stands for (sp_request's own mapping), to show beside the answer.
function toArgs(request) {
  const args = [request.command];
  for (const [key, value] of Object.entries(request)) {
    if (key === "command" || key === "format" || value === false || value === null || value === "") continue;
    args.push("--" + key.replace(/_/g, "-"));
    if (value !== true) args.push(Array.isArray(value) ? value.join(",") : String(value));
  }
  return args;
}

function fillSelect(select, names, preferred) {
  for (const name of names) {
    const o = document.createElement("option");
    o.value = o.textContent = name;
    select.appendChild(o);
  }
  if (names.includes(preferred)) select.value = preferred;
}

// The request the form describes: the command and its flags, as the native CLI takes them.
function question() {
  const cmd = $("command").value, v = (id) => $(id).value.trim();
  const q = { command: cmd };
  const file = $("config").files[0];
  if (file) { // named after the upload; a bare config.json says it was uploaded
    const stem = file.name.replace(/\.json$/i, "");
    q.hf_config = "/tmp/config.json";
    q.name = stem === "config" ? "uploaded-config" : stem;
  } else {
    q.model = v("model");
  }
  q.gpu = v("gpu");
  // An empty optional field is left to the command's own default, as on the command line.
  const optional = (key, id) => { if (v(id)) q[key] = v(id); };
  if (cmd === "memory" || cmd === "finetune") {
    Object.assign(q, { method: v("method"), seq: v("seq") });
    optional("micro_batch", "micro_batch");
  }
  if (cmd === "memory") q.recompute = v("recompute");
  if (cmd === "finetune") optional("dataset_gb", "dataset_gb");
  if (cmd === "train") Object.assign(q, { seq: v("seq"), gpus: v("gpus"), global_batch: v("global_batch"), tokens: v("tokens") });
  if (cmd === "serve") {
    Object.assign(q, { qps: v("qps"), prompt_tokens: v("prompt"), output_tokens: v("output") });
    optional("ttft_ms", "ttft");
    optional("tpot_ms", "tpot");
    optional("percentile", "percentile");
  }
  if (cmd !== "memory") optional("usd_per_gpu_hour", "price");
  return q;
}

function showFields() {
  const cmd = $("command").value;
  for (const f of document.querySelectorAll("fieldset[data-for]"))
    f.hidden = !f.dataset.for.split(" ").includes(cmd);
}

// Answers the form: the HTML report into the frame, the time it took in the status line.
async function answer(event) {
  if (event) event.preventDefault();
  const file = $("config").files[0];
  if (file) stackplan.FS.writeFile("/tmp/config.json", new Uint8Array(await file.arrayBuffer()));
  const q = question(), args = toArgs(q);
  const r = runRequest({ ...q, format: "html" });
  const status = $("status");
  status.className = r.error ? "error" : "";
  status.textContent = r.error
    ? `${r.error.file ? r.error.file + ":" + r.error.line + ":" + r.error.column + ": " : ""}` +
      `${r.error.field ? r.error.field + ": " : ""}${r.error.message}`
    : `stackplan ${args.join(" ")}  (answered in ${r.ms.toFixed(1)} ms)`;
  $("report").srcdoc = r.text || ""; // an error leaves no earlier answer on screen
  return { request: q, args, status: r.error ? 2 : 0, ms: r.ms };
}

// ?selftest: three questions through the form, each report's JSON beside its timing, for the
// browser test (tests/web/web_test.py) to compare with the native CLI.
async function selftest() {
  const questions = [
    { command: "memory", model: "llama-3.1-8b", gpu: "rtx-4090-24gb", method: "qlora", seq: "2048", micro_batch: "1" },
    { command: "train", model: "llama-3.1-70b", gpu: "h100-sxm-80gb", seq: "8192",
      gpus: "64-512", global_batch: "512", tokens: "2e11" },
    { command: "serve", model: "llama-3.1-70b", gpu: "h100-sxm-80gb", qps: "30", prompt: "512", output: "256",
      ttft: "", tpot: "50" },
    { command: "finetune", model: "mistral-7b", gpu: "a100-sxm-80gb", method: "lora", seq: "2048", micro_batch: "1" },
  ];
  const results = [];
  for (const q of questions) {
    for (const [id, value] of Object.entries(q)) $(id).value = value;
    showFields();
    const r = await answer();
    // Answer times: the first run (cold: the module compiles as it goes), then the median of five
    // more of the answer itself (the JSON report) and of the page with its charts, each after two
    // untimed runs: V8 compiles wasm with its baseline tier first and swaps in the optimised code
    // from a background thread, which on a busy two-core machine can land mid-measurement.
    const median = (format) => {
      const t = [];
      for (let i = 0; i < 2; i++) runRequest({ ...r.request, format });
      for (let i = 0; i < 5; i++) t.push(runRequest({ ...r.request, format }).ms);
      return t.sort((a, b) => a - b)[2];
    };
    const json_ms = median("json"), html_ms = median("html");
    const frame = $("report");
    await new Promise((ok) => { frame.onload = ok; setTimeout(ok, 2000); });
    const pres = frame.contentDocument ? frame.contentDocument.querySelectorAll("pre") : [];
    results.push({ args: r.args, status: r.status, first_ms: r.ms, ms: json_ms, html_ms,
                   json: pres.length > 1 ? pres[1].textContent : null,
                   charts: frame.contentDocument ? frame.contentDocument.querySelectorAll("svg").length : 0 });
  }
  const pre = document.createElement("pre");
  pre.id = "selftest-result";
  pre.textContent = JSON.stringify(results);
  document.body.appendChild(pre);
}

createStackplan({ noInitialRun: true }).then((module) => {
  stackplan = module;
  const models = JSON.parse(runRequest({ command: "catalog", what: "models" }).text);
  const accels = JSON.parse(runRequest({ command: "catalog", what: "accelerators" }).text);
  fillSelect($("model"), models.map((m) => m.name), "llama-3.1-8b");
  fillSelect($("gpu"), accels.map((a) => a.name), "rtx-4090-24gb");
  $("command").addEventListener("change", showFields);
  $("model").addEventListener("change", () => { $("config").value = ""; }); // the list's model, not the upload
  $("ask").addEventListener("submit", answer);
  showFields();
  $("run").disabled = false;
  $("run").textContent = "Answer";
  // The first screen answers the form's own question (an 8B QLoRA on a 4090) rather than a blank
  // frame; ?selftest drives the form itself.
  if (new URLSearchParams(location.search).has("selftest")) selftest();
  else answer();
});
