// Admission: plugins see every write after decoding and before storage, as upstream.
import type { KindDef, KubeObject } from '../../api/kinds.js';
import type { UserInfo } from '../authn.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface AdmissionAttributes {
  operation: Operation;
  def: KindDef;
  namespace: string;
  name: string;
  subresource: string;
  object?: KubeObject;
  oldObject?: KubeObject;
  user: UserInfo;
  dryRun: boolean;
}

export interface AdmissionPlugin {
  readonly name: string;
  /** Mutating phase: may change attrs.object. */
  admit?(attrs: AdmissionAttributes): Promise<void> | void;
  /** Validating phase: throws an ApiError to reject. */
  validate?(attrs: AdmissionAttributes): Promise<void> | void;
}

export class AdmissionChain {
  constructor(private readonly plugins: AdmissionPlugin[]) {}

  async admit(attrs: AdmissionAttributes): Promise<void> {
    for (const p of this.plugins) await p.admit?.(attrs);
  }

  async validate(attrs: AdmissionAttributes): Promise<void> {
    for (const p of this.plugins) await p.validate?.(attrs);
  }
}
