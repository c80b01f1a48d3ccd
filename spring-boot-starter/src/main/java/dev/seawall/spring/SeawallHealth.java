package dev.seawall.spring;

import dev.seawall.core.LiveSeawall;
import dev.seawall.core.Seawall;
import dev.seawall.core.breaker.Breaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What Seawall's health contributor reports, for either Spring Boot line: {@code UP}, or {@value #DEGRADED} while a
 * breaker is open (its dependency is failing: the application still answers, with fallbacks) or the shared store is
 * unreachable (limits follow {@code on-failure}). {@value #DEGRADED} is not {@code DOWN} on purpose: a liveness or
 * readiness probe that restarted or removed instances because a dependency fails would make the outage worse. Boot
 * answers an unknown status with HTTP 200 unless {@code management.endpoint.health.status.http-mapping.degraded} says
 * otherwise. Details: every breaker's state, and the store.
 *
 * <p>Thread-safe: reads the engine in service once per call.
 */
final class SeawallHealth {

    static final String DEGRADED = "DEGRADED";

    private final LiveSeawall live;

    SeawallHealth(LiveSeawall live) {
        this.live = live;
    }

    /** One reading: the status code and the details. */
    record Reading(String status, Map<String, Object> details) {
    }

    Reading read() {
        Seawall engine = live.current();
        Map<String, Object> breakers = new TreeMap<>();
        boolean open = false;
        for (Breaker b : engine.breakers().values()) {
            CircuitBreaker.State state = b.state();
            breakers.put(b.name(), state.name());
            open |= state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN;
        }
        boolean storeUp = engine.store().available();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("breakers", breakers);
        details.put("store", engine.store().describe());
        return new Reading(open || !storeUp ? DEGRADED : "UP", details);
    }
}
