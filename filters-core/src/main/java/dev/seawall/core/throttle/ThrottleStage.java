package dev.seawall.core.throttle;

import dev.seawall.core.chain.Admission;
import dev.seawall.core.chain.Deferral;
import dev.seawall.core.chain.Permit;
import dev.seawall.core.chain.Stage;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.http.RequestView;
import dev.seawall.core.http.RetryAfter;
import dev.seawall.core.key.KeyResolver;
import dev.seawall.core.problem.ProblemTypes;
import dev.seawall.core.time.NanoClock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A concurrency limit with a bounded, prioritised wait queue.
 *
 * <h2>Design note for the next maintainer</h2>
 * <ul>
 *   <li><b>Answers.</b> A free slot is a {@link Permit} at once; a full queue is a 503 {@link Rejection}; otherwise
 *       the request gets a {@link Deferral} — a waiter in the queue — and the adapter suspends it without
 *       holding a thread. The waiter is decided exactly once: granted when a slot frees, refused when its
 *       {@code max-wait} passes or it is cancelled.</li>
 *   <li><b>Locking.</b> With no waiter and no fair share, admission is a compare-and-set on the in-flight
 *       counter and release a decrement: no lock. The queue is guarded by a per-stage lock taken only when
 *       requests queue or leave the queue. Its critical sections are O(1) per waiter decided: a waiter is a node of
 *       an intrusive doubly-linked {@link WaitQueue}, so enqueueing, granting the head and cancelling (unlinking
 *       its own node) are O(1); expiry removes only expired heads (one {@code max-wait} per stage, so each class
 *       queue is in deadline order). The one walk is fair share's: see below. Callbacks of granted or refused
 *       waiters run <em>after</em> the lock is released.</li>
 *   <li><b>No lost wake-up.</b> A waiter increments {@code queued} and then re-reads the in-flight count
 *       under the lock; a releaser decrements the in-flight count and then reads {@code queued}. Both are
 *       volatile, so at least one of them sees the other and grants the waiter.</li>
 *   <li><b>Priorities.</b> One FIFO queue per class; slots go to the highest non-empty class. Starvation
 *       guard: a low request is never held longer than {@code max-wait} — it is then refused with 503 like any
 *       other, so no class waits forever and the total queue stays bounded.</li>
 *   <li><b>Fair share.</b> With {@code max-concurrent-per-key}, a key (tenant, user, IP, API key) may hold at
 *       most that many slots and that many queue places; a waiter whose key is at its bound is skipped while
 *       others are granted. Per-key counts live only while a key has requests inside or waiting, so the map
 *       is bounded by {@code max-concurrent + queue}. Finding the next waiter to grant walks past the waiters of
 *       keys at their bound; each such key has at most {@code max-concurrent-per-key} of them, so the walk is
 *       bounded by {@code (keys at their bound) × max-concurrent-per-key} and never longer than the queue. Keeping
 *       blocked keys' waiters in a side list would make it O(1) but lose their place in the FIFO order.</li>
 *   <li><b>One class.</b> The lock-free fast path, the queues, the waiters and the slots share the lock and the two
 *       counters whose order of updates is the no-lost-wake-up argument above; split across classes, that argument
 *       would have to be checked across files. The queue structure itself is {@link WaitQueue}; meters and status
 *       views read the counts from outside.</li>
 *   <li><b>Retry-After</b> is estimated as (queued + 1) × mean service time ÷ max-concurrent, from an
 *       exponentially weighted mean of observed service times, rounded up to whole seconds, at least 1.</li>
 * </ul>
 *
 * <p>Meters are not registered here: {@code dev.seawall.core.metrics.ThrottleMeters} reads the counts below by pull.
 *
 * <p>Thread-safe.
 */
