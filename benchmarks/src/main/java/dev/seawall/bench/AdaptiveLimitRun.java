package dev.seawall.bench;

import java.util.Arrays;

/**
 * What one configuration of the adaptive-limit run measured, and the figures computed from it. Times are nanoseconds
 * since the run's start (the first request's due instant); request {@code i} was due at {@code due[i]}, and its
 * latency runs from that instant (not from when a sender thread got to it) to its answer, so a slow sender is never
 * hidden (no coordinated omission).
 *
 * <p>Definitions, shared by every configuration:
 * <ul>
 *   <li><b>available</b>: answered 2xx (any latency); <b>availability</b> of a class: available ÷ sent, by send
 *       instant in the phase;</li>
 *   <li><b>goodput</b>: answers 2xx within the latency objective, per second of the phase, by send instant;</li>
 *   <li><b>p99 admitted</b>: the 99th percentile of the latency of 2xx answers in the phase;</li>
 *   <li><b>before</b> the drop: requests due in {@code [0, drop)}; <b>after</b>: due in {@code [drop, end)};</li>
 *   <li><b>settled</b> (the limit, sampled every {@value #SAMPLE_MILLIS} ms): its final value F is the median of the
 *       samples of the run's last {@value #FINAL_WINDOW_MILLIS} ms; the band is {@code F ± max(2, 20 % of F)}; the
 *       limit settled at the first sample at or after the drop from which every later sample stays in the band, and
 *       the settling time is that sample's instant minus the drop's. When that first sample lies inside the final
 *       window (the limit never stayed in the band for a whole window), it did not settle.</li>
 * </ul>
 * Not thread-safe: filled by one run (the arrays by index, each slot written by one answer), read after it.
 */
final class AdaptiveLimitRun {

    static final long SAMPLE_MILLIS = 100;
    static final long FINAL_WINDOW_MILLIS = 5_000;
    static final double BAND_MIN = 2;
    static final double BAND_SHARE = 0.20;
    private static final long MILLI = 1_000_000L;

    /** A phase of the run: before or after the capacity drop, or the whole run. */
    enum Phase { BEFORE, AFTER, WHOLE }

    /** The figures of one phase. */
    record Figures(long sent, long ok, long good, long refused, long failed, double goodputPerSecond,
                   double p99AdmittedMillis, double criticalAvailability, double sheddableAvailability) {
    }

    final String setup;
    final long[] due;
    final boolean[] critical;
    final int[] status;
    final long[] answered;
    final long dropNanos;
    final long endNanos;
    final long sloNanos;
    /** Limit samples: instant (ns since the start) and value; NaN where the limit could not be read. */
    long[] sampleNanos = new long[0];
    double[] sampleLimit = new double[0];
    int samples;

    AdaptiveLimitRun(String setup, long[] due, boolean[] critical, long dropNanos, long endNanos, long sloNanos) {
        this.setup = setup;
        this.due = due;
        this.critical = critical;
        this.status = new int[due.length];
        this.answered = new long[due.length];
        this.dropNanos = dropNanos;
        this.endNanos = endNanos;
        this.sloNanos = sloNanos;
        Arrays.fill(status, -1);
    }

    void answer(int i, int statusCode, long nanosSinceStart) {
        status[i] = statusCode;
        answered[i] = nanosSinceStart;
    }

    /** Records one limit sample; called by one sampler thread only. */
    synchronized void sample(long nanosSinceStart, double limit) {
        if (samples == sampleNanos.length) {
            sampleNanos = Arrays.copyOf(sampleNanos, Math.max(64, samples * 2));
            sampleLimit = Arrays.copyOf(sampleLimit, sampleNanos.length);
        }
        sampleNanos[samples] = nanosSinceStart;
        sampleLimit[samples] = limit;
        samples++;
    }

