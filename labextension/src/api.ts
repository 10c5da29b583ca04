/**
 * The only way the frontend talks to the server: /jupyter-privacy/api/... (docs/rest-api.md).
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

export interface IBudget {
  name: string;
  epsilon_total: number;
  delta_total: number;
  epsilon_spent: number;
  delta_spent: number;
  epsilon_remaining: number;
  delta_remaining: number;
  fraction_spent: number;
  composition: string;
  privacy_unit: string;
  max_contributions: number;
  release_count: number;
  last_release_at: string | null;
  created_at: string;
  notes: string;
}

export interface IRelease {
  id: number;
  budget: string;
  created_at: string;
  epsilon: number;
  delta: number;
  mechanism: string;
  description: string;
  actor: string;
  origin: string;
  notebook: string | null;
}

/** What the current user may do (Jupyter's authorizer decides; see server/permissions.py). */
export interface IPermissions {
  create_budget: boolean;
  raise_budget: boolean;
}

export interface IBudgetsReply {
  ledger: { url: string; exists: boolean };
  budgets: IBudget[];
  hint: string | null;
  permissions: IPermissions;
}

export interface ISpendGroup {
  key: string;
  label: string;
  epsilon: number;
  delta: number;
  releases: number;
  last_release_at: string;
  notebook?: string | null;
}

/** GET dashboard: Vega-Lite v6 specs by chart name, every budget, the chain head. */
export interface IDashboardReply {
  ledger: { url: string; exists: boolean };
  budget: string | null;
  budgets: IBudget[];
  head: { entries: number; hash: string } | null;
  charts: { [name: string]: any };
  spend_by: { notebook: ISpendGroup[]; person: ISpendGroup[] };
  permissions: IPermissions;
  hint: string | null;
}

/** GET access: every budget's owners and spenders, and the high-risk lane's audited releases. */
export interface IAccessBudget {
  budget: string;
  restricted: boolean;
  owners: string[];
  spenders: string[];
  high_risk: boolean;
  datasets: string[];
  high_risk_reason: string;
}

export interface ILaneAudit {
  approval?: number | null;
  approval_kind?: string;
  approved_by?: string;
  who?: { actor?: string; principals?: string[] };
  where?: { origin?: string; host?: string };
  why?: { approval_reason?: string; description?: string };
  code_sha256?: string;
  code_source?: string;
}

export interface ILaneRelease {
  release_id: number;
  budget: string;
  epsilon: number;
  delta: number;
  actor: string;
  at: string;
  approved: boolean;
  audit: ILaneAudit | null;
}

export interface IAccessReply {
  backend: string | null;
  enforced_by?: string;
  budgets: IAccessBudget[];
  high_risk_audit: ILaneRelease[];
}

export interface IReleasePage {
  releases: IRelease[];
  paging: { offset: number; limit: number; total: number };
  sort: string;
  order: 'asc' | 'desc';
}

export interface IBudgetReply {
  budget: IBudget;
  releases: IRelease[];
  paging: { offset: number; limit: number; total: number };
}

export interface IVerifyReply {
  ok: boolean;
  entries_checked: number;
  budgets_checked: number;
  tampered_entry_ids: number[];
  problems: { entry_id: number | null; problem: string; detail: string }[];
  /** When the server's check ran (ISO, UTC); a poll may get a check up to 30 s old. */
  checked_at?: string | null;
}

export interface IStatusReply {
  budget: IBudget | null;
  source: 'notebook' | 'recent' | 'newest' | null;
  hint: string | null;
}

export interface ITemplate {
  name: string;
  title: string;
  description: string;
  parameters: { name: string; default_source: string; help: string }[];
  /** Templates (by name) whose results this one reads: run them first. */
  needs?: string[];
}

/** A domain error from the server: `{"error": code, "message": text}`. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string
  ) {
    super(message);
  }
}

export async function requestAPI<T>(
  path: string,
  init: RequestInit = {}
): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'jupyter-privacy/api', path);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ApiError(`The Jupyter server cannot be reached: ${error}`, 0, 'network');
  }
  const text = await response.text();
  let data: any = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { message: text };
  }
  if (!response.ok) {
    const message = (data && data.message) || response.statusText;
    throw new ApiError(message, response.status, (data && data.error) || 'http');
  }
  return data as T;
}

export function budgetPath(name: string, offset: number, limit: number): string {
  return `budgets/${encodeURIComponent(name)}?offset=${offset}&limit=${limit}`;
}

/** A query string from the parameters that have a value. */
export function query(params: { [key: string]: string | number | null | undefined }): string {
  const parts = Object.entries(params)
    .filter(([, value]) => value !== null && value !== undefined && value !== '')
    .map(([key, value]) => `${key}=${encodeURIComponent(String(value))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

/** POST a JSON body. */
export function postJSON<T>(path: string, body: unknown): Promise<T> {
  return requestAPI<T>(path, { method: 'POST', body: JSON.stringify(body) });
}
