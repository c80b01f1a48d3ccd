package dev.seawall.core.ratelimit;

import dev.seawall.core.time.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Which rate of a limit a probe's remainder belongs to ({@link Tier#holderOf}). */
class TierTest {

    private static final long SECOND = 1_000_000_000L;

    /** 10 per second (a token every 0.1 s) and 100 per minute (a token every 0.6 s). */
    private final Tier tier = new Tier("p", "ip", "default",
            List.of(new Rate(10, Duration.ofSeconds(1)), new Rate(100, Duration.ofMinutes(1))), 10,
            new ManualClock(), LocalBucketStore.INSTANCE);

    @Test
    void namesTheRateWhoseFillTimeTheResetCanHold() {
        // per second holds 5 (full in 0.5 s), per minute 50 (full in 30 s): only the per-second rate fits 5 and 30 s
        assertThat(tier.holderOf(5, 30 * SECOND)).isZero();
        // per minute holds 5 (full in 57 s), per second more: both fit, the longer is the holder
        assertThat(tier.holderOf(5, 57 * SECOND)).isEqualTo(1);
        // the same, with the minute's next token 0.3 s under way
        assertThat(tier.holderOf(5, 57 * SECOND - 3 * SECOND / 10)).isEqualTo(1);
    }

    @Test
    void aRateOneTokenAboveTheRemainderIsNotTakenForItsHolder() {
        // per second holds 5, per minute 6 with its last token just arrived: the reset is the minute's 94 × 0.6 s
        assertThat(tier.holderOf(5, 564 * SECOND / 10)).isZero();
        assertThat(tier.holderOf(5, 564 * SECOND / 10 + 1)).as("Bucket4j's rounding up").isZero();
    }

    @Test
    void aTierOfOneRateNeedsNoDerivation() {
        Tier one = new Tier("p", "ip", "default", List.of(new Rate(10, Duration.ofSeconds(1))), 10,
                new ManualClock(), LocalBucketStore.INSTANCE);
        assertThat(one.holderOf(3, 123)).isZero();
        assertThat(one.statePrefix(0)).isEqualTo("\"ip\";r=");
        assertThat(tier.statePrefix(1)).isEqualTo("\"ip-2\";r=");
    }
}
