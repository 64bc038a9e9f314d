/** Options of {@link start}. */
export interface StartOptions {
  /**
   * A fixture file or a folder of them (the server's `--fixtures`), relative to the current
   * directory. Default: the embedded Contoso tenant.
   */
  fixtures?: string;
  /** How long to wait for the ready line, in milliseconds. Default 30000. */
  timeoutMs?: number;
}

/** Which tenant a call acts in: an id or a domain. Default: {@link Tenantsim.tenantId}. */
export interface TenantOption {
  tenant?: string;
}

export interface AppTokenOptions extends TenantOption {
  /** The client id the token is for. Default: tenantsim's own token-forge app. */
  appId?: string;
}

export interface UserTokenOptions extends TenantOption {}

/** The answer of `POST /_tenantsim/reset`. */
export interface ResetResult {
  /** How many tenants were put back to their start-up state. */
  tenants: number;
  /** How many of them were reloaded from their seed (the others were put back from their
   * undo log, only the rows changed since they were loaded). */
  reloaded: number;
  elapsedMs: number;
  [key: string]: unknown;
}

/** A user as the profile card shows them. */
export interface ProfileCardPerson {
  id: string;
  displayName: string | null;
  userPrincipalName: string;
  jobTitle?: string | null;
  department?: string | null;
  companyName?: string | null;
  officeLocation?: string | null;
  city?: string | null;
  mail?: string | null;
  businessPhones?: string[];
  mobilePhone?: string | null;
  [key: string]: unknown;
}

/** One check behind the LinkedIn decision of a profile card. */
export interface ProfileCardReason {
  check: string;
  outcome: string;
  detail: string;
  decisive: boolean;
  data?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The answer of `GET /_tenantsim/tenants/{tenant}/profileCard?viewer=…&person=…`. */
export interface ProfileCardDecision {
  tenantId: string;
  viewer: ProfileCardPerson;
  person: ProfileCardPerson;
  profileCardProperties: unknown[];
  organization: {
    manager: ProfileCardPerson[];
    directReports: ProfileCardPerson[];
    [key: string]: unknown;
  };
  linkedIn: {
    /** What the card shows of LinkedIn, e.g. "connected". */
    shown: string;
    data?: Record<string, unknown> | null;
    reasons: ProfileCardReason[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** A running tenantsim server, from {@link start}. */
export interface Tenantsim {
  /** The plain HTTP base URL, e.g. `http://127.0.0.1:40123` (Graph is at `${httpUrl}/v1.0`). */
  readonly httpUrl: string;
  /**
   * The HTTPS base URL, e.g. `https://localhost:40124`: the authority host for MSAL and
   * `@azure/identity`. Its certificate is signed by the CA at {@link caPath}.
   */
  readonly httpsUrl: string;
  /** The PEM file of the CA that signed the HTTPS certificate. */
  readonly caPath: string;
  /** The server's temporary data directory (removed by {@link stop}). */
  readonly dataDir: string;
  /** The id of the first tenant (Contoso, `c0a70550-0000-4000-8000-000000000001`, by default). */
  readonly tenantId: string;
  /** The server's process id. */
  readonly pid: number;
  /** The server's recent output (stdout and stderr), for diagnostics. */
  output(): string;
  /** A Graph access token for an application with these app roles (e.g. `["User.Read.All"]`). */
  appToken(roles: readonly string[], opts?: AppTokenOptions): Promise<string>;
  /** A delegated Graph access token for this user (a UPN) with these scopes (e.g. `["User.Read"]`). */
  userToken(upn: string, scopes: readonly string[], opts?: UserTokenOptions): Promise<string>;
  /** Puts every tenant back to its start-up state. */
  reset(): Promise<ResetResult>;
  /** What the profile card of `person` (a UPN or id) shows to `viewer`, and why. */
  profileCard(viewer: string, person: string, opts?: TenantOption): Promise<ProfileCardDecision>;
  /**
   * Stops the server (SIGTERM, then SIGKILL after 10 s) and removes its data directory.
   * Calling it again returns the same promise.
   */
  stop(): Promise<void>;
}

/**
 * Starts tenantsim on free loopback ports with its own temporary data directory and resolves
 * once it is ready. Rejects, with the server's output in the message, if it exits early or is
 * not ready within `timeoutMs`.
 */
export function start(options?: StartOptions): Promise<Tenantsim>;

/**
 * The path of the tenantsim binary: `$TENANTSIM_BINARY` when set, otherwise the one in
 * `@tenantsim/linux-x64`. Throws on an unsupported platform or when that package is missing.
 */
export function binaryPath(): string;
