package dev.seawall.core.outbound;

import dev.seawall.core.config.CircuitBreakerConfig;
import dev.seawall.core.config.ClientConfig;
import dev.seawall.core.config.RetryConfig;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.metrics.ClientMeters;
import dev.seawall.core.outbound.OutboundFixture.Response;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ClientMetersTest {

    private final OutboundFixture f = new OutboundFixture();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void countsCallsAttemptsRetriesWaitsAndBreakerStatePerHostWithoutUrlsOrIdentities() {
        ClientConfig config = ClientConfig.builder("payments").host("pay.example.com")
                .retry(RetryConfig.builder().maxAttempts(2).build())
                .circuitBreaker(CircuitBreakerConfig.builder().build()).build();
        OutboundClients clients = CoreAccess.clients(List.of(config), f.runtime, null);
        ClientMeters.bind(registry, clients);
        OutboundFixture.Scripted t = f.new Scripted();
        clients.named("payments").execute(new OutboundRequest("GET", "pay.example.com", 443, "/cards/4242?secret=1",
                false, true), t, OutboundFixture.READER);
        t.answer(503);
        f.advanceMillis(50);
        t.last().future().complete(Response.of(200));

        assertThat(registry.get("seawall.client.calls").tags("client", "payments", "outcome", "success")
                .functionCounter().count()).isEqualTo(1);
        assertThat(registry.get("seawall.client.attempts").tags("client", "payments", "kind", "retry")
                .functionCounter().count()).isEqualTo(1);
        assertThat(registry.get("seawall.client.wait").tags("client", "payments").functionTimer()
                .totalTime(TimeUnit.MILLISECONDS)).isEqualTo(50);
        assertThat(registry.get("seawall.client.breaker.state").tags("client", "payments", "host",
                "pay.example.com:443").gauge().value()).isZero();
        assertThat(registry.get("seawall.client.budget.exhausted").tags("client", "payments")
                .functionCounter().count()).isZero();
        for (Meter m : registry.getMeters()) {
            for (var tag : m.getId().getTags()) {
                assertThat(tag.getValue()).doesNotContain("/", "secret", "4242");
            }
        }
    }

    @Test
    void aReloadKeepsAnUnchangedClientAndItsCounts() {
        ClientConfig a = ClientConfig.builder("a").host("a.example.com").build();
        OutboundClients first = CoreAccess.clients(List.of(a), f.runtime, null);
        OutboundClients second = CoreAccess.clients(List.of(a,
                ClientConfig.builder("b").host("b.example.com").build()), f.runtime, first);
        assertThat(second.named("a")).isSameAs(first.named("a"));
        OutboundClients third = CoreAccess.clients(List.of(ClientConfig.builder("a").host("a.example.com")
                .maxConcurrent(3).build()), f.runtime, second);
        assertThat(third.named("a")).isNotSameAs(first.named("a"));
        ClientMeters.bind(registry, second);
        ClientMeters.handOver(registry, second, third);
        // a retired client's gauges go; its counters stay with what they counted, never going backwards
        assertThat(registry.find("seawall.client.in.flight").tags("client", "b").gauges()).isEmpty();
        assertThat(registry.find("seawall.client.in.flight").tags("client", "a").gauges()).hasSize(1);
        assertThat(registry.find("seawall.client.calls").tags("client", "a").functionCounters()).isNotEmpty();
    }
}
