package dev.seawall.core.event;

import java.util.List;
import java.util.Objects;

/**
 * A configuration reload that changed something or was refused (a reload of unchanged text reports nothing).
 * Immutable and thread-safe.
 *
 * @param outcome  applied, or refused (the running configuration stays)
 * @param source   the configuration's name, e.g. {@code seawall.yaml}
 * @param errors   for a refusal, how many problems the new version has (1 for a file that cannot be read); 0 when
 *                 applied
 * @param kept     policies present before and after whose every stage kept its state (buckets, breaker window,
 *                 queue, cached copies); empty when refused
 * @param reset    policies present before and after with at least one stage rebuilt, starting from a fresh state
 * @param added    policies new in this version
 * @param removed  policies gone in this version
 */
public record ConfigReload(Outcome outcome, String source, int errors, List<String> kept, List<String> reset,
                           List<String> added, List<String> removed) {

    public ConfigReload {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(source, "source");
        kept = List.copyOf(kept);
        reset = List.copyOf(reset);
        added = List.copyOf(added);
        removed = List.copyOf(removed);
    }

    /** What a reload did. */
    public enum Outcome { APPLIED, REFUSED }
}
