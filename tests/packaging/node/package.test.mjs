// The npm distribution as a user gets it: everything here comes from the tarballs installed in
// tests/packaging/node/project/ (run.sh copies this file there; run it with run.sh).
//
// Environment (set by run.sh):
//   PACKAGE_TEST_VERSION  the version in Cargo.toml, which the packages and the binary must carry
//   PACKAGE_TEST_OUTDIR   the folder with the two tarballs (for the fresh offline installs)
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { binaryPath, start } from "tenantsim";

const PROJECT = path.dirname(fileURLToPath(import.meta.url));
const VERSION = process.env.PACKAGE_TEST_VERSION;
const OUTDIR = process.env.PACKAGE_TEST_OUTDIR;

const CONTOSO = "c0a70550-0000-4000-8000-000000000001";
const ADELE = "AdeleV@contoso.onmicrosoft.com";
const MEGAN = "MeganB@contoso.onmicrosoft.com";

// A private scratch folder, removed at the end.
const SCRATCH = fs.mkdtempSync(path.join(os.tmpdir(), "tenantsim-package-test-"));
after(() => fs.rmSync(SCRATCH, { recursive: true, force: true }));

/** This process's environment without any TENANTSIM_* variable, plus `extra`. */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("TENANTSIM_")) env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs a command to its end (bounded); returns { status, signal, stdout, stderr }. */
function run(command, args, { cwd = PROJECT, env = cleanEnv(), timeout = 120_000 } = {}) {
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", timeout });
  if (result.error) throw result.error;
  return result;
}

