package dev.seawall.servlet;

import dev.seawall.core.Seawall;
import dev.seawall.core.chain.ChainBuilder;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.policy.Policy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deadline through a real Jetty: what the application sees of {@code dev.seawall.deadline} under a buffering
 * policy, across async dispatches, error pages, stacked filters and retries, and which timeout answers.
 */
class SeawallFilterDeadlineTest {

    private final FilterJetty jetty = new FilterJetty();

    @AfterEach
    void stop() throws Exception {
        jetty.stop();
    }

    private static Policy withTimeout(String name, Duration after) {
        dev.seawall.core.timeout.TimeoutStage timeout = new dev.seawall.core.timeout.TimeoutStage(name, after, 503);
        return new Policy(name, List.of("/api/*"), Set.of(),
                ChainBuilder.create().add(SeawallFilterTest.probe(StageKind.RATE_LIMIT, false)).add(timeout).build());
    }

    /**
     * Under a buffering policy the deadline is answered by the request handed on, made only when asked for, and
     * neither it nor the buffered response's context is set on the container's request (the first attribute set there
     * builds the container's attribute map: it showed in profiles of a trivial endpoint). To the application it is
     * still an ordinary attribute: an {@code Instant}, listed, replaceable and removable.
     */
    @Test
    void theDeadlineIsAnAttributeOfTheRequestHandedOnAndNothingIsSetOnTheContainersRequest() throws Exception {
        String base = jetty.start(new SeawallFilter(Seawall.builder().policy(withTimeout("api", Duration.ofSeconds(30)))
                .build()));

        String[] seen = jetty.get(base + "/api/deadline").body().split(" ", 2);
        assertThat(Long.parseLong(seen[0])).as("ms left of a 30 s timeout").isBetween(20_000L, 30_000L);
        assertThat(seen[1]).isEqualTo("listed=true onContainer=false replaced=mine removed=null"
                + " listedAfterRemoval=false");
        // an application that goes async and dispatches again still sees it: the dispatch carries the same request
        String[] redispatched = jetty.get(base + "/api/redispatched-deadline").body().split(" ", 2);
        assertThat(Long.parseLong(redispatched[0])).isBetween(20_000L, 30_000L);
        assertThat(redispatched[1]).startsWith("listed=true onContainer=false");
    }

    /**
     * An application that goes async and dispatches (as Spring MVC does for its async results) ends its response
     * after the dispatch, where no Seawall filter runs: what it wrote through the writer of the buffered response must
     * reach the client, also what it wrote before it dispatched. (It was lost in the writer's encoder.)
     */
    @Test
    void whatAnAsyncDispatchWritesThroughTheWriterOfABufferedResponseReachesTheClient() throws Exception {
        String base = jetty.start(new SeawallFilter(Seawall.builder().policy(withTimeout("api", Duration.ofSeconds(30)))
                .build()));

        HttpResponse<String> r = jetty.get(base + "/api/redispatched-writer");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("before dispatch, after it 42!?" + System.lineSeparator());
    }

    /**
     * An error page is dispatched by the container with its own request, not the one Seawall handed on: the deadline is
     * copied there before the container answers the application's {@code sendError}.
     */
    @Test
    void anErrorPageSeesTheDeadline() throws Exception {
        jetty.errorPage = true;
        String base = jetty.start(new SeawallFilter(Seawall.builder().policy(withTimeout("api", Duration.ofSeconds(30)))
                .build()));

        HttpResponse<String> r = jetty.get(base + "/api/fail");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.body()).startsWith("error page, deadline in ");
        assertThat(Long.parseLong(r.body().substring("error page, deadline in ".length())))
                .isBetween(20_000L, 30_000L);
    }

    /**
     * Stacked filters share one buffered response and its deadline: the earliest of their timeouts bounds the request,
     * whichever filter has it, and is the deadline the application sees.
     */
    @Test
    void stackedTimeoutsShowTheApplicationTheEarliestDeadline() throws Exception {
        for (Duration[] outerInner : List.of(new Duration[] {Duration.ofSeconds(30), Duration.ofSeconds(10)},
                new Duration[] {Duration.ofSeconds(10), Duration.ofSeconds(30)})) {
            String which = "outer " + outerInner[0] + ", inner " + outerInner[1];
            String base = jetty.start(new SeawallFilter(Seawall.builder().policy(withTimeout("outer", outerInner[0])).build()),
                    new SeawallFilter(Seawall.builder().policy(withTimeout("inner", outerInner[1])).build()));
            String[] seen = jetty.get(base + "/api/deadline").body().split(" ", 2);
            assertThat(Long.parseLong(seen[0])).as("ms left, %s", which).isBetween(1_000L, 10_000L);
            assertThat(seen[1]).as(which).startsWith("listed=true onContainer=false");
            jetty.server.stop();
        }
    }

    /**
     * An application's own value of the deadline attribute holds until a Seawall filter announces the deadline again:
     * here the inner filter on the second pass of a filter retrying between the two, as when the filters set the
     * attribute themselves.
     */
    @Test
    void aDeadlineTheApplicationReplacedIsAnnouncedAgainOnARetriedPass() throws Exception {
        String base = jetty.start(new SeawallFilter(Seawall.builder().policy(withTimeout("outer", Duration.ofSeconds(30)))
                .build()), SeawallFilterTest.RETRY_ONCE, new SeawallFilter(Seawall.builder()
                .policy(withTimeout("inner", Duration.ofSeconds(10))).build()));

        assertThat(jetty.get(base + "/api/replace-deadline-then-retry").body()).isEqualTo("true");
    }

    /**
     * The earliest deadline also answers: an inner filter's shorter timeout under an outer one's longer timeout. (The
     * outer one was armed first and the inner one was ignored, so this request hung for the outer minute.)
     */
    @Test
    void anInnerFiltersShorterTimeoutAnswersUnderAnOuterLongerOne() throws Exception {
        SeawallFilter outer = new SeawallFilter(Seawall.builder().policy(withTimeout("outer", Duration.ofMinutes(1)))
                .build());
        SeawallFilter inner = new SeawallFilter(Seawall.builder().policy(withTimeout("inner", Duration.ofMillis(300)))
                .build());
        String base = jetty.start(outer, inner);
        try {
            // the client gives up after 10 s: only the inner timeout can answer in time
            assertThat(jetty.get(base + "/api/hang").statusCode()).isEqualTo(503);
        } finally {
            jetty.release.countDown();
        }
    }
}
