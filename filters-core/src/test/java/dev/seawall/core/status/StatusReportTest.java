package dev.seawall.core.status;

import dev.seawall.core.Seawall;
import dev.seawall.core.breaker.BreakerStage;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.time.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StatusReportTest {

    @Test
    void reportsEveryStageWithLiveCountersAndNoIdentity() {
        ManualClock clock = new ManualClock();
        Seawall engine = Seawall.builder().clock(clock).meterRegistry(new SimpleMeterRegistry()).yaml("seawall.yaml", """
                policies:
                  - name: "api"
                    paths: [/api/*]
                    rate-limits:
                      - by: api-key
                        limit: [2/1s, 100/1m]
                    throttle: {max-concurrent: 3, queue: 7}
                    circuit-breaker: {name: db, minimum-calls: 5}
                """).build();
        var exchange = engine.match("GET", "/api/x").chain()
                .admit(FakeRequest.get("/api/x").header("X-API-Key", "very-secret-key"), clock.nanoTime());
        assertThat(exchange.admitted()).isTrue();
        String json = StatusReport.json(engine);
        assertThat(json).isEqualTo("{\"source\":\"seawall.yaml\",\"store\":\"local\",\"policies\":[{\"name\":\"api\",\"paths\":[\"/api/*\"],"
                + "\"methods\":[],\"stages\":["
                + "{\"kind\":\"rate-limits\",\"limits\":[{\"name\":\"api-key\",\"by\":\"api-key\",\"rates\":[\"2/1s\",\"100/60s\"],"
                + "\"trackedKeys\":1,\"admitted\":1,\"rejected\":0,\"shadow\":false,\"wouldReject\":0,\"costDefaulted\":0,\"skipped\":0,\"missing\":0,\"invalid\":0}]},"
                + "{\"kind\":\"circuit-breaker\",\"breaker\":\"db\",\"state\":\"CLOSED\",\"failureRate\":-1.0,\"shadow\":false,\"shared\":false},"
                + "{\"kind\":\"throttle\",\"maxConcurrent\":3,\"queue\":7,\"inFlight\":1,\"queued\":0,"
                + "\"mode\":\"enforce\",\"adaptive\":false}]}]}");
        assertThat(json).doesNotContain("very-secret-key");
    }

    @Test
    void aBreakerForcedOpenReportsNoFailureRateRatherThanMinusOne() {
        Seawall engine = Seawall.builder().clock(new ManualClock()).yaml("seawall.yaml", """
                policies:
                  - name: pay
                    paths: [/pay/*]
                    circuit-breaker: {minimum-calls: 5}
                """).build();
        BreakerStage stage = (BreakerStage) engine.policy("pay").chain().stage(StageKind.CIRCUIT_BREAKER);
        assertThat(StatusReport.json(engine)).contains("\"state\":\"CLOSED\",\"failureRate\":-1.0,");
        stage.breaker().forceOpen();
        // an operator holds it open: no call is recorded, so there is no rate (-1 would read as "not enough calls")
        assertThat(StatusReport.json(engine)).contains("\"state\":\"FORCED_OPEN\",\"failureRate\":null,");
        assertThat(stage.statusView().failureRate()).isNull();
        stage.breaker().close();
        assertThat(StatusReport.json(engine)).contains("\"state\":\"CLOSED\",\"failureRate\":-1.0,");
    }
}
