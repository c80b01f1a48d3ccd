package dev.seawall.core.internal.throttle;

import com.netflix.concurrency.limits.Limit;
import dev.seawall.core.config.AdaptiveLimitConfig;
import dev.seawall.core.throttle.ConcurrencyLimit;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;

/**
 * A concurrency limit moved by one of Netflix's algorithms (Gradient2, Vegas, AIMD), fed by windows of the
 * throttle's completions and held by Seawall's own guards. Thread-safe: {@link #current()} is one volatile read;
 * {@link #onSample} adds to lock-free counters, and at most one thread at a time, which never waits for another,
 * closes a window.
 *
 * <h2>Windows</h2>
 * Samples are summed into cumulative {@link LongAdder}s that are never reset; closing a window takes the
 * differences since the last close, so a sample that lands while a window closes is counted in the next window
 * rather than lost. A window closes when a sample ends at least {@code window} after the window began and the window
 * holds at least {@code window-samples} samples (Netflix's WindowedLimit rule); time is the samples' own
 * ({@code startNanos + rttNanos}, on the throttle's clock). The thread whose sample is due wins a compare-and-set and
 * closes the window; a thread that loses only added its sample. The algorithm sees one sample per window: the average
 * latency of the requests that were not dropped, the most requests in flight, and whether at least 1 % of the
 * window's requests were dropped (one stray 5xx in a busy window is not overload; AIMD backing off on it every window
 * would pin the limit at {@code min}). Netflix's {@code AbstractLimit.onSample} is {@code synchronized}, which is why
 * only the window closer calls it.
 *
 * <h2>Guards</h2>
 * The limit is {@code min(algorithm's proposal, guard's allowance)}, kept within [{@code min}, {@code max}]:
 * <ol>
 * <li><b>Drift to {@code max} under a queue.</b> With Seawall's queue in front, requests in flight always equal the
 * limit, so the algorithms' "app-limited" check (do not grow while under half the limit is used) never fires, and
 * Gradient2 adds {@code queue-size} each window whenever its long-term latency has caught up with the short-term one
 * (latency stable, but stable high). The guard lets the limit grow only while the window's latency is within
 * {@code latency-tolerance} of Seawall's own no-load latency (below), and by at most {@code max-growth} of the limit
 * (at least 1) per window. Above the tolerance it shrinks the limit by the ratio of tolerated to measured latency
 * (at most by a quarter per window), whatever the algorithm's own, possibly drifted, baseline says.</li>
 * <li><b>No-load latency drifting upward.</b> A saturated system never shows its no-load latency, so an estimate
 * made from loaded samples (Gradient2's long average, a decaying minimum) climbs with the load and ends the shedding.
 * Seawall's estimate falls at once to any lower window average, but rises only on evidence taken at low
 * concurrency: a window where at most half the limit (or at most the probe concurrency) was in use, or a
 * <em>probe</em>. When no such window was seen for {@code probe-interval}, the limit is lowered to the probe
 * concurrency ({@code max(min, 4)}) until a window's worth of requests that started during the probe with at most
 * that many in flight has ended (or ten windows passed); their average latency is the new no-load latency, which may
 * be higher than the old one (a dependency that really got slower) or lower. The algorithm is not fed during a
 * probe.</li>
 * <li><b>Stalling at {@code min}.</b> Because the no-load latency follows a dependency that got slower (through the
 * probes), the latency guard stops holding the limit down once the dependency recovers or settles; growth then
 * resumes at {@code max-growth} per window. A window's drops count only at a 1 % drop rate. Netflix's algorithms stop
 * moving when fewer than half their limit is in flight; when the guard holds the limit at half the algorithm's own
 * estimate or less, the algorithm is restarted from the guarded limit so that it keeps reacting.</li>
 * <li><b>Drops with Gradient2.</b> Gradient2 ignores drops; the guard backs off by 10 % on a dropped window for every
 * algorithm (for AIMD it is its own {@code backoff-ratio}), so timeouts, 5xx and breaker refusals always lower the
 * limit.</li>
 * </ol>
 * Latencies below 100 µs are taken as 100 µs when compared, so that very fast endpoints do not read noise as
 * overload.
 */
final class AdaptiveLimit implements ConcurrencyLimit {

