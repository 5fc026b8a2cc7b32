package dev.flotilla.cluster.node;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs the cluster's members, as this node sees them, on every change of membership or
 * reachability: {@code Cluster members: 127.0.0.1:25521 Up (oldest), 127.0.0.1:25522 Up,
 * 127.0.0.1:25523 Joining}. An operator (and the process-level tests) reads from it which nodes are
 * in the cluster, which one is the oldest (it hosts the shard coordinator and the caps'
 * singleton-like entity's placement decisions), and which are unreachable.
 */
final class MembershipLog {

  private static final Logger log = LoggerFactory.getLogger(MembershipLog.class);

  private MembershipLog() {}

  /** Subscribes a small system actor of {@code system} to membership and reachability events. */
  static void start(ActorSystem<?> system) {
    system.systemActorOf(behavior(), "flotilla-membership-log", Props.empty());
  }

  private static Behavior<Object> behavior() {
    return Behaviors.setup(
        context -> {
          Cluster cluster = Cluster.get(context.getSystem());
          cluster
              .subscriptions()
              .tell(Subscribe.create(context.getSelf().narrow(), ClusterEvent.MemberEvent.class));
          cluster
              .subscriptions()
              .tell(
                  Subscribe.create(
                      context.getSelf().narrow(), ClusterEvent.ReachabilityEvent.class));
          TreeMap<UniqueAddress, Member> members = new TreeMap<>();
          Set<UniqueAddress> unreachable = new HashSet<>();
          String[] last = {""};
          return Behaviors.receiveMessage(
              event -> {
                if (event instanceof ClusterEvent.MemberRemoved removed) {
                  members.remove(removed.member().uniqueAddress());
                  unreachable.remove(removed.member().uniqueAddress());
                } else if (event instanceof ClusterEvent.MemberEvent changed) {
                  members.put(changed.member().uniqueAddress(), changed.member());
                } else if (event instanceof ClusterEvent.UnreachableMember lost) {
                  unreachable.add(lost.member().uniqueAddress());
                } else if (event instanceof ClusterEvent.ReachableMember back) {
                  unreachable.remove(back.member().uniqueAddress());
                }
                String line = describe(members.values(), unreachable);
                if (!line.equals(last[0])) {
                  last[0] = line;
                  log.info("Cluster members: {}", line);
                }
                return Behaviors.same();
              });
        });
  }

  /**
   * The members in address order, each as {@code host:port status}, the oldest Up (or leaving)
   * member marked {@code (oldest)}, unreachable ones {@code unreachable}.
   */
  static String describe(Iterable<Member> members, Set<UniqueAddress> unreachable) {
    Member oldest = null;
    for (Member member : members) {
      if (isServing(member) && (oldest == null || member.isOlderThan(oldest))) {
        oldest = member;
      }
    }
    List<String> parts = new ArrayList<>();
    for (Member member : members) {
      StringBuilder part = new StringBuilder();
      part.append(member.address().host().getOrElse(() -> "?"))
          .append(':')
          .append(member.address().port().getOrElse(() -> 0))
          .append(' ')
          .append(member.status());
      if (member == oldest) {
        part.append(" (oldest)");
      }
      if (unreachable.contains(member.uniqueAddress())) {
        part.append(" unreachable");
      }
      parts.add(part.toString());
    }
    return parts.isEmpty() ? "none" : String.join(", ", parts);
  }

  private static boolean isServing(Member member) {
    String status = member.status().toString();
    return status.equals("Up") || status.equals("Leaving") || status.equals("Exiting");
  }
}