async function graph(sim, method, route, token, body) {
  const response = await fetch(`${sim.httpUrl}/v1.0${route}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Resolves the error code of a TCP connect to 127.0.0.1:port, or "connected". */
function connectOutcome(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.setTimeout(3_000, () => {
      socket.destroy();
      resolve("timeout");
    });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error) => resolve(error.code));
  });
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The watchdog shells whose server is `serverPid` (from /proc). */
function watchdogsOf(serverPid) {
  const found = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let argv;
    try {
      argv = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (argv[3] === "tenantsim-watchdog" && argv[5] === String(serverPid)) found.push(Number(entry));
  }
  return found;
}

async function eventually(check, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

function httpsGet(url, options) {
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method: "GET", timeout: 10_000, ...options }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode, body: JSON.parse(text) }));
    });
    request.on("timeout", () => request.destroy(new Error("timeout")));
    request.on("error", reject);
    request.end();
  });
}

/** Writes an executable stand-in for the tenantsim binary. */
function fakeBinary(name, script) {
  const file = path.join(SCRATCH, name);
  fs.writeFileSync(file, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return file;
}

/** Runs fn with process.env[name] = value, then puts the variable back as it was. */
async function withEnv(vars, fn) {
  const saved = {};
  for (const [name, value] of Object.entries(vars)) {
    saved[name] = process.env[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  try {
    return await fn();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

test("run.sh passed the Cargo version", () => {
  assert.match(VERSION ?? "", /^\d+\.\d+\.\d+/, "PACKAGE_TEST_VERSION is not set: run tests/packaging/node/run.sh");
});

describe("the installed command", () => {
  test("npx tenantsim --version prints the Cargo version", () => {
    const npx = run("npx", ["--no", "--", "tenantsim", "--version"]);
    assert.equal(npx.status, 0, npx.stderr);
    assert.equal(npx.stdout.trim(), `tenantsim ${VERSION}`);

    const bin = run(path.join(PROJECT, "node_modules", ".bin", "tenantsim"), ["--version"]);
    assert.equal(bin.status, 0, bin.stderr);
    assert.equal(bin.stdout.trim(), `tenantsim ${VERSION}`);
  });

  test("both packages carry the version, the pin and the platform fields", () => {
    const read = (p) => JSON.parse(fs.readFileSync(path.join(PROJECT, "node_modules", p, "package.json"), "utf8"));
    const main = read("tenantsim");
    const platform = read("@tenantsim/linux-x64");
    assert.equal(main.version, VERSION);
    assert.equal(platform.version, VERSION);
    assert.deepEqual(main.optionalDependencies, { "@tenantsim/linux-x64": VERSION });
    assert.deepEqual(main.bin, { tenantsim: "bin/tenantsim.js" });
    assert.deepEqual(platform.os, ["linux"]);
    assert.deepEqual(platform.cpu, ["x64"]);
  });

  test("binaryPath() is the platform package's bin/tenantsim, mode 0755", () => {
    const expected = path.join(PROJECT, "node_modules", "@tenantsim", "linux-x64", "bin", "tenantsim");
    assert.equal(fs.realpathSync(binaryPath()), fs.realpathSync(expected));
    assert.equal(fs.statSync(expected).mode & 0o777, 0o755);
  });

  test("the exit code of the binary is the exit code of the command", () => {
    const missing = path.join(SCRATCH, "no-such-fixtures.json");
    const direct = run(binaryPath(), ["fixtures", "check", missing]);
    const viaLauncher = run("npx", ["--no", "--", "tenantsim", "fixtures", "check", missing]);
    assert.notEqual(direct.status, 0);
    assert.equal(viaLauncher.status, direct.status);
    assert.equal(viaLauncher.stdout + viaLauncher.stderr, direct.stdout + direct.stderr);
  });

  test("a signal that ends the binary ends the command the same way", () => {
    const fake = fakeBinary("kills-itself", "kill -TERM $$");
    const result = run(path.join(PROJECT, "node_modules", ".bin", "tenantsim"), [], {
      env: cleanEnv({ TENANTSIM_BINARY: fake }),
    });
    assert.equal(result.signal, "SIGTERM", `status ${result.status}, stderr ${result.stderr}`);
  });

  test("SIGTERM to the command stops the server it runs", async () => {
    const dataDir = fs.mkdtempSync(path.join(SCRATCH, "cli-data-"));
    const child = spawn(
      path.join(PROJECT, "node_modules", ".bin", "tenantsim"),
      ["serve", "--http-port", "0", "--https-port", "0", "--data-dir", dataDir],
      { cwd: PROJECT, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] },
    );
    const ended = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    try {
      let output = "";
      const port = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ready line:\n${output}`)), 30_000);
        child.stdout.on("data", (chunk) => {
          output += chunk;
          const match = /tenantsim ready on http:\/\/127\.0\.0\.1:(\d+)/.exec(output.replace(/\x1b\[[0-9;]*m/g, ""));
          if (match) {
            clearTimeout(timer);
            resolve(Number(match[1]));
          }
        });
        child.stderr.on("data", (chunk) => (output += chunk));
        child.once("exit", () => reject(new Error(`exited before ready:\n${output}`)));
      });
      assert.equal(await connectOutcome(port), "connected");
      child.kill("SIGTERM");
      const { code, signal } = await ended;
      assert.ok(code === 0 || signal === "SIGTERM", `code ${code} signal ${signal}`);
      assert.equal(await connectOutcome(port), "ECONNREFUSED");
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });

  test("a missing TENANTSIM_BINARY is a clear error", () => {
    const result = run("npx", ["--no", "--", "tenantsim", "--version"], {
      env: cleanEnv({ TENANTSIM_BINARY: path.join(SCRATCH, "nothing-here") }),
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /TENANTSIM_BINARY is .*nothing-here, which does not exist/);
  });

  test("an unsupported platform is a clear error", () => {
    for (const [prop, value, expected] of [
      ["platform", "darwin", /no prebuilt binary for darwin-x64/],
      ["arch", "arm64", /no prebuilt binary for linux-arm64/],
    ]) {
      const script =
        `Object.defineProperty(process, ${JSON.stringify(prop)}, { value: ${JSON.stringify(value)} });` +
        `const { binaryPath } = await import("tenantsim");` +
        `try { binaryPath(); console.log("no error"); } catch (e) { console.log(e.message); }`;
      const result = run(process.execPath, ["--input-type=module", "-e", script]);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, expected);
      assert.match(result.stdout, /TENANTSIM_BINARY/);
    }
  });
});

