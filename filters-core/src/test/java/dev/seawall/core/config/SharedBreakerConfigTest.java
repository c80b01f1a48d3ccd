package dev.seawall.core.config;

import dev.seawall.core.Seawall;
import dev.seawall.core.internal.config.PolicyFactory;
import dev.seawall.core.time.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code circuit-breaker.shared}: read from the file, refused without a shared store and on clients. */
class SharedBreakerConfigTest {

    private static final String POLICY = "policies:\n  - name: api\n    paths: [/api/*]\n    circuit-breaker:\n";

    private static SeawallConfig parse(String yaml) {
        return ConfigLoader.parse("seawall.yaml", yaml);
    }

    /** A shared store's module is not on this module's class path: the redis-store module reads {@code shared: true}. */
    @Test
    void aBreakerIsNotSharedByDefault() {
        assertThat(parse(POLICY + "      open-for: 5s\n").policy("api").circuitBreaker().shared()).isFalse();
        assertThat(parse(POLICY + "      shared: false\n").policy("api").circuitBreaker().shared()).isFalse();
        assertThat(CircuitBreakerConfig.builder().shared(true).build().toBuilder().build().shared()).isTrue();
    }

    @Test
    void aSharedBreakerWithoutASharedStoreFailsStartUpAtItsLine() {
        assertThatThrownBy(() -> engine(POLICY + "      open-for: 5s\n      shared: true\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("seawall.yaml:6: policy api, circuit-breaker.shared: a shared breaker needs a shared store"
                        + " (store: {type: redis, ...}); the store is local");
        assertThatThrownBy(() -> engine("store: {type: local}\n" + POLICY + "      shared: true\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("seawall.yaml:6: policy api, circuit-breaker.shared: a shared breaker needs");
        assertThatThrownBy(() -> parse(POLICY + "      shared: often\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("seawall.yaml:5: policies[0].circuit-breaker.shared: \"often\" is not true or false");
    }

    private static void engine(String yaml) {
        Seawall.builder().meterRegistry(new SimpleMeterRegistry()).yaml("seawall.yaml", yaml).build().close();
    }

    @Test
    void aClientsBreakerIsNeverShared() {
        assertThatThrownBy(() -> parse("clients:\n  - name: pay\n    hosts: [pay.example.com]\n"
                + "    circuit-breaker:\n      open-for: 5s\n      shared: true\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("seawall.yaml:6: clients[0].circuit-breaker.shared: a client's breakers judge each host"
                        + " from this node; a breaker shared across nodes is available on policies only");
    }

    @Test
    void anEngineWhoseStoreCannotShareBreakersRefusesASharedOne() {
        PolicyFactory.Context local = new PolicyFactory.Context(new ManualClock(), new SimpleMeterRegistry(), null);
        assertThatThrownBy(() -> PolicyFactory.breakerStage(PolicyFactory.Where.of("code"), "api",
                CircuitBreakerConfig.builder().shared(true).build(), local, new PolicyFactory.Breakers()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("circuit-breaker.shared: a shared breaker needs a shared store")
                .hasMessageContaining("the store is local");
    }
}
