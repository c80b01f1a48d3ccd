package dev.seawall.core.reload;

import dev.seawall.core.ConfigSource;
import dev.seawall.core.LiveSeawall;
import dev.seawall.core.Seawall;
import dev.seawall.core.breaker.BreakerStage;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.status.StatusReport;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.testing.TextSource;
import dev.seawall.core.time.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Configuration reload: state carried for unchanged settings, rebuilt for changed ones, bad versions refused. */
class ReloadTest {

    private final ManualClock clock = new ManualClock();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final TextSource source = new TextSource("seawall.yaml", "");
    private LiveSeawall live;

    private static String config(String apiLimit, String otherLimit) {
        return """
                policies:
                  - name: api
                    paths: [/api/*]
                    rate-limits:
                      - by: ip
                        limit: %s
                    circuit-breaker:
                      failure-rate: 50
                      minimum-calls: 4
                      open-for: 30s
                  - name: other
                    paths: [/other/*]
                    rate-limits:
                      - by: ip
                        limit: %s
                """.formatted(apiLimit, otherLimit);
    }

    private LiveSeawall start(String text) {
        source.text = text;
        Seawall engine = Seawall.builder().clock(clock).meterRegistry(meters).yaml(source.name(), text).build();
        live = new LiveSeawall(engine, source, text, meters, Clock.fixed(Instant.parse("2026-11-26T06:00:00Z"),
                ZoneOffset.UTC));
        return live;
    }

    @AfterEach
    void close() {
        if (live != null) {
            live.close();
        }
    }

    private boolean admit(String path, String ip) {
        Seawall engine = live.current();
        Policy p = engine.match("GET", path);
        Exchange e = p.chain().admit(FakeRequest.get(path).from(ip), clock.nanoTime());
        if (e.admitted()) {
            e.complete(new Outcome(200, null, 0, 0, false));
        }
        return e.admitted();
    }

    @Test
    void keepsAPartlyUsedBucketWhenItsLimitDidNotChange() {
        start(config("5/1m", "100/1m"));
        for (int i = 0; i < 3; i++) {
            assertThat(admit("/api/x", "192.0.2.1")).isTrue();
        }
        source.text = "# a comment moves every line\n" + config("5/1m", "200/1m");
        assertThat(live.reload().outcome()).isEqualTo(LiveSeawall.Outcome.APPLIED);

        assertThat(admit("/api/x", "192.0.2.1")).isTrue();
        assertThat(admit("/api/x", "192.0.2.1")).isTrue();
        assertThat(admit("/api/x", "192.0.2.1")).as("2 tokens were left before the reload").isFalse();
    }

    @Test
    void aChangedLimitTakesEffect() {
        start(config("5/1m", "100/1m"));
        for (int i = 0; i < 5; i++) {
            assertThat(admit("/api/x", "192.0.2.1")).isTrue();
        }
        assertThat(admit("/api/x", "192.0.2.1")).isFalse();
        source.text = config("8/1m", "100/1m");
        assertThat(live.reload().outcome()).isEqualTo(LiveSeawall.Outcome.APPLIED);
        for (int i = 0; i < 8; i++) {
            assertThat(admit("/api/x", "192.0.2.1")).as("request " + i).isTrue();
        }
        assertThat(admit("/api/x", "192.0.2.1")).isFalse();
    }

