package dev.seawall.core.chain;

/**
 * The five kinds of stage, declared in the default order, outer to inner (see docs/design/architecture.md
 * section for why this order). Immutable.
 */
public enum StageKind {
    /** Cheapest rejections first: an IP flood is stopped before any other work. */
    RATE_LIMIT("rate-limits"),
    /** Outside the breaker and timeout so it can turn their answers into a safe response. */
    FALLBACK("fallback"),
    /** Fails fast before anything queues; throttle rejections never count as failures. */
    CIRCUIT_BREAKER("circuit-breaker"),
    /** Concurrency limit and bounded queue. */
    THROTTLE("throttle"),
    /** Innermost, so the breaker sees a timeout as a failure. */
    TIMEOUT("timeout");

    private final String configName;

    StageKind(String configName) {
        this.configName = configName;
    }

    /** The key of this stage in a policy of the YAML file. */
    public String configName() {
        return configName;
    }
}
