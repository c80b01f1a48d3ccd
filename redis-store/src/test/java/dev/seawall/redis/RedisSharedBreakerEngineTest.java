package dev.seawall.redis;

import dev.seawall.core.LiveSeawall;
import dev.seawall.core.Seawall;
import dev.seawall.core.breaker.BreakerStage;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.config.ConfigLoader;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.testing.TextSource;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code circuit-breaker.shared: true} read from YAML: two engines on one Redis behave as one breaker. */
class RedisSharedBreakerEngineTest {

    private EmbeddedRedis redis;
    private Seawall nodeA;
    private LiveSeawall nodeB;

    @BeforeEach
    void start() {
        redis = EmbeddedRedis.start();
    }

    @AfterEach
    void stop() {
        if (nodeA != null) {
            nodeA.close();
        }
        if (nodeB != null) {
            nodeB.close();
        }
        redis.close();
    }

    private String config(String openFor) {
        return """
                store:
                  type: redis
                  uri: %s
                  key-salt: shared-breaker-salt-0123456789
                policies:
                  - name: api
                    paths: [/api/*]
                    circuit-breaker:
                      minimum-calls: 4
                      window: 10
                      open-for: %s
                      shared: true
                """.formatted(redis.uri(), openFor);
    }

    private static Seawall engine(String yaml) {
        return Seawall.builder().meterRegistry(new SimpleMeterRegistry()).yaml("seawall.yaml", yaml).build();
    }

    private static Exchange call(Seawall engine, int status) {
        Exchange e = engine.match("GET", "/api/x").chain().admit(FakeRequest.get("/api/x"), engine.clock().nanoTime());
        if (e.admitted()) {
            e.complete(new Outcome(status, null, 0, 0, false));
        }
        return e;
    }

    private static BreakerStage breaker(Seawall engine) {
        return (BreakerStage) engine.match("GET", "/api/x").chain().stage(StageKind.CIRCUIT_BREAKER);
    }

    @Test
    void theFileSharesTheBreakerAndTwoEnginesOpenTogetherAcrossAReload() {
        assertThat(ConfigLoader.parse("seawall.yaml", config("30s")).policy("api").circuitBreaker().shared())
                .isTrue();
        nodeA = engine(config("30s"));
        String yaml = config("30s");
        Seawall b = engine(yaml);
        TextSource source = new TextSource("seawall.yaml", yaml);
        nodeB = new LiveSeawall(b, source, yaml, new SimpleMeterRegistry(), Clock.systemUTC());
        assertThat(breaker(nodeA).breaker().isShared()).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(((RedisBucketStore) nodeA.store()).sharedBreakers()::subscribed);
        await().atMost(Duration.ofSeconds(5)).until(((RedisBucketStore) b.store()).sharedBreakers()::subscribed);
        for (int i = 0; i < 4; i++) {
            call(nodeA, 500);
        }
        assertThat(breaker(nodeA).breaker().state()).isEqualTo(CircuitBreaker.State.OPEN);
        await().atMost(Duration.ofSeconds(1)).until(() -> !call(nodeB.current(), 200).admitted());
        assertThat(call(nodeB.current(), 200).rejection().status()).isEqualTo(503);

        // a reload that changes the breaker builds a new one, shared through the same store, which reads the record
        source.text = config("40s");
        assertThat(nodeB.reload().outcome()).isEqualTo(LiveSeawall.Outcome.APPLIED);
        assertThat(breaker(nodeB.current()).breaker()).isNotSameAs(breaker(b).breaker());
        assertThat(breaker(b).breaker().isShared()).as("the replaced breaker left the fleet").isFalse();
        assertThat(breaker(nodeB.current()).breaker().isShared()).isTrue();
        await().atMost(Duration.ofSeconds(2)).until(() -> !call(nodeB.current(), 200).admitted());
        breaker(nodeA).breaker().close();
        await().atMost(Duration.ofSeconds(1)).until(() -> call(nodeB.current(), 200).admitted());
    }
}
