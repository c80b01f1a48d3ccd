package dev.seawall.core.internal.idempotency;

import dev.seawall.core.http.Rejection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeyHeaderAndRecordsTest {

    @Test
    void aStructuredFieldStringIsAKey() {
        assertThat(KeyHeader.parse("\"8e03978e-40d5-43e8-bc93-6894a57f9324\""))
                .isEqualTo("8e03978e-40d5-43e8-bc93-6894a57f9324");
        assertThat(KeyHeader.parse("  \"a b\"  ")).isEqualTo("a b");
        assertThat(KeyHeader.parse("\"say \\\"hi\\\" \\\\ there\"")).isEqualTo("say \"hi\" \\ there");
        assertThat(KeyHeader.parse("\"" + "k".repeat(KeyHeader.MAX_CHARS) + "\"")).hasSize(KeyHeader.MAX_CHARS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\"\"", "abc", "\"abc", "abc\"", "\"a\";p=1", "\"a\" \"b\"", "\"a\",\"b\"",
            "\"a\\b\"", "\"a\\\"", "\"tab\there\"", "\"line\nbreak\"", "\"caf\u00e9\"", "\"nul\u0000\"", "\"del\u007f\"",
            "?1", "123", ":YWJj:", "\"a\"x"})
    void anythingElseIsRefused(String field) {
        assertThat(KeyHeader.parse(field)).isNull();
    }

    @Test
    void hugeValuesAreRefusedUnread() {
        assertThat(KeyHeader.parse("\"" + "k".repeat(KeyHeader.MAX_CHARS + 1) + "\"")).isNull();
        assertThat(KeyHeader.parse("\"" + "k".repeat(100_000) + "\"")).isNull();
        assertThat(KeyHeader.parse(null)).isNull();
    }

    @Test
    void recordsRoundTrip() throws Exception {
        byte[] fp = new byte[32];
        fp[3] = 7;
        byte[] body = "{\"id\":7}".getBytes(StandardCharsets.UTF_8);
        byte[] rec = Records.answered(fp, 201, List.of(new Rejection.Header("Content-Type", "application/json"),
                new Rejection.Header("Location", "/orders/7")), body, body.length);
        Records.Decoded d = Records.decode(rec);
        assertThat(d.kind()).isEqualTo(Records.ANSWERED);
        assertThat(d.status()).isEqualTo(201);
        assertThat(d.headers()).extracting(Rejection.Header::value).containsExactly("application/json", "/orders/7");
        assertThat(d.body()).isEqualTo(body);
        assertThat(d.sameRequest(fp)).isTrue();
        assertThat(d.sameRequest(new byte[32])).isFalse();

        assertThat(Records.decode(Records.inFlight(fp, new byte[16])).kind()).isEqualTo(Records.IN_FLIGHT);
        Records.Decoded marker = Records.decode(Records.notKept(fp, 200));
        assertThat(marker.kind()).isEqualTo(Records.NOT_KEPT);
        assertThat(marker.status()).isEqualTo(200);
    }

    @Test
    void damagedRecordsAreCorruptNeverAnotherException() {
        byte[] fp = new byte[32];
        byte[] good = Records.answered(fp, 200, List.of(new Rejection.Header("A", "b")), new byte[10], 10);
        for (int cut = 0; cut < good.length; cut++) {
            byte[] shorter = java.util.Arrays.copyOf(good, cut);
            assertThatThrownBy(() -> Records.decode(shorter)).isInstanceOf(Records.Corrupt.class);
        }
        Random random = new Random(42);
        for (int i = 0; i < 5_000; i++) {
            byte[] noise = new byte[random.nextInt(200)];
            random.nextBytes(noise);
            if (noise.length > 1 && random.nextBoolean()) {
                noise[0] = Records.ANSWERED;
                noise[1] = 1;
            }
            try {
                Records.decode(noise);
            } catch (Records.Corrupt expected) {
                // the only way decoding may fail
            }
        }
        assertThatThrownBy(() -> Records.decode(null)).isInstanceOf(Records.Corrupt.class);
    }

    @Test
    void aHeaderThatCouldSplitTheResponseIsNeverReplayed() {
        byte[] rec = Records.answered(new byte[32], 200, List.of(new Rejection.Header("X", "a\r\nSet-Cookie: s=1")),
                new byte[0], 0);
        assertThatThrownBy(() -> Records.decode(rec)).isInstanceOf(Records.Corrupt.class);
    }
}
