// tenantsim for Node: finds the platform binary and starts a private server for a test run.
// Node built-ins only (global fetch, child_process, fs, os, path, module).
import { spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

const require = createRequire(import.meta.url);

/** The platform packages this release ships, by `${process.platform} ${process.arch}`. */
const PLATFORM_PACKAGES = { "linux x64": "@tenantsim/linux-x64" };

// "tenantsim ready on http://127.0.0.1:P and https://localhost:Q" (after removing colour codes).
const READY_LINE = /tenantsim ready on (http:\/\/[^\s]+) and (https:\/\/[^\s]+)/;
const ANSI = /\x1b\[[0-9;]*m/g;
const OUTPUT_LIMIT = 256 * 1024; // characters of server output kept for error messages
const DEFAULT_START_TIMEOUT_MS = 30_000;
const DEFAULT_STOP_TIMEOUT_MS = 10_000; // SIGTERM, then SIGKILL (the server's own bound is 5 s)

/**
 * The path of the tenantsim binary: `$TENANTSIM_BINARY` when set, otherwise `bin/tenantsim` of
 * the platform package (`@tenantsim/linux-x64`). Throws a clear error on an unsupported platform
 * or when the platform package is not installed.
 */
export function binaryPath() {
  const override = process.env.TENANTSIM_BINARY;
  if (override) {
    const resolved = path.resolve(override);
    if (!fs.existsSync(resolved)) {
      throw new Error(`tenantsim: TENANTSIM_BINARY is ${override}, which does not exist`);
    }
    return resolved;
  }
  const platform = `${process.platform}-${process.arch}`;
  const pkg = PLATFORM_PACKAGES[`${process.platform} ${process.arch}`];
  if (!pkg) {
    throw new Error(
      `tenantsim: there is no prebuilt binary for ${platform} (this release ships linux-x64 only). ` +
        "Build tenantsim from source (cargo build --release) and set TENANTSIM_BINARY to the binary.",
    );
  }
  let manifest;
  try {
    manifest = require.resolve(`${pkg}/package.json`);
  } catch {
    throw new Error(
      `tenantsim: the package ${pkg}, which holds the ${platform} binary, is not installed. ` +
        "It is an optional dependency of tenantsim, left out when npm runs with --omit=optional " +
        "(or --no-optional), when node_modules or package-lock.json came from another platform, " +
        "or when tenantsim was installed from its tarball without the platform tarball: install " +
        `both files in one command (npm install ./tenantsim-linux-x64-${ownVersion()}.tgz ./tenantsim-${ownVersion()}.tgz). ` +
        "Or set TENANTSIM_BINARY to a tenantsim binary.",
    );
  }
  const { version } = JSON.parse(fs.readFileSync(manifest, "utf8"));
  if (version !== ownVersion()) {
    throw new Error(
      `tenantsim: ${pkg} is version ${version} but tenantsim is ${ownVersion()}; ` +
        "install the same version of both.",
    );
  }
  const binary = path.join(path.dirname(manifest), "bin", "tenantsim");
  if (!fs.existsSync(binary)) {
    throw new Error(`tenantsim: ${binary} is missing from ${pkg}; reinstall tenantsim`);
  }
  return binary;
}

let cachedVersion;
function ownVersion() {
  cachedVersion ??= require("./package.json").version;
  return cachedVersion;
}

// Servers still running, killed if the process exits without stop() (one listener for all).
const running = new Set();
let exitHookInstalled = false;
function killAllOnExit() {
  for (const server of running) server.kill();
}

/**
 * Starts tenantsim on free loopback ports with its own temporary data directory and resolves
 * once it is ready. See index.d.ts for the returned object.
 */
export async function start(options = {}) {
  const { fixtures, timeoutMs = DEFAULT_START_TIMEOUT_MS } = options ?? {};
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError(`tenantsim: timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
  }
  const binary = binaryPath();
  let fixturesPath;
  if (fixtures !== undefined && fixtures !== null) {
    fixturesPath = path.resolve(String(fixtures));
    if (!fs.existsSync(fixturesPath)) {
      throw new Error(`tenantsim: fixtures ${fixturesPath} does not exist`);
    }
  }

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tenantsim-"));
  const args = [
    "serve",
    "--bind", "127.0.0.1",
    "--http-port", "0",
    "--https-port", "0",
    "--data-dir", dataDir,
    "--log-format", "pretty",
  ];
  if (fixturesPath) args.push("--fixtures", fixturesPath);

  // The child gets this process's environment less every TENANTSIM_* variable (each is also a
  // flag of the server, so a stray one could change or break it) and RUST_LOG (a filter above
  // info would hide the ready line). Nothing is set in this process's own environment.
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.toUpperCase().startsWith("TENANTSIM_") && key !== "RUST_LOG") env[key] = value;
  }

  let output = "";
  const remember = (text) => {
    output += text;
    if (output.length > OUTPUT_LIMIT) output = output.slice(output.length - OUTPUT_LIMIT);
  };

  let child;
  try {
    child = spawn(binary, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`tenantsim: could not run ${binary}: ${error.message}`);
  }
  // Neither the child nor its pipes keep the event loop alive: a test file that forgets stop()
  // still ends, and the exit hook below kills the server.
  child.unref();

  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const closed = new Promise((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  const watchdog = child.pid ? startWatchdog(child.pid, dataDir) : undefined;
  const server = {
    kill() {
      stopWatchdog(watchdog);
      try {
        child.kill("SIGKILL");
      } catch {}
      try {
        fs.rmSync(dataDir, { recursive: true, force: true });
      } catch {}
    },
  };
  running.add(server);
  if (!exitHookInstalled) {
    process.once("exit", killAllOnExit);
    exitHookInstalled = true;
  }

  let httpUrl;
  let httpsUrl;
  try {
    ({ httpUrl, httpsUrl } = await new Promise((resolve, reject) => {
      let pending = ""; // the stdout text not yet seen as whole lines
      let settled = false;
      const settle = (fn, value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn(value);
      };
      const timer = setTimeout(() => {
        settle(reject, new Error(
          `tenantsim: not ready after ${timeoutMs} ms (${binary}); its output:\n${lastOf(output)}`,
        ));
      }, timeoutMs);

      child.stdout.setEncoding("utf8");
      child.stderr.setEncoding("utf8");
      child.stdout.on("data", (chunk) => {
        remember(chunk);
        if (settled) return;
        pending += chunk;
        const lines = pending.split("\n");
        pending = lines.pop();
        for (const line of lines) {
          const match = READY_LINE.exec(line.replace(ANSI, ""));
          if (match) return settle(resolve, { httpUrl: match[1], httpsUrl: match[2] });
        }
        if (pending.length > OUTPUT_LIMIT) pending = pending.slice(-OUTPUT_LIMIT);
      });
      child.stderr.on("data", remember);
      child.stdout.unref?.();
      child.stderr.unref?.();
      child.on("error", (error) => {
        settle(reject, new Error(`tenantsim: could not run ${binary}: ${error.message}`));
      });
      closed.then(({ code, signal }) => {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        settle(reject, new Error(`tenantsim ${how} before it was ready (${binary}); its output:\n${lastOf(output)}`));
      });
    }));
  } catch (error) {
    running.delete(server);
    server.kill();
    throw error;
  }

  const caPath = path.join(dataDir, "tls-ca.pem");
  let stopping;

  async function stop() {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        if (!(await within(exited, DEFAULT_STOP_TIMEOUT_MS))) {
          child.kill("SIGKILL");
          await within(exited, 5_000);
        }
      }
      // The pipes' last bytes are read (they close with the process), then the data goes.
      await within(closed, 1_000);
      stopWatchdog(watchdog);
      running.delete(server);
      fs.rmSync(dataDir, { recursive: true, force: true });
    })();
    return stopping;
  }

  async function control(method, route, body) {
    const response = await fetch(httpUrl + route, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`tenantsim: ${method} ${route} answered ${response.status}: ${text}`);
    }
    return text ? JSON.parse(text) : undefined;
  }

  let tenantId;
  try {
    const tenants = await control("GET", "/_tenantsim/tenants");
    tenantId = tenants?.value?.[0]?.id;
    if (!tenantId) throw new Error(`no tenant in ${JSON.stringify(tenants)}`);
  } catch (error) {
    await stop();
    throw new Error(`tenantsim: started but listing its tenants failed: ${error.message}`);
  }

  const tenantOf = (opts) => (opts && opts.tenant) || tenantId;

  return {
    httpUrl,
    httpsUrl,
    caPath,
    dataDir,
    tenantId,
    pid: child.pid,
    output: () => output,

    async appToken(roles = [], opts = {}) {
      const body = { tenant: tenantOf(opts), kind: "app", roles: [...roles] };
      if (opts.appId) body.appId = opts.appId;
      return (await control("POST", "/_tenantsim/tokens", body)).access_token;
    },

    async userToken(upn, scopes = [], opts = {}) {
      if (!upn) throw new TypeError("tenantsim: userToken needs a user principal name");
      const body = { tenant: tenantOf(opts), kind: "user", user: upn, scopes: [...scopes] };
      return (await control("POST", "/_tenantsim/tokens", body)).access_token;
    },

    reset() {
      return control("POST", "/_tenantsim/reset");
    },

    profileCard(viewer, person, opts = {}) {
      const query = new URLSearchParams({ viewer, person });
      const tenant = encodeURIComponent(tenantOf(opts));
      return control("GET", `/_tenantsim/tenants/${tenant}/profileCard?${query}`);
    },

    stop,
  };
}

// If this process dies without running its exit hook (SIGKILL, or a signal it does not handle,
// such as the SIGTERM a test runner's timeout sends), its servers would live on. So each server
// gets a watchdog: a detached shell, in a process group of its own, that checks every second
// that this process is alive; once it is not, it kills the server and removes its data. stop()
// and the exit hook kill the watchdog's group first (it is this process's child, so its id is
// not reused before that).
const WATCHDOG = [
  'parent="$1"; server="$2"; data="$3"',
  'while kill -0 "$parent" 2>/dev/null; do',
  '  kill -0 "$server" 2>/dev/null || exit 0',
  "  sleep 1",
  "done",
  'kill -KILL "$server" 2>/dev/null',
  'rm -rf -- "$data"',
].join("\n");

function startWatchdog(serverPid, dataDir) {
  try {
    const watchdog = spawn(
      "/bin/sh",
      ["-c", WATCHDOG, "tenantsim-watchdog", String(process.pid), String(serverPid), dataDir],
      { detached: true, stdio: "ignore" },
    );
    watchdog.on("error", () => {}); // no /bin/sh: no watchdog, the exit hook still works
    watchdog.unref();
    return watchdog;
  } catch {
    return undefined;
  }
}

function stopWatchdog(watchdog) {
  if (!watchdog?.pid || watchdog.exitCode !== null || watchdog.signalCode !== null) return;
  try {
    process.kill(-watchdog.pid, "SIGKILL"); // the shell and its sleep
  } catch {}
}

/** The end of the server's output, short enough for an error message. */
function lastOf(text, limit = 16 * 1024) {
  return text.length <= limit ? text : `[…]${text.slice(text.length - limit)}`;
}

/** Resolves true when `promise` settles within `ms`, false otherwise. */
function within(promise, ms) {
  let timer;
  return Promise.race([
    promise.then(() => true),
    new Promise((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
