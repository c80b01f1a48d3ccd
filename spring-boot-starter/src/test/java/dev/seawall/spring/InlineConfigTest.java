package dev.seawall.spring;

import dev.seawall.core.Seawall;
import dev.seawall.core.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.ByteArrayResource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class InlineConfigTest {

    private static PropertySource<?> yaml(String name, String text) throws Exception {
        ByteArrayResource resource = new ByteArrayResource(text.getBytes(StandardCharsets.UTF_8)) {
            @Override
            public String getFilename() {
                return name;
            }
        };
        List<PropertySource<?>> loaded = new YamlPropertySourceLoader().load(name, resource);
        return loaded.get(0);
    }

    private static StandardEnvironment env(PropertySource<?>... highestFirst) {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        env.getPropertySources().remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
        for (PropertySource<?> p : highestFirst) {
            env.getPropertySources().addLast(p);
        }
        return env;
    }

    @Test
    void rendersInlineKeysAsAConfigurationTheLoaderAccepts() throws Exception {
        StandardEnvironment env = env(yaml("application.yml", """
                seawall:
                  enabled: true
                  filter:
                    order: 5
                  trusted-proxies: [10.0.0.0/8]
                  policies:
                    - name: api
                      paths: [/api/*]
                      rateLimits:
                        - by: ip
                          limit: 5/1m
                      timeout: 2s
                """));
        InlineConfig.Rendering r = new InlineConfig(env).render();
        assertThat(r.present()).isTrue();
        assertThat(r.yaml()).contains("rate-limits:").doesNotContain("enabled").doesNotContain("order: 5");
        Seawall engine = Seawall.builder().yaml("inline", r.yaml()).build();
        assertThat(engine.policies()).hasSize(1);
        assertThat(engine.config().trustedProxies()).containsExactly("10.0.0.0/8");
        engine.close();
    }

    @Test
    void aHigherSourceReplacesAListWholeAndMergesAMappingKeyByKey() throws Exception {
        StandardEnvironment env = env(
                new MapPropertySource("command line", Map.of(
                        "seawall.policies[0].name", "only",
                        "seawall.policies[0].paths[0]", "/only/*",
                        "seawall.policies[0].timeout", "1s",
                        "seawall.headers.rate-limit", "none")),
                yaml("application.yml", """
                        seawall:
                          headers:
                            rate-limit: both
                          client-ip:
                            ipv6-prefix: 48
                          policies:
                            - name: a
                              paths: [/a/*]
                              timeout: 2s
                            - name: b
                              paths: [/b/*]
                              timeout: 2s
                        """));
        Seawall engine = Seawall.builder().yaml("inline", new InlineConfig(env).render().yaml()).build();
        assertThat(engine.policies()).as("the list comes whole from the highest source").hasSize(1);
        assertThat(engine.config().policies().get(0).name()).isEqualTo("only");
        assertThat(engine.config().ipv6Prefix()).as("mapping keys merge").isEqualTo(48);
        assertThat(engine.config().rateLimitHeaders().name()).isEqualTo("NONE");
        engine.close();
    }

    @Test
    void environmentVariablesAreReportedNotRead() {
        StandardEnvironment env = env(
                new SystemEnvironmentPropertySource("systemEnvironment",
                        Map.of("SEAWALL_POLICIES_0_NAME", "x", "SEAWALL_ENABLED", "true")),
                new MapPropertySource("app", Map.of("seawall.policies[0].name", "app",
                        "seawall.policies[0].paths[0]", "/x", "seawall.policies[0].timeout", "1s")));
        InlineConfig.Rendering r = new InlineConfig(env).render();
        assertThat(r.ignoredEnvironment()).containsExactly("seawall.policies[0].name");
        assertThat(r.yaml()).contains("name: app");
    }

    @Test
    void errorsCiteTheFileAndLineOfTheValue() throws Exception {
        InlineConfig inline = new InlineConfig(env(yaml("application.yml", """
                server:
                  port: 0
                seawall:
                  policies:
                    - name: api
                      paths: [/api/*]
                      rate-limits:
                        - by: ip
                          limit: 5/xyz
                """)));
        String text = inline.read();
        ConfigException raw = catchThrowableOfType(ConfigException.class,
                () -> Seawall.builder().yaml(inline.name(), text).build());
        ConfigException explained = inline.explain(raw);
        assertThat(explained.getMessage())
                .startsWith("application.yml:9: seawall.policies[0].rate-limits[0].limit: \"5/xyz\" is not a rate");
    }

    @Test
    void nothingUnderSeawallButTheStartersOwnKeysIsNoInlineConfiguration() {
        InlineConfig.Rendering r = new InlineConfig(env(new MapPropertySource("app",
                Map.of("seawall.enabled", "true", "seawall.config", "classpath:x.yaml", "seawall.watch", "off")))).render();
        assertThat(r.present()).isFalse();
        assertThat(r.yaml()).isEmpty();
    }

    @Test
    void relaxedNamesBecomeDashedKeys() {
        assertThat(InlineConfig.dashed("rateLimits")).isEqualTo("rate-limits");
        assertThat(InlineConfig.dashed("circuit_breaker")).isEqualTo("circuit-breaker");
        assertThat(InlineConfig.dashed("half-open-calls")).isEqualTo("half-open-calls");
        assertThat(InlineConfig.dashed("X-Degraded")).isEqualTo("x-degraded");
    }

    @Test
    void dataKeysKeepTheirSpelling() throws Exception {
        StandardEnvironment env = env(yaml("application.yml", """
                seawall:
                  policies:
                    - name: api
                      paths: [/api/*]
                      rateLimits:
                        - by: api-key
                          limit: 5/1m
                          plans:
                            gold: 50/1m
                          planOf:
                            KeyAbc123: gold
                      fallback:
                        headers:
                          X-Degraded: "true"
                        body: '{}'
                """));
        String yaml = new InlineConfig(env).render().yaml();
        assertThat(yaml).contains("gold:").contains("KeyAbc123: gold").contains("X-Degraded:")
                .contains("plan-of:").contains("rate-limits:");
        Seawall.builder().yaml("inline", yaml).build().close();
    }
}
