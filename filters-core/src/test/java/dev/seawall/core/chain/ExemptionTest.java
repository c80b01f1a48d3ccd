package dev.seawall.core.chain;

import dev.seawall.core.Seawall;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.status.StatusReport;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.time.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Exempt requests skip the rate limits and the throttle, and only those stages; they are counted by reason. */
class ExemptionTest {

    private final ManualClock clock = new ManualClock();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private static final String YAML = """
            trusted-proxies: [192.0.2.10]
            exempt:
              roles: [operator]
            policies:
              - name: api
                paths: [/api/*]
                rate-limits:
                  - by: ip
                    limit: 1/1m
                throttle: {max-concurrent: 1, queue: 0}
                circuit-breaker: {minimum-calls: 5}
                exempt:
                  networks: [10.0.0.0/8, "2001:db8::/32"]
                  paths: [/api/health, /api/internal/*]
            """;

    private Seawall engine() {
        return Seawall.builder().clock(clock).meterRegistry(meters).yaml("seawall.yaml", YAML).build();
    }

    private static Exchange admit(Seawall engine, FakeRequest r, long now) {
        Policy p = engine.match(r.method(), r.path());
        return p.chain().admit(r, now);
    }

    private double exempt(String reason) {
        return meters.get("seawall.requests.exempt").tag("policy", "api").tag("reason", reason).functionCounter().count();
    }

    @Test
    void anExemptRequestSkipsTheRateLimitAndTheThrottleButNotTheBreaker() {
        Seawall engine = engine();
        Policy p = engine.match("GET", "/api/x");
        Exchange first = admit(engine, FakeRequest.get("/api/x").from("198.51.100.1"), clock.nanoTime());
        assertThat(first.admitted()).isTrue(); // holds the only throttle slot, and spent the only token
        for (int i = 0; i < 5; i++) {
            Exchange health = admit(engine, FakeRequest.get("/api/health").from("198.51.100.1"), clock.nanoTime());
            assertThat(health.admitted()).as("never limited nor shed").isTrue();
            assertThat(health.exempt()).isTrue();
            assertThat(health.passed(p.chain().stage(StageKind.CIRCUIT_BREAKER))).as("the breaker still applies")
                    .isTrue();
            assertThat(health.passed(p.chain().stage(StageKind.RATE_LIMIT))).isFalse();
            assertThat(health.passed(p.chain().stage(StageKind.THROTTLE))).isFalse();
            health.complete(new Outcome(200, null, clock.nanoTime(), clock.nanoTime(), false));
        }
        Exchange limited = admit(engine, FakeRequest.get("/api/x").from("198.51.100.1"), clock.nanoTime());
        assertThat(limited.rejection().status()).isEqualTo(429);
        assertThat(exempt("path")).isEqualTo(5);
        first.complete(new Outcome(200, null, clock.nanoTime(), clock.nanoTime(), false));
    }

    @Test
    void networksAreMatchedAgainstTheClientFoundThroughTrustedProxiesOnly() {
        Seawall engine = engine();
        FakeRequest viaProxy = FakeRequest.get("/api/x").from("192.0.2.10").header("X-Forwarded-For", "10.1.2.3");
        for (int i = 0; i < 3; i++) {
            assertThat(admit(engine, viaProxy, clock.nanoTime()).exempt()).isTrue();
        }
        FakeRequest forged = FakeRequest.get("/api/x").from("198.51.100.7").header("X-Forwarded-For", "10.1.2.3");
        assertThat(admit(engine, forged, clock.nanoTime()).exempt()).as("an untrusted peer's header counts for nothing")
                .isFalse();
        FakeRequest spoofedLeft = FakeRequest.get("/api/x").from("192.0.2.10")
                .header("X-Forwarded-For", "10.1.2.3, 198.51.100.8");
        assertThat(admit(engine, spoofedLeft, clock.nanoTime()).exempt()).as("entries left of the client are the"
                + " client's own").isFalse();
        assertThat(admit(engine, FakeRequest.get("/api/x").from("2001:db8:5::1"), clock.nanoTime()).exempt()).isTrue();
        assertThat(admit(engine, FakeRequest.get("/api/x").from("[2001:db9::1]"), clock.nanoTime()).exempt())
                .isFalse();
        assertThat(admit(engine, FakeRequest.get("/api/x").from("::ffff:10.9.8.7"), clock.nanoTime()).exempt())
                .as("IPv4-mapped IPv6 is the IPv4 client").isTrue();
        assertThat(exempt("network")).isEqualTo(5);
    }

