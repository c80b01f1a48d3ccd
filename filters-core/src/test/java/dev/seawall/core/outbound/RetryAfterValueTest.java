package dev.seawall.core.outbound;

import dev.seawall.core.internal.outbound.RetryAfterValue;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class RetryAfterValueTest {

    private static final Clock NOW = Clock.fixed(Instant.parse("2026-12-07T10:00:00Z"), ZoneOffset.UTC);

    private static long parse(String v) {
        return RetryAfterValue.parseNanos(v, NOW);
    }

    @Test
    void readsDeltaSecondsAndDates() {
        assertThat(parse("0")).isZero();
        assertThat(parse(" 7 ")).isEqualTo(TimeUnit.SECONDS.toNanos(7));
        assertThat(parse("Mon, 07 Dec 2026 10:00:30 GMT")).isEqualTo(TimeUnit.SECONDS.toNanos(30));
        assertThat(parse("Mon, 07 Dec 2026 09:00:00 GMT")).as("a past date means now").isZero();
    }

    @Test
    void hostileValuesAreAbsentOrHugeNeverAnException() {
        for (String v : new String[] {null, "", "  ", "-1", "+5", "1.5", "1e3", "0x10", "soon", "5 seconds",
                "Mon, 32 Dec 2026 10:00:30 GMT", "Mon, 07 Dec 2026 25:00:00 GMT", "\u0000", "٣",
                "x".repeat(10_000), "Mon, 07 Dec 2026 10:00:30 GMT; extra"}) {
            assertThat(parse(v)).as(String.valueOf(v)).isEqualTo(RetryAfterValue.ABSENT);
        }
        assertThat(parse("99999999999")).isEqualTo(Long.MAX_VALUE);
        assertThat(parse("9".repeat(60))).isEqualTo(Long.MAX_VALUE);
        assertThat(parse("Fri, 31 Dec 9999 23:59:59 GMT")).isEqualTo(Long.MAX_VALUE);
        assertThat(parse("9000001")).isEqualTo(Long.MAX_VALUE);
        assertThat(parse("8999999")).isEqualTo(TimeUnit.SECONDS.toNanos(8_999_999));
    }
}
