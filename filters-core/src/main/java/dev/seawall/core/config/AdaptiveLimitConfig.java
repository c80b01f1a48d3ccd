package dev.seawall.core.config;

/**
 * A throttle's {@code limit} block, used with {@code max-concurrent: adaptive}. Immutable and thread-safe; built and
 * validated by {@link #builder()}.
 *
 * <p>PLACEHOLDER CONTRACT (replaced by the adaptive-limit work): the algorithm and the bounds.
 */
public record AdaptiveLimitConfig(Algorithm algorithm, int initial, int min, int max) {

    /** The limit algorithm, from Netflix concurrency-limits. */
    public enum Algorithm { GRADIENT2, VEGAS, AIMD }

    public static Builder builder() {
        return new Builder();
    }

    /** Validating builder. Not thread-safe. */
    public static final class Builder {
        private Algorithm algorithm = Algorithm.GRADIENT2;
        private int initial = 20;
        private int min = 1;
        private int max = 200;

        private Builder() {
        }

        public Builder algorithm(Algorithm algorithm) {
            this.algorithm = algorithm;
            return this;
        }

        public Builder initial(int initial) {
            this.initial = initial;
            return this;
        }

        public Builder min(int min) {
            this.min = min;
            return this;
        }

        public Builder max(int max) {
            this.max = max;
            return this;
        }

        public AdaptiveLimitConfig build() {
            return new AdaptiveLimitConfig(algorithm, initial, min, max);
        }
    }
}
