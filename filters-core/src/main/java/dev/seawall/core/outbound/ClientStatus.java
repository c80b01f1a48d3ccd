package dev.seawall.core.outbound;

import dev.seawall.core.breaker.Breaker;
import dev.seawall.core.internal.outbound.ClientCore;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A snapshot of one outbound client, for status pages. Immutable.
 *
 * @param name          the client's name
 * @param inFlight      calls in flight now
 * @param calls         calls so far by outcome ({@code success}, {@code failure}, {@code circuit-open},
 *                      {@code bulkhead-full}, {@code deadline-exceeded}, {@code timed-out})
 * @param attempts      first attempts so far
 * @param retries       retries so far
 * @param hedges        hedged attempts so far
 * @param declined      failed attempts not retried, by reason ({@code budget}, {@code attempts}, ...)
 * @param budgetLeft    retries the budget allows now
 * @param breakers      breaker state by host ({@code CLOSED}, {@code OPEN}, ...)
 */
public record ClientStatus(String name, int inFlight, Map<String, Long> calls, long attempts, long retries,
                           long hedges, Map<String, Long> declined, double budgetLeft, Map<String, String> breakers) {

    public ClientStatus {
        calls = Map.copyOf(calls);
        declined = Map.copyOf(declined);
        breakers = Map.copyOf(breakers);
    }

    static ClientStatus of(ClientCore core) {
        Map<String, Long> calls = new LinkedHashMap<>();
        for (ClientCore.Outcome o : ClientCore.Outcome.values()) {
            calls.put(o.tag(), core.outcomes(o));
        }
        Map<String, Long> declined = new LinkedHashMap<>();
        for (ClientCore.Declined d : ClientCore.Declined.values()) {
            declined.put(d.tag(), core.declined(d));
        }
        Map<String, String> breakers = new LinkedHashMap<>();
        for (Map.Entry<String, Breaker> e : core.breakers().entrySet()) {
            breakers.put(e.getKey(), e.getValue().state().name());
        }
        return new ClientStatus(core.name(), core.inFlight(), calls, core.firstAttempts(), core.retries(),
                core.hedges(), declined, core.budgetAvailable(), breakers);
    }
}
