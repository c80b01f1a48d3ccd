package dev.seawall.spring.it;

import dev.seawall.spring.it.SampleApplication.Gates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Idempotency keys under Spring Boot, Spring MVC and Spring Security, configured only in {@code application.yml}: a
 * retried POST runs once per user and key, Spring MVC still reads the JSON body and the form parameters Seawall read
 * first, and the key is scoped by Spring Security's principal.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IdempotencyUnderSpringTest {

    private RunningApp app;

    @BeforeAll
    void start() {
        app = RunningApp.start();
    }

    @AfterAll
    void stop() {
        if (app != null) {
            app.close();
        }
    }

    private HttpResponse<String> post(String path, String user, String key, String type, String body)
            throws Exception {
        return app.send(app.request(path).header("Authorization", RunningApp.basic(user))
                .header("Idempotency-Key", "\"" + key + "\"").header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    @Test
    void aRetriedJsonPostRunsOncePerUserAndKey() throws Exception {
        int before = Gates.orders.get();
        HttpResponse<String> first = post("/api/orders", "alice", "spring-1", "application/json", "{\"qty\":3}");
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(first.body()).contains("\"qty\":3").contains("\"owner\":\"alice\"");
        HttpResponse<String> retry = post("/api/orders", "alice", "spring-1", "application/json", "{\"qty\":3}");
        assertThat(retry.statusCode()).isEqualTo(201);
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(retry.headers().firstValue("Location")).isEqualTo(first.headers().firstValue("Location"));
        assertThat(Gates.orders.get()).isEqualTo(before + 1);

        // bob's key of the same name is his own
        HttpResponse<String> bob = post("/api/orders", "bob", "spring-1", "application/json", "{\"qty\":3}");
        assertThat(bob.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(bob.body()).contains("\"owner\":\"bob\"");
        // alice's key on another body
        HttpResponse<String> reused = post("/api/orders", "alice", "spring-1", "application/json", "{\"qty\":4}");
        assertThat(reused.statusCode()).isEqualTo(422);
        assertThat(reused.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(Gates.orders.get()).isEqualTo(before + 2);
    }

    @Test
    void formParametersReachSpringMvcAfterSeawallReadTheBody() throws Exception {
        HttpResponse<String> first = post("/api/orders/form", "alice", "form-1", "application/x-www-form-urlencoded",
                "item=rope&qty=2");
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(first.body()).endsWith(": 2 x rope");
        HttpResponse<String> retry = post("/api/orders/form", "alice", "form-1", "application/x-www-form-urlencoded",
                "item=rope&qty=2");
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(retry.body()).isEqualTo(first.body());
    }
}
