// app.js - the form over stackplan's command line compiled to WebAssembly: each question is the
// same command and flags the native CLI takes, answered with --format html and shown as is.
"use strict";

const $ = (id) => document.getElementById(id);
let stackplan = null;
let sink = { out: [], err: [] }; // where the module's stdout and stderr lines go (bound at start-up)

// Runs one command in the wasm module; stdout and stderr come back as text.
function runCli(args) {
  const out = [], err = [];
  sink = { out, err };
  const t0 = performance.now();
  let status;
  try {
    status = stackplan.callMain(args);
  } catch (e) {
    status = typeof e === "object" && e && "status" in e ? e.status : 1;
    err.push(String(e));
  }
  return { status, stdout: out.join("\n") + (out.length ? "\n" : ""), stderr: err.join("\n"),
           ms: performance.now() - t0 };
}

function fillSelect(select, names, preferred) {
  for (const name of names) {
    const o = document.createElement("option");
    o.value = o.textContent = name;
    select.appendChild(o);
  }
  if (names.includes(preferred)) select.value = preferred;
}

// The flags of the question the form describes (the native CLI's own).
function questionArgs() {
  const cmd = $("command").value, v = (id) => $(id).value.trim();
  const args = [cmd];
  const file = $("config").files[0];
  if (file) { // named after the upload; a bare config.json says it was uploaded
    const stem = file.name.replace(/\.json$/i, "");
    args.push("--hf-config", "/tmp/config.json", "--name", stem === "config" ? "uploaded-config" : stem);
  }
  else args.push("--model", v("model"));
  args.push("--gpu", v("gpu"));
  if (cmd === "memory" || cmd === "finetune") args.push("--method", v("method"));
  if (cmd === "memory" || cmd === "finetune") args.push("--seq", v("seq"), "--micro-batch", v("micro_batch"));
  if (cmd === "train") args.push("--seq", v("seq"));
  if (cmd === "train") args.push("--gpus", v("gpus"), "--global-batch", v("global_batch"), "--tokens", v("tokens"));
  if (cmd === "serve") {
    args.push("--qps", v("qps"), "--prompt-tokens", v("prompt"), "--output-tokens", v("output"));
    if (v("ttft")) args.push("--ttft-ms", v("ttft"));
    if (v("tpot")) args.push("--tpot-ms", v("tpot"));
  }
  return args;
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
  const args = questionArgs();
  const r = runCli([...args, "--format", "html"]);
  const status = $("status");
  status.className = r.status === 0 || r.status === 3 ? "" : "error";
  status.textContent = r.status === 0 || r.status === 3
    ? `stackplan ${args.join(" ")}  (answered in ${r.ms.toFixed(1)} ms)`
    : r.stderr || `stackplan exited ${r.status}`;
  if (r.stdout) $("report").srcdoc = r.stdout;
  return { args, ...r };
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
    // Answer times: the first run (cold: the module compiles as it goes) and the median of five more.
    const times = [];
    for (let i = 0; i < 5; i++) times.push(runCli([...r.args, "--format", "html"]).ms);
    times.sort((a, b) => a - b);
    const frame = $("report");
    await new Promise((ok) => { frame.onload = ok; setTimeout(ok, 2000); });
    const pres = frame.contentDocument ? frame.contentDocument.querySelectorAll("pre") : [];
    results.push({ args: r.args, status: r.status, first_ms: r.ms, ms: times[2],
                   json: pres.length > 1 ? pres[1].textContent : null,
                   charts: frame.contentDocument ? frame.contentDocument.querySelectorAll("svg").length : 0 });
  }
  const pre = document.createElement("pre");
  pre.id = "selftest-result";
  pre.textContent = JSON.stringify(results);
  document.body.appendChild(pre);
}

createStackplan({ noInitialRun: true, print: (line) => sink.out.push(line),
                  printErr: (line) => sink.err.push(line) }).then((module) => {
  stackplan = module;
  const models = JSON.parse(runCli(["catalog", "models", "--format", "json"]).stdout);
  const accels = JSON.parse(runCli(["catalog", "accelerators", "--format", "json"]).stdout);
  fillSelect($("model"), models.map((m) => m.name), "llama-3.1-8b");
  fillSelect($("gpu"), accels.map((a) => a.name), "rtx-4090-24gb");
  $("command").addEventListener("change", showFields);
  $("ask").addEventListener("submit", answer);
  showFields();
  $("run").disabled = false;
  $("run").textContent = "Answer";
  if (new URLSearchParams(location.search).has("selftest")) selftest();
});
