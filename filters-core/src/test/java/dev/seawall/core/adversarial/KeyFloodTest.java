package dev.seawall.core.adversarial;

import dev.seawall.core.Seawall;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.chain.Chain;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.ratelimit.LimitView;
import dev.seawall.core.ratelimit.RateLimitStage;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.time.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A million one-shot clients (distinct addresses, API keys and tenants) against limits bounded at 10,000 keys each:
 * tracked keys stay at the bound, and a legitimate client sending among them keeps its own budget (its bucket is
 * never evicted and recreated full).
 */
class KeyFloodTest {

    private static final int FLOOD = 1_000_000;

    @Test
    void aMillionOneShotClientsStayWithinTheBoundAndTheRegularClientKeepsItsBudget() {
        ManualClock clock = new ManualClock();
        String yaml = """
                policies:
                  - name: api
                    paths: [/api/*]
                    rate-limits:
                      - by: ip
                        limit: 50/1h
                        max-keys: 10000
                      - by: api-key
                        limit: 50/1h
                        max-keys: 10000
                      - by: tenant
                        limit: 50/1h
                        max-keys: 10000
                """;
        try (Seawall engine = Seawall.builder().clock(clock).meterRegistry(new SimpleMeterRegistry())
                .yaml("seawall.yaml", yaml).build()) {
            Chain chain = engine.match("GET", "/api/x").chain();
            RateLimitStage stage = (RateLimitStage) chain.stage(StageKind.RATE_LIMIT);
            long heapBefore = usedHeapAfterGc();
            int regularAdmitted = 0;
            int regularSent = 0;
            for (int i = 0; i < FLOOD; i++) {
                String ip = "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
                decide(chain, FakeRequest.get("/api/x").from(ip).header("X-API-Key", "flood-" + i)
                        .header("X-Tenant-ID", "t" + i), clock);
                if (i % 100 == 0) {
                    regularSent++;
                    if (decide(chain, FakeRequest.get("/api/x").from("192.0.2.10")
                            .header("X-API-Key", "regular-key").header("X-Tenant-ID", "regular"), clock)) {
                        regularAdmitted++;
                    }
                }
            }
            stage.cleanUp();
            for (LimitView l : stage.limits()) {
                assertThat(l.trackedKeys()).as(l.name()).isLessThanOrEqualTo(10_000);
            }
            assertThat(regularSent).isEqualTo(10_000);
            assertThat(regularAdmitted).as("50 per hour, never refilled by an eviction").isEqualTo(50);
            long growth = usedHeapAfterGc() - heapBefore;
            // three limits x 10,000 keys x a few hundred bytes: megabytes, not the ~700 MB a million keys each would cost
            assertThat(growth).as("heap growth after the flood (bytes)").isLessThan(200L * 1024 * 1024);
        }
    }

    private static boolean decide(Chain chain, FakeRequest request, ManualClock clock) {
        Exchange e = chain.admit(request, clock.nanoTime());
        if (e.admitted()) {
            e.complete(new Outcome(200, null, 0, 0, false));
            return true;
        }
        return false;
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
