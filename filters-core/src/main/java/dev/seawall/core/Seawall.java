package dev.seawall.core;

import dev.seawall.core.config.ConfigLoader;
import dev.seawall.core.config.PolicyFactory;
import dev.seawall.core.config.SeawallConfig;
import dev.seawall.core.policy.PathPolicyTable;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.ratelimit.PlanResolver;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.time.NanoClock;
import dev.seawall.core.timeout.DeadlineTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The engine an adapter talks to: the compiled policy table and the clock.
 *
 * <p>Immutable and thread-safe; one instance serves every request. A configuration reload builds a new
 * instance and swaps it in atomically (the adapter holds it in a volatile field). An engine with a timeout
 * policy owns a {@link DeadlineTimer} thread: {@link #close()} it when the application stops (the servlet
 * filters do so in {@code destroy()}), or the thread outlives a redeploy.
 */
public final class Seawall implements AutoCloseable {

    private final PathPolicyTable<Policy> table;
    private final List<Policy> policies;
    private final NanoClock clock;
    private final String source;
    private final SeawallConfig config;
    private final DeadlineTimer deadlines;
    private final boolean ownsDeadlines;

    private Seawall(List<Policy> policies, NanoClock clock, String source, SeawallConfig config,
                    DeadlineTimer deadlines) {
        PathPolicyTable.Builder<Policy> b = PathPolicyTable.builder();
        Set<String> names = new HashSet<>();
        for (Policy p : policies) {
            if (!names.add(p.name())) {
                throw new IllegalArgumentException("two policies are named " + p.name());
            }
            for (String path : p.paths()) {
                b.add(path, p.methods(), p, p.name());
            }
        }
        this.table = b.build();
        this.policies = List.copyOf(policies);
        this.clock = clock;
        this.source = source;
        this.config = config;
        boolean timeouts = policies.stream().anyMatch(p -> p.chain().stage(StageKind.TIMEOUT) != null);
        this.ownsDeadlines = deadlines == null && timeouts;
        this.deadlines = deadlines != null ? deadlines : timeouts ? DeadlineTimer.start(clock) : null;
    }

    /** @return the timer firing request deadlines; null when no policy has a timeout */
    public DeadlineTimer deadlines() {
        return deadlines;
    }

    /** Stops the deadline timer the engine started (not one handed to its builder). Idempotent. */
    @Override
    public void close() {
        if (ownsDeadlines) {
            deadlines.close();
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * @return the policy for the request, or null when none applies (the request passes untouched);
     *         allocation-free
     */
    public Policy match(String method, String path) {
        return table.match(method, path);
    }

    /** @return the clock adapters read {@code nowNanos} from */
    public NanoClock clock() {
        return clock;
    }

    /** @return the policy with this name, or null */
    public Policy policy(String name) {
        for (Policy p : policies) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }

    /** @return every policy, in configuration order */
    public List<Policy> policies() {
        return policies;
    }

    /** @return where the policies came from (a file name, or {@code programmatic}) */
    public String source() {
        return source;
    }

    /** @return the YAML configuration the policies came from, or null for a programmatic engine */
    public SeawallConfig config() {
        return config;
    }

    /** Collects policies. Not thread-safe; the engine it builds is. */
    public static final class Builder {
        private final List<Policy> policies = new ArrayList<>();
        private NanoClock clock = NanoClock.system();
        private String source = "programmatic";
        private MeterRegistry meterRegistry = Metrics.globalRegistry;
        private String yamlSource;
        private String yamlText;
        private PlanResolver planResolver;
        private DeadlineTimer deadlines;

        private Builder() {
        }

        /** The timer for request deadlines; by default the engine starts its own when a policy has a timeout. */
        public Builder deadlines(DeadlineTimer timer) {
            this.deadlines = Objects.requireNonNull(timer, "timer");
            return this;
        }

        public Builder clock(NanoClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Where meters are registered; default Micrometer's global registry. */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /** An application's plan directory for limits with {@code plans}; consulted before {@code plan-of}. */
        public Builder planResolver(PlanResolver resolver) {
            this.planResolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        public Builder source(String source) {
            this.source = Objects.requireNonNull(source, "source");
            return this;
        }

        /**
         * Adds the policies of a YAML configuration (CONFIG.md). Parsed and validated in {@link #build()}.
         *
         * @param sourceName the file name cited in error messages, e.g. {@code seawall.yaml}
         */
        public Builder yaml(String sourceName, String text) {
            this.yamlSource = Objects.requireNonNull(sourceName, "sourceName");
            this.yamlText = Objects.requireNonNull(text, "text");
            return this;
        }

        public Builder policy(Policy policy) {
            policies.add(Objects.requireNonNull(policy, "policy"));
            return this;
        }

        /**
         * @throws dev.seawall.core.config.ConfigException for an invalid YAML configuration
         * @throws IllegalArgumentException for duplicate policy names or pattern ties
         */
        public Seawall build() {
            if (yamlText == null) {
                return new Seawall(policies, clock, source, null, deadlines);
            }
            SeawallConfig config = ConfigLoader.parse(yamlSource, yamlText);
            List<Policy> all = new ArrayList<>(PolicyFactory.policies(config,
                    new PolicyFactory.Context(clock, meterRegistry, planResolver)));
            all.addAll(policies);
            return new Seawall(all, clock, yamlSource, config, deadlines);
        }
    }
}