    Figures figures(Phase phase) {
        long from = phase == Phase.AFTER ? dropNanos : 0;
        long to = phase == Phase.BEFORE ? dropNanos : endNanos;
        return figures(from, to);
    }

    /** The figures of the requests due in {@code [from, to)}. */
    Figures figures(long from, long to) {
        long sent = 0;
        long ok = 0;
        long good = 0;
        long refused = 0;
        long failed = 0;
        long critSent = 0;
        long critOk = 0;
        long shedSent = 0;
        long shedOk = 0;
        long[] latencies = new long[due.length];
        int n = 0;
        for (int i = 0; i < due.length; i++) {
            if (due[i] < from || due[i] >= to) {
                continue;
            }
            sent++;
            int s = status[i];
            boolean success = s >= 200 && s < 300;
            if (critical[i]) {
                critSent++;
                critOk += success ? 1 : 0;
            } else {
                shedSent++;
                shedOk += success ? 1 : 0;
            }
            if (success) {
                ok++;
                long latency = answered[i] - due[i];
                latencies[n++] = latency;
                if (latency <= sloNanos) {
                    good++;
                }
            } else if (s == 429 || s == 503) {
                refused++;
            } else {
                failed++;
            }
        }
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        double seconds = (to - from) / 1e9;
        return new Figures(sent, ok, good, refused, failed, good / seconds, percentileMillis(sorted, 0.99),
                ratio(critOk, critSent), ratio(shedOk, shedSent));
    }

    private static double ratio(long a, long b) {
        return b == 0 ? Double.NaN : a / (double) b;
    }

    static double percentileMillis(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int idx = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
        return sorted[Math.max(0, idx)] / 1e6;
    }

    /** @return the median limit over the samples in {@code [from, to)}, NaN when none could be read */
    double medianLimit(long from, long to) {
        double[] in = new double[samples];
        int n = 0;
        for (int i = 0; i < samples; i++) {
            if (sampleNanos[i] >= from && sampleNanos[i] < to && !Double.isNaN(sampleLimit[i])) {
                in[n++] = sampleLimit[i];
            }
        }
        if (n == 0) {
            return Double.NaN;
        }
        double[] v = Arrays.copyOf(in, n);
        Arrays.sort(v);
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /** @return the limit's final value: the median of the last {@value #FINAL_WINDOW_MILLIS} ms of samples */
    double finalLimit() {
        return medianLimit(endNanos - FINAL_WINDOW_MILLIS * MILLI, endNanos);
    }

    /**
     * @return milliseconds from the drop until the limit settled (see the class comment), -1 when it did not settle,
     *         NaN when the limit could not be read
     */
    double settlingMillis() {
        return settlingMillis(sampleNanos, sampleLimit, samples, dropNanos, endNanos);
    }

    static double settlingMillis(long[] at, double[] limit, int n, long dropNanos, long endNanos) {
        long finalFrom = endNanos - FINAL_WINDOW_MILLIS * MILLI;
        double[] fin = new double[n];
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (at[i] >= finalFrom && at[i] < endNanos) {
                if (Double.isNaN(limit[i])) {
                    return Double.NaN;
                }
                fin[m++] = limit[i];
            }
        }
        if (m == 0) {
            return Double.NaN;
        }
        double[] v = Arrays.copyOf(fin, m);
        Arrays.sort(v);
        double f = m % 2 == 1 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
        double band = Math.max(BAND_MIN, BAND_SHARE * f);
        // walk back from the end: the settling sample is the first of the last unbroken run of in-band samples
        int first = -1;
        for (int i = n - 1; i >= 0 && at[i] >= dropNanos; i--) {
            if (at[i] >= endNanos) {
                continue;
            }
            if (Double.isNaN(limit[i]) || Math.abs(limit[i] - f) > band) {
                break;
            }
            first = i;
        }
        if (first < 0 || at[first] >= finalFrom) {
            return -1;
        }
        return (at[first] - dropNanos) / 1e6;
    }
}
