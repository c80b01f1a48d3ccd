package dev.seawall.core.metrics;

import dev.seawall.core.LiveSeawall;
import dev.seawall.core.Seawall;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.testing.TextSource;
import dev.seawall.core.time.ManualClock;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** The stages' meters against a live registry: names as documented, one description each, and reloads. */
class SeawallMetersTest {

    /** Every stage kind, with a stale cache (for the cache gauges) and a named breaker. */
    private static final String EVERYTHING = """
            policies:
              - name: api
                paths: [/api/*]
                rate-limits:
                  - by: ip
                    limit: %s
                throttle: {max-concurrent: 2, queue: 2}
                circuit-breaker: {name: db, minimum-calls: 5}
                timeout: {after: 2s}
                fallback:
                  on: [circuit-open, timeout, error]
                  stale-cache: 1m
                exempt: {paths: [/api/health]}
            """;

    /**
     * The meters the operations pages document: rate limiting, throttling, circuit breaking, timeouts and fallbacks
     * (the store's and the reload's are registered by the store and {@code LiveSeawall}, not by stages).
     */
    private static final List<String> DOCUMENTED = List.of(
            "seawall.ratelimit.decisions", "seawall.ratelimit.tracked.keys", "seawall.ratelimit.cost.defaulted",
            "seawall.requests.exempt",
            "seawall.throttle.in.flight", "seawall.throttle.queued", "seawall.throttle.queue.wait", "seawall.throttle.limit",
            "seawall.throttle.queue.capacity", "seawall.throttle.rejections",
            "seawall.breaker.state", "seawall.breaker.calls", "seawall.breaker.not.permitted",
            "seawall.timeout.calls",
            "seawall.fallback.served", "seawall.fallback.cache.stored", "seawall.fallback.cache.entries",
            "seawall.fallback.cache.bytes");

    private final ManualClock clock = new ManualClock();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final TextSource source = new TextSource("seawall.yaml", "");
    private LiveSeawall live;

    @AfterEach
    void close() {
        if (live != null) {
            live.close();
        }
    }

    private LiveSeawall start(String text) {
        source.text = text;
        Seawall engine = Seawall.builder().clock(clock).meterRegistry(meters).yaml(source.name(), text).build();
        live = new LiveSeawall(engine, source, text, meters, Clock.systemUTC());
        return live;
    }

    private void request(String ip) {
        Policy p = live.current().match("GET", "/api/x");
        Exchange e = p.chain().admit(FakeRequest.get("/api/x").from(ip), clock.nanoTime());
        if (e.admitted()) {
            e.complete(new Outcome(200, null, clock.nanoTime(), clock.nanoTime(), false));
        }
    }

    private double decisions(String outcome) {
        return meters.get("seawall.ratelimit.decisions").tags("policy", "api", "outcome", outcome).functionCounter()
                .count();
    }

    @Test
    void everyDocumentedMeterIsRegisteredWithOneDescriptionPerName() {
        start(EVERYTHING.formatted("100/1m"));
        Set<String> names = new TreeSet<>();
        Map<String, Set<String>> descriptions = new HashMap<>();
        for (Meter m : meters.getMeters()) {
            String name = m.getId().getName();
            names.add(name);
            descriptions.computeIfAbsent(name, k -> new HashSet<>()).add(String.valueOf(m.getId().getDescription()));
        }
        assertThat(names).containsAll(DOCUMENTED);
        assertThat(names).filteredOn(n -> !n.startsWith("seawall.config.")).containsExactlyInAnyOrderElementsOf(
                new TreeSet<>(DOCUMENTED));
        descriptions.forEach((name, d) -> assertThat(d).as(name + "'s descriptions").hasSize(1));
        assertThat(descriptions.get("seawall.timeout.calls")).doesNotContainNull();
    }

