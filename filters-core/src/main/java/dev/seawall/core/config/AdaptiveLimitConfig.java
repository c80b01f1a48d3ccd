package dev.seawall.core.config;

import dev.seawall.core.internal.config.ConfigValues;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * A throttle's {@code limit} block, used with {@code max-concurrent: adaptive}: the algorithm that moves the limit,
 * its bounds, the algorithm's own parameters, and Seawall's guards around it (see the adaptive limit algorithms page
 * of the operations docs). Immutable and thread-safe; built and validated by {@link #builder()}.
 *
 * <p>An algorithm's parameters hold their default when the block is for another algorithm; the builder refuses a
 * parameter given for another algorithm.
 *
 * @param algorithm        {@code algorithm}: gradient2 (default), vegas or aimd
 * @param initial          {@code initial}: the limit before the first measurement
 * @param min              {@code min}: the limit never goes below it (and probes measure at most at it)
 * @param max              {@code max}: the limit never goes above it
 * @param window           {@code window}: shortest time over which samples are gathered before the limit moves
 * @param windowSamples    {@code window-samples}: fewest samples a window needs before the limit moves
 * @param latencyTolerance {@code latency-tolerance}: the limit grows only while the window's average latency is
 *                         within this multiple of the no-load latency, and shrinks while it is above it
 * @param maxGrowth        {@code max-growth}: largest growth of the limit in one window, as a fraction of it
 *                         (always at least 1)
 * @param probeInterval    {@code probe-interval}: how often the no-load latency is measured again at low
 *                         concurrency when the throttle was saturated all the time
 * @param dropShare        {@code drop-share}: a window counts as overload (the limit backs off) only when at least
 *                         this share of its requests were drops (timeouts, exceptions, 5xx); a smaller share of
 *                         failures is left to the latency guard and the circuit breaker
 * @param smoothing        {@code smoothing} (gradient2, vegas): how much of a new estimate replaces the old one
 * @param longWindow       {@code long-window} (gradient2): windows averaged into the long-term latency
 * @param rttTolerance     {@code rtt-tolerance} (gradient2): latency ratio tolerated before the limit shrinks
 * @param queueSize        {@code queue-size} (gradient2): growth allowed per window while latency is steady
 * @param alpha            {@code alpha} (vegas): queued requests below which the limit grows; 0 = scaled with
 *                         the limit (3 × log10)
 * @param beta             {@code beta} (vegas): queued requests above which the limit shrinks; 0 = scaled with the
 *                         limit (6 × log10)
 * @param backoffRatio     {@code backoff-ratio} (aimd): the factor applied on a drop
 * @param latencyThreshold {@code latency-threshold} (aimd): a window slower than this counts as a drop
 */
public record AdaptiveLimitConfig(Algorithm algorithm, int initial, int min, int max, Duration window,
                                  int windowSamples, double latencyTolerance, double maxGrowth,
                                  Duration probeInterval, double dropShare, double smoothing, int longWindow, double rttTolerance,
                                  int queueSize, int alpha, int beta, double backoffRatio,
                                  Duration latencyThreshold) {

    /** The limit algorithm, from Netflix concurrency-limits. */
    public enum Algorithm {
        GRADIENT2, VEGAS, AIMD;

        /** @return the name the configuration file uses */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** @return the algorithm of a configuration name (gradient2, vegas, aimd), or null */
        public static Algorithm fromConfigName(String name) {
            for (Algorithm a : values()) {
                if (a.configName().equals(name)) {
                    return a;
                }
            }
            return null;
        }
    }

    public static final int DEFAULT_INITIAL = 20;
    public static final int DEFAULT_MIN = 1;
    public static final int DEFAULT_MAX = 200;
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(1);
    public static final Duration MAX_WINDOW = Duration.ofMinutes(1);
    public static final int DEFAULT_WINDOW_SAMPLES = 10;
    public static final int MAX_WINDOW_SAMPLES = 100_000;
    public static final double DEFAULT_LATENCY_TOLERANCE = 1.5;
    public static final double DEFAULT_MAX_GROWTH = 0.1;
    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(60);
    /**
     * One window in ten: well above the few fast errors a healthy endpoint answers (a buggy path failing on a few
     * per cent of requests must not pin the whole policy at {@code min}), well below a dependency failing half its
     * calls.
     */
    public static final double DEFAULT_DROP_SHARE = 0.1;
    public static final double DEFAULT_GRADIENT2_SMOOTHING = 0.2;
    public static final double DEFAULT_VEGAS_SMOOTHING = 1.0;
    public static final int DEFAULT_LONG_WINDOW = 600;
    public static final double DEFAULT_RTT_TOLERANCE = 1.5;
    public static final int DEFAULT_QUEUE_SIZE = 4;
    public static final double DEFAULT_BACKOFF_RATIO = 0.9;
    public static final Duration DEFAULT_LATENCY_THRESHOLD = Duration.ofSeconds(5);

    public AdaptiveLimitConfig {
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(probeInterval, "probe-interval");
        Objects.requireNonNull(latencyThreshold, "latency-threshold");
    }

    /** @return a builder holding the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Validating builder: setters throw {@link InvalidSettingException} naming the key; {@link #build()} checks the
     * rules between keys (bounds, and parameters given for another algorithm). Not thread-safe.
     */
    public static final class Builder {
        private Algorithm algorithm = Algorithm.GRADIENT2;
        private Integer initial;
        private int min = DEFAULT_MIN;
        private int max = DEFAULT_MAX;
        private Duration window = DEFAULT_WINDOW;
        private int windowSamples = DEFAULT_WINDOW_SAMPLES;
        private double latencyTolerance = DEFAULT_LATENCY_TOLERANCE;
        private double maxGrowth = DEFAULT_MAX_GROWTH;
        private Duration probeInterval = DEFAULT_PROBE_INTERVAL;
        private double dropShare = DEFAULT_DROP_SHARE;
        private Double smoothing;
        private Integer longWindow;
        private Double rttTolerance;
        private Integer queueSize;
        private Integer alpha;
        private Integer beta;
        private Double backoffRatio;
        private Duration latencyThreshold;

        private Builder() {
        }

        public Builder algorithm(Algorithm algorithm) {
            this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
            return this;
        }

        /** {@code initial}: 1-100000, within {@code min}-{@code max}; default 20 (kept within the bounds). */
        public Builder initial(int initial) {
            this.initial = Check.range("initial", initial, 1, ThrottleConfig.MAX_CONCURRENT);
            return this;
        }

        /** {@code min}: 1-100000, at most {@code max}; default 1. */
        public Builder min(int min) {
            this.min = Check.range("min", min, 1, ThrottleConfig.MAX_CONCURRENT);
            return this;
        }

        /** {@code max}: 1-100000; default 200. */
        public Builder max(int max) {
            this.max = Check.range("max", max, 1, ThrottleConfig.MAX_CONCURRENT);
            return this;
        }

        /** {@code window}: 1ms-1m; default 1s. */
        public Builder window(Duration window) {
            Check.duration("window", window);
            if (window.compareTo(MAX_WINDOW) > 0) {
                throw new InvalidSettingException("window", ConfigValues.quote(ConfigValues.formatDuration(window))
                        + " is too long (at most 1m)");
            }
            this.window = window;
            return this;
        }

        /** {@code window-samples}: 1-100000; default 10. */
        public Builder windowSamples(int samples) {
            this.windowSamples = Check.range("window-samples", samples, 1, MAX_WINDOW_SAMPLES);
            return this;
        }

        /** {@code latency-tolerance}: above 1, at most 10; default 1.5. */
        public Builder latencyTolerance(double tolerance) {
            this.latencyTolerance = decimal("latency-tolerance", tolerance, 1.0, false, 10.0);
            return this;
        }

        /** {@code max-growth}: above 0, at most 1; default 0.1. */
        public Builder maxGrowth(double fraction) {
            this.maxGrowth = decimal("max-growth", fraction, 0.0, false, 1.0);
            return this;
        }

        /** {@code probe-interval}: 1s-1d; default 60s. */
        public Builder probeInterval(Duration interval) {
            Check.duration("probe-interval", interval);
            if (interval.compareTo(Duration.ofSeconds(1)) < 0 || interval.compareTo(Duration.ofDays(1)) > 0) {
                throw new InvalidSettingException("probe-interval",
                        ConfigValues.quote(ConfigValues.formatDuration(interval)) + " is outside 1s-1d");
            }
            this.probeInterval = interval;
            return this;
        }

        /** {@code drop-share}: above 0, at most 1; default 0.1 (a window with 10 % drops or more backs off). */
        public Builder dropShare(double share) {
            this.dropShare = decimal("drop-share", share, 0.0, false, 1.0);
            return this;
        }

        /** {@code smoothing} (gradient2, vegas): above 0, at most 1; default 0.2 (gradient2), 1 (vegas). */
        public Builder smoothing(double smoothing) {
            this.smoothing = decimal("smoothing", smoothing, 0.0, false, 1.0);
            return this;
        }

        /** {@code long-window} (gradient2): 10-100000 windows; default 600. */
        public Builder longWindow(int windows) {
            this.longWindow = Check.range("long-window", windows, 10, 100_000);
            return this;
        }

        /** {@code rtt-tolerance} (gradient2): 1-10; default 1.5. */
        public Builder rttTolerance(double tolerance) {
            this.rttTolerance = decimal("rtt-tolerance", tolerance, 1.0, true, 10.0);
            return this;
        }

        /** {@code queue-size} (gradient2): 0-1000; default 4. */
        public Builder queueSize(int queueSize) {
            this.queueSize = Check.range("queue-size", queueSize, 0, 1000);
            return this;
        }

        /**
         * {@code alpha} (vegas): 1-1000, below {@code beta}, given together with {@code beta}; default 3 × log10 of
         * the limit.
         */
        public Builder alpha(int alpha) {
            this.alpha = Check.range("alpha", alpha, 1, 1000);
            return this;
        }

        /**
         * {@code beta} (vegas): 1-1000, above {@code alpha}, given together with {@code alpha}; default 6 × log10 of
         * the limit.
         */
        public Builder beta(int beta) {
            this.beta = Check.range("beta", beta, 1, 1000);
            return this;
        }

        /** {@code backoff-ratio} (aimd): 0.5 or more, below 1; default 0.9. */
        public Builder backoffRatio(double ratio) {
            if (!(ratio >= 0.5 && ratio < 1.0)) {
                throw new InvalidSettingException("backoff-ratio", format(ratio) + " is outside 0.5 (included) to 1");
            }
            this.backoffRatio = ratio;
            return this;
        }

        /** {@code latency-threshold} (aimd): a duration; default 5s. */
        public Builder latencyThreshold(Duration threshold) {
            this.latencyThreshold = Check.duration("latency-threshold", threshold);
            return this;
        }

        public AdaptiveLimitConfig build() {
            if (min > max) {
                throw new InvalidSettingException("min", min + " is above max (" + max + ")");
            }
            int init = initial == null ? Math.max(min, Math.min(max, DEFAULT_INITIAL)) : initial;
            if (init < min || init > max) {
                throw new InvalidSettingException("initial", init + " is outside min-max (" + min + "-" + max + ")");
            }
            only(Algorithm.GRADIENT2, "long-window", longWindow);
            only(Algorithm.GRADIENT2, "rtt-tolerance", rttTolerance);
            only(Algorithm.GRADIENT2, "queue-size", queueSize);
            only(Algorithm.VEGAS, "alpha", alpha);
            only(Algorithm.VEGAS, "beta", beta);
            only(Algorithm.AIMD, "backoff-ratio", backoffRatio);
            only(Algorithm.AIMD, "latency-threshold", latencyThreshold);
            if (smoothing != null && algorithm == Algorithm.AIMD) {
                throw new InvalidSettingException("smoothing", "applies only with algorithm gradient2 or vegas");
            }
            // the defaults scale with the limit (3 and 6 × log10): a fixed value on one side can cross the other's
            // moving default somewhere between min and max, so the pair is given whole or not at all
            if (alpha != null && beta == null) {
                throw new InvalidSettingException("beta", "is required when alpha is given (the default, 6 × log10 of "
                        + "the limit, can fall to or below a fixed alpha)");
            }
            if (beta != null && alpha == null) {
                throw new InvalidSettingException("alpha", "is required when beta is given (the default, 3 × log10 of "
                        + "the limit, can reach or pass a fixed beta)");
            }
            if (alpha != null && alpha >= beta) {
                throw new InvalidSettingException("beta", beta + " must be above alpha (" + alpha + ")");
            }
            double smooth = smoothing != null ? smoothing
                    : algorithm == Algorithm.VEGAS ? DEFAULT_VEGAS_SMOOTHING : DEFAULT_GRADIENT2_SMOOTHING;
            return new AdaptiveLimitConfig(algorithm, init, min, max, window, windowSamples, latencyTolerance,
                    maxGrowth, probeInterval, dropShare, smooth,
                    longWindow == null ? DEFAULT_LONG_WINDOW : longWindow,
                    rttTolerance == null ? DEFAULT_RTT_TOLERANCE : rttTolerance,
                    queueSize == null ? DEFAULT_QUEUE_SIZE : queueSize,
                    alpha == null ? 0 : alpha, beta == null ? 0 : beta,
                    backoffRatio == null ? DEFAULT_BACKOFF_RATIO : backoffRatio,
                    latencyThreshold == null ? DEFAULT_LATENCY_THRESHOLD : latencyThreshold);
        }

        private void only(Algorithm owner, String key, Object value) {
            if (value != null && algorithm != owner) {
                throw new InvalidSettingException(key, "applies only with algorithm " + owner.configName()
                        + " (this limit is " + algorithm.configName() + ")");
            }
        }

        private static double decimal(String key, double value, double low, boolean lowIncluded, double high) {
            boolean above = lowIncluded ? value >= low : value > low;
            if (!above || !(value <= high)) {
                throw new InvalidSettingException(key, format(value) + " is outside " + format(low)
                        + (lowIncluded ? " (included)" : " (excluded)") + " to " + format(high));
            }
            return value;
        }

        private static String format(double v) {
            return v == Math.rint(v) && !Double.isInfinite(v) ? Long.toString((long) v) : Double.toString(v);
        }
    }
}