    @Test
    void refusesABrokenVersionWithTheStartUpMessageAndKeepsServing() {
        start(config("5/1m", "100/1m"));
        Seawall before = live.current();
        source.text = config("5/xyz", "100/1m");
        LiveSeawall.Result r = live.reload();

        assertThat(r.outcome()).isEqualTo(LiveSeawall.Outcome.REFUSED);
        assertThat(r.message()).isEqualTo("seawall.yaml:6: policies[0].rate-limits[0].limit: \"5/xyz\" is not a rate"
                + " (expected N/duration, like 100/1m)");
        assertThat(live.current()).isSameAs(before);
        assertThat(admit("/api/x", "192.0.2.1")).isTrue();
        assertThat(live.status().lastError()).isEqualTo(r.message());
        assertThat(live.status().refused()).isEqualTo(1);
        assertThat(meters.get("seawall.config.reloads").tag("outcome", "refused").counter().count()).isEqualTo(1.0);
        assertThat(StatusReport.json(live)).contains("\"lastError\":\"seawall.yaml:6: policies[0]")
                .contains("\"loadedAt\":\"2026-11-26T06:00:00Z\"").contains("\"refused\":1");

        source.text = config("5/1m", "100/1m").replace("- name: other", "- name: api");
        assertThat(live.reload().message()).contains("policy name \"api\" is already used");
        source.text = "policies: [[[";
        assertThat(live.reload().message()).startsWith("seawall.yaml:");
        assertThat(live.current()).isSameAs(before);
        // the gauge an alert reads lasts as long as the newest version is refused, however many refusals
        assertThat(meters.get("seawall.config.refused").gauge().value()).isEqualTo(1.0);
        source.text = config("6/1m", "100/1m");
        assertThat(live.reload().outcome()).isEqualTo(LiveSeawall.Outcome.APPLIED);
        assertThat(meters.get("seawall.config.refused").gauge().value()).isZero();
    }

    @Test
    void theRefusedGaugeClearsWhenTheSourceIsBackToTheVersionInService() {
        start(config("5/1m", "100/1m"));
        assertThat(meters.get("seawall.config.refused").gauge().value()).isZero();
        source.text = config("5/xyz", "100/1m");
        assertThat(live.reload().outcome()).isEqualTo(LiveSeawall.Outcome.REFUSED);
        assertThat(meters.get("seawall.config.refused").gauge().value()).isEqualTo(1.0);
        source.text = config("5/1m", "100/1m");
        assertThat(live.reload().outcome()).isEqualTo(LiveSeawall.Outcome.UNCHANGED);
        assertThat(meters.get("seawall.config.refused").gauge().value()).isZero();
    }

    @Test
    void anUnchangedTextChangesNothing() {
        start(config("5/1m", "100/1m"));
        Seawall before = live.current();
        assertThat(live.reload().outcome()).isEqualTo(LiveSeawall.Outcome.UNCHANGED);
        assertThat(live.current()).isSameAs(before);
    }

    @Test
    void keepsABreakerWindowWhenItsSettingsDidNotChangeAndResetsItWhenTheyDid() {
        start(config("100/1m", "100/1m"));
        BreakerStage breaker = (BreakerStage) live.current().policy("api").chain().stage(StageKind.CIRCUIT_BREAKER);
        for (int i = 0; i < 4; i++) {
            Exchange e = live.current().policy("api").chain().admit(FakeRequest.get("/api/x"), clock.nanoTime());
            e.complete(new Outcome(500, null, 0, 0, false));
        }
        assertThat(breaker.breaker().state().name()).isEqualTo("OPEN");

        source.text = config("100/1m", "50/1m");
        live.reload();
        BreakerStage kept = (BreakerStage) live.current().policy("api").chain().stage(StageKind.CIRCUIT_BREAKER);
        assertThat(kept.breaker()).isSameAs(breaker.breaker());
        assertThat(kept.breaker().state().name()).isEqualTo("OPEN");

        source.text = config("100/1m", "50/1m").replace("open-for: 30s", "open-for: 20s");
        live.reload();
        BreakerStage rebuilt = (BreakerStage) live.current().policy("api").chain().stage(StageKind.CIRCUIT_BREAKER);
        assertThat(rebuilt.breaker()).isNotSameAs(breaker.breaker());
        assertThat(rebuilt.breaker().state().name()).isEqualTo("CLOSED");
        assertThat(meters.get("seawall.breaker.state").tag("breaker", "api").gauge().value())
                .as("the gauge reports the new breaker").isEqualTo(0.0);
    }

    @Test
    void gaugesFollowTheRebuiltStage() {
        start(config("5/1m", "100/1m"));
        admit("/other/x", "192.0.2.1");
        admit("/other/x", "192.0.2.2");
        assertThat(trackedKeys("other")).isEqualTo(2.0);
        source.text = config("5/1m", "50/1m");
        live.reload();
        assertThat(trackedKeys("other")).as("a new, empty stage").isEqualTo(0.0);
        admit("/other/x", "192.0.2.3");
        assertThat(trackedKeys("other")).isEqualTo(1.0);
        assertThat(trackedKeys("api")).isEqualTo(0.0);
    }

