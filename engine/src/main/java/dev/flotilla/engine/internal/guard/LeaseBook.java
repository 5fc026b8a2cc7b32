package dev.flotilla.engine.internal.guard;

import dev.flotilla.engine.internal.guard.TargetGuard.Holder;
import dev.flotilla.engine.internal.guard.TargetGuard.Mode;
import java.util.ArrayList;
import java.util.List;

/**
 * The fair reader/writer lease of one target, as a value: who holds it and who waits, in arrival
 * order. Pure and immutable, so that the in-memory guard of one engine ({@link TargetGuard}) and
 * the event-sourced guard of a cluster apply exactly the same rules, the latter by replaying its
 * requests and releases.
 *
 * <p>A lease is identified by its {@link Holder} (deployment, step, target, attempt), never by who
 * asked: asking again for a lease already held or queued changes nothing, and releasing one that is
 * not there changes nothing. Asking for attempt N of an execution gives up its earlier attempts:
 * attempts of one execution run one after another, so an earlier one still listed belongs to an
 * incarnation of the deployment that is gone (a crash, a node's death).
 *
 * @param holders granted leases, in grant order: one exclusive or any number of shared
 * @param waiting requests not yet granted, first come first served
 */
public record LeaseBook(List<Lease> holders, List<Lease> waiting) {

  /** No lease held, nobody waiting. */
  public static final LeaseBook EMPTY = new LeaseBook(List.of(), List.of());

  /** One lease: who and how. */
  public record Lease(Holder holder, Mode mode) {}

  /** Where a lease stands in the book. */
  public enum Standing {
    HOLDING,
    WAITING,
    ABSENT
  }

  /** A transition: the book after it, and the leases it granted (to be told so), in grant order. */
  public record Change(LeaseBook book, List<Lease> granted) {}

  public LeaseBook {
    holders = List.copyOf(holders);
    waiting = List.copyOf(waiting);
  }

  public Standing standingOf(Holder holder) {
    if (indexOf(holders, holder) >= 0) {
      return Standing.HOLDING;
    }
    return indexOf(waiting, holder) >= 0 ? Standing.WAITING : Standing.ABSENT;
  }

  public boolean isEmpty() {
    return holders.isEmpty() && waiting.isEmpty();
  }

  /** Who holds the lease now, in words an operator can act on. */
  public List<Holder> heldBy() {
    List<Holder> list = new ArrayList<>(holders.size());
    for (Lease lease : holders) {
      list.add(lease.holder());
    }
    return list;
  }

  /** Every holder and waiter. */
  public List<Holder> everyone() {
    List<Holder> list = new ArrayList<>(heldBy());
    for (Lease lease : waiting) {
      list.add(lease.holder());
    }
    return list;
  }

  /**
   * Asks for a lease: granted at once if nobody waits and it fits beside the holders, else queued
   * at the end. A lease already held or queued is left where it is (nothing granted).
   */
  public Change request(Holder holder, Mode mode) {
    if (standingOf(holder) != Standing.ABSENT) {
      return new Change(this, List.of());
    }
    Change withoutEarlier = withoutEarlierAttempts(holder);
    LeaseBook book = withoutEarlier.book();
    List<Lease> granted = new ArrayList<>(withoutEarlier.granted());
    Lease lease = new Lease(holder, mode);
    if (book.waiting.isEmpty() && book.fits(mode)) {
      granted.add(lease);
      return new Change(new LeaseBook(plus(book.holders, lease), book.waiting), granted);
    }
    return new Change(new LeaseBook(book.holders, plus(book.waiting, lease)), granted);
  }

  /** Gives a lease back, or withdraws a request, then grants to the head of the queue. */
  public Change release(Holder holder) {
    int held = indexOf(holders, holder);
    if (held >= 0) {
      return new LeaseBook(minus(holders, held), waiting).grantHeads();
    }
    int queued = indexOf(waiting, holder);
    if (queued >= 0) {
      // A waiter that leaves may unblock the ones behind it (shared behind a withdrawn exclusive).
      return new LeaseBook(holders, minus(waiting, queued)).grantHeads();
    }
    return new Change(this, List.of());
  }

  private Change withoutEarlierAttempts(Holder holder) {
    LeaseBook book = this;
    List<Lease> granted = new ArrayList<>();
    for (Holder listed : everyone()) {
      if (listed.sameExecution(holder) && listed.attempt() < holder.attempt()) {
        Change change = book.release(listed);
        book = change.book();
        granted.addAll(change.granted());
      }
    }
    return new Change(book, granted);
  }

  private boolean fits(Mode mode) {
    if (holders.isEmpty()) {
      return true;
    }
    // Holders are either one exclusive lease or any number of shared ones.
    return mode == Mode.SHARED && holders.get(0).mode() == Mode.SHARED;
  }

  private Change grantHeads() {
    List<Lease> held = new ArrayList<>(holders);
    List<Lease> queue = new ArrayList<>(waiting);
    List<Lease> granted = new ArrayList<>();
    while (!queue.isEmpty() && new LeaseBook(held, List.of()).fits(queue.get(0).mode())) {
      Lease next = queue.remove(0);
      held.add(next);
      granted.add(next);
    }
    return new Change(granted.isEmpty() ? this : new LeaseBook(held, queue), granted);
  }

  private static int indexOf(List<Lease> leases, Holder holder) {
    for (int i = 0; i < leases.size(); i++) {
      if (leases.get(i).holder().equals(holder)) {
        return i;
      }
    }
    return -1;
  }

  private static List<Lease> plus(List<Lease> leases, Lease lease) {
    List<Lease> more = new ArrayList<>(leases.size() + 1);
    more.addAll(leases);
    more.add(lease);
    return more;
  }

  private static List<Lease> minus(List<Lease> leases, int index) {
    List<Lease> fewer = new ArrayList<>(leases);
    fewer.remove(index);
    return fewer;
  }
}
