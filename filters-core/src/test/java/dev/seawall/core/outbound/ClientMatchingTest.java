package dev.seawall.core.outbound;

import dev.seawall.core.config.ClientConfig;
import dev.seawall.core.config.InvalidSettingException;
import dev.seawall.core.internal.outbound.HostPattern;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Host and path matching of outbound requests, and hostile host patterns. */
class ClientMatchingTest {

    private final OutboundFixture f = new OutboundFixture();

    private OutboundClients clients(ClientConfig... configs) {
        return dev.seawall.core.internal.CoreAccess.clients(List.of(configs), f.runtime, null);
    }

    @Test
    void theMostSpecificHostThenPathWins() {
        OutboundClients cs = clients(
                ClientConfig.builder("any-sub").host("*.example.com").build(),
                ClientConfig.builder("deep-sub").host("*.eu.example.com").build(),
                ClientConfig.builder("api").host("api.example.com").build(),
                ClientConfig.builder("api-tls").host("api.example.com:443").build(),
                ClientConfig.builder("api-orders").host("api.example.com").path("/orders/*").build(),
                ClientConfig.builder("by-name").build());
        assertThat(cs.match("www.example.com", 80, "/").name()).isEqualTo("any-sub");
        assertThat(cs.match("a.eu.example.com", 80, "/").name()).isEqualTo("deep-sub");
        assertThat(cs.match("API.Example.COM", 80, "/x").name()).isEqualTo("api");
        assertThat(cs.match("api.example.com", 443, "/x").name()).isEqualTo("api-tls");
        assertThat(cs.match("api.example.com", 80, "/orders/7").name()).isEqualTo("api-orders");
        assertThat(cs.match("api.example.com", 80, "/orders").name()).isEqualTo("api-orders");
        assertThat(cs.match("api.example.com", 80, "/ordersx").name()).isEqualTo("api");
        assertThat(cs.match("example.com", 80, "/")).as("a wildcard is not the domain itself").isNull();
        assertThat(cs.match("evil-example.com", 80, "/")).isNull();
        assertThat(cs.match(null, 80, "/")).isNull();
        assertThat(cs.match(URI.create("http://api.example.com/orders/1?x=y")).name()).isEqualTo("api-orders");
        assertThat(cs.match(URI.create("https://api.example.com/orders/1")).name())
                .as("the host decides first: host and port beat host and path").isEqualTo("api-tls");
        assertThat(cs.named("by-name").config().hosts()).isEmpty();
        assertThatThrownBy(() -> cs.named("nope")).hasMessageContaining("any-sub, deep-sub, api");
    }

    @Test
    void portsAndIpv6() {
        OutboundClients cs = clients(ClientConfig.builder("local").host("127.0.0.1:8080").host("[::1]:8080").build());
        assertThat(cs.match("127.0.0.1", 8080, "/")).isNotNull();
        assertThat(cs.match("127.0.0.1", 8081, "/")).isNull();
        assertThat(cs.match(URI.create("http://[::1]:8080/x"))).isNotNull();
        assertThat(OutboundClients.port(URI.create("http://h/"))).isEqualTo(80);
        assertThat(OutboundClients.port(URI.create("https://h/"))).isEqualTo(443);
        assertThat(OutboundClients.port(URI.create("ftp://h/"))).isEqualTo(-1);
    }

    @Test
    void hostilePatternsAreConfigErrors() {
        for (String bad : new String[] {"", " ", "*", "*.", "a*.example.com", "https://api.example.com",
                "api.example.com/x", "api.example.com:0", "api.example.com:65536", "api.example.com:-1",
                "api.example.com:", "api..example.com", "-api.example.com", "[::1", "[zz]:80", "*.[::1]",
                "a".repeat(300), "api example.com", "ápi.example.com", "api.example.com:8o"}) {
            assertThatThrownBy(() -> ClientConfig.builder("x").host(bad)).as(bad)
                    .isInstanceOf(InvalidSettingException.class)
                    .satisfies(e -> assertThat(((InvalidSettingException) e).key()).isEqualTo("hosts"));
        }
        assertThat(HostPattern.parse("API.example.com:8443")).hasToString("api.example.com:8443");
    }
}