    /** A window counts as dropped when at least this share of its requests were dropped. */
    static final double DROP_SHARE = 0.01;
    /** Requests in flight during a probe (at least {@code min}). */
    static final int PROBE_CONCURRENCY = 4;
    /** A probe that gathers too few low-concurrency samples gives up after this many windows. */
    static final int PROBE_MAX_WINDOWS = 10;
    /** Latencies are compared as at least this (nanoseconds). */
    static final long LATENCY_FLOOR_NANOS = 100_000;
    /** The guard's back-off on a dropped window (AIMD uses its own backoff-ratio). */
    static final double DROP_BACKOFF = 0.9;
    /** The guard shrinks by at most this share of the limit per window. */
    static final double MAX_SHRINK = 0.25;

    private final AdaptiveLimitConfig config;
    private final IntFunction<Limit> algorithms;
    private final long windowNanos;
    private final long probeIntervalNanos;
    private final int lowConcurrency;

    // ---- written by every sample, lock-free; cumulative, never reset ----
    private final LongAdder samples = new LongAdder();
    private final LongAdder rttSum = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder lowSamples = new LongAdder();
    private final LongAdder lowRttSum = new LongAdder();
    /** the most requests in flight since the last window closed */
    private final AtomicInteger maxInflight = new AtomicInteger();
    /** while a probe runs: the most in flight for a sample to count as low-concurrency; 0 otherwise */
    private volatile int lowInflight;
    /** while a probe runs: samples must have started at or after this to count as low-concurrency */
    private volatile long lowSince;
    private volatile long windowStart;
    /** the window closer's token: taken by compare-and-set, never waited for */
    private final AtomicBoolean closing = new AtomicBoolean();

    // ---- published for readers ----
    private volatile int current;
    private volatile long noLoadNanos = -1;
    private volatile long recentNanos = -1;

    // ---- the window closer's own state (visible from closer to closer through the closing token) ----
    private Limit algorithm;
    private int limit;
    private long seenSamples;
    private long seenRtt;
    private long seenDropped;
    private long seenLow;
    private long seenLowRtt;
    private long lastNoLoadAt;
    private boolean probing;
    private int probeWindows;
    private long windows;

    /**
     * @param algorithms makes the algorithm, starting at the limit given (again when the guard restarts it)
     * @param nowNanos   the throttle clock's time now: the first window and the probe schedule start here
     */
    AdaptiveLimit(AdaptiveLimitConfig config, IntFunction<Limit> algorithms, long nowNanos) {
        this.config = config;
        this.algorithms = algorithms;
        this.windowNanos = config.window().toNanos();
        this.probeIntervalNanos = config.probeInterval().toNanos();
        this.lowConcurrency = Math.max(config.min(), PROBE_CONCURRENCY);
        this.limit = config.initial();
        this.algorithm = algorithms.apply(limit);
        this.current = limit;
        this.windowStart = nowNanos;
        this.lastNoLoadAt = nowNanos;
    }

    @Override
    public int current() {
        return current;
    }

    @Override
    public void onSample(long startNanos, long rttNanos, int inflight, boolean dropped) {
        long rtt = Math.max(0, rttNanos);
        if (dropped) {
            this.dropped.increment();
        } else {
            rttSum.add(rtt);
            samples.increment();
            int low = lowInflight;
            if (low > 0 && inflight <= low && startNanos - lowSince >= 0) {
                lowRttSum.add(rtt);
                lowSamples.increment();
            }
        }
        int seen = maxInflight.get();
        while (inflight > seen && !maxInflight.compareAndSet(seen, inflight)) {
            seen = maxInflight.get();
        }
        long end = startNanos + rtt;
        if (end - windowStart >= windowNanos && closing.compareAndSet(false, true)) {
            try {
                closeWindow(end);
            } finally {
                closing.set(false);
            }
        }
    }

    @Override
    public boolean adaptive() {
        return true;
    }

    @Override
    public long drops() {
        return dropped.sum();
    }

    @Override
    public long noLoadLatencyNanos() {
        return noLoadNanos;
    }

    @Override
    public long recentLatencyNanos() {
        return recentNanos;
    }

    /** @return samples reported as not dropped so far */
    long samples() {
        return samples.sum();
    }

    /** @return true while a probe holds the limit down to measure the no-load latency */
    public boolean probing() {
        return lowInflight > 0;
    }

    /** @return windows closed so far (read by tests through the closer's happens-before, approximate otherwise) */
    long windows() {
        return windows;
    }

