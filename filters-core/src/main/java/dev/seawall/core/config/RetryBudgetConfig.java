package dev.seawall.core.config;

import java.time.Duration;

/**
 * A client's {@code budget}: retries (and hedged attempts) allowed as a share of first attempts, spent in the twentieth
 * of the window they were made in, or a floor of {@code min-per-second × window} retries per sliding window when that
 * allows more, so that a quiet client can still retry (Finagle's and Linkerd's retry budget, without saving deposits
 * up for a burst, and with the floor as a minimum rather than an addition). When the budget is spent, the failure is
 * returned instead of retried, so a dependency that is down sees about {@code (1 + percent/100)} times the incoming
 * rate. Immutable and thread-safe; built and validated by {@link #builder()}.
 *
 * @param percent      {@code ratio}: retries per 100 first attempts (0-100, decimals allowed)
 * @param minPerSecond {@code min-per-second}: the floor, at least {@code min-per-second × window} retries per window
 * @param window       {@code window}: the floor's window (1s-5m); first attempts pay for retries within a twentieth
 */
public record RetryBudgetConfig(double percent, int minPerSecond, Duration window) {

    public static final double DEFAULT_PERCENT = 10;
    public static final int DEFAULT_MIN_PER_SECOND = 1;
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);
    public static final int MAX_MIN_PER_SECOND = 10_000;
    /** A client's budget when its {@code budget} key is absent. */
    public static final RetryBudgetConfig DEFAULTS = builder().build();

    public static Builder builder() {
        return new Builder();
    }

    /** Validating builder; setters throw {@link InvalidSettingException} naming the key. Not thread-safe. */
    public static final class Builder {
        private double percent = DEFAULT_PERCENT;
        private int minPerSecond = DEFAULT_MIN_PER_SECOND;
        private Duration window = DEFAULT_WINDOW;

        private Builder() {
        }

        /** {@code ratio}: 0-100 percent of first attempts. */
        public Builder percent(double percent) {
            if (!(percent >= 0 && percent <= 100)) {
                throw new InvalidSettingException("ratio", formatPercent(percent) + " is outside 0%-100%");
            }
            this.percent = percent;
            return this;
        }

        public Builder minPerSecond(int n) {
            this.minPerSecond = Check.range("min-per-second", n, 0, MAX_MIN_PER_SECOND);
            return this;
        }

        public Builder window(Duration window) {
            Check.duration("window", window);
            if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(Duration.ofMinutes(5)) > 0) {
                throw new InvalidSettingException("window", dev.seawall.core.internal.config.ConfigValues.quote(
                        dev.seawall.core.internal.config.ConfigValues.formatDuration(window)) + " is outside 1s-5m");
            }
            this.window = window;
            return this;
        }

        public RetryBudgetConfig build() {
            return new RetryBudgetConfig(percent, minPerSecond, window);
        }
    }

    /** {@code 12.5%}, {@code 10%}. */
    static String formatPercent(double p) {
        return (p == Math.rint(p) && !Double.isInfinite(p) ? Long.toString((long) p) : Double.toString(p)) + "%";
    }
}
