package dev.seawall.spring;

import dev.seawall.core.LiveSeawall;
import dev.seawall.core.Seawall;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class StartupReportTest {

    private static final String YAML = """
            policies:
              - name: per-user
                paths: [/api/*]
                rate-limits:
                  - {by: user, limit: 5/1m}
              - name: login
                paths: [/login]
                rate-limits:
                  - {by: ip, limit: 5/1m}
              - name: token
                paths: [/auth/*]
                rate-limits:
                  - {by: user, limit: 5/1m}
            """;

    private static List<String> warnings(Integer order, List<String> early, Map<String, Object> env,
                                         boolean security) {
        SeawallProperties p = new SeawallProperties();
        p.getFilter().setOrder(order);
        p.getFilter().setBeforeSecurity(early);
        StandardEnvironment e = new StandardEnvironment();
        e.getPropertySources().addFirst(new MapPropertySource("app", env));
        try (LiveSeawall live = LiveSeawall.fixed(Seawall.builder().yaml("seawall.yaml", YAML).build(),
                new SimpleMeterRegistry())) {
            return StartupReport.principalWarnings(live, p, e, security);
        }
    }

    @Test
    void theDefaultOrderSeesThePrincipalSoNothingIsSaid() {
        assertThat(warnings(null, List.of("/login"), Map.of(), true)).isEmpty();
    }

    @Test
    void anOrderBeforeSpringSecurityIsWarnedAboutForEachByUserPolicy() {
        List<String> w = warnings(-200, List.of(), Map.of(), true);
        assertThat(w).hasSize(2);
        assertThat(w.get(0)).contains("policy 'per-user'").contains("seawall.filter.order=-200")
                .contains("spring.security.filter.order=-100").contains("default -90");
        // the default follows a moved Spring Security
        assertThat(warnings(null, List.of(), Map.of("spring.security.filter.order", "50"), true)).isEmpty();
        assertThat(warnings(20, List.of(), Map.of("spring.security.filter.order", "50"), true)).hasSize(2);
    }

    @Test
    void aByUserPolicyListedBeforeSecurityIsWarnedAbout() {
        List<String> w = warnings(null, List.of("/auth/*"), Map.of(), true);
        assertThat(w).singleElement().asString().contains("policy 'token'")
                .contains("seawall.filter.before-security");
    }

    @Test
    void withoutSpringSecurityThereIsNothingToOrderAgainst() {
        assertThat(warnings(-200, List.of(), Map.of(), false)).isEmpty();
    }

    @Test
    void librariesOlderThanTestedAreNamed() {
        assertThat(StartupReport.older("1.14.9", "1.15")).isTrue();
        assertThat(StartupReport.older("1.15.0", "1.15")).isFalse();
        assertThat(StartupReport.older("2.0", "1.15")).isFalse();
        assertThat(StartupReport.older("3.1.8", "3.2")).isTrue();
        assertThat(StartupReport.older("garbage", "3.2")).isFalse();
        assertThat(StartupReport.older("2.4-SNAPSHOT", "2.4")).isFalse();
        assertThat(StartupReport.libraryWarnings()).as("this build's own versions").isEmpty();
    }
}
