import type { FactorView } from '../../../shared/schemas/factors';
import type { FactorType, Method } from '../../../shared/schemas/methods';
import type { FactorRow, RecoveryCodeRow, WebauthnCredentialRow } from '../../store/index';
import type { ServiceContext } from '../context';
import type { CodeAttempt } from '../deliveredCodes';

/**
 * One second-factor method (TOTP, HOTP, recovery codes, WebAuthn, email, SMS) as the
 * services see it. Each method is one module under services/methods/ that
 * implements this interface; the registry lists them, and verify, factors
 * and the factor views loop over the registry instead of branching on a
 * factor's type. A module holds the method's own logic (what its enrollment
 * stores, how its codes match, what a factor of its kind shows); the use
 * cases around it (one transaction, one audit entry, the throttle) stay in
 * verify.ts and factors.ts.
 */
export interface MethodModule<Enroll = unknown> {
  readonly method: Method;
  /** The factor rows it stores, or null when it keeps no factor row (recovery codes are a set of their own). */
  readonly factorType: FactorType | null;
  /** The settings it declares: its on/off switch and its own keys. */
  readonly settings: MethodSettings;
  /**
   * Starts an enrollment. Its shape is the method's own (a pending factor
   * with a fresh seed, a set of codes, a WebAuthn challenge), so callers
   * reach it through the registry's typed entry (`METHOD_MODULES.totp.enroll`).
   */
  readonly enroll: Enroll;
  /** Activates a pending factor with its first code; null when the method's factors are active from the start. */
  readonly confirm: ConfirmWithCode | null;
  /** How a presented code is matched; null when the method is never checked by a code (WebAuthn has its own ceremony). */
  readonly verify: CodeCheck | null;
  /** What the console and REST show of one of its factors beyond the fields every factor has. */
  readonly describe: DescribeFactor;
  /** Loads the rows beside its factors that `describe` shows; null when the factor row says it all. */
  readonly extras: ExtrasLoader | null;
}

/** A module as the registry's loops see it (enroll is reached through the typed entry, never through a loop). */
export type AnyMethodModule = MethodModule<unknown>;

export interface MethodSettings {
  /** Its on/off switch: settings.methods[toggle]. A method that is off is neither enrolled nor accepted. */
  readonly toggle: Method;
  /** Whether a new Tessera has it on (shared/schemas/settings.ts DEFAULT_SETTINGS, the wire contract, holds the value). */
  readonly enabledByDefault: boolean;
}

/** The step/counter a factor starts from once its first code is right. */
export interface ActivationState {
  last_step: number;
  counter: number;
}

/**
 * Checks the first code of a pending factor: the state to activate it with,
 * or null when the code is wrong. Inside the caller's transaction; writes
 * nothing but, for a code Tessera sent, using that code up.
 */
export type ConfirmWithCode = (ctx: ServiceContext, factor: FactorRow, digits: string, now: number) => ActivationState | null;

export type CodeMatch = 'accepted' | 'replay' | 'no';

/** What a code says about a factor, decided without writing anything: right (and the state it moves the factor to), a used one, or wrong. */
export type CodePeek = { kind: 'match'; state: ActivationState } | { kind: 'replay' } | { kind: 'no' };

export type CodeCheck = FactorCodeCheck | SetCodeCheck;

/** Codes checked against each of the user's active factors of this type, inside the verify transaction. */
export interface FactorCodeCheck {
  /** Takes the typed codes classifyCodeInput calls 'otp' (6–8 digits). */
  readonly kind: 'factor';
  /**
   * Checks `digits` against `factor`; on a match moves its step or counter forward, or uses up the code sent to it, once
   * (a second use is 'replay' where the method can tell). `attempt` names the transaction and API key, for sent codes.
   */
  match(ctx: ServiceContext, factor: FactorRow, digits: string, now: number, attempt: CodeAttempt): CodeMatch;
  /**
   * The same check as `match` (window, replay, look-ahead), writing nothing; null when the method cannot tell
   * without using its code up (a code Tessera sent). Verify uses it on a pending factor's first code and to tell
   * a right code of a method turned off from a wrong one.
   */
  readonly peek: ((ctx: ServiceContext, factor: FactorRow, digits: string, now: number) => CodePeek) | null;
  /**
   * Whether a pending factor of this method is activated by its first right code at verify (issue 18: a printed
   * sheet says "finish by signing in with that code"). True for codes a device computes from a seed an operator or
   * application enrolled (TOTP, HOTP); false for sent codes, whose confirmation code is bound to confirming.
   */
  readonly firstCodeActivates: boolean;
}

/**
 * Codes out of a set the user holds (recovery codes). They are slow-hashed,
 * so verify looks one up, compares it off the transaction and uses it up in
 * a second one.
 */
export interface SetCodeCheck {
  /** Takes the typed codes classifyCodeInput calls 'recovery' (the set's own format). */
  readonly kind: 'set';
  /** Whether the user holds an unused code: a user who does is not "no factor". Inside the caller's transaction. */
  held(ctx: ServiceContext, userId: string): boolean;
  /**
   * Parses a presented code and, when `lookUp`, finds the stored code it
   * names (no write). Not looked up while the method is off: the same slow
   * comparison then runs against nothing.
   */
  find(ctx: ServiceContext, userId: string, normalized: string, lookUp: boolean): SetCodeCandidate;
  /**
   * The slow comparison: the same cost whether or not `find` found a code, so timing says nothing. 'replay': the
   * code is right but was used already (said as such, and counted like a wrong one).
   */
  check(candidate: SetCodeCandidate): Promise<CodeMatch>;
  /** Uses the code up, once (null: a concurrent verify used it first). Inside the caller's transaction. */
  consume(ctx: ServiceContext, candidate: SetCodeCandidate, userId: string, now: number): SetCodeUsed | null;
}

export interface SetCodeCandidate {
  /** The code as typed, split into lookup id and secret; null when it is not in the set's format. */
  parsed: { lookupId: string; secret: string } | null;
  row: RecoveryCodeRow | undefined;
}

export interface SetCodeUsed {
  /** The factor the verify answer names. */
  factor: { id: string; type: 'recovery' };
  /** For the audit entry. */
  details: Record<string, unknown>;
  left: number;
}

/** What a factor's view carries beyond the common fields, and what it needs beyond the row. */
export interface DescribeFactor {
  (factor: FactorRow, extras: FactorExtras | undefined): Partial<FactorView>;
}

/** Rows beside a factor that its view shows (a WebAuthn factor's credential). */
export interface FactorExtras {
  credential?: WebauthnCredentialRow;
}

/** Loads the extras of one factor, or of all of one user's factors of a type, in one read. */
export interface ExtrasLoader {
  one(ctx: ServiceContext, factor: FactorRow): FactorExtras | undefined;
  forUser(ctx: ServiceContext, userId: string): Map<string, FactorExtras>;
}
