package dev.seawall.core.chain;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Builds a {@link Chain}. By default stages are sorted into the default order
 * ({@link StageKind} declaration order: rate limits, fallback, circuit breaker, throttle, timeout);
 * {@link #keepOrder()} keeps the order in which they were added, and the builder then warns (SLF4J WARN
 * and {@link Chain#warnings()}) about orders that defeat a stage.
 *
 * <p>Not thread-safe; the chain it builds is.
 */
public final class ChainBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(ChainBuilder.class);

    private final List<Stage> stages = new ArrayList<>();
    private boolean keepOrder;
    private boolean allowEmpty;
    private String label = "chain";
    private Exemption exemption;

    private ChainBuilder() {
    }

    public static ChainBuilder create() {
        return new ChainBuilder();
    }

    /** Names the chain in warnings, e.g. the policy name. */
    public ChainBuilder label(String label) {
        this.label = Objects.requireNonNull(label, "label");
        return this;
    }

    /** Appends a stage (outer to inner when {@link #keepOrder()} is set). */
    public ChainBuilder add(Stage stage) {
        stages.add(Objects.requireNonNull(stage, "stage"));
        return this;
    }

    /**
     * Who is never limited or shed: an exempt request skips the rate-limit and throttle stages (null: nobody).
     */
    public ChainBuilder exemption(Exemption exemption) {
        this.exemption = exemption;
        return this;
    }

    /** Keeps the stages in the order added instead of sorting them into the default order. */
    public ChainBuilder keepOrder() {
        this.keepOrder = true;
        return this;
    }

    /**
     * Lets {@link #build()} return a chain without stages, which admits every request: for a policy whose only step
     * runs before its chain (idempotency keys). Without it an empty chain is a mistake and refused.
     */
    public ChainBuilder allowEmpty() {
        this.allowEmpty = true;
        return this;
    }

    /**
     * @throws IllegalStateException when no stage was added (unless {@link #allowEmpty()}), or when two stages of one kind were added
     *                               (a policy has at most one stage of each kind: several rate limits
     *                               live inside one rate-limit stage so they are consumed together)
     */
    public Chain build() {
        if (stages.isEmpty() && !allowEmpty) {
            throw new IllegalStateException(label + ": a chain needs at least one stage");
        }
        List<Stage> ordered = new ArrayList<>(stages);
        for (int i = 0; i < ordered.size(); i++) {
            for (int j = i + 1; j < ordered.size(); j++) {
                if (ordered.get(i).kind() == ordered.get(j).kind()) {
                    throw new IllegalStateException(label + ": two " + ordered.get(i).kind().configName()
                            + " stages (" + ordered.get(i).name() + ", " + ordered.get(j).name() + "); a chain holds one of each kind");
                }
            }
        }
        if (!keepOrder) {
            ordered.sort(Comparator.comparing(Stage::kind));
        }
        List<String> warnings = orderWarnings(label, ordered);
        for (String w : warnings) {
            LOG.warn(w);
        }
        return new Chain(ordered.toArray(new Stage[0]), warnings, exemption);
    }

    /** The order rules; package-private so that tests can check them directly. */
    static List<String> orderWarnings(String label, List<Stage> ordered) {
        List<String> warnings = new ArrayList<>();
        warnIfOuter(label, ordered, StageKind.TIMEOUT, StageKind.CIRCUIT_BREAKER, warnings,
                "the breaker will not see timeouts as failures");
        warnIfOuter(label, ordered, StageKind.THROTTLE, StageKind.RATE_LIMIT, warnings,
                "requests over their rate limit will take throttle slots and queue before being rejected");
        warnIfOuter(label, ordered, StageKind.CIRCUIT_BREAKER, StageKind.FALLBACK, warnings,
                "the fallback cannot answer for an open breaker");
        warnIfOuter(label, ordered, StageKind.TIMEOUT, StageKind.FALLBACK, warnings,
                "the fallback cannot answer for a timeout");
        warnIfOuter(label, ordered, StageKind.THROTTLE, StageKind.CIRCUIT_BREAKER, warnings,
                "an open breaker will not fail fast: requests queue in the throttle first");
        return warnings;
    }

    private static void warnIfOuter(String label, List<Stage> ordered, StageKind outer, StageKind inner,
                                    List<String> warnings, String consequence) {
        int o = indexOf(ordered, outer);
        int i = indexOf(ordered, inner);
        if (o >= 0 && i >= 0 && o < i) {
            warnings.add(label + ": " + outer.configName() + " is outside " + inner.configName() + ": " + consequence);
        }
    }

    private static int indexOf(List<Stage> ordered, StageKind kind) {
        for (int i = 0; i < ordered.size(); i++) {
            if (ordered.get(i).kind() == kind) {
                return i;
            }
        }
        return -1;
    }
}
