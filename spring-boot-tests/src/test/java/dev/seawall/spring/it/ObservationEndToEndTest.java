package dev.seawall.spring.it;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Over a real socket, Seawall's decisions land on Spring's own {@code http.server.requests} observation (what a tracer
 * turns into the request's span): the application's ObservationRegistry bean is picked up by the starter.
 */
class ObservationEndToEndTest {

    /** What a tracing handler would see when the server's observation stops: its key-values and events. */
    record Seen(String name, Map<String, String> keyValues, List<String> events, List<String> ancestors) {
    }

    static final List<Seen> SEEN = new CopyOnWriteArrayList<>();

    @Configuration(proxyBeanMethods = false)
    static class Recording {
        @Bean
        ObservationHandler<Observation.Context> recordingHandler() {
            return new ObservationHandler<>() {
                private final Map<Observation.Context, List<String>> events =
                        new java.util.concurrent.ConcurrentHashMap<>();

                @Override
                public void onEvent(Observation.Event event, Observation.Context context) {
                    events.computeIfAbsent(context, c -> new CopyOnWriteArrayList<>()).add(event.getName());
                }

                @Override
                public void onStop(Observation.Context context) {
                    Map<String, String> kv = context.getAllKeyValues().stream()
                            .collect(Collectors.toMap(k -> k.getKey(), k -> k.getValue(), (a, b) -> b));
                    List<String> ancestors = new java.util.ArrayList<>();
                    for (io.micrometer.observation.ObservationView p = context.getParentObservation(); p != null;
                         p = p.getContextView().getParentObservation()) {
                        ancestors.add(p.getContextView().getName());
                    }
                    SEEN.add(new Seen(context.getName(), kv, events.getOrDefault(context, List.of()), ancestors));
                    events.remove(context);
                }

                @Override
                public boolean supportsContext(Observation.Context context) {
                    return true;
                }
            };
        }
    }

    /** @return the observation carrying Seawall's {@code outcome}: the server's, or one opened inside it */
    private static Seen server(String outcome) {
        return SEEN.stream().filter(s -> outcome.equals(s.keyValues().get("seawall.outcome")))
                .findFirst().orElse(null);
    }

    @Test
    void anAllowedAndARefusedRequestLeaveSeawallsKeyValuesAndEventsOnTheServersObservation() throws Exception {
        SEEN.clear();
        try (RunningApp app = RunningApp.start(new Class<?>[] {Recording.class})) {
            assertThat(app.get("/api/me", "alice").statusCode()).isEqualTo(200);
            assertThat(app.get("/api/me", "alice").statusCode()).isEqualTo(200);
            assertThat(app.get("/api/me", "alice").statusCode()).isEqualTo(429);

            await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    server("rate-limited") != null && server("allowed") != null)
                    .as("observations seen: %s", SEEN).isTrue());
            // the current observation where Seawall's filter runs: behind Spring Security, its secured-request one,
            // a child of the server's (the span a tracer shows under the request's)
            Seen refused = server("rate-limited");
            assertThat(refused.keyValues()).containsEntry("seawall.policy", "per-user");
            assertThat(refused.events()).contains("seawall.refused");
            assertThat(refused.name().equals("http.server.requests")
                    || refused.ancestors().contains("http.server.requests")).as("%s", refused).isTrue();
            Seen allowed = server("allowed");
            assertThat(allowed.keyValues()).containsEntry("seawall.policy", "per-user");
            assertThat(allowed.events()).doesNotContain("seawall.refused");
            assertThat(SEEN).filteredOn(s -> "http.server.requests".equals(s.name()))
                    .extracting(s -> s.keyValues().get("status")).contains("200", "429");
        }
    }
}
