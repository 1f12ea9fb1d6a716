// Errors a ContainerRuntime throws, each with a stable `name`, after the gRPC codes and
// messages of the CRI (NotFound, name reservation, exec timeouts) so the kubelet can tell
// them apart without parsing messages.

/** The sandbox or container id is unknown to the runtime (gRPC NotFound). */
export class RuntimeNotFoundError extends Error {
  override readonly name = 'RuntimeNotFoundError';
  constructor(readonly kind: 'sandbox' | 'container', readonly id: string) {
    super(`${kind === 'sandbox' ? 'pod sandbox' : 'container'} "${id}" not found`);
  }
}

/**
 * A sandbox or container with the same metadata already exists, as containerd's name index:
 * `failed to reserve container name "…": name "…" is reserved for "<id>"`.
 */
export class NameReservedError extends Error {
  override readonly name = 'NameReservedError';
  constructor(readonly kind: 'sandbox' | 'container', readonly reservedName: string, readonly ownerId: string) {
    super(`failed to reserve ${kind} name "${reservedName}": name "${reservedName}" is reserved for "${ownerId}"`);
  }
}

/** ExecSync ran past its timeout; upstream's kubelet words it `command "…" timed out`. */
export class ExecTimeoutError extends Error {
  override readonly name = 'ExecTimeoutError';
  constructor(readonly cmd: string[], readonly timeoutSeconds: number) {
    super(`command ${JSON.stringify(cmd.join(' '))} timed out`);
  }
}

/** The container could not be started (its process could not be created). */
export class ContainerStartError extends Error {
  override readonly name = 'ContainerStartError';
}

/** An operation that needs a running container (exec, attach) found it not running. */
export class ContainerNotRunningError extends Error {
  override readonly name = 'ContainerNotRunningError';
  constructor(readonly id: string, readonly state: string) {
    super(`container ${id} is not running (state ${state})`);
  }
}

/** An exec's command could not be started in the container. */
export class ExecStartError extends Error {
  override readonly name = 'ExecStartError';
}