    private double trackedKeys(String policy) {
        return meters.get("seawall.ratelimit.tracked.keys").tag("policy", policy).gauge().value();
    }

    @Test
    void aPolicyRemovedByAReloadNoLongerMatches() {
        start(config("5/1m", "100/1m"));
        source.text = """
                policies:
                  - name: api
                    paths: [/api/*]
                    rate-limits:
                      - by: ip
                        limit: 5/1m
                """;
        live.reload();
        assertThat(live.current().match("GET", "/other/x")).isNull();
        assertThat(meters.find("seawall.ratelimit.tracked.keys").tag("policy", "other").gauge()).isNull();
    }

    @Test
    void requestsDuringReloadsAreAnsweredByTheOldOrTheNewConfigurationNeverAnError() throws Exception {
        String a = config("1000000/1m", "100/1m");
        String b = config("1000000/1m", "50/1m").replace("failure-rate: 50", "failure-rate: 60");
        start(a);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger answered = new AtomicInteger();
        Set<Throwable> errors = ConcurrentHashMap.newKeySet();
        CountDownLatch started = new CountDownLatch(4);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            String ip = "192.0.2." + (t + 1);
            Thread th = new Thread(() -> {
                started.countDown();
                while (!stop.get()) {
                    try {
                        Seawall engine = live.current();
                        Policy p = engine.match("GET", "/api/x");
                        Exchange e = p.chain().admit(FakeRequest.get("/api/x").from(ip), clock.nanoTime());
                        if (e.admitted()) {
                            e.complete(new Outcome(200, null, 0, 0, false));
                        } else {
                            assertThat(e.rejection().status()).isIn(429, 503);
                        }
                        answered.incrementAndGet();
                    } catch (Throwable x) {
                        errors.add(x);
                    }
                }
            });
            threads.add(th);
            th.start();
        }
        started.await();
        for (int i = 0; i < 100; i++) {
            source.text = i % 2 == 0 ? b : a;
            assertThat(live.reload().outcome()).isEqualTo(LiveSeawall.Outcome.APPLIED);
        }
        stop.set(true);
        for (Thread th : threads) {
            th.join();
        }
        assertThat(errors).isEmpty();
        assertThat(answered.get()).isPositive();
        assertThat(live.status().applied()).isEqualTo(100);
    }

    @Test
    void aProgrammaticEngineCannotBeReloaded() {
        live = LiveSeawall.fixed(Seawall.builder().build(), meters);
        assertThat(live.reloadable()).isFalse();
        assertThatThrownBy(live::reload).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void reloadsWhenTheVersionChanges() {
        start(config("5/1m", "100/1m"));
        assertThat(live.reloadIfChanged().outcome()).isEqualTo(LiveSeawall.Outcome.UNCHANGED);
        source.text = config("6/1m", "100/1m");
        source.version++;
        assertThat(live.reloadIfChanged().outcome()).isEqualTo(LiveSeawall.Outcome.APPLIED);
        assertThat(live.reloadIfChanged().outcome()).isEqualTo(LiveSeawall.Outcome.UNCHANGED);
    }

    @Test
    void aFileSourceIsReadBoundedAndVersionedBySizeAndTime() throws Exception {
        java.nio.file.Path f = java.nio.file.Files.createTempFile("seawall", ".yaml");
        try {
            java.nio.file.Files.writeString(f, "x".repeat(ConfigSource.MAX_BYTES + 1));
            ConfigSource s = ConfigSource.file(f);
            assertThatThrownBy(s::read).hasMessageContaining("is larger than");
            Object v1 = s.version();
            java.nio.file.Files.writeString(f, "policies: []");
            assertThat(s.version()).isNotEqualTo(v1);
            assertThat(s.read()).isEqualTo("policies: []");
        } finally {
            java.nio.file.Files.delete(f);
        }
    }
}
