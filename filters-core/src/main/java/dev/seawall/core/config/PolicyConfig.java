package dev.seawall.core.config;

import dev.seawall.core.chain.StageKind;
import dev.seawall.core.internal.config.ConfigValues;
import dev.seawall.core.key.KeyKind;
import dev.seawall.core.policy.PathPattern;
import dev.seawall.core.timeout.TimeoutStage;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * One policy of the file. Stage fields are null when the policy does not configure that stage.
 * Immutable and thread-safe; built and validated by {@link #builder(String)}.
 *
 * @param order       explicit stage order (outer to inner), or null for the default order
 * @param failClosed  the policy never serves a substitute (login, authorisation endpoints)
 * @param bufferBytes how much of a response is held back so that a timeout or fallback can still replace it;
 *                    0 turns buffering off
 * @param idempotency the {@code idempotency} block, or null. It is not a stage of the chain: it answers before the
 *                    chain (a repeat is replayed, or refused, without spending the chain's permits) and keeps the answer
 *                    the client got, whatever stage produced it
 * @param exempt      the policy's {@code exempt} block (requests that skip its rate limits and throttle), or null;
 *                    the file's top-level block applies as well
 */
public record PolicyConfig(String name, List<String> paths, Set<String> methods,
                           List<RateLimitConfig> rateLimits, ThrottleConfig throttle,
                           CircuitBreakerConfig circuitBreaker, TimeoutConfig timeout, FallbackConfig fallback,
                           List<StageKind> order, boolean failClosed, int bufferBytes,
                           IdempotencyConfig idempotency, ExemptConfig exempt) {

    /** {@code buffer}: how much of a response is held back (256KB). */
    public static final int DEFAULT_BUFFER_BYTES = TimeoutStage.DEFAULT_BUFFER_BYTES;
    /** Largest {@code buffer}. */
    public static final int MAX_BUFFER_BYTES = 64 * 1024 * 1024;

    public PolicyConfig {
        paths = List.copyOf(paths);
        methods = Set.copyOf(methods);
        rateLimits = List.copyOf(rateLimits);
        order = order == null ? null : List.copyOf(order);
    }

    /** @return the stages this policy configures */
    public Set<StageKind> stages() {
        EnumSet<StageKind> present = EnumSet.noneOf(StageKind.class);
        if (!rateLimits.isEmpty()) {
            present.add(StageKind.RATE_LIMIT);
        }
        if (throttle != null) {
            present.add(StageKind.THROTTLE);
        }
        if (circuitBreaker != null) {
            present.add(StageKind.CIRCUIT_BREAKER);
        }
        if (timeout != null) {
            present.add(StageKind.TIMEOUT);
        }
        if (fallback != null) {
            present.add(StageKind.FALLBACK);
        }
        return present;
    }

    /** @param name unique in the configuration; used in headers, metrics and logs */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * Validating builder: setters throw {@link InvalidSettingException} naming the key; {@link #build()} checks
     * the rules between keys. Not thread-safe.
     */
    public static final class Builder {
        private final String name;
        private final List<String> paths = new ArrayList<>();
        private final Set<String> methods = new LinkedHashSet<>();
        private final List<RateLimitConfig> rateLimits = new ArrayList<>();
        private ThrottleConfig throttle;
        private CircuitBreakerConfig circuitBreaker;
        private TimeoutConfig timeout;
        private FallbackConfig fallback;
        private List<StageKind> order;
        private boolean failClosed;
        private int bufferBytes = DEFAULT_BUFFER_BYTES;
        private IdempotencyConfig idempotency;
        private ExemptConfig exempt;

        private Builder(String name) {
            if (name == null) {
                throw Check.required("name", null);
            }
            if (!Check.SAFE_NAME.matcher(name).matches()) {
                throw new InvalidSettingException("name", ConfigValues.quote(name) + " is not a valid name (1-64"
                        + " chars of a-z, 0-9, '.', '_', '-', starting with a letter or digit)");
            }
            this.name = name;
        }

        /** One of {@code paths}: a servlet url-pattern. */
        public Builder path(String pattern) {
            try {
                PathPattern.parse(pattern);
            } catch (IllegalArgumentException e) {
                throw new InvalidSettingException("paths", e.getMessage());
            }
            paths.add(pattern);
            return this;
        }

        /** One of {@code methods}: an HTTP method, any case; none means every method. */
        public Builder method(String method) {
            if (method == null || !Check.TOKEN.matcher(method).matches()) {
                throw new InvalidSettingException("methods", ConfigValues.quote(String.valueOf(method))
                        + " is not an HTTP method");
            }
            methods.add(method.toUpperCase(Locale.ROOT));
            return this;
        }

        /** One of {@code rate-limits}; names must be distinct within the policy. */
        public Builder rateLimit(RateLimitConfig limit) {
            for (RateLimitConfig l : rateLimits) {
                if (l.name().equals(limit.name())) {
                    throw new InvalidSettingException("rate-limits", "two limits of this policy are named \""
                            + limit.name() + "\": give each a distinct name");
                }
            }
            rateLimits.add(limit);
            return this;
        }

        public Builder throttle(ThrottleConfig throttle) {
            this.throttle = throttle;
            return this;
        }

        public Builder circuitBreaker(CircuitBreakerConfig circuitBreaker) {
            this.circuitBreaker = circuitBreaker;
            return this;
        }

        public Builder timeout(TimeoutConfig timeout) {
            this.timeout = timeout;
            return this;
        }

        public Builder fallback(FallbackConfig fallback) {
            this.fallback = fallback;
            return this;
        }

        /** {@code order}: every stage of the policy exactly once, outer to inner; null for the default order. */
        public Builder order(List<StageKind> order) {
            this.order = order == null ? null : List.copyOf(order);
            return this;
        }

        /** {@code idempotency}: null for none. */
        public Builder idempotency(IdempotencyConfig idempotency) {
            this.idempotency = idempotency;
            return this;
        }

        /** {@code exempt}: null for none. */
        public Builder exempt(ExemptConfig exempt) {
            this.exempt = exempt;
            return this;
        }

        public Builder failClosed(boolean failClosed) {
            this.failClosed = failClosed;
            return this;
        }

        /** {@code buffer}: 0 (off) to 64MB. */
        public Builder bufferBytes(int bytes) {
            this.bufferBytes = Check.range("buffer", bytes, 0, MAX_BUFFER_BYTES);
            return this;
        }

        public PolicyConfig build() {
            if (paths.isEmpty()) {
                throw Check.required("paths", "(servlet url-patterns such as /api/*)");
            }
            PolicyConfig p = new PolicyConfig(name, paths, methods, rateLimits, throttle, circuitBreaker, timeout,
                    fallback, order, failClosed, bufferBytes, idempotency, exempt);
            Set<StageKind> present = p.stages();
            if (present.isEmpty() && idempotency == null) {
                throw new InvalidSettingException("", "policy \"" + name + "\" has no stage (add rate-limits,"
                        + " throttle, circuit-breaker, timeout, fallback or idempotency)");
            }
            if (exempt != null && rateLimits.isEmpty() && throttle == null) {
                throw new InvalidSettingException("exempt", "exempts requests from rate limits and the throttle,"
                        + " and this policy has neither");
            }
            if (idempotency != null && (idempotency.scope() == KeyKind.API_KEY || idempotency.scope() == KeyKind.TENANT)
                    && rateLimits.stream().noneMatch(l -> l.by() == idempotency.scope())) {
                throw new InvalidSettingException("idempotency.scope", idempotency.scope().configName() + " needs a"
                        + " rate limit by " + idempotency.scope().configName() + " in this policy (it says where the"
                        + " identity is read)", "idempotency");
            }
            if (idempotency != null && (timeout != null || throttle != null)) {
                // the key is claimed before the chain: it must outlast the wait in the queue and the run
                java.time.Duration longest = java.time.Duration.ZERO;
                String what = "";
                if (throttle != null && throttle.queue() > 0) {
                    longest = longest.plus(throttle.maxWait());
                    what = "the throttle's max-wait (" + ConfigValues.formatDuration(throttle.maxWait()) + ")";
                }
                if (timeout != null) {
                    longest = longest.plus(timeout.after());
                    what = (what.isEmpty() ? "" : what + " plus ") + "the policy's timeout ("
                            + ConfigValues.formatDuration(timeout.after()) + ")";
                }
                if (!longest.isZero() && idempotency.lease().compareTo(longest) <= 0) {
                    throw new InvalidSettingException("idempotency.lease", ConfigValues.formatDuration(
                            idempotency.lease()) + " is not longer than " + what + ": a key must stay held while its"
                            + " first request may still wait or run", "idempotency");
                }
            }
            if (order != null) {
                List<StageKind> seen = new ArrayList<>();
                for (int i = 0; i < order.size(); i++) {
                    StageKind kind = Objects.requireNonNull(order.get(i), "order");
                    if (!present.contains(kind)) {
                        throw new InvalidSettingException("order[" + i + "]", kind.configName()
                                + " is not configured in this policy");
                    }
                    if (seen.contains(kind)) {
                        throw new InvalidSettingException("order[" + i + "]", kind.configName() + " is listed twice");
                    }
                    seen.add(kind);
                }
                if (seen.size() != present.size()) {
                    throw new InvalidSettingException("order", "must list every stage of the policy exactly once: "
                            + present.stream().map(StageKind::configName).toList());
                }
            }
            if (failClosed && fallback != null) {
                if (fallback.staleCache() != null) {
                    throw new InvalidSettingException("fallback.stale-cache", "a fail-closed policy never serves a"
                            + " stale copy; remove stale-cache or fail-closed", "fallback");
                }
                if (fallback.hasStatic() && fallback.status() < 400) {
                    throw new InvalidSettingException("fallback.status", "a fail-closed policy never serves a"
                            + " success-looking fallback (" + fallback.status() + "); use an error status or remove"
                            + " fail-closed", "fallback");
                }
            }
            return p;
        }
    }
}
