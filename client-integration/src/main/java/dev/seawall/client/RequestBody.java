package dev.seawall.client;

import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * The body of a {@code java.net.http} request, made ready to be sent once per attempt.
 *
 * <p>A body publisher can be subscribed to only as often as it allows (an {@code ofInputStream} one once), so a body
 * that may be sent again is kept: its buffers are collected once, up to {@code max-body} bytes, and every attempt
 * sends them with {@link BodyPublishers#ofByteArrays}. A body longer than {@code max-body} (declared by
 * {@link BodyPublisher#contentLength()}, or found while collecting) is sent once and the request is not replayable:
 * the buffers read so far are sent first, then the rest of the original publisher, so the body still goes out whole.
 * Memory held per request is at most {@code max-body} plus one buffer of the publisher.
 *
 * <p>Thread-safety: a {@code RequestBody} belongs to one call; {@link #publisher()} may be called from the engine's
 * threads (hedged attempts concurrently), which only read the collected, immutable chunks.
 */
final class RequestBody {

    /** A request without a body publisher, or with an empty one: every attempt sends the request as it came. */
    private static final RequestBody NONE = new RequestBody(null, null, 0, true);

    private final BodyPublisher once;
    private final List<byte[]> chunks;
    private final long length;
    private final boolean replayable;

    private RequestBody(BodyPublisher once, List<byte[]> chunks, long length, boolean replayable) {
        this.once = once;
        this.chunks = chunks;
        this.length = length;
        this.replayable = replayable;
    }

    /**
     * Reads the request's body up to {@code maxBody}. The publisher is subscribed to on the calling thread; the
     * JDK's own publishers deliver synchronously, so the future is usually complete on return.
     */
    static CompletableFuture<RequestBody> of(HttpRequest request, long maxBody) {
        Optional<BodyPublisher> p = request.bodyPublisher();
        if (p.isEmpty() || p.get().contentLength() == 0) {
            return CompletableFuture.completedFuture(NONE);
        }
        BodyPublisher publisher = p.get();
        if (publisher.contentLength() > maxBody) {
            return CompletableFuture.completedFuture(new RequestBody(publisher, null, publisher.contentLength(),
                    false));
        }
        Collector c = new Collector(maxBody, publisher.contentLength());
        try {
            publisher.subscribe(c);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return c.done.thenApply(ignored -> c.overflowed
                ? new RequestBody(c, null, publisher.contentLength(), false)
                : new RequestBody(null, List.copyOf(c.kept), c.total, true));
    }

    /** @return whether the body can be sent again (a retry or a hedge) */
    boolean replayable() {
        return replayable;
    }

    /** @return whether the request goes out with its own publisher, untouched */
    boolean original() {
        return this == NONE;
    }

    /** @return the publisher of one attempt */
    BodyPublisher publisher() {
        if (once != null) {
            return once;
        }
        return length == 0 ? BodyPublishers.noBody()
                : BodyPublishers.fromPublisher(BodyPublishers.ofByteArrays(chunks), length);
    }

    /** Releases a body that was never sent (the call ended before its one attempt): stops its publisher. */
    void release() {
        if (once instanceof Collector c) {
            c.abandon();
        }
    }

    /**
     * Collects the original publisher's buffers one at a time; past {@code max} it stops asking for more and
     * becomes a publisher of its own that sends the buffers kept so far and then relays the original's rest.
     */
    private static final class Collector implements Flow.Subscriber<ByteBuffer>, BodyPublisher, Flow.Subscription {
        private final long max;
        private final long declaredLength;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final List<byte[]> kept = new ArrayList<>();
        long total;
        volatile boolean overflowed;

        // after the overflow; guarded by this
        private Flow.Subscription upstream;
        private final ArrayDeque<ByteBuffer> pending = new ArrayDeque<>();
        private Flow.Subscriber<? super ByteBuffer> downstream;
        private boolean upstreamDone;
        private Throwable upstreamError;
        private boolean downstreamDone;
        private boolean cancelled;

        Collector(long max, long declaredLength) {
            this.max = max;
            this.declaredLength = declaredLength;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            synchronized (this) {
                upstream = s;
            }
            s.request(1);
        }

        @Override
        public void onNext(ByteBuffer item) {
            Flow.Subscriber<? super ByteBuffer> d;
            synchronized (this) {
                d = downstream;
                if (d == null) {
                    byte[] a = new byte[item.remaining()];
                    item.get(a);
                    if (!overflowed) {
                        kept.add(a);
                        total += a.length;
                        if (total > max) {
                            overflowed = true;
                            for (byte[] k : kept) {
                                pending.add(ByteBuffer.wrap(k));
                            }
                            kept.clear();
                        }
                    } else {
                        pending.add(ByteBuffer.wrap(a)); // delivered without our asking: kept for the attempt
                    }
                }
            }
            if (d != null) {
                d.onNext(item);
            } else if (overflowed) {
                done.complete(null);
            } else {
                upstreamRequest(1);
            }
        }

        private void upstreamRequest(long n) {
            Flow.Subscription s;
            synchronized (this) {
                s = upstream;
            }
            s.request(n);
        }

        @Override
        public void onError(Throwable t) {
            Flow.Subscriber<? super ByteBuffer> d;
            synchronized (this) {
                upstreamDone = true;
                upstreamError = t;
                d = pending.isEmpty() && !downstreamDone ? downstream : null;
                if (d != null) {
                    downstreamDone = true;
                }
            }
            if (!done.isDone()) {
                done.completeExceptionally(t);
            } else if (d != null) {
                d.onError(t);
            }
        }

        @Override
        public void onComplete() {
            Flow.Subscriber<? super ByteBuffer> d;
            synchronized (this) {
                upstreamDone = true;
                d = pending.isEmpty() && !downstreamDone ? downstream : null;
                if (d != null) {
                    downstreamDone = true;
                }
            }
            if (!done.isDone()) {
                done.complete(null);
            } else if (d != null) {
                d.onComplete();
            }
        }

        // --- the publisher of the one attempt, after the overflow

        @Override
        public long contentLength() {
            return declaredLength;
        }

        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
            synchronized (this) {
                if (downstream != null || cancelled) {
                    subscriber.onSubscribe(new Flow.Subscription() {
                        @Override
                        public void request(long n) {
                            // refused below
                        }

                        @Override
                        public void cancel() {
                            // nothing to stop
                        }
                    });
                    subscriber.onError(new IllegalStateException("a request body longer than max-body is sent once"));
                    return;
                }
                downstream = subscriber;
            }
            subscriber.onSubscribe(this);
        }

        @Override
        public void request(long n) {
            long more = n;
            synchronized (this) {
                if (downstreamDone) {
                    return;
                }
                while (more > 0 && !pending.isEmpty()) {
                    downstream.onNext(pending.poll());
                    more--;
                    if (downstreamDone) {
                        return;
                    }
                }
                if (pending.isEmpty() && upstreamDone) {
                    downstreamDone = true;
                    if (upstreamError != null) {
                        downstream.onError(upstreamError);
                    } else {
                        downstream.onComplete();
                    }
                    return;
                }
            }
            if (more > 0) {
                upstreamRequest(more);
            }
        }

        @Override
        public void cancel() {
            Flow.Subscription s;
            synchronized (this) {
                downstreamDone = true;
                pending.clear();
                s = upstream;
            }
            if (s != null) {
                s.cancel();
            }
        }

        void abandon() {
            boolean unsent;
            synchronized (this) {
                unsent = downstream == null;
                cancelled = true;
            }
            if (unsent) {
                cancel();
            }
        }
    }
}
