// Type-checked (never run) by package.test.mjs with the installed tenantsim's index.d.ts:
// a typical use must compile, and each @ts-expect-error line must be an error.
import { binaryPath, start, type ProfileCardDecision, type ResetResult, type Tenantsim } from "tenantsim";

export async function typical(): Promise<void> {
  const sim: Tenantsim = await start({ timeoutMs: 10_000 });
  const other = await start({ fixtures: "fixtures/tailspin.json" });
  const urls: string[] = [sim.httpUrl, sim.httpsUrl, sim.caPath, sim.tenantId, sim.dataDir, binaryPath()];
  const pid: number = sim.pid;
  const app: string = await sim.appToken(["User.Read.All"]);
  const app2: string = await sim.appToken(["User.Read.All"], { tenant: "contoso.onmicrosoft.com", appId: "x" });
  const user: string = await sim.userToken("AdeleV@contoso.onmicrosoft.com", ["User.Read"]);
  const reset: ResetResult = await sim.reset();
  const count: number = reset.tenants + reset.elapsedMs;
  const card: ProfileCardDecision = await sim.profileCard("a@contoso.onmicrosoft.com", "b@contoso.onmicrosoft.com");
  const shown: string = card.linkedIn.shown;
  const upn: string = card.person.userPrincipalName;
  const log: string = sim.output();
  await sim.stop();
  await other.stop();
  void [urls, pid, app, app2, user, count, shown, upn, log];
}

export async function misuse(sim: Tenantsim): Promise<void> {
  // @ts-expect-error roles are a list
  await sim.appToken("User.Read.All");
  // @ts-expect-error a user token needs scopes
  await sim.userToken("AdeleV@contoso.onmicrosoft.com");
  // @ts-expect-error no such option
  await start({ fixture: "x.json" });
  // @ts-expect-error timeoutMs is a number
  await start({ timeoutMs: "10s" });
  // @ts-expect-error the URLs are read-only
  sim.httpUrl = "http://elsewhere";
  // @ts-expect-error stop() resolves to nothing
  const nothing: string = await sim.stop();
  void nothing;
}
