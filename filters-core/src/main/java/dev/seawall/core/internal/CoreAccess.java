package dev.seawall.core.internal;

import dev.seawall.core.Seawall;
import dev.seawall.core.config.ClientConfig;
import dev.seawall.core.internal.answer.AnswerPlan;
import dev.seawall.core.internal.idempotency.IdempotencyGuard;
import dev.seawall.core.internal.outbound.ClientCore;
import dev.seawall.core.internal.outbound.ClientRuntime;
import dev.seawall.core.internal.timeout.DeadlineTimer;
import dev.seawall.core.outbound.OutboundClient;
import dev.seawall.core.outbound.OutboundClients;
import dev.seawall.core.policy.Policy;

import java.util.List;
import java.util.Objects;

/**
 * The members of API types that only Seawall's own adapters use, reached from here so that they stay out of the
 * API: an engine's deadline timer and a policy's compiled answer plan. Each API type registers its accessor from
 * its static initialiser and keeps the member itself package-private (the JDK's {@code SharedSecrets} shape).
 * Every accessor takes an instance, and creating the instance initialised its class, so a registration is never
 * missing when it is used.
 *
 * <p>Thread-safe: each accessor is written once, during class initialisation, and read through a volatile field.
 */
public final class CoreAccess {

    /** What {@link Seawall} lends the adapters. */
    @FunctionalInterface
    public interface EngineAccess {
        /** @return the timer firing the engine's request deadlines and throttle waits' ends; null when unneeded */
        DeadlineTimer deadlines(Seawall engine);
    }

    /** What {@link Policy} lends the adapters and the policy factory. */
    public interface PolicyAccess {
        /** @return the policy's answer plan, compiled when the policy was built */
        AnswerPlan answerPlan(Policy policy);

        /** @return the policy's idempotency step, or null */
        IdempotencyGuard idempotency(Policy policy);

        /** @return the policy with this idempotency step */
        Policy withIdempotency(Policy policy, IdempotencyGuard guard);
    }

    /** What {@link OutboundClients} lends the engine. */
    public interface ClientsAccess {
        /** @return the clients of a configuration, carrying over each of {@code previous} whose settings are equal */
        OutboundClients build(List<ClientConfig> configs, ClientRuntime runtime, OutboundClients previous);

        /** @return the internals a client drives, for meters and status pages */
        ClientCore core(OutboundClient client);
    }

    /** Where {@link dev.seawall.core.breaker.Breaker} takes the events of its transitions. */
    @FunctionalInterface
    public interface BreakerAccess {
        /** Sets the events {@code breaker} publishes its transitions to (the newest engine using it sets them). */
        void events(dev.seawall.core.breaker.Breaker breaker, dev.seawall.core.internal.event.EventHub.BreakerEvents e);
    }

    /** Where {@link dev.seawall.core.chain.Chain} takes the events of its refusals. */
    @FunctionalInterface
    public interface ChainAccess {
        /** Sets the events {@code chain}'s exchanges publish their refusals to. */
        void events(dev.seawall.core.chain.Chain chain, dev.seawall.core.internal.event.EventHub.PolicyEvents e);
    }

    private static volatile BreakerAccess breakerAccess;
    private static volatile ChainAccess chainAccess;
    private static volatile EngineAccess engine;
    private static volatile ClientsAccess clients;
    private static volatile PolicyAccess policy;

    private CoreAccess() {
    }

    /** Called once, by {@link Seawall}'s static initialiser. */
    public static void registerEngine(EngineAccess access) {
        if (engine != null) {
            throw new IllegalStateException("engine access already registered");
        }
        engine = access;
    }

    /** Called once, by {@link OutboundClients}'s static initialiser. */
    public static void registerClients(ClientsAccess access) {
        if (clients != null) {
            throw new IllegalStateException("clients access already registered");
        }
        clients = access;
    }

    /** @return the clients of a configuration (see {@link ClientsAccess#build}) */
    public static OutboundClients clients(List<ClientConfig> configs, ClientRuntime runtime,
                                          OutboundClients previous) {
        Objects.requireNonNull(OutboundClients.NONE); // initialises the class, which registers its access
        return clients.build(configs, runtime, previous);
    }

    /** @return the internals {@code c} drives */
    public static ClientCore core(OutboundClient c) {
        Objects.requireNonNull(OutboundClients.NONE);
        return clients.core(c);
    }

    /** Called once, by {@link Policy}'s static initialiser. */
    public static void registerPolicy(PolicyAccess access) {
        if (policy != null) {
            throw new IllegalStateException("policy access already registered");
        }
        policy = access;
    }

    /**
     * @return the timer firing {@code s}'s request deadlines and throttle waits' ends; null when no policy has either
     */
    public static DeadlineTimer deadlines(Seawall s) {
        return engine.deadlines(s);
    }

    /** @return {@code p}'s answer plan */
    public static AnswerPlan answerPlan(Policy p) {
        return policy.answerPlan(p);
    }

    /** @return {@code p}'s idempotency step, run before its chain; null for none */
    public static IdempotencyGuard idempotency(Policy p) {
        return policy.idempotency(p);
    }

    /** @return {@code p} with the idempotency step {@code guard} (the policy factory's) */
    public static Policy withIdempotency(Policy p, IdempotencyGuard guard) {
        return policy.withIdempotency(p, guard);
    }

    /** Called once, by {@link dev.seawall.core.breaker.Breaker}'s static initialiser. */
    public static void registerBreaker(BreakerAccess access) {
        if (breakerAccess != null) {
            throw new IllegalStateException("breaker access already registered");
        }
        breakerAccess = access;
    }

    /** Called once, by {@link dev.seawall.core.chain.Chain}'s static initialiser. */
    public static void registerChain(ChainAccess access) {
        if (chainAccess != null) {
            throw new IllegalStateException("chain access already registered");
        }
        chainAccess = access;
    }

    /** Points {@code b}'s transitions at {@code e}. */
    public static void events(dev.seawall.core.breaker.Breaker b,
                              dev.seawall.core.internal.event.EventHub.BreakerEvents e) {
        breakerAccess.events(b, e);
    }

    /** Points the refusals of {@code c}'s exchanges at {@code e}. */
    public static void events(dev.seawall.core.chain.Chain c, dev.seawall.core.internal.event.EventHub.PolicyEvents e) {
        chainAccess.events(c, e);
    }
}
