package dev.seawall.core.internal;

import dev.seawall.core.Seawall;
import dev.seawall.core.chain.ChainBuilder;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.policy.Policy;
import dev.seawall.core.testing.RecordingStage;
import dev.seawall.core.time.ManualClock;
import dev.seawall.core.timeout.TimeoutStage;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The adapters reach an engine's timer and a policy's answer plan through {@link CoreAccess}, not the API. */
class CoreAccessTest {

    private final ManualClock clock = new ManualClock();

    private static Policy policy(String name, boolean timed) {
        ChainBuilder chain = ChainBuilder.create();
        chain.add(timed ? TimeoutStage.builder(name, Duration.ofSeconds(2)).build()
                : new RecordingStage(StageKind.RATE_LIMIT));
        return new Policy(name, List.of("/" + name + "/*"), Set.of(), chain.build());
    }

    @Test
    void aPolicysAnswerPlanIsTheOneCompiledWithIt() {
        Policy p = policy("reports", true);
        assertThat(CoreAccess.answerPlan(p)).isNotNull().isSameAs(CoreAccess.answerPlan(p));
        assertThat(CoreAccess.answerPlan(p).timeout()).isNotNull();
        assertThat(CoreAccess.answerPlan(policy("plain", false)).timeout()).isNull();
    }

    @Test
    void anEngineHasATimerOnlyWhenAPolicyNeedsOne() {
        try (Seawall timed = Seawall.builder().clock(clock).policy(policy("reports", true)).build();
             Seawall plain = Seawall.builder().clock(clock).policy(policy("plain", false)).build()) {
            assertThat(CoreAccess.deadlines(timed)).isNotNull();
            assertThat(CoreAccess.deadlines(plain)).isNull();
        }
    }

    @Test
    void aSecondRegistrationIsRefused() {
        Policy p = policy("any", false);
        assertThat(CoreAccess.answerPlan(p)).isNotNull(); // Policy registered its accessor
        assertThatThrownBy(() -> CoreAccess.registerPolicy(new CoreAccess.PolicyAccess() {
            @Override
            public dev.seawall.core.internal.answer.AnswerPlan answerPlan(Policy policy) {
                return null;
            }

            @Override
            public dev.seawall.core.internal.idempotency.IdempotencyGuard idempotency(Policy policy) {
                return null;
            }

            @Override
            public Policy withIdempotency(Policy policy, dev.seawall.core.internal.idempotency.IdempotencyGuard g) {
                return policy;
            }
        }))
                .isInstanceOf(IllegalStateException.class);
    }
}
