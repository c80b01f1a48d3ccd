package dev.seawall.spring;

import dev.seawall.core.LiveSeawall;
import dev.seawall.core.config.ConfigException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EngineLoaderTest {

    private static StandardEnvironment env(Map<String, Object> values) {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        env.getPropertySources().remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
        env.getPropertySources().addFirst(new MapPropertySource("app", values));
        return env;
    }

    private static SeawallProperties props(String config) {
        SeawallProperties p = new SeawallProperties();
        p.setConfig(config);
        p.setWatch("off");
        return p;
    }

    @Test
    void aLocationAndInlineKeysTogetherAreRefused() {
        assertThatThrownBy(() -> EngineLoader.load(props("classpath:seawall-test.yaml"),
                env(Map.of("seawall.policies[0].name", "x")), new SimpleMeterRegistry()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("seawall.config: is set, and Seawall keys are written inline too");
    }

    @Test
    void aMissingFileIsNamedWithWhereItWasLookedFor() {
        assertThatThrownBy(() -> EngineLoader.load(props("file:/no/such/seawall.yaml"), env(Map.of()),
                new SimpleMeterRegistry()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("seawall.config: file:/no/such/seawall.yaml was not found as a file");
        assertThatThrownBy(() -> EngineLoader.load(props("classpath:nope.yaml"), env(Map.of()),
                new SimpleMeterRegistry()))
                .hasMessageContaining("classpath:nope.yaml was not found on the class path");
    }

    @Test
    void loadsAFileAndReloadsIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("seawall.yaml");
        Files.writeString(file, "policies:\n  - name: a\n    paths: [/a/*]\n    timeout: 1s\n");
        try (LiveSeawall live = EngineLoader.load(props(file.toString()), env(Map.of()), new SimpleMeterRegistry())) {
            assertThat(live.current().policies()).hasSize(1);
            Files.writeString(file, "policies:\n  - name: a\n    paths: [/a/*]\n    timeout: 1s\n"
                    + "  - name: b\n    paths: [/b/*]\n    timeout: 1s\n");
            assertThat(live.reload().outcome()).isEqualTo(LiveSeawall.Outcome.APPLIED);
            assertThat(live.current().policies()).hasSize(2);
        }
    }

    @Test
    void inlineKeysReloadAndARefusedReloadCitesTheProperty() {
        MapPropertySource source = new MapPropertySource("app", new java.util.HashMap<>(Map.of(
                "seawall.policies[0].name", "a", "seawall.policies[0].paths[0]", "/a/*",
                "seawall.policies[0].timeout", "1s")));
        StandardEnvironment env = env(Map.of());
        env.getPropertySources().addFirst(source);
        try (LiveSeawall live = EngineLoader.load(props(null), env, new SimpleMeterRegistry())) {
            assertThat(live.reloadable()).isTrue();
            source.getSource().put("seawall.policies[0].timeout", "soon");
            LiveSeawall.Result r = live.reload();
            assertThat(r.outcome()).isEqualTo(LiveSeawall.Outcome.REFUSED);
            assertThat(r.message()).contains("seawall.policies[0].timeout").contains("\"soon\"");
        }
    }

    @Test
    void noConfigurationAnywhereSaysWhatToDo() {
        assertThatThrownBy(() -> EngineLoader.load(props(null), env(Map.of()), new SimpleMeterRegistry()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("no Seawall configuration was found")
                .hasMessageContaining("seawall.enabled=false");
    }

    @Test
    void aWatchThatIsNoDurationIsAConfigurationError() {
        SeawallProperties p = props("classpath:nope.yaml");
        p.setConfig(null);
        p.setWatch("often");
        assertThatThrownBy(() -> EngineLoader.load(p, env(Map.of("seawall.policies[0].name", "a",
                "seawall.policies[0].paths[0]", "/a", "seawall.policies[0].timeout", "1s")), new SimpleMeterRegistry()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("application properties: seawall.watch: \"often\" is not a duration (like 5s) or off");
    }

    @Test
    void aBeforeSecurityPatternThatIsNoPathPatternIsAConfigurationError() {
        SeawallProperties p = props(null);
        p.getFilter().setBeforeSecurity(java.util.List.of("/login", "login"));
        assertThatThrownBy(() -> SeawallAutoConfiguration.earlyPaths(p))
                .isInstanceOf(ConfigException.class)
                .hasMessage("application properties: seawall.filter.before-security[1]: \"login\" is not a servlet"
                        + " url-pattern (expected /exact, /prefix/*, *.ext or /)");
    }
}
