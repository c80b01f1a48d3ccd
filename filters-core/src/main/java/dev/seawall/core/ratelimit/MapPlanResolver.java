package dev.seawall.core.ratelimit;

import dev.seawall.core.key.KeyKind;

import java.util.Map;

/**
 * Plans from a fixed identity-to-plan map (the YAML's {@code plan-of}). Immutable and thread-safe; one
 * hash lookup per call.
 */
public final class MapPlanResolver implements PlanResolver {

    private final Map<String, String> planOf;

    public MapPlanResolver(Map<String, String> planOf) {
        this.planOf = Map.copyOf(planOf);
    }

    @Override
    public String planFor(KeyKind kind, String identity) {
        return planOf.get(identity);
    }
}
