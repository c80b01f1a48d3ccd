package dev.seawall.core.outbound;

import dev.seawall.core.config.ClientConfig;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.outbound.ClientRuntime;
import dev.seawall.core.internal.timeout.DeadlineTimer;
import dev.seawall.core.time.ManualClock;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A fake world for the outbound engine: a manual clock and timer, a fixed wall clock, a scripted random source and a
 * pause that advances the clock; and a scripted transport whose attempts the test answers.
 */
final class OutboundFixture {

    final ManualClock clock = new ManualClock();
    final DeadlineTimer timer = DeadlineTimer.manual(clock);
    final Instant wallStart = Instant.parse("2026-12-07T10:00:00Z");
    double random = 0.5;
    final List<Long> pauses = new ArrayList<>();
    final ClientRuntime runtime = new ClientRuntime(clock, timer,
            Clock.offset(Clock.fixed(wallStart, ZoneOffset.UTC), Duration.ZERO), () -> random, nanos -> {
                pauses.add(nanos);
                clock.advanceNanos(nanos);
            });

    OutboundClient client(ClientConfig config) {
        return CoreAccess.clients(List.of(config), runtime, null).named(config.name());
    }

    /** Advances the clock and fires what is due. */
    void advance(Duration d) {
        clock.advance(d);
        timer.runDue();
    }

    void advanceMillis(long ms) {
        advance(Duration.ofMillis(ms));
    }

    /** A response: a status and an optional Retry-After. */
    record Response(int status, String retryAfter) {
        static Response of(int status) {
            return new Response(status, null);
        }
    }

    static final ResponseReader<Response> READER = new ResponseReader<>() {
        @Override
        public int status(Response r) {
            return r.status();
        }

        @Override
        public String header(Response r, String name) {
            return name.equals("Retry-After") ? r.retryAfter() : null;
        }

        @Override
        public void discard(Response r) {
            DISCARDED.add(r);
        }
    };

    static final List<Response> DISCARDED = new CopyOnWriteArrayList<>();

    /** One attempt as the transport saw it. */
    record Sent(AttemptContext context, long atNanos, CompletableFuture<Response> future) {
    }

    /** A transport whose attempts stay pending until the test completes them. */
    final class Scripted implements Transport<Response> {
        final List<Sent> sent = new CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<Response> send(AttemptContext attempt) {
            CompletableFuture<Response> f = new CompletableFuture<>();
            sent.add(new Sent(attempt, clock.nanoTime(), f));
            return f;
        }

        Sent last() {
            return sent.get(sent.size() - 1);
        }

        void answer(int status) {
            last().future().complete(Response.of(status));
        }

        void answer(int status, String retryAfter) {
            last().future().complete(new Response(status, retryAfter));
        }

        void fail(Throwable t) {
            last().future().completeExceptionally(t);
        }
    }

    static OutboundRequest get(String host) {
        return new OutboundRequest("GET", host, 443, "/x", false, true);
    }

    static OutboundRequest post(String host, boolean idempotencyKey) {
        return new OutboundRequest("POST", host, 443, "/x", idempotencyKey, true);
    }
}
