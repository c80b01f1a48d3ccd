package dev.seawall.core.ratelimit;

import dev.seawall.core.time.NanoClock;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.BucketState;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.MathType;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One key's token bucket: Bucket4j's {@link BucketState} (all the refill arithmetic) in a single volatile
 * field updated by compare-and-set — the algorithm of Bucket4j's {@code LockFreeBucket}, without its five
 * per-bucket view objects (verbose, blocking, scheduling...) that we never use. That cuts ~100 bytes from
 * every tracked key, which matters at a million keys. It also carries the two fields {@link LocalBucketStore} uses
 * to record a busy key's accesses only now and then (12 bytes, 16 with alignment): a Caffeine read that records
 * costs more per request than they cost per key.
 *
 * <p>Thread-safe and lock-free: each update copies the state, applies refill and consumption, and CASes it
 * in; contention is per key. Allocates one state copy per attempt.
 */
final class CompactBucket {

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(CompactBucket.class, "state", BucketState.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile BucketState state;
    /**
     * When the store last recorded an access to this bucket in its cache (see {@code LocalBucketStore}); racy by
     * design: concurrent writers all write a time of about now, and a stale read only makes one more access recorded.
     */
    volatile long recordedNanos;
    /** Reads since the store last recorded an access; racy by design (a lost increment only delays a recording). */
    int quietReads;

    CompactBucket(BucketConfiguration configuration, long nowNanos) {
        this.state = BucketState.createInitialState(configuration, MathType.INTEGER_64_BITS, nowNanos);
        this.recordedNanos = nowNanos;
    }

    /** Takes one token if available; the probe says what remains and how long to wait otherwise. */
    ConsumptionProbe tryConsumeOne(long now) {
        return tryConsume(1, now);
    }

    /**
     * Takes {@code tokens} tokens if all are available, else none; the probe says what remains and how long to wait
     * until {@code tokens} are there.
     */
    ConsumptionProbe tryConsume(long tokens, long now) {
        BucketState previous = state;
        BucketState next = previous.copy();
        while (true) {
            next.refillAllBandwidth(now);
            long available = next.getAvailableTokens();
            if (available < tokens) {
                return ConsumptionProbe.rejected(available,
                        next.calculateDelayNanosAfterWillBePossibleToConsume(tokens, now, true),
                        next.calculateFullRefillingTime(now));
            }
            next.consume(tokens);
            if (STATE.compareAndSet(this, previous, next)) {
                return ConsumptionProbe.consumed(available - tokens, next.calculateFullRefillingTime(now));
            }
            previous = state;
            next.copyStateFrom(previous);
        }
    }

    /** Gives tokens back; Bucket4j caps at capacity, so a refund never overfills. */
    void addTokens(long tokens, NanoClock clock) {
        BucketState previous = state;
        BucketState next = previous.copy();
        long now = clock.nanoTime();
        while (true) {
            next.refillAllBandwidth(now);
            next.addTokens(tokens);
            if (STATE.compareAndSet(this, previous, next)) {
                return;
            }
            previous = state;
            next.copyStateFrom(previous);
        }
    }
}
