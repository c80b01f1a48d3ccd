package dev.seawall.spring.it;

import dev.seawall.core.chain.StageKind;
import dev.seawall.core.event.Refusal;
import dev.seawall.core.event.SeawallListener;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Every SeawallListener bean hears the starter's engine and the Jersey feature, in the beans' @Order. */
class ListenerBeansTest {

    static final List<String> HEARD = new CopyOnWriteArrayList<>();

    @Configuration(proxyBeanMethods = false)
    static class Listeners {
        @Bean
        @Order(2)
        SeawallListener second() {
            return new SeawallListener() {
                @Override
                public void onRefusal(Refusal event) {
                    HEARD.add("second " + event.policy() + " " + event.stage() + " " + event.status());
                }
            };
        }

        @Bean
        @Order(1)
        SeawallListener first() {
            return new SeawallListener() {
                @Override
                public void onRefusal(Refusal event) {
                    HEARD.add("first " + event.policy() + " " + event.stage() + " " + event.status());
                }
            };
        }
    }

    @Test
    void listenerBeansAreRegisteredAutomaticallyInTheirOrder() throws Exception {
        HEARD.clear();
        try (RunningApp app = RunningApp.start(new Class<?>[] {Listeners.class})) {
            for (int i = 0; i < 2; i++) {
                assertThat(app.get("/api/me", "alice").statusCode()).isEqualTo(200);
            }
            assertThat(app.get("/api/me", "alice").statusCode()).isEqualTo(429);
            assertThat(HEARD).containsExactly("first per-user RATE_LIMIT 429", "second per-user RATE_LIMIT 429");

            HEARD.clear();
            for (int i = 0; i < 5; i++) {
                assertThat(app.get("/jersey/annotated", "bob").statusCode()).isEqualTo(200);
            }
            assertThat(app.get("/jersey/annotated", "bob").statusCode()).isEqualTo(429);
            assertThat(HEARD).hasSize(2);
            assertThat(HEARD.get(0)).startsWith("first ").endsWith(" " + StageKind.RATE_LIMIT + " 429");
            assertThat(HEARD.get(1)).startsWith("second ");
        }
    }
}
