// Plugin results as upstream's framework.Status: a code plus reasons; plugins return these
// instead of throwing.

export enum Code {
  Success = 0,
  Error = 1,
  Unschedulable = 2,
  /** Like Unschedulable, but preemption on that node would not help either. */
  UnschedulableAndUnresolvable = 3,
  Wait = 4,
  Skip = 5,
}

const codeNames = ['Success', 'Error', 'Unschedulable', 'UnschedulableAndUnresolvable', 'Wait', 'Skip'];

export class Status {
  /** Name of the plugin that produced this status (set by the framework). */
  plugin = '';

  constructor(
    readonly code: Code,
    readonly reasons: readonly string[] = [],
  ) {}

  static success(): Status {
    return SUCCESS;
  }

  static error(message: string): Status {
    return new Status(Code.Error, [message]);
  }

  static unschedulable(...reasons: string[]): Status {
    return new Status(Code.Unschedulable, reasons);
  }

  static unresolvable(...reasons: string[]): Status {
    return new Status(Code.UnschedulableAndUnresolvable, reasons);
  }

  static skip(): Status {
    return SKIP;
  }

  isSuccess(): boolean {
    return this.code === Code.Success;
  }

  /** Unschedulable or UnschedulableAndUnresolvable, as upstream IsRejected(). */
  isRejected(): boolean {
    return this.code === Code.Unschedulable || this.code === Code.UnschedulableAndUnresolvable;
  }

  isSkip(): boolean {
    return this.code === Code.Skip;
  }

  /** Reasons joined by ", ", as upstream Message(). */
  message(): string {
    return this.reasons.join(', ');
  }

  withPlugin(name: string): Status {
    // Shared singletons stay untouched; a copy carries the plugin name.
    const s = this === SUCCESS || this === SKIP ? new Status(this.code, this.reasons) : this;
    s.plugin = name;
    return s;
  }

  toString(): string {
    return `${codeNames[this.code]}: ${this.message()}`;
  }
}

const SUCCESS = new Status(Code.Success);
const SKIP = new Status(Code.Skip);

/** A status that is null/undefined counts as Success, as upstream's nil *Status. */
export type MaybeStatus = Status | null | undefined;

export function isSuccess(s: MaybeStatus): boolean {
  return !s || s.code === Code.Success;
}
