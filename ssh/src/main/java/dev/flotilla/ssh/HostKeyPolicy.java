package dev.flotilla.ssh;

/**
 * What a connection does with a host whose key is not in the known-hosts file. A changed key is
 * refused under every policy, and there is deliberately no policy that accepts any key.
 */
public enum HostKeyPolicy {
  /** Refuses an unknown host: it must be trusted first ({@code ssh-keyscan}). The default. */
  STRICT,
  /** Trusts an unknown host on first contact, appends its key and reports it as a warning. */
  ACCEPT_NEW
}