    /** Runs under the closing token. */
    private void closeWindow(long now) {
        if (now - windowStart < windowNanos) {
            return; // another closer took this window
        }
        long s = samples.sum();
        long d = dropped.sum();
        long n = s - seenSamples;
        long nd = d - seenDropped;
        if (n + nd < config.windowSamples()) {
            return;
        }
        long sum = rttSum.sum();
        long rttOfWindow = sum - seenRtt;
        int inflight = maxInflight.getAndSet(0);
        seenSamples = s;
        seenDropped = d;
        seenRtt = sum;
        windowStart = now;
        windows++;
        long avg = n > 0 ? Math.max(0, rttOfWindow / n) : -1;
        if (avg >= 0) {
            recentNanos = avg;
        }
        if (probing) {
            probeWindow(now);
            return;
        }
        boolean droppedWindow = nd > 0 && nd >= DROP_SHARE * (n + nd);
        updateNoLoad(avg, inflight, now);
        int proposal = feed(now, avg, inflight, droppedWindow);
        int next = guard(proposal, avg, droppedWindow);
        if (next * 2 <= proposal) {
            algorithm = algorithms.apply(next);
        }
        limit = next;
        if (now - lastNoLoadAt >= probeIntervalNanos && limit > lowConcurrency) {
            startProbe(now);
        } else {
            current = limit;
        }
    }

    private void updateNoLoad(long avg, int inflight, long now) {
        if (avg < 0) {
            return;
        }
        long noLoad = noLoadNanos;
        boolean lowLoad = inflight <= Math.max(lowConcurrency, limit / 2);
        if (lowLoad) {
            noLoadNanos = avg;
            lastNoLoadAt = now;
        } else if (noLoad < 0 || avg < noLoad) {
            // lower latency under load is evidence of a lower no-load latency; higher is not
            noLoadNanos = avg;
        }
    }

    /** @return the algorithm's limit after this window */
    private int feed(long now, long avg, int inflight, boolean droppedWindow) {
        long rtt = avg > 0 ? avg : Math.max(1, recentNanos);
        // the algorithm judges "app-limited" against its own limit: report the window's use of Seawall's limit
        int own = algorithm.getLimit();
        long scaled = (long) Math.ceil((double) inflight * own / Math.max(1, limit));
        int reported = (int) Math.min(Integer.MAX_VALUE, Math.max(1, scaled));
        algorithm.onSample(now - rtt, rtt, reported, droppedWindow);
        return algorithm.getLimit();
    }

    /** @return the limit for the next window: the proposal, held by the guards, within the bounds */
    private int guard(int proposal, long avg, boolean droppedWindow) {
        int allowance;
        long noLoad = noLoadNanos;
        if (droppedWindow) {
            double backoff = config.algorithm() == AdaptiveLimitConfig.Algorithm.AIMD
                    ? config.backoffRatio() : DROP_BACKOFF;
            allowance = shrinkTo(limit * backoff);
        } else if (avg >= 0 && noLoad >= 0 && tooSlow(avg, noLoad)) {
            double ratio = config.latencyTolerance() * floor(noLoad) / floor(avg);
            allowance = shrinkTo(limit * Math.max(1 - MAX_SHRINK, ratio));
        } else {
            allowance = limit + Math.max(1, (int) (limit * config.maxGrowth()));
        }
        return Math.max(config.min(), Math.min(config.max(), Math.min(proposal, allowance)));
    }

    private boolean tooSlow(long avg, long noLoad) {
        return floor(avg) > config.latencyTolerance() * floor(noLoad);
    }

    /** @return a limit at most {@code target}, and below the current one unless that is already {@code min} */
    private int shrinkTo(double target) {
        return Math.max(config.min(), Math.min(limit - 1, (int) Math.floor(target)));
    }

    private static long floor(long latency) {
        return Math.max(LATENCY_FLOOR_NANOS, latency);
    }

    private void startProbe(long now) {
        probing = true;
        probeWindows = 0;
        seenLow = lowSamples.sum();
        seenLowRtt = lowRttSum.sum();
        lowSince = now;
        lowInflight = lowConcurrency;
        current = Math.min(limit, lowConcurrency);
    }

    private void probeWindow(long now) {
        probeWindows++;
        long ls = lowSamples.sum() - seenLow;
        long lr = lowRttSum.sum() - seenLowRtt;
        if (ls >= config.windowSamples() || probeWindows >= PROBE_MAX_WINDOWS) {
            if (ls > 0) {
                noLoadNanos = Math.max(0, lr / ls);
            }
            lastNoLoadAt = now; // measured, or gave up until the next interval
            probing = false;
            lowInflight = 0;
            maxInflight.set(0);
            current = limit;
        }
    }

    @Override
    public String toString() {
        return "adaptive(" + config.algorithm().configName() + ", limit=" + current + ", no-load="
                + noLoadNanos + "ns, recent=" + recentNanos + "ns)";
    }
}
