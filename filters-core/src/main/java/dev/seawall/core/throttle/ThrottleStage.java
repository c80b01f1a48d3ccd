package dev.seawall.core.throttle;

import dev.seawall.core.chain.Admission;
import dev.seawall.core.chain.Stage;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.http.RequestView;
import dev.seawall.core.key.KeyResolver;
import dev.seawall.core.time.NanoClock;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A concurrency limit — fixed or adaptive ({@link ConcurrencyLimit}) — with a bounded, prioritised wait queue.
 *
 * <h2>Design note for the next maintainer</h2>
 * <ul>
 *   <li><b>Answers.</b> A free slot is a {@link ThrottleSlot} at once; a full queue is a 503 {@link Rejection};
 *       otherwise the request gets a {@link ThrottleWaiter} in the queue, and the adapter suspends it without holding a
 *       thread. The waiter is decided exactly once: granted when a slot frees, refused when its {@code max-wait} passes,
 *       it is displaced, or it is cancelled.</li>
 *   <li><b>The limit</b> is read ({@link ConcurrencyLimit#current()}, a volatile read) on every admission and every
 *       grant, never cached. A limit that falls below the requests inside lets nobody in until enough have left; a limit
 *       that rises is handed to waiting requests by the next completion (which runs the grant loop), not by the limit
 *       itself: the limit only moves on completions, so one is always under way when it rises. Each completed slot is
 *       one sample ({@link ConcurrencyLimit#onSample}: held time, in-flight at grant, dropped = timed out, threw or
 *       5xx), reported exactly once; a released slot (never reached the application) is none.</li>
 *   <li><b>Locking.</b> With no waiter, no fair share and no criticality, admission is a compare-and-set on the
 *       in-flight counter and release a decrement: no lock. With criticality and no waiter it is still one
 *       compare-and-set, against the class's cap. The queue is guarded by a per-stage lock taken only when requests
 *       queue or leave the queue. Its critical sections are O(1) per waiter decided: a waiter is a node of an intrusive
 *       doubly-linked {@link WaitQueue}, so enqueueing, granting the head, displacing the tail and cancelling are O(1);
 *       expiry removes only expired heads (one {@code max-wait} per stage, so each class queue is in deadline order).
 *       Callbacks of decided waiters run <em>after</em> the lock is released.</li>
 *   <li><b>No lost wake-up.</b> A waiter increments {@code queued} and then re-reads the in-flight count under the
 *       lock; a releaser decrements the in-flight count and then reads {@code queued}. Both are volatile, so at least
 *       one of them sees the other and grants the waiter. The waiter, the slot and this class share the lock and the
 *       two counters; {@link ThrottleWaiter} and {@link ThrottleSlot} only call back into this class, so the argument
 *       is checked here alone.</li>
 *   <li><b>Priorities.</b> One FIFO queue per class; slots go to the highest non-empty class. Starvation guard: a
 *       low request is never held longer than {@code max-wait}, so no class waits for ever and the queue stays
 *       bounded.</li>
 *   <li><b>Criticality</b> uses the same three queues (critical, default, sheddable) and adds: a reserve — default and
 *       sheddable requests take a slot only while in-flight is below {@code limit - ceil(limit × reserve / 100)} (below
 *       100 % at least one slot stays theirs), and an arrival queues only behind waiters of its own class or higher;
 *       displacement — when the queue is full and an
 *       arrival cannot take a slot, it displaces the newest waiter of the lowest class below its own (refused, reason
 *       {@code displaced}); and cohort shedding ({@link ShedLevels}) — a request that cannot take a slot at once is
 *       refused at once (reason {@code shed}) when its caller's cohort is below its class's shed level. Shedding is
 *       judged only after the slot attempt failed (lock-free when the class's cap is already reached, otherwise under
 *       the lock right after the locked attempt), so a request that finds room for its class is never shed. The level
 *       rises on that class's overload refusals and decays without them; refusals while the limit probes
 *       ({@link ConcurrencyLimit#probing()}) do not raise it. Cohorts are only computed for requests that would wait,
 *       so a stage with free capacity never hashes anything.</li>
 *   <li><b>Shadow mode</b> makes every decision on the same counts but refuses and delays nothing: every request takes
 *       a slot at once; one that enforce mode would have refused is counted in {@link #wouldReject}. Without a real
 *       queue, a would-be waiter counts as queued when in-flight exceeds its cap, so {@code queue-full}, {@code shed} and
 *       {@code key-limit} are counted, while {@code wait-expired} and {@code displaced} (which need real waits) are not.
 *       The limit still learns from every completion.</li>
 *   <li><b>Fair share.</b> With {@code max-concurrent-per-key}, a key may hold at most that many slots and that many
 *       queue places; a waiter whose key is at its bound is skipped while others are granted. Per-key counts live only
 *       while a key has requests inside or waiting, so the map is bounded by in-flight plus queue. Finding the next
 *       waiter walks past the waiters of keys at their bound: at most {@code (keys at their bound) ×
 *       max-concurrent-per-key}, never longer than the queue.</li>
 *   <li><b>Retry-After</b> is estimated as (queued + 1) × mean service time ÷ the current limit, from an exponentially
 *       weighted mean of observed service times, rounded up to whole seconds, at least 1. It is only sent with a
 *       refusal, so never in shadow mode.</li>
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
        QUEUE_FULL("queue-full"), WAIT_EXPIRED("wait-expired"), KEY_LIMIT("key-limit"), CANCELLED("cancelled"),
        /** Refused at once: its caller's cohort is below its criticality class's shed level. */
        SHED("shed"),
        /** A waiter refused to make room for a request of a higher criticality class. */
        DISPLACED("displaced");

        private final String tag;

        Reason(String tag) {
            this.tag = tag;
        }

        public String tag() {
            return tag;
        }

        /** @return true for the refusals that raise a class's shed level: signs that the class asks for too much */
        boolean overload() {
            return this == QUEUE_FULL || this == WAIT_EXPIRED || this == DISPLACED;
        }
    }

    final String policy;
    private final ConcurrencyLimit limit;
    private final int queueCapacity;
    private final long maxWaitNanos;
    private final NanoClock clock;
    private final PriorityClassifier classifier;
    private final KeyResolver fairShareKey;
    private final int maxPerKey;
    private final boolean shadow;
    /** null without criticality: then the classes are plain priorities, with no reserve, displacement or shedding */
    private final ShedLevels shed;
    private final KeyResolver cohortKey;
    private final int reservePercent;

    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger queued = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    /** One FIFO per priority class, highest first; guarded by lock. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private final WaitQueue<ThrottleWaiter>[] queues = new WaitQueue[] {new WaitQueue<>(), new WaitQueue<>(),
            new WaitQueue<>()};
    /** fair share's counts per key; guarded by lock */
    private final KeyCounts perKey = new KeyCounts();
    private final ThrottleRefusals refusals;
    private final ThrottleCounters counters = new ThrottleCounters();

    private ThrottleStage(ThrottleStageBuilder b) {
        this.policy = b.policy;
        this.limit = b.limit;
        this.queueCapacity = b.queue;
        this.maxWaitNanos = b.maxWait.toNanos();
        this.clock = b.clock;
        this.classifier = b.classifier;
        this.fairShareKey = b.fairShareKey;
        this.maxPerKey = b.maxPerKey;
        this.shadow = b.shadow;
        this.shed = b.cohortKey == null ? null : new ShedLevels(b.cohortRotation.toNanos(), b.seed);
        this.cohortKey = b.cohortKey;
        this.reservePercent = b.reservePercent;
        this.refusals = new ThrottleRefusals(policy);
    }

    static ThrottleStage create(ThrottleStageBuilder b) {
        return new ThrottleStage(b);
    }

    /** @return a builder; see {@link ThrottleStageBuilder} for the settings and their defaults */
    public static ThrottleStageBuilder builder(String policyName) {
        return new ThrottleStageBuilder(policyName);
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

    /** @return the limit now ({@link ConcurrencyLimit#current()}) */
    public int maxConcurrent() {
        return limit.current();
    }

    /** @return the limit this stage enforces (or, in shadow mode, judges by) */
    public ConcurrencyLimit limit() {
        return limit;
    }

    public int queueCapacity() {
        return queueCapacity;
    }

    /** @return true in shadow mode: decisions are counted in {@link #wouldReject}, nothing is refused or delayed */
    public boolean shadow() {
        return shadow;
    }

    /** @return true when requests are sorted by criticality (reserve, displacement and cohort shedding apply) */
    public boolean criticality() {
        return shed != null;
    }

    /** @return requests refused for this reason so far (always 0 in shadow mode) */
    public long rejections(Reason reason) {
        return counters.rejections(reason);
    }

    /** @return requests shadow mode admitted that enforce mode would have refused for this reason */
    public long wouldReject(Reason reason) {
        return counters.wouldRejections(reason);
    }

    /** @return the criticality class names, highest first: critical, default, sheddable */
    public static List<String> criticalityClasses() {
        return List.of(ThrottleCounters.CLASS_NAMES);
    }

    /**
     * @param criticality critical, default or sheddable
     * @return requests of that class refused so far, any reason but a cancel; 0 without criticality
     */
    public long refused(String criticality) {
        int c = ThrottleCounters.classIndex(criticality);
        return c < 0 ? 0 : counters.refused(c);
    }

    /** @return the shed level (0-100) of a criticality class now; 0 without criticality */
    public int shedLevel(String criticality) {
        int c = ThrottleCounters.classIndex(criticality);
        return c < 0 || shed == null ? 0 : shed.level(c, clock.nanoTime());
    }

    /** @return waits in the queue that ended so far, granted, expired or displaced (not cancelled ones) */
    public long queueWaitCount() {
        return counters.waits();
    }

    /** @return the total length of those waits, in nanoseconds */
    public long queueWaitTotalNanos() {
        return counters.waitNanos();
    }

    /** @return a snapshot of the settings and live counts, for status pages */
    public ThrottleStatus statusView() {
        Map<String, Integer> levels = new LinkedHashMap<>();
        Map<String, Long> refusedBy = new LinkedHashMap<>();
        for (int i = 0; shed != null && i < ThrottleCounters.CLASS_NAMES.length; i++) {
            levels.put(ThrottleCounters.CLASS_NAMES[i], shed.level(i, clock.nanoTime()));
            refusedBy.put(ThrottleCounters.CLASS_NAMES[i], counters.refused(i));
        }
        int current = limit.current();
        return new ThrottleStatus(current, queueCapacity, inFlight.get(), queued.get(), limit.adaptive(),
                limit.noLoadLatencyNanos(), limit.recentLatencyNanos(), limit.drops(), shadow ? "shadow" : "enforce",
                shed == null ? 0 : reserved(current), levels, refusedBy, counters.wouldRejectionsTotal());
    }

    /** @return slots only critical may use: the reserve's share, rounded up; below 100 % one slot stays open to all */
    private int reserved(int lim) {
        int up = (int) (((long) lim * reservePercent + 99) / 100);
        return reservePercent == 100 ? lim : Math.min(up, lim - 1);
    }

    /** @return the in-flight count below which a request of this class may take a slot */
    private int cap(int cls, int lim) {
        return shed == null || cls == PriorityClassifier.HIGH ? lim : lim - reserved(lim);
    }

    /** @return the new in-flight count, or 0 when in-flight is at the cap */
    private int tryTakeSlot(int cap) {
        int n;
        while ((n = inFlight.get()) < cap) {
            if (inFlight.compareAndSet(n, n + 1)) {
                return n + 1;
            }
        }
        return 0;
    }

    private int classify(RequestView request) {
        int priority = classifier.classify(request);
        return priority < PriorityClassifier.HIGH || priority > PriorityClassifier.LOW ? PriorityClassifier.NORMAL
                : priority;
    }

    private Object fairShareKey(RequestView request) {
        if (fairShareKey == null) {
            return null;
        }
        String id = fairShareKey.resolve(request);
        return id == null || id == KeyResolver.INVALID ? null : id;
    }

    private int cohort(RequestView request, Object key, long nowNanos) {
        String id = key instanceof String s ? s : cohortKey.resolve(request);
        return shed.cohort(id == KeyResolver.INVALID ? null : id, nowNanos);
    }

    @Override
    public Admission admit(RequestView request, long nowNanos) {
        if (shadow) {
            return admitShadow(request, nowNanos);
        }
        if (fairShareKey == null && shed == null && queued.get() == 0) {
            int n = tryTakeSlot(limit.current());
            if (n > 0) {
                return new ThrottleSlot(this, null, nowNanos, n);
            }
        }
        Object key = fairShareKey(request);
        int cls = classify(request);
        int cohort = -1;
        if (shed != null) {
            if (key == null && queued.get() == 0) {
                int n = tryTakeSlot(cap(cls, limit.current()));
                if (n > 0) {
                    return new ThrottleSlot(this, null, nowNanos, n);
                }
            }
            // no room for the class: shed lock-free (overload); with room, the locked slot attempt comes first
            if (inFlight.get() >= cap(cls, limit.current())) {
                cohort = cohort(request, key, nowNanos);
                if (shed.sheds(cls, cohort, nowNanos)) {
                    return refuse(Reason.SHED, cls, nowNanos);
                }
            }
        }
        List<ThrottleWaiter> decided = new ArrayList<>(2);
        Admission answer;
        lock.lock();
        try {
            expireLocked(nowNanos, decided);
            int[] counts = perKey.get(key);
            int n;
            if (counts != null && counts[0] >= maxPerKey && counts[1] >= maxPerKey) {
                answer = refuse(Reason.KEY_LIMIT, cls, nowNanos);
            } else if (!waitersAtOrAbove(cls) && (counts == null || counts[0] < maxPerKey)
                    && (n = tryTakeSlot(cap(cls, limit.current()))) > 0) {
                perKey.add(key, 1, 0);
                answer = new ThrottleSlot(this, key, nowNanos, n);
            } else if (shed != null && shed.sheds(cls, cohort >= 0 ? cohort : cohort(request, key, nowNanos),
                    nowNanos)) {
                answer = refuse(Reason.SHED, cls, nowNanos);
            } else if (queued.get() >= queueCapacity && !displaceLocked(cls, nowNanos, decided)) {
                answer = refuse(Reason.QUEUE_FULL, cls, nowNanos);
            } else {
                ThrottleWaiter w = new ThrottleWaiter(this, key, cls, nowNanos, nowNanos + maxWaitNanos);
                queues[cls].add(w);
                queued.incrementAndGet();
                perKey.add(key, 0, 1);
                // a releaser may have read queued == 0 just before we enqueued: look again ourselves
                grantLocked(nowNanos, decided);
                Admission now = w.outcome();
                answer = now != null && decided.remove(w) ? now : w;
            }
        } finally {
            lock.unlock();
        }
        ThrottleWaiter.runCallbacks(decided);
        return answer;
    }

    /**
     * Shadow mode: every request takes a slot at once; the decision enforce mode would have made is only counted. See
     * the design note for what a would-be queue means here.
     */
    private Admission admitShadow(RequestView request, long nowNanos) {
        Object key = fairShareKey(request);
        int cls = classify(request);
        Reason would = null;
        if (key != null) {
            lock.lock();
            try {
                int[] c = perKey.get(key);
                if (c != null && c[0] >= 2 * maxPerKey) {
                    would = Reason.KEY_LIMIT;
                }
                perKey.add(key, 1, 0);
            } finally {
                lock.unlock();
            }
        }
        int n = inFlight.incrementAndGet();
        int cap = cap(cls, limit.current());
        if (would == null && n > cap) {
            if (shed != null && shed.sheds(cls, cohort(request, key, nowNanos), nowNanos)) {
                would = Reason.SHED;
            } else if (n - cap > queueCapacity) {
                would = Reason.QUEUE_FULL;
            }
        }
        if (would != null) {
            counters.wouldReject(would);
            if (shed != null && would.overload() && !limit.probing()) {
                shed.overload(cls, nowNanos);
            }
        }
        return new ThrottleSlot(this, key, nowNanos, n);
    }

    /**
     * With criticality and a full queue: refuses the newest waiter of the lowest class below {@code cls}, making room
     * for the arriving request. Caller holds the lock.
     *
     * @return true when a waiter was displaced
     */
    private boolean displaceLocked(int cls, long nowNanos, List<ThrottleWaiter> decided) {
        if (shed == null) {
            return false;
        }
        for (int q = PriorityClassifier.LOW; q > cls; q--) {
            ThrottleWaiter w = queues[q].last();
            if (w != null) {
                removeLocked(w);
                counters.waited(nowNanos - w.enqueuedNanos);
                if (w.decide(refuse(Reason.DISPLACED, q, nowNanos))) {
                    decided.add(w);
                }
                return true;
            }
        }
        return false;
    }

    /** Counts a refusal (by reason, by class, and in the shed level) and builds its answer. */
    private Rejection refuse(Reason reason, int cls, long nowNanos) {
        counters.rejected(reason);
        if (shed != null && reason != Reason.CANCELLED) {
            counters.refusedClass(cls);
            // a probe squeezes the limit on purpose for a moment: its refusals are not callers asking too much
            if (reason.overload() && !limit.probing()) {
                shed.overload(cls, nowNanos);
            }
        }
        return refusals.refusal(reason, queued.get(), limit.current());
    }

    /**
     * @return true when a request of class {@code cls} or higher waits: then an arrival of that class queues behind
     *         it. Lower waiters do not stop it (they may wait for room below the reserve). Caller holds the lock.
     */
    private boolean waitersAtOrAbove(int cls) {
        for (int q = 0; q <= cls; q++) {
            if (queues[q].first() != null) {
                return true;
            }
        }
        return false;
    }

    /** Grants free slots to eligible waiters, highest class first, FIFO within a class. Caller holds the lock. */
    private void grantLocked(long nowNanos, List<ThrottleWaiter> decided) {
        while (queued.get() > 0) {
            int lim = limit.current();
            ThrottleWaiter w = nextEligible(lim);
            int n;
            if (w == null || (n = tryTakeSlot(cap(w.priority, lim))) == 0) {
                return;
            }
            removeLocked(w);
            perKey.add(w.key, 1, 0);
            counters.waited(nowNanos - w.enqueuedNanos);
            if (w.decide(new ThrottleSlot(this, w.key, nowNanos, n))) {
                decided.add(w);
            }
        }
    }

    /**
     * The next waiter to grant: the head of the highest non-empty class whose cap has room, or with fair share the
     * first such waiter whose key is under its bound (see the design note for the bound on this walk). Caller holds
     * the lock.
     */
    private ThrottleWaiter nextEligible(int lim) {
        for (int cls = 0; cls < queues.length; cls++) {
            if (inFlight.get() >= cap(cls, lim)) {
                continue;
            }
            for (ThrottleWaiter w = queues[cls].first(); w != null; w = w.next()) {
                if (fairShareKey == null) {
                    return w;
                }
                int[] c = perKey.get(w.key);
                if (c == null || c[0] < maxPerKey) {
                    return w;
                }
            }
        }
        return null;
    }

    /** Removes a queued waiter from its queue and the counts, in O(1). Caller holds the lock. */
    private boolean removeLocked(ThrottleWaiter w) {
        if (queues[w.priority].remove(w)) {
            queued.decrementAndGet();
            perKey.add(w.key, 0, -1);
            return true;
        }
        return false;
    }

    /**
     * Refuses every waiter whose deadline has passed. Every waiter of a class waits the stage's one {@code max-wait}
     * from its enqueueing, so each class queue is in deadline order and only expired heads are removed. Caller holds
     * the lock.
     */
    private void expireLocked(long nowNanos, List<ThrottleWaiter> decided) {
        if (queued.get() == 0) {
            return;
        }
        for (int cls = 0; cls < queues.length; cls++) {
            ThrottleWaiter w;
            while ((w = queues[cls].first()) != null && w.deadlineNanos - nowNanos <= 0) {
                removeLocked(w);
                counters.waited(nowNanos - w.enqueuedNanos);
                if (w.decide(refuse(Reason.WAIT_EXPIRED, cls, nowNanos))) {
                    decided.add(w);
                }
            }
        }
    }

    /** A waiter's deadline may have passed: refuses the expired waiters ({@link ThrottleWaiter#expire}). */
    void expire(long nowNanos) {
        List<ThrottleWaiter> decided = new ArrayList<>(1);
        lock.lock();
        try {
            expireLocked(nowNanos, decided);
        } finally {
            lock.unlock();
        }
        ThrottleWaiter.runCallbacks(decided);
    }

    /** @return true when the waiter was still queued and is now refused as cancelled ({@link ThrottleWaiter#cancel}) */
    boolean cancel(ThrottleWaiter w) {
        boolean removed;
        lock.lock();
        try {
            removed = removeLocked(w);
        } finally {
            lock.unlock();
        }
        if (!removed) {
            return false;
        }
        if (w.decide(refuse(Reason.CANCELLED, w.priority, clock.nanoTime()))) {
            w.runCallback();
        }
        return true;
    }

    /**
     * A slot was settled, once: a completion is one sample for the limit and for the Retry-After estimate; then the
     * slot is handed to the queue, or just counted down when nobody waits.
     */
    void ended(ThrottleSlot slot, Outcome outcome) {
        if (outcome != null) {
            long rtt = Math.max(0, outcome.endNanos() - slot.grantedNanos);
            refusals.observe(rtt);
            try {
                limit.onSample(slot.grantedNanos, rtt, slot.inflightAtGrant, ThrottleSlot.dropped(outcome));
            } catch (RuntimeException e) {
                // the slot must be freed whatever the limit does
                LOG.warn("Seawall: the concurrency limit of policy {} failed on a sample ({})", policy,
                        e.getClass().getSimpleName());
            }
        }
        Object key = slot.key;
        // without fair share the slot is given back lock-free; only a waiting queue needs the lock
        boolean lockFree = key == null;
        if (lockFree) {
            inFlight.decrementAndGet();
            if (queued.get() == 0) {
                return;
            }
        }
        List<ThrottleWaiter> decided = new ArrayList<>(1);
        lock.lock();
        try {
            if (!lockFree) {
                inFlight.decrementAndGet();
                perKey.add(key, -1, 0);
            }
            long now = clock.nanoTime();
            expireLocked(now, decided);
            grantLocked(now, decided);
        } finally {
            lock.unlock();
        }
        ThrottleWaiter.runCallbacks(decided);
    }
}
