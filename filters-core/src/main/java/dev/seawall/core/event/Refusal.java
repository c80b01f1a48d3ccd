package dev.seawall.core.event;

import dev.seawall.core.chain.StageKind;

import java.util.Objects;

/**
 * A stage of a policy refused a request. Carries no client identity (address, key, user, tenant) and nothing the
 * client sent. Immutable and thread-safe.
 *
 * @param policy      the policy's name
 * @param stage       the kind of stage that refused
 * @param stageName   the stage's name (the limit's, the breaker's, the policy's for a throttle)
 * @param status      the refusal's HTTP status
 * @param problemType the problem type URI of the refusal's body
 * @param reason      the problem's constant title, e.g. {@code Too Many Requests}
 */
public record Refusal(String policy, StageKind stage, String stageName, int status, String problemType,
                      String reason) {

    public Refusal {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(stageName, "stageName");
        Objects.requireNonNull(problemType, "problemType");
        Objects.requireNonNull(reason, "reason");
    }
}
