package dev.seawall.core.config;

import dev.seawall.core.internal.config.ConfigValues;
import dev.seawall.core.internal.outbound.HostPattern;
import dev.seawall.core.policy.PathPattern;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One item of the top-level {@code clients:} list: how the calls a service makes to one dependency are protected.
 * Immutable and thread-safe; built and validated by {@link #builder(String)}, the one place that states a client's
 * defaults and rules for every front end.
 *
 * @param name           unique; used in meters, logs and by code that asks for the client by name
 * @param hosts          host patterns matched against outbound requests; empty for a client used by name only
 * @param paths          servlet url-patterns narrowing {@code hosts}; empty for every path
 * @param retry          {@code retry} ({@link RetryConfig#DEFAULTS} when absent)
 * @param budget         {@code budget} ({@link RetryBudgetConfig#DEFAULTS} when absent)
 * @param circuitBreaker {@code circuit-breaker}: one breaker per client and host, or null for none
 * @param timeout        {@code timeout} ({@link ClientTimeoutConfig#DEFAULTS} when absent)
 * @param maxConcurrent  {@code max-concurrent}: calls in flight at once (a bulkhead), 0 for no bound
 * @param hedge          {@code hedge}, or null for none
 * @param maxBody        {@code max-body}: the largest request body kept in memory so that it can be sent again;
 *                       a larger body is sent once, never retried
 */
public record ClientConfig(String name, List<String> hosts, List<String> paths, RetryConfig retry,
                           RetryBudgetConfig budget, CircuitBreakerConfig circuitBreaker, ClientTimeoutConfig timeout,
                           int maxConcurrent, HedgeConfig hedge, long maxBody) {

    public static final int MAX_CONCURRENT = 100_000;
    public static final int MAX_HOSTS = 1_000;
    public static final long DEFAULT_MAX_BODY = 1024 * 1024;
    public static final long MAX_BODY = 64L * 1024 * 1024;

    public ClientConfig {
        hosts = List.copyOf(hosts);
        paths = List.copyOf(paths);
    }

    /** @param name the client's name (lower case letters, digits, {@code . _ -}) */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * Validating builder: setters throw {@link InvalidSettingException} naming the key; {@link #build()} checks the
     * rules between keys. Not thread-safe.
     */
    public static final class Builder {
        private final String name;
        private final List<String> hosts = new ArrayList<>();
        private final List<String> paths = new ArrayList<>();
        private RetryConfig retry = RetryConfig.DEFAULTS;
        private RetryBudgetConfig budget = RetryBudgetConfig.DEFAULTS;
        private CircuitBreakerConfig circuitBreaker;
        private ClientTimeoutConfig timeout = ClientTimeoutConfig.DEFAULTS;
        private int maxConcurrent;
        private HedgeConfig hedge;
        private long maxBody = DEFAULT_MAX_BODY;

        private Builder(String name) {
            if (name == null || !Check.SAFE_NAME.matcher(name).matches()) {
                throw new InvalidSettingException("name", ConfigValues.quote(String.valueOf(name))
                        + " is not a valid name (lower case letters, digits, . _ -; at most 64)");
            }
            this.name = name;
        }

        /** One of {@code hosts}: {@code host}, {@code host:port}, {@code *.domain}, {@code [ipv6]:port}. */
        public Builder host(String host) {
            HostPattern p;
            try {
                p = HostPattern.parse(host);
            } catch (IllegalArgumentException e) {
                throw new InvalidSettingException("hosts", e.getMessage());
            }
            if (hosts.size() >= MAX_HOSTS) {
                throw new InvalidSettingException("hosts", "has more than " + MAX_HOSTS + " entries");
            }
            String text = p.toString();
            if (hosts.contains(text)) {
                throw new InvalidSettingException("hosts", ConfigValues.quote(host.trim()) + " is listed twice");
            }
            hosts.add(text);
            return this;
        }

        /** One of {@code paths}: a servlet url-pattern. */
        public Builder path(String path) {
            try {
                PathPattern.parse(path);
            } catch (IllegalArgumentException e) {
                throw new InvalidSettingException("paths", e.getMessage());
            }
            paths.add(path.trim());
            return this;
        }

        public Builder retry(RetryConfig retry) {
            this.retry = Objects.requireNonNull(retry, "retry");
            return this;
        }

        public Builder budget(RetryBudgetConfig budget) {
            this.budget = Objects.requireNonNull(budget, "budget");
            return this;
        }

        /** One breaker per client and host; a shared {@code name} is refused (the host makes the breaker). */
        public Builder circuitBreaker(CircuitBreakerConfig breaker) {
            if (breaker != null && breaker.name() != null) {
                throw new InvalidSettingException("circuit-breaker.name", "a client has one breaker per host;"
                        + " a shared breaker name is not available here");
            }
            if (breaker != null && breaker.shared()) {
                throw new InvalidSettingException("circuit-breaker.shared", "a client's breakers judge each host"
                        + " from this node; a breaker shared across nodes is available on policies only");
            }
            this.circuitBreaker = breaker;
            return this;
        }

        public Builder timeout(ClientTimeoutConfig timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** {@code max-concurrent}: 1-100000 calls in flight. */
        public Builder maxConcurrent(int max) {
            this.maxConcurrent = Check.range("max-concurrent", max, 1, MAX_CONCURRENT);
            return this;
        }

        public Builder hedge(HedgeConfig hedge) {
            this.hedge = hedge;
            return this;
        }

        /** {@code max-body}: 0 (never buffer: requests with a body are sent once) to 64 MB. */
        public Builder maxBody(long bytes) {
            this.maxBody = Check.rangeLong("max-body", bytes, 0, MAX_BODY);
            return this;
        }

        public ClientConfig build() {
            if (!paths.isEmpty() && hosts.isEmpty()) {
                throw new InvalidSettingException("paths", "narrows hosts, so it needs hosts");
            }
            if (hedge != null && retry.maxAttempts() < 2) {
                throw new InvalidSettingException("hedge", "needs retry.max-attempts of 2 or more: the hedged attempt"
                        + " is one of the attempts");
            }
            if (hedge != null && timeout.attempt() != null && hedge.delay().compareTo(timeout.attempt()) >= 0) {
                throw new InvalidSettingException("hedge.delay", ConfigValues.quote(ConfigValues.formatDuration(
                        hedge.delay())) + " is not shorter than timeout.attempt: the hedge would never be sent");
            }
            return new ClientConfig(name, hosts, paths, retry, budget, circuitBreaker, timeout, maxConcurrent, hedge,
                    maxBody);
        }
    }
}
