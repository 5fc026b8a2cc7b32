package dev.flotilla.benchmarks;

import java.util.Arrays;
import java.util.List;

/** Order statistics of a few measurements. */
final class Stats {

  private Stats() {}

  static double median(List<Double> values) {
    return percentile(values, 50);
  }

  /**
   * The nearest-rank percentile: the smallest value with at least {@code p}% of values at or below
   * it.
   */
  static double percentile(List<Double> values, double p) {
    if (values.isEmpty()) {
      throw new IllegalArgumentException("no values");
    }
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}
