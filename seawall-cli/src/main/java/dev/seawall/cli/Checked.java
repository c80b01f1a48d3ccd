package dev.seawall.cli;

import dev.seawall.cli.internal.UncheckedHandler;
import dev.seawall.core.config.ConfigException;
import dev.seawall.core.config.ConfigLoader;
import dev.seawall.core.config.FallbackConfig;
import dev.seawall.core.config.PolicyConfig;
import dev.seawall.core.config.SeawallConfig;
import dev.seawall.core.internal.config.PolicyFactory;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.time.NanoClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One file checked as start-up would check it: loaded (with {@code ${NAME}} substitution from the tool's
 * environment) and its policies built by the engine's own factory, so that the mistakes only building finds (a
 * shared breaker declared twice with other settings) are reported too. Buckets are local whatever {@code store:}
 * says: the tool never connects anywhere. A fallback handler class that the tool's class path ({@code
 * --class-path}) does not hold is noted, not refused, and the policy is built with a stand-in. Immutable once made;
 * not shared between threads.
 *
 * @param file     the file as read
 * @param config   the configuration, or null when the file is unreadable or invalid
 * @param policies the built policies, or null
 * @param problems the problems, empty when the file is valid or unreadable
 * @param notes    what could not be checked, e.g. a handler class not on the class path
 */
record Checked(InputFile file, SeawallConfig config, List<Policy> policies, List<ConfigException.Problem> problems,
               List<String> notes) {

    static Checked of(String arg, Function<String, String> environment, ClassLoader classes) {
        InputFile file = InputFile.read(arg);
        if (!file.readable()) {
            return new Checked(file, null, null, List.of(), List.of());
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        // the factory loads fallback handlers through the context class loader, as in a container
        thread.setContextClassLoader(classes);
        try {
            SeawallConfig config = ConfigLoader.parse(file.name(), file.text(), environment);
            List<String> notes = new ArrayList<>();
            SeawallConfig buildable = standIns(config, classes, notes);
            // a shared store is not connected to: breakers declared shared are checked against a stand-in for it
            dev.seawall.core.ratelimit.BucketStore store = config.store().local()
                    ? dev.seawall.core.ratelimit.LocalBucketStore.INSTANCE : new SharedStandIn();
            List<Policy> policies = PolicyFactory.policies(buildable, new PolicyFactory.Context(NanoClock.system(),
                    new SimpleMeterRegistry(), null, store));
            return new Checked(file, config, policies, List.of(), List.copyOf(notes));
        } catch (ConfigException e) {
            return new Checked(file, null, null, e.problems(), List.of());
        } catch (RuntimeException | LinkageError e) {
            // a refusal outside the loader, or an application class that fails to initialise: the kind, no trace
            return new Checked(file, null, null, List.of(new ConfigException.Problem(file.name(), 0, "",
                    "refused while building the policies (" + e.getClass().getSimpleName() + ")")), List.of());
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /**
     * What the tool builds against instead of a shared store it does not connect to: local buckets, and breaker state
     * that answers at once and never changes. Thread-safe (stateless).
     */
    private static final class SharedStandIn implements dev.seawall.core.ratelimit.BucketStore,
            dev.seawall.core.breaker.SharedBreakerState {

        @Override
        public Buckets buckets(dev.seawall.core.ratelimit.BucketSpec spec) {
            return dev.seawall.core.ratelimit.LocalBucketStore.INSTANCE.buckets(spec);
        }

        @Override
        public dev.seawall.core.breaker.SharedBreakerState sharedBreakers() {
            return this;
        }

        @Override
        public Membership join(String breaker, Listener listener) {
            return () -> { };
        }

        @Override
        public java.util.concurrent.CompletionStage<State> read(String breaker) {
            return java.util.concurrent.CompletableFuture.completedFuture(State.INITIAL);
        }

        @Override
        public java.util.concurrent.CompletionStage<State> open(String breaker, long closedGeneration) {
            return read(breaker);
        }

        @Override
        public java.util.concurrent.CompletionStage<State> force(String breaker, Phase phase) {
            return read(breaker);
        }

        @Override
        public boolean tryProbe(String breaker, long generation, int limit, java.time.Duration lease) {
            return true;
        }

        @Override
        public void releaseProbe(String breaker, long generation) {
        }

        @Override
        public java.util.concurrent.CompletionStage<State> probeResult(String breaker, long generation, boolean failed,
                                                                       int calls, int failureRate) {
            return read(breaker);
        }

        @Override
        public String describe() {
            return "a stand-in for the shared store (not connected)";
        }
    }

    /** The configuration with a stand-in for every fallback handler class the class path does not hold. */
    private static SeawallConfig standIns(SeawallConfig config, ClassLoader classes, List<String> notes) {
        List<PolicyConfig> policies = new ArrayList<>();
        boolean changed = false;
        for (PolicyConfig p : config.policies()) {
            FallbackConfig f = p.fallback();
            if (f != null && f.handler() != null && !present(f.handler(), classes)) {
                notes.add(config.source() + ":" + config.line("policies[" + policies.size() + "].fallback")
                        + ": policies[" + policies.size() + "].fallback.handler: class " + f.handler()
                        + " is not on the tool's class path (--class-path): checked as a name only");
                f = new FallbackConfig(f.status(), f.contentType(), f.body(), f.headers(),
                        UncheckedHandler.class.getName(), f.staleCache(), f.cacheEntries(), f.cacheBytes(), f.on(),
                        f.cacheNoStore());
                p = new PolicyConfig(p.name(), p.paths(), p.methods(), p.rateLimits(), p.throttle(),
                        p.circuitBreaker(), p.timeout(), f, p.order(), p.failClosed(), p.bufferBytes(),
                        p.idempotency(), p.exempt());
                changed = true;
            }
            policies.add(p);
        }
        if (!changed) {
            return config;
        }
        return new SeawallConfig(config.source(), config.trustedProxies(), config.rateLimitHeaders(),
                config.ipv6Prefix(), policies, config.store(), config.clients(), config.positions(), config.exempt());
    }

    private static boolean present(String name, ClassLoader classes) {
        try {
            Class.forName(name, false, classes);
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    boolean valid() {
        return config != null;
    }
}
