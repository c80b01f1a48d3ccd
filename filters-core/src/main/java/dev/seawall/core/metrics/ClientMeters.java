package dev.seawall.core.metrics;

import dev.seawall.core.breaker.Breaker;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.outbound.ClientCore;
import dev.seawall.core.outbound.OutboundClient;
import dev.seawall.core.outbound.OutboundClients;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Meters of the outbound clients, tagged {@code client} (the configured name; never a URL or an identity):
 * <ul>
 *   <li>{@code seawall.client.calls} (counter, {@code outcome} = success | failure | circuit-open | bulkhead-full |
 *       deadline-exceeded | timed-out);</li>
 *   <li>{@code seawall.client.attempts} (counter, {@code kind} = first | retry | hedge);</li>
 *   <li>{@code seawall.client.retries.declined} (counter, {@code reason} = attempts | method | body | retry-after |
 *       deadline | budget | circuit-open) and {@code seawall.client.budget.exhausted} (counter: declined for the
 *       budget);</li>
 *   <li>{@code seawall.client.wait} (timer: backoff waits between attempts);</li>
 *   <li>{@code seawall.client.in.flight} and {@code seawall.client.budget.available} (gauges);</li>
 *   <li>{@code seawall.client.breaker.state} (gauge, 0 closed, 1 open, 2 half-open; tag {@code host}, the host and
 *       port the breaker guards, at most {@code ClientCore.MAX_HOST_BREAKERS} per client).</li>
 * </ul>
 * Bound when the engine is built and handed over on reload like the stages' meters. Thread-safe.
 */
public final class ClientMeters {

    private ClientMeters() {
    }

    /** Binds the meters of every client; binding a client again changes nothing. */
    public static void bind(MeterRegistry registry, OutboundClients clients) {
        for (OutboundClient c : clients.all()) {
            bind(registry, CoreAccess.core(c));
        }
    }

    /** Binds the clients {@code serving} has and releases those of {@code retired} it no longer has. */
    public static void handOver(MeterRegistry registry, OutboundClients retired, OutboundClients serving) {
        bind(registry, serving);
        Set<ClientCore> live = Collections.newSetFromMap(new IdentityHashMap<>());
        for (OutboundClient c : serving.all()) {
            live.add(CoreAccess.core(c));
        }
        for (OutboundClient c : retired.all()) {
            ClientCore core = CoreAccess.core(c);
            if (!live.contains(core)) {
                core.removeBreakerListener();
                MeterTable table = MeterTable.of(registry);
                table.release(registry, core);
                for (Breaker b : core.breakers().values()) {
                    table.release(registry, b);
                }
            }
        }
    }

    private static void bind(MeterRegistry registry, ClientCore core) {
        Tags tags = Tags.of("client", core.name());
        BiConsumer<String, Breaker> listener = (host, breaker) -> MeterTable.of(registry).latestGauge(registry,
                "seawall.client.breaker.state", "0 closed, 1 open, 2 half-open", tags.and("host", host), breaker,
                Breaker::stateCode);
        if (!core.onBreaker(listener)) {
            return; // bound already
        }
        MeterTable table = MeterTable.of(registry);
        String calls = "Outbound calls by outcome";
        for (ClientCore.Outcome o : ClientCore.Outcome.values()) {
            table.counter(registry, "seawall.client.calls", calls, tags.and("outcome", o.tag()), core,
                    c -> c.outcomes(o));
        }
        String attempts = "Outbound attempts by kind";
        table.counter(registry, "seawall.client.attempts", attempts, tags.and("kind", "first"), core,
                ClientCore::firstAttempts);
        table.counter(registry, "seawall.client.attempts", attempts, tags.and("kind", "retry"), core,
                ClientCore::retries);
        table.counter(registry, "seawall.client.attempts", attempts, tags.and("kind", "hedge"), core,
                ClientCore::hedges);
        for (ClientCore.Declined d : ClientCore.Declined.values()) {
            table.counter(registry, "seawall.client.retries.declined", "Failed attempts not retried, by reason",
                    tags.and("reason", d.tag()), core, c -> c.declined(d));
        }
        table.counter(registry, "seawall.client.budget.exhausted",
                "Failed attempts not retried because the retry budget was spent", tags, core,
                c -> c.declined(ClientCore.Declined.BUDGET));
        table.timer(registry, "seawall.client.wait", "Backoff waits between attempts", tags, core,
                ClientCore::waits, ClientCore::waitNanos);
        table.gauge(registry, "seawall.client.in.flight", "Outbound calls in flight", null, tags, core,
                ClientCore::inFlight);
        table.gauge(registry, "seawall.client.budget.available", "Retries the retry budget allows now", null, tags,
                core, ClientCore::budgetAvailable);
        for (Map.Entry<String, Breaker> e : core.breakers().entrySet()) {
            listener.accept(e.getKey().isEmpty() ? "none" : e.getKey(), e.getValue());
        }
    }
}
