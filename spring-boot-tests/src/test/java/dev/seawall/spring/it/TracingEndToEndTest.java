package dev.seawall.spring.it;

import brave.handler.MutableSpan;
import brave.handler.SpanHandler;
import brave.propagation.TraceContext;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With Micrometer Tracing (Brave) on the class path and nothing written for Seawall, a real request's trace carries
 * Seawall's decision: the span current where its filter ran has {@code seawall.policy}, {@code seawall.outcome} and,
 * for a refusal, a {@code seawall.refused} annotation; it belongs to the trace of the server's span.
 */
class TracingEndToEndTest {

    /** One finished span: its trace, name, tags and annotations. */
    record Finished(String traceId, String name, java.util.Map<String, String> tags, List<String> annotations) {
    }

    static final List<Finished> SPANS = new CopyOnWriteArrayList<>();

    @Configuration(proxyBeanMethods = false)
    static class Spans {
        @Bean
        SpanHandler recordingSpans() {
            return new SpanHandler() {
                @Override
                public boolean end(TraceContext context, MutableSpan span, Cause cause) {
                    java.util.Map<String, String> tags = new java.util.HashMap<>(span.tags());
                    List<String> annotations = span.annotations().stream().map(java.util.Map.Entry::getValue).toList();
                    SPANS.add(new Finished(context.traceIdString(), span.name(), tags, annotations));
                    return true;
                }
            };
        }
    }

    private static Finished withOutcome(String outcome) {
        return SPANS.stream().filter(s -> outcome.equals(s.tags().get("seawall.outcome"))).findFirst().orElse(null);
    }

    @Test
    void theTraceOfAnAllowedAndOfARefusedRequestSaysWhatSeawallDid() throws Exception {
        SPANS.clear();
        try (RunningApp app = RunningApp.start(new Class<?>[] {Spans.class},
                "management.tracing.sampling.probability=1.0")) {
            assertThat(app.get("/api/me", "bob").statusCode()).isEqualTo(200);
            assertThat(app.get("/api/me", "bob").statusCode()).isEqualTo(200);
            assertThat(app.get("/api/me", "bob").statusCode()).isEqualTo(429);

            await().untilAsserted(() -> assertThat(withOutcome("rate-limited")).as("spans: %s", SPANS).isNotNull());
            Finished refused = withOutcome("rate-limited");
            assertThat(refused.tags()).containsEntry("seawall.policy", "per-user");
            assertThat(refused.annotations()).contains("seawall.refused");
            assertThat(SPANS).as("the server's span of the same trace answered 429")
                    .anySatisfy(s -> {
                        assertThat(s.traceId()).isEqualTo(refused.traceId());
                        assertThat(s.tags()).containsEntry("status", "429");
                    });

            Finished allowed = withOutcome("allowed");
            assertThat(allowed).isNotNull();
            assertThat(allowed.tags()).containsEntry("seawall.policy", "per-user");
            assertThat(allowed.annotations()).doesNotContain("seawall.refused");
        }
    }
}
