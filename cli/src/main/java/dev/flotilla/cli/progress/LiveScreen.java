package dev.flotilla.cli.progress;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The bottom of a terminal, where the panels of the deployments being watched are redrawn in place
 * every interval, under the lines that stay. One per output: every deployment a process watches
 * joins the same screen, so their panels stack instead of overwriting each other, and one thread
 * draws them all. Listeners never draw: they only queue lines and count.
 */
public final class LiveScreen {

  /** A deployment shown on the screen. */
  public interface Source {
    /**
     * Moves the lines that stay (steps started and finished, failures, output) into {@code into},
     * in order.
     */
    void drainLines(List<String> into);

    /**
     * Its part of the panel now, each line at most {@code columns} wide (0: no limit); {@code
     * titled} when it shares the screen with others and must say which deployment it is.
     */
    List<String> panel(int columns, boolean titled);
  }

  /**
   * The screen of each output that has sources; guarded by itself, taken before any screen's lock.
   */
  private static final Map<PrintWriter, LiveScreen> SCREENS = new IdentityHashMap<>();

  private final PrintWriter out;
  private final long intervalNanos;
  private final TerminalSize size;

  // Guarded by this.
  private final List<Source> sources = new ArrayList<>();
  private final Map<Source, CountDownLatch> leaving = new LinkedHashMap<>();
  private Thread drawer;
  private boolean wake;

  // Guarded by drawing.
  private final Object drawing = new Object();
  private int panelHeight;

  public LiveScreen(PrintWriter out, Duration interval, TerminalSize size) {
    this.out = out;
    this.intervalNanos = interval.toNanos();
    this.size = size;
  }

  /**
   * Shows {@code source} on the screen of {@code out}, which is redrawn every {@code interval}
   * until its last source leaves.
   */
  public static LiveScreen join(PrintWriter out, Duration interval, Source source) {
    synchronized (SCREENS) {
      LiveScreen screen =
          SCREENS.computeIfAbsent(out, o -> new LiveScreen(o, interval, TerminalSize.detect()));
      screen.add(source);
      screen.start();
      return screen;
    }
  }

  /** Adds a source; nothing is drawn until {@link #start} or {@link #drawNow}. */
  public synchronized void add(Source source) {
    sources.add(source);
  }

  /** Starts the drawing thread, unless it runs. */
  public synchronized void start() {
    if (drawer == null) {
      drawer = new Thread(this::drawLoop, "flotilla-progress");
      drawer.setDaemon(true);
      drawer.start();
    }
  }

  /**
   * Takes a source off the screen after printing its last lines; returns once they are printed, or
   * after {@code timeout} if the drawing thread is stuck.
   */
  public void leave(Source source, Duration timeout) {
    CountDownLatch printed = null;
    synchronized (this) {
      if (!sources.remove(source)) {
        return;
      }
      if (drawer != null) {
        printed = new CountDownLatch(1);
        leaving.put(source, printed);
        wake = true;
        notifyAll();
      }
    }
    if (printed == null) {
      draw(List.of(source));
      return;
    }
    try {
      printed.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Draws a frame now, on the caller's thread: for a screen without a drawing thread (tests). */
  public void drawNow() {
    draw(List.of());
  }

  private void drawLoop() {
    long next = System.nanoTime() + intervalNanos;
    while (true) {
      Map<Source, CountDownLatch> left;
      synchronized (this) {
        try {
          long remaining;
          while (!wake && (remaining = next - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.timedWait(this, remaining);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          drawer = null;
          return;
        }
        wake = false;
        left = new LinkedHashMap<>(leaving);
        leaving.clear();
      }
      next = System.nanoTime() + intervalNanos;
      draw(List.copyOf(left.keySet()));
      left.values().forEach(CountDownLatch::countDown);
      synchronized (SCREENS) {
        synchronized (this) {
          if (sources.isEmpty() && leaving.isEmpty()) {
            drawer = null;
            SCREENS.remove(out, this);
            return;
          }
        }
      }
    }
  }

  /**
   * One frame: the lines of every source (those leaving included), then the panels of those
   * staying.
   */
  private void draw(List<Source> leavers) {
    List<Source> staying;
    synchronized (this) {
      staying = List.copyOf(sources);
    }
    synchronized (drawing) {
      List<String> above = new ArrayList<>();
      leavers.forEach(source -> source.drainLines(above));
      staying.forEach(source -> source.drainLines(above));
      List<String> panel = new ArrayList<>();
      for (Source source : staying) {
        panel.addAll(source.panel(size.columns(), staying.size() > 1));
      }
      panel = fitRows(panel);
      if (panelHeight == 0 && above.isEmpty() && panel.isEmpty()) {
        return;
      }
      out.print(TerminalFrame.redraw(panelHeight, above, panel));
      out.flush();
      panelHeight = panel.size();
    }
  }

  /**
   * A panel taller than the terminal could not be backed over: keep it a row shorter than the
   * screen.
   */
  private List<String> fitRows(List<String> panel) {
    int most = size.rows() - 1;
    if (size.rows() <= 0 || panel.size() <= most) {
      return panel;
    }
    List<String> cut = new ArrayList<>(panel.subList(0, Math.max(0, most - 1)));
    cut.add("  …");
    return cut;
  }
}
