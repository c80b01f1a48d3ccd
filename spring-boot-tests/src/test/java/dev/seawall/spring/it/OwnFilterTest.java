package dev.seawall.spring.it;

import dev.seawall.core.LiveSeawall;
import dev.seawall.core.Seawall;
import dev.seawall.servlet.SeawallFilter;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** An application that declares its own SeawallFilter keeps it, alone: no request is counted twice. */
class OwnFilterTest {

    @Configuration(proxyBeanMethods = false)
    static class OwnFilter {
        @Bean
        SeawallFilter mySeawall() {
            return new SeawallFilter(Seawall.builder().yaml("own.yaml", """
                    policies:
                      - name: own
                        paths: [/api/*]
                        rate-limits: [{by: ip, limit: 3/1m}]
                    """).build());
        }
    }

    @Test
    void theStarterStepsBackForAnApplicationsOwnFilter() throws Exception {
        try (RunningApp app = RunningApp.start(new Class<?>[] {OwnFilter.class}, "spring.config.name=forwarded")) {
            assertThat(app.context.getBeanNamesForType(LiveSeawall.class)).as("no engine of the starter's").isEmpty();
            assertThat(app.context.getBeanNamesForType(FilterRegistrationBean.class)).doesNotContain("seawallFilter");
            int[] statuses = new int[4];
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> r = app.get("/api/me", "alice");
                statuses[i] = r.statusCode();
            }
            // the application's own 3/1m alone; with both filters the starter's 2/1m would have refused the third
            assertThat(statuses).containsExactly(200, 200, 200, 429);
        }
    }
}
