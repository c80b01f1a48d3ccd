package dev.seawall.spring.it;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The health contributor is opt-in: absent by default, present with management.health.seawall.enabled. */
class HealthOptInTest {

    @Test
    void healthHasNoSeawallContributorUnlessAskedFor() throws Exception {
        try (RunningApp app = RunningApp.start("spring.config.name=forwarded",
                "management.endpoint.health.show-components=always")) {
            assertThat(app.get("/actuator/health", null).body()).doesNotContain("seawall");
        }
        try (RunningApp app = RunningApp.start("spring.config.name=forwarded",
                "management.endpoint.health.show-components=always", "management.health.seawall.enabled=true")) {
            assertThat(app.get("/actuator/health", null).body()).contains("\"seawall\"").contains("\"UP\"");
        }
    }
}