    @Test
    void theTopLevelBlockAppliesToEveryPolicyAndRolesComeFromTheContainer() {
        Seawall engine = engine();
        assertThat(admit(engine, FakeRequest.get("/api/x").from("198.51.100.1").user("ops").role("operator"),
                clock.nanoTime()).exempt()).isTrue();
        assertThat(admit(engine, FakeRequest.get("/api/x").from("198.51.100.1").user("bob").role("user"),
                clock.nanoTime()).exempt()).isFalse();
        assertThat(exempt("role")).isEqualTo(1);
        assertThat(StatusReport.json(engine)).contains("\"exempt\":{\"network\":0,\"path\":0,\"role\":1}");
    }

    @Test
    void aPolicyWithoutExemptionsMatchesNothingAndCostsNothing() {
        Seawall engine = Seawall.builder().clock(clock).meterRegistry(meters).yaml("seawall.yaml", """
                policies:
                  - name: api
                    paths: [/api/*]
                    rate-limits: [{by: ip, limit: 5/1m}]
                """).build();
        assertThat(engine.match("GET", "/api/x").chain().exemption()).isNull();
        assertThat(meters.find("seawall.requests.exempt").meters()).isEmpty();
    }

    @Test
    void theMatcherChecksPathsThenRolesThenNetworks() {
        Exemption e = Exemption.builder("api").trustedProxies(TrustedProxies.none()).networks(List.of("0.0.0.0/0"))
                .paths(List.of("*.json")).roles(List.of("admin")).build();
        assertThat(e.match(FakeRequest.get("/a/b.json").role("admin"))).isEqualTo(Exemption.Reason.PATH);
        assertThat(e.match(FakeRequest.get("/a/b").role("admin"))).isEqualTo(Exemption.Reason.ROLE);
        assertThat(e.match(FakeRequest.get("/a/b"))).isEqualTo(Exemption.Reason.NETWORK);
        assertThat(e.match(FakeRequest.get("/a/b").from("2001:db8::1"))).isNull();
        assertThat(Exemption.builder("api").build()).as("nothing exempt: no exemption").isNull();
    }

    @Test
    void theCheckAllocatesNothingForAPathARoleOrAnIpv4Peer() {
        Exemption e = Exemption.builder("api").trustedProxies(TrustedProxies.none())
                .networks(List.of("10.0.0.0/8", "2001:db8::/32")).paths(List.of("/health", "/internal/*", "*.json"))
                .roles(List.of("operator")).build();
        FakeRequest[] requests = {
                FakeRequest.get("/health"), FakeRequest.get("/internal/x/y"), FakeRequest.get("/api/orders"),
                FakeRequest.get("/api/orders").role("operator"), FakeRequest.get("/api/orders").from("10.1.2.3"),
                FakeRequest.get("/api/orders").from("198.51.100.7")};
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        assertThat(threads.isThreadAllocatedMemorySupported()).isTrue();
        int matched = 0;
        for (int i = 0; i < 24_000; i++) { // warm up: compile the paths measured below
            matched += e.match(requests[i % requests.length]) == null ? 0 : 1;
        }
        long thread = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < 60_000; i++) {
            matched += e.match(requests[i % requests.length]) == null ? 0 : 1;
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertThat(matched).as("4 of every 6 requests are exempt").isEqualTo(56_000);
        assertThat(allocated).as("bytes for 60,000 checks").isLessThan(60_000);
    }

    @Test
    void hostileEntriesAreRefusedWhenBuilt() {
        for (String bad : List.of("10.0.0.0/33", "::1/129", "1.2.3.4/-1", "not-an-ip", "10.0.0.0/8x", "", "fe80::1%eth0",
                "1.2.3.4.5")) {
            assertThatThrownBy(() -> Exemption.builder("api").networks(List.of(bad)).build()).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> Exemption.builder("api").paths(List.of("api/*")).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Exemption.builder("api").roles(List.of(" ")).build())
                .isInstanceOf(IllegalArgumentException.class);
    }
}
