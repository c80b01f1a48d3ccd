package dev.seawall.core.timeout;

import dev.seawall.core.config.InvalidSettingException;
import dev.seawall.core.ratelimit.Rate;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TimeoutStageBuilderTest {

    @Test
    void buildsWithTheConfigurationsRules() {
        TimeoutStage t = TimeoutStage.builder("reports", Duration.ofSeconds(5))
                .build();
        assertThat(t.status()).isEqualTo(503);
        assertThat(t.afterNanos()).isEqualTo(Duration.ofSeconds(5).toNanos());
        assertThat(TimeoutStage.builder("gw", Duration.ofMillis(250)).status(504)
                .build().status()).isEqualTo(504);
        assertThatThrownBy(() -> TimeoutStage.builder("x", Duration.ofSeconds(1)).status(418))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("status: 418 is not a timeout status (expected 503, or 504 for a gateway)");
        assertThatThrownBy(() -> TimeoutStage.builder("x", Duration.ZERO))
                .hasMessage("after: \"0s\" must be longer than zero");
    }

    @Test
    void rateParseIsTheConfigurationsSyntax() {
        assertThat(Rate.parse("100/1m")).isEqualTo(new Rate(100, Duration.ofMinutes(1)));
        assertThat(Rate.parse("10/s")).isEqualTo(new Rate(10, Duration.ofSeconds(1)));
        assertThat(Rate.parse("5/10s")).hasToString("5/10s");
        assertThatThrownBy(() -> Rate.parse("10/xyz")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("\"10/xyz\" is not a rate (expected N/duration, like 100/1m)");
    }
}
