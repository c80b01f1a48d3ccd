package dev.seawall.core.metrics;

import dev.seawall.core.internal.idempotency.IdempotencyGuard;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.Objects;

/**
 * Meters of a policy's idempotency step: {@code seawall.idempotency.requests} (counter; tags {@code policy},
 * {@code outcome} = first | replayed | in-progress | mismatch | missing | invalid | too-large | not-kept | unprotected
 * | refused), {@code seawall.idempotency.answers} (counter; {@code result} = kept | freed | marked | lost | held),
 * {@code seawall.idempotency.store.failures} (counter), {@code seawall.idempotency.evictions} (counter: kept answers
 * the JVM's store dropped early because it was full) and {@code seawall.idempotency.entries} (gauge: records in the
 * JVM's store). Thread-safe.
 */
final class IdempotencyMeters implements StageMeterBinder {

    static final String REQUESTS_DESCRIPTION = "Requests of covered methods by what their idempotency key decided:"
            + " first run, replayed, in progress (409), mismatch (422), missing or invalid key (400), body too large"
            + " (413), answer not kept (409), run unprotected or refused while the store was down";
    static final String ANSWERS_DESCRIPTION = "Keys of first runs by what became of them: answer kept for replays, key"
            + " freed (not run, or an outcome not kept), marked as run (answer not known whole), lost (the lease had"
            + " ended), held until the lease (the application's end unknown)";

    private final IdempotencyGuard guard;

    IdempotencyMeters(IdempotencyGuard guard) {
        this.guard = Objects.requireNonNull(guard, "guard");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        MeterTable table = MeterTable.of(registry);
        Tags tags = Tags.of("policy", guard.policy());
        for (IdempotencyGuard.Outcome o : IdempotencyGuard.Outcome.values()) {
            table.counter(registry, "seawall.idempotency.requests", REQUESTS_DESCRIPTION, tags.and("outcome", o.tag()),
                    guard, g -> g.counted(o));
        }
        for (IdempotencyGuard.Settled s : IdempotencyGuard.Settled.values()) {
            table.counter(registry, "seawall.idempotency.answers", ANSWERS_DESCRIPTION, tags.and("result", s.tag()),
                    guard, g -> g.counted(s));
        }
        table.counter(registry, "seawall.idempotency.store.failures", "Calls to the store of idempotency keys that"
                + " failed or timed out", tags, guard, IdempotencyGuard::storeFailures);
        table.counter(registry, "seawall.idempotency.evictions", "Kept answers dropped early because the JVM's store"
                + " of idempotency keys was full (a repeat then runs again)", tags, guard,
                g -> g.localStore().evictions());
        table.gauge(registry, "seawall.idempotency.entries", "Records in the JVM's store of idempotency keys", null,
                tags, guard, g -> g.localStore().size());
    }

    @Override
    public void unbindFrom(MeterRegistry registry) {
        MeterTable.of(registry).release(registry, guard);
    }
}
