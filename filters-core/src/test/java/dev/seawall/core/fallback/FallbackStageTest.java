package dev.seawall.core.fallback;

import dev.seawall.core.chain.Admission;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.http.Rejection.Header;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.metrics.SeawallMeters;
import dev.seawall.core.problem.ProblemTypes;
import dev.seawall.core.testing.FakeRequest;
import dev.seawall.core.time.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FallbackStageTest {

    private static final String POLICY = "catalog";

    private final ManualClock clock = new ManualClock();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final FakeRequest request = FakeRequest.get("/catalog").user("alice");
    private final FallbackResponse staticAnswer = FallbackResponse.of(200, "application/json", "{\"items\":[]}");

    private FallbackStage.Builder builder() {
        return FallbackStage.builder(POLICY);
    }

    /** Binds the stage's meters to this test's registry, as an engine does when it takes the stage into service. */
    private FallbackStage bind(FallbackStage stage) {
        SeawallMeters.bind(meters, stage);
        return stage;
    }

    private StaleCache cache() {
        return new StaleCache(Duration.ofMinutes(10), 100, 1024 * 1024, List.of(), clock);
    }

    private double served(FallbackTrigger trigger, String source) {
        return meters.get("seawall.fallback.served").tag("policy", POLICY).tag("trigger", trigger.configName())
                .tag("source", source).functionCounter().count();
    }

    private FallbackResponse answer(FallbackStage stage, FallbackTrigger trigger) {
        return stage.answer(trigger, stage.cacheKey(request), request, clock.nanoTime());
    }

    private static String text(FallbackResponse r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void defaultTriggersAreCircuitOpenTimeoutAndErrorNotThrottled() {
        FallbackStage stage = bind(builder().staticResponse(staticAnswer).build());
        assertThat(stage.answers(FallbackTrigger.CIRCUIT_OPEN)).isTrue();
        assertThat(stage.answers(FallbackTrigger.TIMEOUT)).isTrue();
        assertThat(stage.answers(FallbackTrigger.ERROR)).isTrue();
        assertThat(stage.answers(FallbackTrigger.THROTTLED)).isFalse();

        assertThat(answer(stage, FallbackTrigger.THROTTLED)).isNull();
        assertThat(served(FallbackTrigger.THROTTLED, "none")).isEqualTo(1.0);
        assertThat(answer(stage, FallbackTrigger.TIMEOUT)).isNotNull();
    }

    @Test
    void onSelectsTheTriggers() {
        FallbackStage stage = bind(builder().staticResponse(staticAnswer).on(Set.of(FallbackTrigger.THROTTLED)).build());
        assertThat(stage.answers(FallbackTrigger.THROTTLED)).isTrue();
        assertThat(stage.answers(FallbackTrigger.TIMEOUT)).isFalse();
        assertThat(answer(stage, FallbackTrigger.THROTTLED)).isNotNull();
        assertThat(answer(stage, FallbackTrigger.TIMEOUT)).isNull();
        assertThatThrownBy(() -> builder().on(Set.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cacheIsPreferredOverHandlerAndStatic() {
        AtomicInteger handlerCalls = new AtomicInteger();
        FallbackStage stage = bind(builder().staleCache(cache()).staticResponse(staticAnswer)
                .handler((t, r) -> {
                    handlerCalls.incrementAndGet();
                    return FallbackResponse.of(200, "text/plain", "from handler");
                }).build());
        StaleCache.Key key = stage.cacheKey(request);
        assertThat(key).isNotNull();
        stage.remember(key, request, 200, List.of(new Header("Content-Type", "text/plain")),
                "last good".getBytes(StandardCharsets.UTF_8), clock.nanoTime());
        clock.advance(Duration.ofSeconds(7));

        FallbackResponse r = stage.answer(FallbackTrigger.CIRCUIT_OPEN, key, request, clock.nanoTime());
        assertThat(r.source()).isEqualTo("cache");
        assertThat(text(r)).isEqualTo("last good");
        assertThat(r.header("Age")).isEqualTo("7");
        assertThat(handlerCalls).hasValue(0);
        assertThat(served(FallbackTrigger.CIRCUIT_OPEN, "cache")).isEqualTo(1.0);
        assertThat(served(FallbackTrigger.CIRCUIT_OPEN, "fallback")).isZero();
        assertThat(meters.get("seawall.fallback.cache.stored").tag("policy", POLICY).functionCounter().count())
                .isEqualTo(1.0);
        assertThat(meters.get("seawall.fallback.cache.entries").tag("policy", POLICY).gauge().value())
                .isEqualTo(1.0);
    }

    @Test
    void handlerIsUsedWhenNothingIsCachedAndPreferredOverStatic() {
        List<FallbackTrigger> seen = new ArrayList<>();
        FallbackStage stage = bind(builder().staleCache(cache()).staticResponse(staticAnswer)
                .handler((t, r) -> {
                    seen.add(t);
                    assertThat(r.path()).isEqualTo("/catalog");
                    return new FallbackResponse(200, List.of(new Header("Content-Type", "text/plain"),
                            new Header("X-Data-Source", "live"), new Header("Cache-Control", "max-age=600")),
                            "from handler".getBytes(StandardCharsets.UTF_8), "cache");
                }).build());

        FallbackResponse r = answer(stage, FallbackTrigger.ERROR);
        assertThat(text(r)).isEqualTo("from handler");
        assertThat(r.source()).isEqualTo("fallback");
        assertThat(r.header("Content-Type")).isEqualTo("text/plain");
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
        assertThat(r.header("X-Data-Source")).as("the source travels in source(), not as a copied header").isNull();
        assertThat(seen).containsExactly(FallbackTrigger.ERROR);
        assertThat(served(FallbackTrigger.ERROR, "fallback")).isEqualTo(1.0);
    }

    @Test
    void handlerThrowingFallsToStatic() {
        FallbackStage stage = bind(builder().staticResponse(staticAnswer).handler((t, r) -> {
            throw new IllegalStateException("handler failure (expected by the test)");
        }).build());
        FallbackResponse r = answer(stage, FallbackTrigger.TIMEOUT);
        assertThat(r).isNotNull();
        assertThat(text(r)).isEqualTo("{\"items\":[]}");
        assertThat(served(FallbackTrigger.TIMEOUT, "fallback")).isEqualTo(1.0);
    }

    @Test
    void handlerThrowingWithoutStaticGivesNull() {
        FallbackStage stage = bind(builder().handler((t, r) -> {
            throw new IllegalStateException("handler failure (expected by the test)");
        }).build());
        assertThat(answer(stage, FallbackTrigger.TIMEOUT)).isNull();
        assertThat(served(FallbackTrigger.TIMEOUT, "none")).isEqualTo(1.0);
        assertThat(served(FallbackTrigger.TIMEOUT, "fallback")).isZero();
    }

    @Test
    void handlerReturningNullFallsToStatic() {
        FallbackStage stage = bind(builder().staticResponse(staticAnswer).handler((t, r) -> null).build());
        FallbackResponse r = answer(stage, FallbackTrigger.CIRCUIT_OPEN);
        assertThat(text(r)).isEqualTo("{\"items\":[]}");
        assertThat(r.source()).isEqualTo("fallback");

        FallbackStage noStatic = FallbackStage.builder("other").handler((t, x) -> null).build();
        assertThat(noStatic.answer(FallbackTrigger.CIRCUIT_OPEN, null, request, clock.nanoTime())).isNull();
    }

    @Test
    void nothingConfiguredGivesNull() {
        FallbackStage stage = bind(builder().staleCache(cache()).build());
        assertThat(answer(stage, FallbackTrigger.TIMEOUT)).isNull();
        assertThat(served(FallbackTrigger.TIMEOUT, "none")).isEqualTo(1.0);
    }

    @Test
    void expiredCopyIsNotServedAndTheNextSourceAnswers() {
        StaleCache cache = new StaleCache(Duration.ofSeconds(30), 100, 1024 * 1024, List.of(), clock);
        FallbackStage stage = bind(builder().staleCache(cache).staticResponse(staticAnswer).build());
        StaleCache.Key key = stage.cacheKey(request);
        stage.remember(key, request, 200, List.of(), "old".getBytes(StandardCharsets.UTF_8), clock.nanoTime());
        clock.advance(Duration.ofSeconds(31));
        FallbackResponse r = stage.answer(FallbackTrigger.TIMEOUT, key, request, clock.nanoTime());
        assertThat(r.source()).isEqualTo("fallback");
    }

    @Test
    void rememberKeepsOnlyStorableResponses() {
        StaleCache cache = cache();
        FallbackStage stage = bind(builder().staleCache(cache).build());
        StaleCache.Key key = stage.cacheKey(request);
        stage.remember(key, request, 500, List.of(), new byte[1], clock.nanoTime());
        stage.remember(key, request, 200, List.of(new Header("Cache-Control", "no-store")), new byte[1],
                clock.nanoTime());
        stage.remember(null, request, 200, List.of(), new byte[1], clock.nanoTime());
        assertThat(cache.size()).isZero();
        assertThat(meters.get("seawall.fallback.cache.stored").functionCounter().count()).isZero();

        FallbackStage noCache = bind(builder().build());
        assertThat(noCache.cache()).isNull();
        assertThat(noCache.cacheKey(request)).isNull();
        noCache.remember(key, request, 200, List.of(), new byte[1], clock.nanoTime()); // no-op
    }

    @Test
    void failClosedNeverAnswers() {
        AtomicInteger handlerCalls = new AtomicInteger();
        FallbackResponse errorStatic = FallbackResponse.of(503, "application/json", "{\"error\":\"down\"}");
        FallbackStage stage = bind(builder().failClosed(true).staticResponse(errorStatic)
                .on(EnumSet.allOf(FallbackTrigger.class))
                .handler((t, r) -> {
                    handlerCalls.incrementAndGet();
                    return errorStatic;
                }).build());
        assertThat(stage.failClosed()).isTrue();
        for (FallbackTrigger t : FallbackTrigger.values()) {
            assertThat(answer(stage, t)).as(t.name()).isNull();
            assertThat(served(t, "none")).isEqualTo(1.0);
        }
        assertThat(handlerCalls).hasValue(0);
    }

    @Test
    void failClosedRefusesAStaleCache() {
        assertThatThrownBy(() -> builder().failClosed(true).staleCache(cache()).build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void failClosedRefusesASuccessLookingStaticResponse() {
        assertThatThrownBy(() -> builder().failClosed(true).staticResponse(staticAnswer).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder().failClosed(true)
                .staticResponse(FallbackResponse.of(302, null, "")).build())
                .isInstanceOf(IllegalArgumentException.class);
        // an error status is fine
        assertThat(builder().failClosed(true).staticResponse(FallbackResponse.of(503, null, "down")).build())
                .isNotNull();
    }

    @Test
    void staticAnswerIsMarkedAsFallbackAndNoStore() {
        FallbackResponse raw = new FallbackResponse(200, List.of(new Header("Content-Type", "application/json"),
                new Header("Cache-Control", "public, max-age=3600"), new Header("x-data-source", "live")),
                "{}".getBytes(StandardCharsets.UTF_8), "fallback");
        FallbackStage stage = bind(builder().staticResponse(raw).build());
        FallbackResponse r = answer(stage, FallbackTrigger.CIRCUIT_OPEN);

        assertThat(r.source()).isEqualTo("fallback");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
        assertThat(r.headers().stream().filter(h -> h.name().equalsIgnoreCase("Cache-Control"))).hasSize(1);
        assertThat(r.header(FallbackStage.DATA_SOURCE)).isNull();
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        assertThat(text(r)).isEqualTo("{}");
        assertThat(served(FallbackTrigger.CIRCUIT_OPEN, "fallback")).isEqualTo(1.0);
    }

    @Test
    void servedMetersIncrementPerTriggerAndSource() {
        FallbackStage stage = bind(builder().staticResponse(staticAnswer).build());
        answer(stage, FallbackTrigger.TIMEOUT);
        answer(stage, FallbackTrigger.TIMEOUT);
        answer(stage, FallbackTrigger.ERROR);
        answer(stage, FallbackTrigger.THROTTLED);

        assertThat(served(FallbackTrigger.TIMEOUT, "fallback")).isEqualTo(2.0);
        assertThat(served(FallbackTrigger.ERROR, "fallback")).isEqualTo(1.0);
        assertThat(served(FallbackTrigger.CIRCUIT_OPEN, "fallback")).isZero();
        assertThat(served(FallbackTrigger.THROTTLED, "none")).isEqualTo(1.0);
        assertThat(served(FallbackTrigger.TIMEOUT, "cache")).isZero();
        // every trigger x source is registered up front
        assertThat(meters.get("seawall.fallback.served").functionCounters()).hasSize(FallbackTrigger.values().length * 3);
    }

    @Test
    void admitNeverRefusesAndTheStageIsItsOwnPermit() {
        FallbackStage stage = bind(builder().build());
        Admission a = stage.admit(request, clock.nanoTime());
        assertThat(a.admitted()).isTrue();
        assertThat(a.permit()).isSameAs(stage);
        assertThat(stage.kind()).isEqualTo(StageKind.FALLBACK);
        assertThat(stage.name()).isEqualTo(POLICY);
    }

    @Test
    void triggerOfMapsProblemTypes() {
        assertThat(FallbackTrigger.of(rejection(503, ProblemTypes.SERVICE_UNAVAILABLE)))
                .isEqualTo(FallbackTrigger.CIRCUIT_OPEN);
        assertThat(FallbackTrigger.of(rejection(503, ProblemTypes.TIMEOUT))).isEqualTo(FallbackTrigger.TIMEOUT);
        assertThat(FallbackTrigger.of(rejection(504, ProblemTypes.TIMEOUT))).isEqualTo(FallbackTrigger.TIMEOUT);
        assertThat(FallbackTrigger.of(rejection(503, ProblemTypes.TEMPORARY_REDUCED_CAPACITY)))
                .isEqualTo(FallbackTrigger.THROTTLED);
        assertThat(FallbackTrigger.of(rejection(429, ProblemTypes.QUOTA_EXCEEDED))).isNull();
        assertThat(FallbackTrigger.of(rejection(401, ProblemTypes.IDENTITY_REQUIRED))).isNull();
        assertThat(FallbackTrigger.of(rejection(400, ProblemTypes.INVALID_IDENTITY))).isNull();
        assertThat(FallbackTrigger.of(rejection(500, ProblemTypes.INTERNAL_ERROR))).isNull();
        assertThat(FallbackTrigger.of(rejection(503, "https://example.com/other"))).isNull();
    }

    @ParameterizedTest
    @EnumSource(FallbackTrigger.class)
    void configNamesRoundTrip(FallbackTrigger t) {
        assertThat(FallbackTrigger.fromConfigName(t.configName())).isSameAs(t);
    }

    @Test
    void unknownConfigNameGivesNull() {
        assertThat(FallbackTrigger.fromConfigName("quota-exceeded")).isNull();
        assertThat(FallbackTrigger.fromConfigName("TIMEOUT")).isNull();
        assertThat(FallbackTrigger.CIRCUIT_OPEN.configName()).isEqualTo("circuit-open");
        assertThat(FallbackTrigger.THROTTLED.configName()).isEqualTo("throttled");
    }

    @Test
    void fallbackResponseValidatesAndReadsHeaders() {
        assertThatThrownBy(() -> FallbackResponse.of(199, null, "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FallbackResponse.of(600, null, "")).isInstanceOf(IllegalArgumentException.class);
        FallbackResponse r = FallbackResponse.of(503, "text/plain", "down");
        assertThat(r.successLooking()).isFalse();
        assertThat(r.header("content-type")).isEqualTo("text/plain");
        assertThat(r.header("X-Missing")).isNull();
        assertThat(r.source()).isEqualTo("fallback");
        assertThat(FallbackResponse.of(399, null, "").successLooking()).isTrue();
        assertThat(FallbackResponse.of(200, null, "").headers()).isEmpty();
    }

    private static Rejection rejection(int status, String type) {
        return Rejection.builder(status, type, "Title").build();
    }
}
