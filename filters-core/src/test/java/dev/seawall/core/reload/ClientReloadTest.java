package dev.seawall.core.reload;

import dev.seawall.core.LiveSeawall;
import dev.seawall.core.Seawall;
import dev.seawall.core.outbound.OutboundClient;
import dev.seawall.core.status.StatusReport;
import dev.seawall.core.testing.TextSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/** Outbound clients across a reload: an unchanged client keeps its state, a changed one starts afresh. */
class ClientReloadTest {

    private static String config(int maxConcurrent) {
        return """
                policies:
                  - name: api
                    paths: [/api/*]
                    rate-limits: [{by: ip, limit: 5/1m}]
                clients:
                  - name: stable
                    hosts: [stable.example.com]
                  - name: tuned
                    hosts: [tuned.example.com]
                    max-concurrent: %d
                """.formatted(maxConcurrent);
    }

    @Test
    void anUnchangedClientIsCarriedOverAndAChangedOneRebuilt() throws Exception {
        TextSource source = new TextSource("seawall.yaml", config(5));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Seawall engine = Seawall.builder().meterRegistry(meters).yaml(source.name(), source.text).build();
        try (LiveSeawall live = new LiveSeawall(engine, source, source.text, meters,
                Clock.fixed(Instant.parse("2026-12-07T06:00:00Z"), ZoneOffset.UTC))) {
            OutboundClient stable = live.current().client("stable");
            OutboundClient tuned = live.current().client("tuned");
            assertThat(stable.<String>call(() -> "ok")).isEqualTo("ok");

            source.text = "# moved\n" + config(7);
            assertThat(live.reload().outcome()).isEqualTo(LiveSeawall.Outcome.APPLIED);

            assertThat(live.current().client("stable")).as("same settings: same budget, breakers, counts")
                    .isSameAs(stable);
            assertThat(live.current().client("stable").status().calls().get("success")).isEqualTo(1);
            assertThat(live.current().client("tuned")).isNotSameAs(tuned);
            assertThat(live.current().client("tuned").config().maxConcurrent()).isEqualTo(7);
            assertThat(StatusReport.json(live)).contains("\"clients\":[{\"name\":\"stable\"")
                    .contains("\"success\":1");

            source.text = config(7).replace("max-concurrent: 7", "max-concurrent: 0");
            assertThat(live.reload().outcome()).as("a bad client is refused like a bad policy")
                    .isEqualTo(LiveSeawall.Outcome.REFUSED);
            assertThat(live.status().lastError()).contains("clients[1].max-concurrent");
            assertThat(live.current().client("stable")).isSameAs(stable);
        }
    }
}