    @Test
    void theFirstReloadThatRebuildsAStageRegistersNothingTwice() {
        start(EVERYTHING.formatted("100/1m"));
        int registered = meters.getMeters().size();
        rearmMicrometersDoubleRegistrationWarning();
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            source.text = EVERYTHING.formatted("50/1m"); // rebuilds the rate-limit stage, keeps the others
            assertThat(live.reload().outcome()).isEqualTo(LiveSeawall.Outcome.APPLIED);
        } finally {
            System.setErr(err);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).doesNotContain("already registered");
        assertThat(meters.getMeters()).hasSize(registered);
    }

    /**
     * Micrometer warns about a gauge registered twice once per JVM and logs later ones at debug level, so another test
     * of the suite may have spent the warning already: arm it again, through its logger's one flag.
     */
    private static void rearmMicrometersDoubleRegistrationWarning() {
        try {
            Field logger = MeterRegistry.class.getDeclaredField("doubleRegistrationLogger");
            logger.setAccessible(true);
            Object warnThenDebug = logger.get(null);
            Field warned = warnThenDebug.getClass().getDeclaredField("warnLogged");
            warned.setAccessible(true);
            ((AtomicBoolean) warned.get(warnThenDebug)).set(false);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("Micrometer's double-registration warning moved; adapt this test", e);
        }
    }

    @Test
    void aRebuiltStageCarriesItsCountersOnAndItsGaugesReadTheNewStage() {
        start(EVERYTHING.formatted("1/1m"));
        request("192.0.2.1");
        request("192.0.2.1");
        assertThat(decisions("admitted")).isEqualTo(1.0);
        assertThat(decisions("rejected")).isEqualTo(1.0);
        assertThat(meters.get("seawall.ratelimit.tracked.keys").tag("policy", "api").gauge().value()).isEqualTo(1.0);

        source.text = EVERYTHING.formatted("5/1m");
        live.reload();
        // counters never go backwards: what the retired stage counted stays in them
        assertThat(decisions("admitted")).isEqualTo(1.0);
        assertThat(decisions("rejected")).isEqualTo(1.0);
        // the gauge reads the new, empty stage
        assertThat(meters.get("seawall.ratelimit.tracked.keys").tag("policy", "api").gauge().value()).isZero();
        request("192.0.2.1");
        assertThat(decisions("admitted")).isEqualTo(2.0);
        assertThat(meters.get("seawall.ratelimit.tracked.keys").tag("policy", "api").gauge().value()).isEqualTo(1.0);
    }

    @Test
    void aDecisionTheRetiredStageMakesAfterTheReloadIsStillCounted() {
        start(EVERYTHING.formatted("1/1m"));
        Policy old = live.current().match("GET", "/api/x");
        source.text = EVERYTHING.formatted("5/1m");
        assertThat(live.reload().outcome()).isEqualTo(LiveSeawall.Outcome.APPLIED);
        // a request that matched the old engine before the swap reaches its rate limit only now
        Exchange late = old.chain().admit(FakeRequest.get("/api/x").from("192.0.2.9"), clock.nanoTime());
        assertThat(late.admitted()).isTrue();
        assertThat(decisions("admitted")).as("counted although its stage was retired").isEqualTo(1.0);
        request("192.0.2.1");
        assertThat(decisions("admitted")).isEqualTo(2.0);

        // the next reload settles the retired stage: its count stays, it is no longer read
        source.text = EVERYTHING.formatted("1/1m");
        assertThat(live.reload().outcome()).isEqualTo(LiveSeawall.Outcome.APPLIED);
        assertThat(decisions("admitted")).isEqualTo(2.0);
        request("192.0.2.1");
        assertThat(decisions("admitted")).isEqualTo(3.0);
    }

    @Test
    void aRefusedReloadLeavesEveryMeterOnTheStagesInService() {
        start(EVERYTHING.formatted("1/1m"));
        request("192.0.2.1");
        int registered = meters.getMeters().size();
        source.text = EVERYTHING.formatted("1/1m").replace("max-concurrent: 2", "max-concurrent: 0");
        assertThat(live.reload().outcome()).isEqualTo(LiveSeawall.Outcome.REFUSED);
        assertThat(meters.getMeters()).hasSize(registered);
        assertThat(meters.get("seawall.ratelimit.tracked.keys").tag("policy", "api").gauge().value()).isEqualTo(1.0);
        assertThat(decisions("admitted")).isEqualTo(1.0);
    }

    @Test
    void anEngineWithoutARegistryPublishesNothingAndStillCounts() {
        try (Seawall engine = Seawall.builder().clock(clock).yaml("seawall.yaml", EVERYTHING.formatted("1/1m"))
                .build()) {
            Exchange e = engine.match("GET", "/api/x").chain().admit(FakeRequest.get("/api/x").from("192.0.2.1"),
                    clock.nanoTime());
            assertThat(e.admitted()).isTrue();
            assertThat(io.micrometer.core.instrument.Metrics.globalRegistry.find("seawall.ratelimit.decisions")
                    .tag("policy", "api").meters()).isEmpty();
        }
    }
}
