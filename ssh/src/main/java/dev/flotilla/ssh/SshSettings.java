package dev.flotilla.ssh;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;

/**
 * The {@code flotilla.ssh} settings (this module's {@code reference.conf}).
 *
 * @param maxSessions the most sessions open at once over all targets
 * @param connectTimeout connecting and the key exchange
 * @param authTimeout authentication once connected
 * @param channelOpenTimeout opening the channel of one command
 * @param keepAliveInterval how often an open session is kept alive
 * @param keepAliveMaxMissed unanswered keep-alives in a row after which a session is broken
 * @param idleTimeout an unused session is closed after this
 * @param killGrace after a cancel, the time between TERM and KILL
 */
public record SshSettings(
    int maxSessions,
    Duration connectTimeout,
    Duration authTimeout,
    Duration channelOpenTimeout,
    Duration keepAliveInterval,
    int keepAliveMaxMissed,
    Duration idleTimeout,
    Duration killGrace) {

  public SshSettings {
    if (maxSessions < 1) {
      throw new IllegalArgumentException(
          "flotilla.ssh.max-sessions must be at least 1, not " + maxSessions);
    }
    if (keepAliveMaxMissed < 0) {
      throw new IllegalArgumentException("flotilla.ssh.keep-alive-max-missed must not be negative");
    }
  }

  /** The settings of {@code flotilla.ssh} in {@code config}. */
  public static SshSettings from(Config config) {
    Config ssh = config.getConfig("flotilla.ssh");
    return new SshSettings(
        ssh.getInt("max-sessions"),
        ssh.getDuration("connect-timeout"),
        ssh.getDuration("auth-timeout"),
        ssh.getDuration("channel-open-timeout"),
        ssh.getDuration("keep-alive-interval"),
        ssh.getInt("keep-alive-max-missed"),
        ssh.getDuration("idle-timeout"),
        ssh.getDuration("kill-grace"));
  }

  /** The defaults, overridden by the application's configuration. */
  public static SshSettings load() {
    return from(ConfigFactory.load());
  }

  public SshSettings withMaxSessions(int value) {
    return new SshSettings(
        value,
        connectTimeout,
        authTimeout,
        channelOpenTimeout,
        keepAliveInterval,
        keepAliveMaxMissed,
        idleTimeout,
        killGrace);
  }

  public SshSettings withAuthTimeout(Duration value) {
    return new SshSettings(
        maxSessions,
        connectTimeout,
        value,
        channelOpenTimeout,
        keepAliveInterval,
        keepAliveMaxMissed,
        idleTimeout,
        killGrace);
  }

  public SshSettings withIdleTimeout(Duration value) {
    return new SshSettings(
        maxSessions,
        connectTimeout,
        authTimeout,
        channelOpenTimeout,
        keepAliveInterval,
        keepAliveMaxMissed,
        value,
        killGrace);
  }
}
