package dev.seawall.core.reload;

import dev.seawall.core.LiveSeawall;
import dev.seawall.core.Seawall;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.idempotency.Decision;
import dev.seawall.core.internal.idempotency.IdempotencyGuard;
import dev.seawall.core.internal.idempotency.KeyEntry;
import dev.seawall.core.status.StatusReport;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.testing.TextSource;
import dev.seawall.core.time.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A reload keeps the keys of a policy whose idempotency settings did not change, and their meters. */
class IdempotencyReloadTest {

    private final ManualClock clock = new ManualClock();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final TextSource source = new TextSource("seawall.yaml", "");
    private LiveSeawall live;

    private static String config(String expire, String otherLimit) {
        return """
                policies:
                  - name: orders
                    paths: [/orders]
                    idempotency: {expire: %s}
                  - name: other
                    paths: [/other]
                    rate-limits:
                      - {by: ip, limit: %s}
                """.formatted(expire, otherLimit);
    }

    @AfterEach
    void close() {
        if (live != null) {
            live.close();
        }
    }

    private IdempotencyGuard guard() {
        return CoreAccess.idempotency(live.current().match("POST", "/orders"));
    }

    private Decision post(String key) {
        FakeRequest r = FakeRequest.get("/orders").method("POST").header("Idempotency-Key", "\"" + key + "\"");
        KeyEntry e = guard().open(r);
        return e.claim(r, new byte[0], 0);
    }

    @Test
    void unchangedSettingsKeepTheirKeysAndChangedOnesStartAfresh() {
        source.text = config("1h", "10/1m");
        Seawall engine = Seawall.builder().clock(clock).meterRegistry(meters).yaml(source.name(), source.text).build();
        live = new LiveSeawall(engine, source, source.text, meters,
                Clock.fixed(Instant.parse("2026-12-07T06:00:00Z"), ZoneOffset.UTC));
        Decision first = post("k");
        first.claim().finish(201, List.of(), "made".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 4);
        IdempotencyGuard before = guard();

        source.text = config("1h", "20/1m");
        assertThat(live.reload().outcome()).isEqualTo(LiveSeawall.Outcome.APPLIED);
        assertThat(guard()).isSameAs(before);
        assertThat(post("k").kind()).isEqualTo(Decision.Kind.REPLAY);
        assertThat(meters.get("seawall.idempotency.requests").tags("policy", "orders", "outcome", "replayed")
                .functionCounter().count()).isEqualTo(1);
        assertThat(StatusReport.json(live)).contains("\"idempotency\":{\"header\":\"Idempotency-Key\"")
                .contains("\"replayed\":1");

        // changed settings make a new step, which takes over the keys held in this JVM
        source.text = config("2h", "20/1m");
        assertThat(live.reload().outcome()).isEqualTo(LiveSeawall.Outcome.APPLIED);
        assertThat(guard()).isNotSameAs(before);
        assertThat(guard().config().expire()).hasHours(2);
        assertThat(post("k").kind()).isEqualTo(Decision.Kind.REPLAY);
        assertThat(post("new").kind()).isEqualTo(Decision.Kind.RUN);
        // the counter carries on from the retired step's count: meters never go backwards
        assertThat(meters.get("seawall.idempotency.requests").tags("policy", "orders", "outcome", "first")
                .functionCounter().count()).isEqualTo(2);
    }
}
