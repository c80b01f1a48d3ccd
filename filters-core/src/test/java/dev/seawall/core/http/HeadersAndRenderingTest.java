package dev.seawall.core.http;

import dev.seawall.core.internal.sf.StructuredFields;
import dev.seawall.core.problem.ProblemRenderer;
import dev.seawall.core.problem.ProblemTypes;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HeadersAndRenderingTest {

    @Test
    void retryAfterRoundsUpToWholeSecondsWithAFloorOfOne() {
        assertThat(RetryAfter.seconds(-5)).isEqualTo(1);
        assertThat(RetryAfter.seconds(0)).isEqualTo(1);
        assertThat(RetryAfter.seconds(1)).isEqualTo(1);
        assertThat(RetryAfter.seconds(999_999_999)).isEqualTo(1);
        assertThat(RetryAfter.seconds(1_000_000_000)).isEqualTo(1);
        assertThat(RetryAfter.seconds(1_000_000_001)).isEqualTo(2);
        assertThat(RetryAfter.seconds(59_500_000_000L)).isEqualTo(60);
        assertThat(RetryAfter.secondsOrZero(0)).isZero();
    }

    @Test
    void structuredFieldListsEscapeNamesAndValidateKeysAndIntegers() {
        String v = new StructuredFields.ListBuilder().string("ip").param("q", 100).param("w", 60)
                .string("we\"ird\\name").param("r", 0).build();
        assertThat(v).isEqualTo("\"ip\";q=100;w=60, \"we\\\"ird\\\\name\";r=0");
        assertThatThrownBy(() -> new StructuredFields.ListBuilder().string("a\nb")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StructuredFields.ListBuilder().string("é")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StructuredFields.ListBuilder().string("a").param("Q", 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StructuredFields.ListBuilder().string("a").param("q", 1_000_000_000_000_000L))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StructuredFields.ListBuilder().param("q", 1)).isInstanceOf(IllegalStateException.class);
        assertThat(new StructuredFields.ListBuilder().token("ip-policy").param("q", 1).build()).isEqualTo("ip-policy;q=1");
        assertThatThrownBy(() -> new StructuredFields.ListBuilder().token("1bad")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void problemJsonEscapesHostileTextAndKeepsMemberOrder() {
        Rejection r = Rejection.builder(429, ProblemTypes.QUOTA_EXCEEDED, "Too Many Requests")
                .detail("quote\" backslash\\ newline\n nul\u0000 sep\u2028 <script>")
                .extension("policy", "api").extension("retry", 3).extension("strict", true).build();
        String json = new String(ProblemRenderer.render(r), StandardCharsets.UTF_8);
        assertThat(json).startsWith("{\"type\":\"https://seawall.dev/problems/quota-exceeded\",\"title\":\"Too Many Requests\","
                + "\"status\":429,\"detail\":\"quote\\\" backslash\\\\ newline\\n nul\\u0000 sep\\u2028 \\u003cscript\\u003e\"");
        assertThat(json).endsWith(",\"policy\":\"api\",\"retry\":3,\"strict\":true}");
        assertThat(ProblemRenderer.CONTENT_TYPE).isEqualTo("application/problem+json");
    }

    @Test
    void aSharedRenderingIsTheSameBytesRenderedOncePerRejection() {
        Rejection r = Rejection.builder(429, ProblemTypes.QUOTA_EXCEEDED, "Too Many Requests").detail("d")
                .extension("policy", "api").build();
        byte[] shared = ProblemRenderer.renderShared(r);
        assertThat(shared).isEqualTo(ProblemRenderer.render(r));
        assertThat(ProblemRenderer.renderShared(r)).isSameAs(shared);
        Rejection other = Rejection.builder(429, ProblemTypes.QUOTA_EXCEEDED, "Too Many Requests").detail("e").build();
        assertThat(new String(ProblemRenderer.renderShared(other), StandardCharsets.UTF_8)).contains("\"detail\":\"e\"");
    }

    @Test
    void rejectionRefusesReservedMembersAndNonErrorStatuses() {
        assertThatThrownBy(() -> Rejection.builder(200, "t", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rejection.builder(429, "t", "x").extension("status", 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rejection.builder(429, "t", "x").extension("e", new Object()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
