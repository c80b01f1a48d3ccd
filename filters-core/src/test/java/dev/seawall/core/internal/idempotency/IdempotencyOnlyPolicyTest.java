package dev.seawall.core.internal.idempotency;

import dev.seawall.core.Seawall;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.policy.Policy;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A policy whose only step is {@code idempotency} (the step runs before the chain, so the chain has no stage): it
 * builds, and its empty chain admits every request.
 */
class IdempotencyOnlyPolicyTest {

    @Test
    void aPolicyWithOnlyIdempotencyBuildsAndItsChainAdmitsEveryRequest() {
        try (Seawall seawall = Seawall.builder().yaml("seawall.yaml", """
                policies:
                  - name: orders
                    paths: [/orders/*]
                    idempotency: on
                """).build()) {
            Policy p = seawall.match("POST", "/orders/1");
            assertThat(p).isNotNull();
            assertThat(p.chain().stages()).isEmpty();
            assertThat(CoreAccess.idempotency(p)).isNotNull();
            assertThat(p.chain().admit(null, 0).admitted()).isTrue();
        }
    }
}
