// What `molecule-agent doctor` checks and reports.

/** The outcome of one check: `skip` when an earlier failure makes it meaningless. */
export type CheckStatus = "ok" | "warn" | "fail" | "skip";

/** The checks, in the order they run. */
export type CheckId = "platform" | "token" | "contract" | "registration" | "heartbeat" | "push";

/** One line of the report. */
export interface DoctorCheck {
  id: CheckId;
  status: CheckStatus;
  /** What was found. Never contains the token or a push URL's secret path. */
  detail: string;
  /** What to do about it (failures and warnings). */
  fix?: string;
}
