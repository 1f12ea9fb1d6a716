// A volume that cannot be set up; the kubelet reports it as a FailedMount event
// ("MountVolume.SetUp failed for volume \"x\" : <message>") and retries.
export class VolumeError extends Error {
  override readonly name = 'VolumeError';
}