public final class ThrottleStage implements Stage {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ThrottleStage.class);

    /** Why a request was refused; the {@code reason} tag of the rejection counter. */
    public enum Reason {
        QUEUE_FULL("queue-full"), WAIT_EXPIRED("wait-expired"), KEY_LIMIT("key-limit"), CANCELLED("cancelled");

        private final String tag;

        Reason(String tag) {
            this.tag = tag;
        }

        public String tag() {
            return tag;
        }
    }

    private static final String TITLE = "Service Temporarily Overloaded";

    private final String policy;
    private final int maxConcurrent;
    private final int queueCapacity;
    private final long maxWaitNanos;
    private final NanoClock clock;
    private final PriorityClassifier classifier;
    private final KeyResolver fairShareKey;
    private final int maxPerKey;

    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger queued = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    /** One FIFO per priority class, highest first; guarded by lock. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private final WaitQueue<Waiter>[] queues = new WaitQueue[] {new WaitQueue<>(), new WaitQueue<>(), new WaitQueue<>()};
    /** key -> {in flight, queued}; guarded by lock; an entry lives while either count is positive */
    private final Map<Object, int[]> perKey = new HashMap<>();
    /** exponentially weighted mean service time in nanos (weight 1/8) */
    private final AtomicLong meanServiceNanos;

    private final LongAdder queueFull = new LongAdder();
    private final LongAdder waitExpired = new LongAdder();
    private final LongAdder keyLimit = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    /** Waits that ended (granted or expired) and their total length; written under the lock. */
    private final LongAdder queueWaits = new LongAdder();
    private final LongAdder queueWaitNanos = new LongAdder();

    private ThrottleStage(Builder b) {
        this.policy = b.policy;
        this.maxConcurrent = b.maxConcurrent;
        this.queueCapacity = b.queue;
        this.maxWaitNanos = b.maxWait.toNanos();
        this.clock = b.clock;
        this.classifier = b.classifier;
        this.fairShareKey = b.fairShareKey;
        this.maxPerKey = b.maxPerKey;
        this.meanServiceNanos = new AtomicLong(TimeUnit.MILLISECONDS.toNanos(100));
    }

    public static Builder builder(String policyName) {
        return new Builder(policyName);
    }

    @Override
    public StageKind kind() {
        return StageKind.THROTTLE;
    }

    @Override
    public String name() {
        return policy;
    }

    /** @return requests inside the application now */
    public int inFlight() {
        return inFlight.get();
    }

    /** @return requests waiting now */
    public int queued() {
        return queued.get();
    }

    public int maxConcurrent() {
        return maxConcurrent;
    }

    public int queueCapacity() {
        return queueCapacity;
    }

    /** @return requests refused for this reason so far */
    public long rejections(Reason reason) {
        return switch (reason) {
            case QUEUE_FULL -> queueFull.sum();
            case WAIT_EXPIRED -> waitExpired.sum();
            case KEY_LIMIT -> keyLimit.sum();
            case CANCELLED -> cancelled.sum();
        };
    }

    /** @return waits in the queue that ended so far, granted or expired (not cancelled ones) */
    public long queueWaitCount() {
        return queueWaits.sum();
    }

    /** @return the total length of those waits, in nanoseconds */
    public long queueWaitTotalNanos() {
        return queueWaitNanos.sum();
    }

    /** @return a snapshot of the settings and live counts, for status pages */
    public ThrottleStatus statusView() {
        return new ThrottleStatus(maxConcurrent, queueCapacity, inFlight.get(), queued.get());
    }

    private void recordWait(long nanos) {
        queueWaits.increment();
        queueWaitNanos.add(nanos);
    }

    @Override
    public Admission admit(RequestView request, long nowNanos) {
        Object key = null;
        if (fairShareKey != null) {
            String id = fairShareKey.resolve(request);
            key = id == null || id == KeyResolver.INVALID ? null : id;
        } else if (queued.get() == 0) {
            int n;
            while ((n = inFlight.get()) < maxConcurrent) {
                if (inFlight.compareAndSet(n, n + 1)) {
                    return new Slot(null, nowNanos);
                }
            }
        }
        int priority = classifier.classify(request);
        if (priority < PriorityClassifier.HIGH || priority > PriorityClassifier.LOW) {
            priority = PriorityClassifier.NORMAL;
        }
        List<Waiter> decided = new ArrayList<>(2);
        Admission answer;
        lock.lock();
        try {
            expireLocked(nowNanos, decided);
            int[] counts = key == null ? null : perKey.get(key);
            if (counts != null && counts[0] >= maxPerKey && counts[1] >= maxPerKey) {
                keyLimit.increment();
                answer = refusal(Reason.KEY_LIMIT);
            } else if (queued.get() == 0 && (counts == null || counts[0] < maxPerKey) && tryTakeSlot()) {
                count(key, 1, 0);
                answer = new Slot(key, nowNanos);
            } else if (queued.get() >= queueCapacity) {
                queueFull.increment();
                answer = refusal(Reason.QUEUE_FULL);
            } else {
                Waiter w = new Waiter(key, priority, nowNanos, nowNanos + maxWaitNanos);
                queues[priority].add(w);
                queued.incrementAndGet();
                count(key, 0, 1);
                // a releaser may have read queued == 0 just before we enqueued: look again ourselves
                grantLocked(nowNanos, decided);
                Admission now = w.outcome();
                if (now != null && decided.remove(w)) {
                    // granted before anyone could wait on it: answer with the permit itself
                    answer = now;
                } else {
                    answer = w;
                }
            }
        } finally {
            lock.unlock();
        }
        runCallbacks(decided);
        return answer;
    }

    private boolean tryTakeSlot() {
        int n;
        while ((n = inFlight.get()) < maxConcurrent) {
            if (inFlight.compareAndSet(n, n + 1)) {
                return true;
            }
        }
        return false;
    }

    /** Adjusts a key's counts; removes the entry when both reach zero. Caller holds the lock. */
    private void count(Object key, int inFlightDelta, int queuedDelta) {
        if (key == null) {
            return;
        }
        int[] c = perKey.get(key);
        if (c == null) {
            c = new int[2];
            perKey.put(key, c);
        }
        c[0] += inFlightDelta;
        c[1] += queuedDelta;
        if (c[0] <= 0 && c[1] <= 0) {
            perKey.remove(key);
        }
    }

    /** Grants free slots to eligible waiters, highest class first, FIFO within a class. Caller holds the lock. */
    private void grantLocked(long nowNanos, List<Waiter> decided) {
        while (queued.get() > 0 && inFlight.get() < maxConcurrent) {
            Waiter w = nextEligible();
            if (w == null || !tryTakeSlot()) {
                return;
            }
            removeLocked(w);
            count(w.key, 1, 0);
            recordWait(Math.max(0, nowNanos - w.enqueuedNanos));
            if (w.decide(new Slot(w.key, nowNanos))) {
                decided.add(w);
            }
        }
    }

    /**
     * The next waiter to grant: the head of the highest non-empty class, or with fair share the first waiter whose key
     * is under its bound (see the design note for the bound on this walk). Caller holds the lock.
     */
    private Waiter nextEligible() {
        for (WaitQueue<Waiter> q : queues) {
            for (Waiter w = q.first(); w != null; w = w.next()) {
                if (fairShareKey == null) {
                    return w;
                }
                int[] c = w.key == null ? null : perKey.get(w.key);
                if (c == null || c[0] < maxPerKey) {
                    return w;
                }
            }
        }
        return null;
    }

    /** Removes a queued waiter from its queue and the counts, in O(1). Caller holds the lock. */
    private boolean removeLocked(Waiter w) {
        if (queues[w.priority].remove(w)) {
            queued.decrementAndGet();
            count(w.key, 0, -1);
            return true;
        }
        return false;
    }

    /**
     * Refuses every waiter whose deadline has passed. Every waiter of a class waits the stage's one {@code max-wait}
     * from its enqueueing, so each class queue is in deadline order and only expired heads are removed. Caller holds
     * the lock.
     */
    private void expireLocked(long nowNanos, List<Waiter> decided) {
        if (queued.get() == 0) {
            return;
        }
        for (WaitQueue<Waiter> q : queues) {
            Waiter w;
            while ((w = q.first()) != null && w.deadlineNanos - nowNanos <= 0) {
                removeLocked(w);
                waitExpired.increment();
                recordWait(Math.max(0, nowNanos - w.enqueuedNanos));
                if (w.decide(refusal(Reason.WAIT_EXPIRED))) {
                    decided.add(w);
                }
            }
        }
    }

    /**
     * Runs each decided waiter's callback. A callback runs on the thread that decided (often another request's
     * thread finishing), so one that throws must not break that request or the waiters after it.
     */
    private static void runCallbacks(List<Waiter> decided) {
        for (Waiter w : decided) {
            try {
                w.runCallback();
            } catch (RuntimeException e) {
                LOG.warn("Seawall: handing a decided throttle wait back to its request failed ({}); the adapter"
                        + " must settle it", e.getClass().getSimpleName());
            }
        }
    }

    /** A slot came free: hand it to the queue, or just count it down when nobody waits. */
    private void free(Object key, long serviceNanos) {
        if (serviceNanos >= 0) {
            // EWMA with weight 1/8: cheap, lock-free, and forgets a slow burst within tens of requests
            long old;
            long updated;
            do {
                old = meanServiceNanos.get();
                updated = old + (serviceNanos - old) / 8;
            } while (!meanServiceNanos.compareAndSet(old, updated));
        }
        // without fair share the slot is given back lock-free; only a waiting queue needs the lock
        boolean lockFree = key == null && fairShareKey == null;
        if (lockFree) {
            inFlight.decrementAndGet();
            if (queued.get() == 0) {
                return;
            }
        }
        List<Waiter> decided = new ArrayList<>(1);
        lock.lock();
        try {
            if (!lockFree) {
                inFlight.decrementAndGet();
                count(key, -1, 0);
            }
            long now = clock.nanoTime();
            expireLocked(now, decided);
            grantLocked(now, decided);
        } finally {
            lock.unlock();
        }
        runCallbacks(decided);
    }

    private Rejection refusal(Reason reason) {
        long estimate = meanServiceNanos.get() * (queued.get() + 1L) / Math.max(1, maxConcurrent);
        long retryAfter = RetryAfter.seconds(estimate);
        String detail = switch (reason) {
            case QUEUE_FULL -> "Too many requests are waiting; retry after " + retryAfter + "s.";
            case WAIT_EXPIRED -> "The request waited too long for capacity; retry after " + retryAfter + "s.";
            case KEY_LIMIT -> "This client already has its share of capacity in use; retry after " + retryAfter + "s.";
            case CANCELLED -> "The request was abandoned while waiting.";
        };
        return Rejection.builder(503, ProblemTypes.TEMPORARY_REDUCED_CAPACITY, TITLE)
                .detail(detail)
                .extension("policy", policy)
                .extension("reason", reason.tag())
                .header("Retry-After", Long.toString(retryAfter))
                .build();
    }

    /** A slot inside the application; freed exactly once, on completion or release. */
    private final class Slot extends AtomicBoolean implements Permit {
        private static final long serialVersionUID = 1L;
        private final transient Object key;
        private final long grantedNanos;

        Slot(Object key, long grantedNanos) {
            this.key = key;
            this.grantedNanos = grantedNanos;
        }

        @Override
        public void complete(Outcome outcome) {
            if (compareAndSet(false, true)) {
                free(key, outcome == null ? -1 : Math.max(0, outcome.endNanos() - grantedNanos));
            }
        }

        @Override
        public void release() {
            if (compareAndSet(false, true)) {
                free(key, -1);
            }
        }
    }

    /** A request waiting for a slot; a node of its class's {@link WaitQueue} while queued. */
    private final class Waiter extends WaitQueue.Node<Waiter> implements Deferral {
        final Object key;
        final int priority;
        final long enqueuedNanos;
        final long deadlineNanos;
        private final AtomicReference<Admission> outcome = new AtomicReference<>();
        private final AtomicReference<Runnable> callback = new AtomicReference<>();
        private final AtomicBoolean callbackRan = new AtomicBoolean();

        Waiter(Object key, int priority, long enqueuedNanos, long deadlineNanos) {
            this.key = key;
            this.priority = priority;
            this.enqueuedNanos = enqueuedNanos;
            this.deadlineNanos = deadlineNanos;
        }

        boolean decide(Admission decision) {
            return outcome.compareAndSet(null, decision);
        }

        void runCallback() {
            Runnable cb = callback.get();
            if (cb != null && callbackRan.compareAndSet(false, true)) {
                cb.run();
            }
        }

        @Override
        public Admission outcome() {
            return outcome.get();
        }

        @Override
        public void onDecided(Runnable cb) {
            if (!callback.compareAndSet(null, Objects.requireNonNull(cb, "callback"))) {
                throw new IllegalStateException("a deferral takes one callback");
            }
            if (outcome.get() != null) {
                runCallback();
            }
        }

        @Override
        public void cancel() {
            boolean removed;
            lock.lock();
            try {
                removed = removeLocked(this);
            } finally {
                lock.unlock();
            }
            if (removed) {
                cancelled.increment();
                if (decide(refusal(Reason.CANCELLED))) {
                    runCallback();
                }
                return;
            }
            // already decided: a granted slot nobody will use goes back
            Admission a = outcome.get();
            if (a != null) {
                a.permit().release();
            }
        }

        @Override
        public void expire(long nowNanos) {
            if (outcome.get() != null || deadlineNanos - nowNanos > 0) {
                return;
            }
            List<Waiter> decided = new ArrayList<>(1);
            lock.lock();
            try {
                expireLocked(nowNanos, decided);
            } finally {
                lock.unlock();
            }
            runCallbacks(decided);
        }

        @Override
        public long deadlineNanos() {
            return deadlineNanos;
        }
    }

    /** Collects a throttle. Not thread-safe; the stage is. Defaults: queue 0, max-wait 1s, no priorities. */
    public static final class Builder {
        private final String policy;
        private int maxConcurrent = -1;
        private int queue;
        private Duration maxWait = Duration.ofSeconds(1);
        private NanoClock clock = NanoClock.system();
        private PriorityClassifier classifier = PriorityClassifier.NONE;
        private KeyResolver fairShareKey;
        private int maxPerKey;

        private Builder(String policy) {
            this.policy = Objects.requireNonNull(policy, "policyName");
        }

        public Builder maxConcurrent(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxConcurrent: " + n + " must be at least 1");
            }
            this.maxConcurrent = n;
            return this;
        }

        public Builder queue(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("queue: " + n + " must not be negative");
            }
            this.queue = n;
            return this;
        }

        public Builder maxWait(Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("maxWait: " + d + " must be positive");
            }
            this.maxWait = d;
            return this;
        }

        public Builder clock(NanoClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public Builder classifier(PriorityClassifier classifier) {
            this.classifier = Objects.requireNonNull(classifier, "classifier");
            return this;
        }

        /** One key may hold at most {@code maxPerKey} slots and {@code maxPerKey} queue places. */
        public Builder fairShare(KeyResolver key, int maxPerKey) {
            if (maxPerKey < 1) {
                throw new IllegalArgumentException("maxConcurrentPerKey: " + maxPerKey + " must be at least 1");
            }
            this.fairShareKey = Objects.requireNonNull(key, "key");
            this.maxPerKey = maxPerKey;
            return this;
        }

        public ThrottleStage build() {
            if (maxConcurrent < 1) {
                throw new IllegalArgumentException("maxConcurrent is required");
            }
            if (fairShareKey != null && maxPerKey > maxConcurrent) {
                throw new IllegalArgumentException("maxConcurrentPerKey: " + maxPerKey + " exceeds maxConcurrent "
                        + maxConcurrent);
            }
            return new ThrottleStage(this);
        }
    }
}
