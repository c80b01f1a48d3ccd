package dev.seawall.core;

import dev.seawall.core.breaker.Breaker;
import dev.seawall.core.breaker.BreakerStage;
import dev.seawall.core.chain.Stage;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.config.ConfigLoader;
import dev.seawall.core.config.SeawallConfig;
import dev.seawall.core.event.SeawallListener;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.Gauges;
import dev.seawall.core.internal.config.ConfigValues;
import dev.seawall.core.internal.config.PolicyFactory;
import dev.seawall.core.internal.event.EventHub;
import dev.seawall.core.internal.outbound.ClientRuntime;
import dev.seawall.core.internal.policy.PathPolicyTable;
import dev.seawall.core.internal.ratelimit.Stores;
import dev.seawall.core.internal.timeout.DeadlineTimer;
import dev.seawall.core.metrics.ClientMeters;
import dev.seawall.core.metrics.SeawallMeters;
import dev.seawall.core.outbound.OutboundClient;
import dev.seawall.core.outbound.OutboundClients;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.ratelimit.BucketStore;
import dev.seawall.core.ratelimit.PlanResolver;
import dev.seawall.core.time.NanoClock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.observation.ObservationRegistry;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The engine an adapter talks to: the compiled policy table and the clock.
 *
 * <p>Immutable and thread-safe; one instance serves every request. A configuration reload builds a new
 * instance with {@link #reload} and swaps it in atomically (see {@link LiveSeawall}). An engine with a timeout
 * policy owns a {@link DeadlineTimer} thread: {@link #close()} it when the application stops (the servlet
 * filters do so in {@code destroy()}), or the thread outlives a redeploy.
 */
public final class Seawall implements AutoCloseable {

    static {
        CoreAccess.registerEngine(Seawall::deadlines);
    }

    private final PathPolicyTable<Policy> table;
    private final List<Policy> policies;
    private final NanoClock clock;
    private final String source;
    private final SeawallConfig config;
    private final DeadlineTimer deadlines;
    private final PolicyFactory.Context context;
    private final List<Policy> programmatic;
    private final OutboundClients clients;
    /** The application's listeners; the same hub for every engine a reload builds from this one. */
    private final EventHub events;
    /** cleared when a reload hands the timer or the store to the engine replacing this one */
    private volatile boolean ownsDeadlines;
    private volatile boolean ownsStore;

    private Seawall(List<Policy> policies, NanoClock clock, String source, SeawallConfig config,
                    DeadlineTimer deadlines, PolicyFactory.Context context, List<Policy> programmatic,
                    boolean ownsStore, OutboundClients previousClients, EventHub events) {
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
        // request deadlines, and the end of throttle waits at max-wait (adapters ask the queue then)
        // and, for outbound clients, backoff waits, attempt time-outs and hedges
        boolean hasClients = config != null && !config.clients().isEmpty();
        boolean timed = hasClients || policies.stream().anyMatch(p -> p.chain().stage(StageKind.TIMEOUT) != null
                || p.chain().stage(StageKind.THROTTLE) != null);
        this.ownsDeadlines = deadlines == null && timed;
        this.deadlines = deadlines != null ? deadlines : timed ? DeadlineTimer.start(clock) : null;
        this.context = context;
        this.programmatic = List.copyOf(programmatic);
        this.ownsStore = ownsStore;
        this.clients = hasClients ? CoreAccess.clients(config.clients(),
                ClientRuntime.system(clock, this.deadlines), previousClients) : OutboundClients.NONE;
        this.events = events;
        if (events.active()) {
            events.attach(this.policies);
            context.store().onHealthChange(events::storeHealth);
        }
    }

    /** @return the application's listeners (package-private: {@link LiveSeawall} publishes reloads to them) */
    EventHub events() {
        return events;
    }

    /** @return the timer firing request deadlines and throttle waits' ends; null when no policy has either stage */
    DeadlineTimer deadlines() {
        return deadlines;
    }

    /**
     * Stops the deadline timer the engine started (not one handed to its builder) and closes the bucket store it
     * created, unless a reload handed them on. Idempotent.
     */
    @Override
    public void close() {
        if (ownsDeadlines) {
            ownsDeadlines = false;
            deadlines.close();
        }
        if (ownsStore) {
            ownsStore = false;
            context.store().close();
        }
    }

    /** @return the outbound clients of {@code clients:} (none for a programmatic engine or a file without them) */
    public OutboundClients clients() {
        return clients;
    }

    /**
     * @return the outbound client with this name in {@code clients:}
     * @throws IllegalArgumentException naming the configured clients, when none has this name
     */
    public OutboundClient client(String name) {
        return clients.named(name);
    }

    /** @return where rate-limit buckets live (the local store unless {@code store:} says otherwise) */
    public BucketStore store() {
        return context.store();
    }

    /**
     * @return every breaker of the policies, by name, each once (policies naming one breaker share it), in policy
     *         order; for operators' views and actions, not for the request path (it walks the policies)
     */
    public Map<String, Breaker> breakers() {
        Map<String, Breaker> out = new LinkedHashMap<>();
        for (Policy p : policies()) {
            for (Stage s : p.chain().stages()) {
                if (s instanceof BreakerStage b) {
                    out.putIfAbsent(b.breaker().name(), b.breaker());
                }
            }
        }
        return out;
    }

    /**
     * Builds the engine for a new version of the YAML configuration, carrying the state of everything whose settings
     * did not change: a stage of a policy with the same name and the same settings is kept as it is (buckets,
     * breaker window, queue, cached copies); a named or per-policy breaker with the same settings keeps its window;
     * the bucket store is kept when {@code store:} did not change. Policies added in code are kept. This engine keeps
     * serving until the caller swaps; then the caller must call {@code handOver(Seawall)}.
     *
     * @throws dev.seawall.core.config.ConfigException for an invalid configuration, exactly as at start-up; nothing
     *                                                 changes then
     */
    Seawall reload(String sourceName, String text) {
        SeawallConfig next = ConfigLoader.parse(sourceName, text);
        boolean keepStore = config != null ? config.store().equals(next.store())
                : next.store().local();
        BucketStore store = keepStore ? context.store() : Stores.create(sourceName,
                next.line("store"), next.store(), clock, context.meterRegistry());
        PolicyFactory.Context ctx = new PolicyFactory.Context(clock, context.meterRegistry(), context.planResolver(),
                store);
        try {
            PolicyFactory.Previous previous = config == null ? null
                    : new PolicyFactory.Previous(config, policies, context.store());
            List<Policy> all = new ArrayList<>(PolicyFactory.policies(next, ctx, new PolicyFactory.Breakers(),
                    previous));
            all.addAll(programmatic);
            return new Seawall(all, clock, sourceName, next, deadlines, ctx, programmatic, !keepStore, clients,
                    events);
        } catch (RuntimeException e) {
            if (!keepStore) {
                store.close();
            }
            throw e;
        }
    }

    /**
     * Completes a reload once {@code next} (built by {@link #reload}) serves requests: hands the deadline timer on,
     * closes this engine's store if {@code next} does not use it, and moves the meters from the stages and breakers
     * {@code next} rebuilt to the new ones ({@link SeawallMeters#handOver}). Requests still running on this engine
     * finish normally.
     */
    void handOver(Seawall next) {
        Objects.requireNonNull(next, "next");
        if (ownsDeadlines) {
            ownsDeadlines = false;
            if (next.deadlines == deadlines) {
                next.ownsDeadlines = true;
            } else {
                deadlines.close(); // not reached through reload(), which always hands its timer on
            }
        }
        if (ownsStore && next.context.store() != context.store()) {
            ownsStore = false;
            context.store().close();
        }
        SeawallMeters.handOver(context.meterRegistry(), policies, next.policies);
        ClientMeters.handOver(context.meterRegistry(), clients, next.clients);
        unshareDropped(policies, next.policies);
    }

    /** Shared breakers of {@code from} that {@code to} rebuilt or dropped stop following their store's record. */
    private static void unshareDropped(List<Policy> from, List<Policy> to) {
        java.util.Set<Breaker> kept =
                java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Policy p : to) {
            if (p.chain().stage(StageKind.CIRCUIT_BREAKER)
                    instanceof BreakerStage b) {
                kept.add(b.breaker());
            }
        }
        for (Policy p : from) {
            if (p.chain().stage(StageKind.CIRCUIT_BREAKER)
                    instanceof BreakerStage b && b.breaker().isShared()
                    && !kept.contains(b.breaker())) {
                b.breaker().unshare();
            }
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
        private MeterRegistry meterRegistry;
        private String yamlSource;
        private String yamlText;
        private PlanResolver planResolver;
        private DeadlineTimer deadlines;
        private final List<SeawallListener> listeners = new ArrayList<>();
        private ObservationRegistry observationRegistry;

        private Builder() {
        }

        /**
         * Adds a listener of Seawall's events (breaker transitions, refusals, fallbacks, timeouts, reloads, store
         * health). Listeners are called in the order added, synchronously, never under a lock; a listener that throws is
         * counted and logged once and never breaks a request (see {@link SeawallListener}). The engines a reload
         * builds keep them.
         */
        /**
         * Where Seawall's decisions are added to the <em>current</em> observation (the one the server or framework opened
         * for the request, e.g. Spring's {@code http.server.requests}): key-values {@code seawall.policy} and {@code
         * seawall.outcome} (high-cardinality, so they reach spans but never the server's meter tags), and events for refusals, queue waits, fallbacks, timeouts and breaker transitions. Seawall
         * opens no observation of its own. Default none ({@code ObservationRegistry.NOOP}): nothing is looked up.
         */
        public Builder observationRegistry(ObservationRegistry registry) {
            this.observationRegistry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        public Builder listener(SeawallListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** The timer for request deadlines; by default the engine starts its own when a policy has a timeout. */
        Builder deadlines(DeadlineTimer timer) {
            this.deadlines = Objects.requireNonNull(timer, "timer");
            return this;
        }

        public Builder clock(NanoClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Where the stages' meters are registered. Without one, nothing is published (the status views still count):
         * the adapters pass theirs ({@code SeawallFilter} the servlet context's {@code dev.seawall.meterRegistry},
         * else Micrometer's global registry).
         */
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
            MeterRegistry meterRegistry = this.meterRegistry != null ? this.meterRegistry
                    : new CompositeMeterRegistry(); // a composite without registries publishes nothing
            boolean observed = observationRegistry != null && !observationRegistry.isNoop();
            EventHub events = listeners.isEmpty() && !observed ? EventHub.NONE
                    : new EventHub(listeners, meterRegistry, observationRegistry);
            Seawall engine = build(meterRegistry, events);
            SeawallMeters.bind(meterRegistry, engine.policies);
            ClientMeters.bind(meterRegistry, engine.clients);
            return engine;
        }

        private Seawall build(MeterRegistry meterRegistry, EventHub events) {
            if (yamlText == null) {
                return new Seawall(policies, clock, source, null, deadlines,
                        new PolicyFactory.Context(clock, meterRegistry, planResolver), policies, false, null, events);
            }
            SeawallConfig config = ConfigLoader.parse(yamlSource, yamlText);
            BucketStore store = Stores.create(yamlSource, config.line("store"), config.store(), clock,
                    meterRegistry);
            try {
                PolicyFactory.Context ctx = new PolicyFactory.Context(clock, meterRegistry, planResolver, store);
                List<Policy> all = new ArrayList<>(PolicyFactory.policies(config, ctx));
                all.addAll(policies);
                return new Seawall(all, clock, yamlSource, config, deadlines, ctx, policies, !config.store().local(),
                        null, events);
            } catch (RuntimeException e) {
                store.close();
                throw e;
            }
        }
    }
}