describe("start()", () => {
  let sim;
  before(async () => {
    sim = await start();
  });
  beforeEach(() => sim.reset());
  after(() => sim?.stop());

  test("gives loopback URLs, the CA file and Contoso's id", () => {
    assert.match(sim.httpUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(sim.httpsUrl, /^https:\/\/localhost:\d+$/);
    assert.match(fs.readFileSync(sim.caPath, "utf8"), /-----BEGIN CERTIFICATE-----/);
    assert.equal(sim.tenantId, CONTOSO);
    assert.ok(alive(sim.pid));
  });

  test("reset() answers how many tenants it reset", async () => {
    const result = await sim.reset();
    assert.equal(result.tenants, 1);
    assert.equal(typeof result.elapsedMs, "number");
  });

  test("an app token with User.Read.All reads Adele from Graph", async () => {
    const token = await sim.appToken(["User.Read.All"]);
    assert.equal(token.split(".").length, 3);
    const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
    assert.deepEqual(claims.roles, ["User.Read.All"]);
    assert.equal(claims.tid, CONTOSO);

    const adele = await graph(sim, "GET", `/users/${ADELE}`, token);
    assert.equal(adele.status, 200);
    assert.equal(adele.body.displayName, "Adele Vance");
    assert.equal(adele.body.userPrincipalName, ADELE);
  });

  test("a PATCH reads back, and reset() restores the fixture's value", async () => {
    const read = await sim.appToken(["User.Read.All"]);
    const write = await sim.appToken(["User.ReadWrite.All"]);
    const before = (await graph(sim, "GET", `/users/${ADELE}?$select=jobTitle`, read)).body.jobTitle;
    assert.equal(before, "Retail Manager");

    const patched = await graph(sim, "PATCH", `/users/${ADELE}`, write, { jobTitle: "Chief Tester" });
    assert.equal(patched.status, 204);
    assert.equal((await graph(sim, "GET", `/users/${ADELE}?$select=jobTitle`, read)).body.jobTitle, "Chief Tester");

    await sim.reset();
    assert.equal((await graph(sim, "GET", `/users/${ADELE}?$select=jobTitle`, read)).body.jobTitle, before);
  });

  test("a read-only token cannot PATCH", async () => {
    const read = await sim.appToken(["User.Read.All"]);
    const denied = await graph(sim, "PATCH", `/users/${ADELE}`, read, { jobTitle: "Nope" });
    assert.equal(denied.status, 403);
  });

  test("a user token reads /me", async () => {
    const token = await sim.userToken(ADELE, ["User.Read"]);
    const me = await graph(sim, "GET", "/me", token);
    assert.equal(me.status, 200);
    assert.equal(me.body.userPrincipalName, ADELE);
    assert.equal(me.body.displayName, "Adele Vance");
  });

  test("tokens for the tenant by domain work too", async () => {
    const token = await sim.userToken(MEGAN, ["User.Read"], { tenant: "contoso.onmicrosoft.com" });
    assert.equal((await graph(sim, "GET", "/me", token)).body.displayName, "Megan Bowen");
  });

  test("HTTPS verifies against caPath (and not without it)", async () => {
    const token = await sim.appToken(["User.Read.All"]);
    const headers = { authorization: `Bearer ${token}` };
    const url = `${sim.httpsUrl}/v1.0/users/${ADELE}`;
    const verified = await httpsGet(url, { ca: fs.readFileSync(sim.caPath), headers });
    assert.equal(verified.status, 200);
    assert.equal(verified.body.displayName, "Adele Vance");

    await assert.rejects(httpsGet(url, { headers }), (error) => {
      assert.match(error.code ?? "", /SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/);
      return true;
    });
  });

  test("profileCard() returns the decision for two Contoso users", async () => {
    const card = await sim.profileCard(ADELE, MEGAN);
    assert.equal(card.tenantId, CONTOSO);
    assert.equal(card.viewer.userPrincipalName, ADELE);
    assert.equal(card.person.userPrincipalName, MEGAN);
    assert.equal(card.person.displayName, "Megan Bowen");
    assert.equal(typeof card.linkedIn.shown, "string");
    assert.ok(Array.isArray(card.linkedIn.reasons) && card.linkedIn.reasons.length > 0);
  });

  test("a control API error is a rejection naming the status", async () => {
    await assert.rejects(sim.profileCard(ADELE, "nobody@contoso.onmicrosoft.com"), /answered 404/);
  });

  test("the server's output is kept", () => {
    assert.match(sim.output(), /tenantsim ready on/);
  });

  test("the pipes are drained: a chatty server does not block", async () => {
    // A stand-in binary: prints a ready line pointing at the real server, then 4 MiB of log,
    // then marks the end. Were its stdout not read, it would block on a full pipe (64 KiB).
    const mark = path.join(SCRATCH, "chatty.done");
    const fake = fakeBinary(
      "chatty",
      `echo "tenantsim ready on ${sim.httpUrl} and https://localhost:1"\n` +
        `head -c 4194304 /dev/zero | tr '\\0' 'x'\necho\nhead -c 1048576 /dev/zero | tr '\\0' 'y' >&2\n` +
        `touch "${mark}"\nexec sleep 60`,
    );
    const chatty = await withEnv({ TENANTSIM_BINARY: fake }, () => start({ timeoutMs: 10_000 }));
    try {
      assert.ok(await eventually(() => fs.existsSync(mark), 10_000), "the stand-in blocked on its output");
      assert.ok(chatty.output().length <= 256 * 1024, "output() is bounded");
    } finally {
      await chatty.stop();
    }
    assert.ok(!alive(chatty.pid));
  });
});

describe("start() and stop()", () => {
  test("stop() stops it: ports refuse, process gone, data removed; a second stop() is fine", async () => {
    const sim = await start();
    const httpPort = Number(new URL(sim.httpUrl).port);
    const httpsPort = Number(new URL(sim.httpsUrl).port);
    assert.equal(await connectOutcome(httpPort), "connected");
    const began = Date.now();
    await sim.stop();
    assert.ok(Date.now() - began < 10_000);
    assert.equal(await connectOutcome(httpPort), "ECONNREFUSED");
    assert.equal(await connectOutcome(httpsPort), "ECONNREFUSED");
    assert.ok(!alive(sim.pid));
    assert.ok(!fs.existsSync(sim.dataDir));
    assert.ok(await eventually(() => watchdogsOf(sim.pid).length === 0), "its watchdog is left");
    await sim.stop();
    await assert.rejects(fetch(`${sim.httpUrl}/health`));
  });

  test("two servers started at once do not collide", async () => {
    const [a, b] = await Promise.all([start(), start()]);
    try {
      assert.notEqual(a.httpUrl, b.httpUrl);
      assert.notEqual(a.httpsUrl, b.httpsUrl);
      assert.notEqual(a.dataDir, b.dataDir);
      const write = await a.appToken(["User.ReadWrite.All"]);
      assert.equal((await graph(a, "PATCH", `/users/${ADELE}`, write, { jobTitle: "Only in A" })).status, 204);
      const readA = await a.appToken(["User.Read.All"]);
      const readB = await b.appToken(["User.Read.All"]);
      assert.equal((await graph(a, "GET", `/users/${ADELE}`, readA)).body.jobTitle, "Only in A");
      assert.equal((await graph(b, "GET", `/users/${ADELE}`, readB)).body.jobTitle, "Retail Manager");
      // A token of one server is not accepted by the other (each has its own signing key).
      assert.equal((await graph(b, "GET", `/users/${ADELE}`, readA)).status, 401);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  test("fixtures: a tenant of one's own", async () => {
    const file = path.join(SCRATCH, "tailspin.json");
    fs.writeFileSync(file, JSON.stringify({
      tenants: [{
        id: "7a115b1e-0000-4000-8000-000000000001",
        displayName: "Tailspin Toys",
        domains: ["tailspin.onmicrosoft.com"],
        cloud: "public",
        country: "US",
        users: [{
          id: "7a115b1e-0000-4000-8000-000000000101",
          userPrincipalName: "pat@tailspin.onmicrosoft.com",
          displayName: "Pat Tester",
          jobTitle: "Tester",
          accountEnabled: true,
        }],
      }],
    }));
    const sim = await start({ fixtures: file });
    try {
      assert.equal(sim.tenantId, "7a115b1e-0000-4000-8000-000000000001");
      const token = await sim.appToken(["User.Read.All"]);
      const pat = await graph(sim, "GET", "/users/pat@tailspin.onmicrosoft.com", token);
      assert.equal(pat.body.displayName, "Pat Tester");
      assert.equal((await graph(sim, "GET", `/users/${ADELE}`, token)).status, 404);
    } finally {
      await sim.stop();
    }
  });

  test("stray TENANTSIM_* and RUST_LOG variables do not reach the server; start() sets none", async () => {
    const stray = {
      TENANTSIM_HTTP_PORT: "not-a-port",
      TENANTSIM_BIND: "0.0.0.0",
      TENANTSIM_LOG_FORMAT: "json",
      TENANTSIM_NO_HTTPS: "true",
      TENANTSIM_FIXTURES: "/nonexistent",
      RUST_LOG: "error",
    };
    await withEnv(stray, async () => {
      const envBefore = JSON.stringify(process.env);
      const sim = await start();
      try {
        assert.equal(JSON.stringify(process.env), envBefore);
        assert.match(sim.httpsUrl, /^https:/);
        assert.equal(sim.tenantId, CONTOSO);
      } finally {
        await sim.stop();
      }
    });
  });

  test("a missing binary rejects clearly", async () => {
    await withEnv({ TENANTSIM_BINARY: path.join(SCRATCH, "nothing-here") }, async () => {
      await assert.rejects(start(), /TENANTSIM_BINARY is .*nothing-here, which does not exist/);
    });
  });

  test("a binary that cannot run rejects clearly", async () => {
    const file = path.join(SCRATCH, "not-executable");
    fs.writeFileSync(file, "#!/bin/sh\nexit 0\n", { mode: 0o644 });
    await withEnv({ TENANTSIM_BINARY: file }, async () => {
      await assert.rejects(start(), /could not run .*not-executable: .*EACCES/);
    });
  });

  test("a server that dies before it is ready rejects with its output", async () => {
    const bad = path.join(SCRATCH, "bad-fixtures.json");
    fs.writeFileSync(bad, JSON.stringify({ tenants: "not a list" }));
    await assert.rejects(start({ fixtures: bad }), (error) => {
      assert.match(error.message, /exited with code [1-9]\d* before it was ready/);
      assert.match(error.message, /fixtures are invalid/);
      return true;
    });

    const fake = fakeBinary("dies", 'echo "about to fail"\necho "on stderr" >&2\nexit 3');
    await withEnv({ TENANTSIM_BINARY: fake }, async () => {
      await assert.rejects(start(), (error) => {
        assert.match(error.message, /exited with code 3 before it was ready/);
        assert.match(error.message, /about to fail/);
        assert.match(error.message, /on stderr/);
        return true;
      });
    });
  });

  test("a server that is never ready is killed after timeoutMs, its data removed", async () => {
    const pidFile = path.join(SCRATCH, "silent.pid");
    const fake = fakeBinary("silent", `echo $$ > "${pidFile}"\necho "args: $*"\nexec sleep 60`);
    let message = "";
    const began = Date.now();
    await withEnv({ TENANTSIM_BINARY: fake }, async () => {
      await assert.rejects(start({ timeoutMs: 1_500 }), (error) => {
        message = error.message;
        return /not ready after 1500 ms/.test(message) && /args: serve /.test(message);
      });
    });
    assert.ok(Date.now() - began < 10_000);
    const pid = Number(fs.readFileSync(pidFile, "utf8"));
    assert.ok(await eventually(() => !alive(pid)), "the stand-in still runs");
    const dataDir = /--data-dir (\S+)/.exec(message)[1];
    assert.ok(!fs.existsSync(dataDir), `${dataDir} is left`);
  });

  test("a server has a watchdog while it runs", async () => {
    const sim = await start();
    try {
      assert.equal(watchdogsOf(sim.pid).length, 1);
    } finally {
      await sim.stop();
    }
  });

  test("a process killed outright (SIGKILL) takes its server with it", async () => {
    const script =
      `import { start } from "tenantsim";` +
      `const sim = await start();` +
      `console.log(JSON.stringify({ pid: sim.pid, dataDir: sim.dataDir }));` +
      `setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      cwd: PROJECT, env: cleanEnv(), stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const line = await new Promise((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`no line: ${out}`)), 30_000);
        child.stdout.on("data", (chunk) => {
          out += chunk;
          if (out.includes("\n")) {
            clearTimeout(timer);
            resolve(out.split("\n")[0]);
          }
        });
      });
      const { pid, dataDir } = JSON.parse(line);
      assert.ok(alive(pid));
      child.kill("SIGKILL");
      assert.ok(await eventually(() => !alive(pid), 5_000), `server ${pid} outlived its killed process`);
      assert.ok(await eventually(() => !fs.existsSync(dataDir), 2_000), `${dataDir} is left`);
      assert.ok(await eventually(() => watchdogsOf(pid).length === 0), "the watchdog is left");
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });

  test("a process that forgets stop() still ends, and takes the server with it", () => {
    const script =
      `import { start } from "tenantsim";` +
      `const sim = await start();` +
      `console.log(JSON.stringify({ pid: sim.pid, dataDir: sim.dataDir, port: new URL(sim.httpUrl).port }));`;
    const result = run(process.execPath, ["--input-type=module", "-e", script], { timeout: 60_000 });
    assert.equal(result.status, 0, result.stderr);
    const { pid, dataDir } = JSON.parse(result.stdout);
    return eventually(() => !alive(pid)).then(async (gone) => {
      assert.ok(gone, `server ${pid} outlived its process`);
      assert.ok(!fs.existsSync(dataDir), `${dataDir} is left`);
      assert.ok(await eventually(() => watchdogsOf(pid).length === 0), "the watchdog is left");
    });
  });
});

describe("installing the tarballs offline", { skip: OUTDIR ? false : "PACKAGE_TEST_OUTDIR is not set" }, () => {
  const tarball = (name) => path.join(OUTDIR, `${name}-${VERSION}.tgz`);

  /** A fresh project with these tarballs installed, offline, with an empty cache and no registry. */
  function install(files) {
    const dir = fs.mkdtempSync(path.join(SCRATCH, "offline-"));
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "offline", private: true }));
    const result = run("npm", [
      "install", "--offline", "--no-audit", "--no-fund", "--loglevel=error",
      "--cache", path.join(dir, ".npm-cache"),
      "--registry", "http://127.0.0.1:9/",
      ...files,
    ], { cwd: dir });
    assert.equal(result.status, 0, `npm install failed:\n${result.stdout}\n${result.stderr}`);
    return dir;
  }

  test("both files in one command: npx tenantsim works, nothing fetched", () => {
    const dir = install([tarball("tenantsim-linux-x64"), tarball("tenantsim")]);
    const npx = run("npx", ["--no", "--", "tenantsim", "--version"], { cwd: dir });
    assert.equal(npx.status, 0, npx.stderr);
    assert.equal(npx.stdout.trim(), `tenantsim ${VERSION}`);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    assert.deepEqual(Object.keys(manifest.dependencies).sort(), ["@tenantsim/linux-x64", "tenantsim"]);
  });

  test("the main file alone installs, and the command says the platform package is missing", () => {
    const dir = install([tarball("tenantsim")]);
    assert.ok(!fs.existsSync(path.join(dir, "node_modules", "@tenantsim", "linux-x64")));
    const npx = run("npx", ["--no", "--", "tenantsim", "--version"], { cwd: dir });
    assert.equal(npx.status, 1);
    assert.match(npx.stderr, /@tenantsim\/linux-x64, which holds the linux-x64 binary, is not installed/);
    assert.match(npx.stderr, /install both files/);
  });
});

describe("types", () => {
  const tsc = path.join(PROJECT, "node_modules", "typescript", "bin", "tsc");
  test("index.d.ts type-checks a typical use, and rejects misuse", { skip: fs.existsSync(tsc) ? false : "typescript is not installed" }, () => {
    const result = run(process.execPath, [
      tsc, "--noEmit", "--strict", "--target", "es2022", "--lib", "es2022",
      "--module", "nodenext", "--moduleResolution", "nodenext",
      path.join(PROJECT, "types-check.ts"),
    ]);
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });
});
