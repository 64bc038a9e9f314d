#!/usr/bin/env node
// `tenantsim` on the command line: runs the platform binary with these arguments, stdio
// inherited, and ends the way it ended (same exit code, or the same signal).
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { binaryPath } from "../index.js";

let binary;
try {
  binary = binaryPath();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}

const child = spawn(binary, process.argv.slice(2), { stdio: "inherit" });

// A signal sent to this launcher goes on to the server (Ctrl-C in a terminal reaches both; the
// server takes a second SIGINT/SIGTERM the same way as one).
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"];
const forward = (signal) => {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
for (const signal of SIGNALS) process.on(signal, forward);

child.on("error", (error) => {
  console.error(`tenantsim: could not run ${binary}: ${error.message}`);
  process.exit(1);
});

child.on("exit", (code, signal) => {
  for (const s of SIGNALS) process.off(s, forward);
  if (signal) {
    // End by the same signal, so a shell or a supervisor sees what the server saw.
    process.kill(process.pid, signal);
    // Only if the signal did not end this process (it is ignored here, say): 128 + its number.
    setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 1)), 500);
    return;
  }
  process.exit(code ?? 1);
});
