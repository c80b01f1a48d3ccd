package dev.seawall.redis;

import dev.seawall.core.Seawall;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.event.RecordingListener;
import dev.seawall.core.event.StoreHealth;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.time.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A Redis store that goes down and comes back tells the engine's listeners, once each way. */
class StoreHealthEventsTest {

    private final ManualClock clock = new ManualClock();
    private final RecordingListener events = new RecordingListener();
    private final EmbeddedRedis redis = EmbeddedRedis.start();
    private Seawall engine;

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
        redis.close();
    }

    private void admit() {
        Exchange e = engine.match("GET", "/api/x").chain().admit(FakeRequest.get("/api/x").from("192.0.2.1"),
                clock.nanoTime());
        if (e.admitted()) {
            e.complete(new Outcome(200, null, 0, 0, false));
        }
    }

    private Seawall build() {
        return Seawall.builder().clock(clock).meterRegistry(new SimpleMeterRegistry()).listener(events)
                .yaml("seawall.yaml", """
                        store:
                          type: redis
                          uri: %s
                          key-salt: health-test-salt-0123456789
                          timeout: 200ms
                          on-failure: allow
                        policies:
                          - name: api
                            paths: [/api/*]
                            rate-limits:
                              - by: ip
                                limit: 100/1h
                        """.formatted(redis.uri())).build();
    }

    @Test
    void aStoreUnreachableAtStartUpIsReportedDownAtOnceAndUpWhenItAnswers() {
        redis.stop();
        engine = build();
        assertThat(events.of(StoreHealth.class)).containsExactly(new StoreHealth("redis " + redis.uri(), false));
        redis.startAgain();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            clock.advance(Duration.ofMinutes(1)); // past the back-off: one request probes Redis
            admit();
            return events.of(StoreHealth.class).size() == 2;
        });
        assertThat(events.of(StoreHealth.class)).last().isEqualTo(new StoreHealth("redis " + redis.uri(), true));
    }

    @Test
    void downAndUpAgainAreReportedWithTheStoresDescription() {
        engine = build();
        admit();
        assertThat(events.events).isEmpty();

        redis.stop();
        for (int i = 0; i < 5; i++) {
            admit();
        }
        assertThat(events.of(StoreHealth.class)).containsExactly(new StoreHealth("redis " + redis.uri(), false));

        redis.startAgain();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            clock.advance(Duration.ofMinutes(1)); // past the back-off: one request probes Redis
            admit();
            return events.of(StoreHealth.class).size() == 2;
        });
        assertThat(events.of(StoreHealth.class)).containsExactly(new StoreHealth("redis " + redis.uri(), false),
                new StoreHealth("redis " + redis.uri(), true));
        assertThat(events.events.toString()).doesNotContain("salt");
    }
}
