package dev.seawall.jaxrs;

import dev.seawall.core.chain.ChainBuilder;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.chain.Stage;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.internal.CoreAccess;
import dev.seawall.core.internal.idempotency.IdempotencyGuard;
import dev.seawall.core.internal.problem.Failures;
import dev.seawall.core.policy.Policy;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import org.glassfish.jersey.server.ContainerRequest;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The filter {@link SeawallFeature} binds to one resource method: matches the YAML policy by path, combines it
 * with the method's annotations, admits or refuses the request, and decorates the response.
 *
 * <p>Combination rule: a YAML policy matching the request replaces the annotation of every stage it configures
 * (operators tune without recompiling); stages the YAML policy does not configure come from the annotations.
 * When a Seawall servlet filter already applied that YAML policy to the request, its stages are not applied a
 * second time: only the annotation stages it does not configure run here. Idempotency keys are not a stage:
 * {@code idempotency} in the YAML policy replaces {@link Idempotent}, and the keys are checked here before the chain
 * admits the request ({@link IdempotentCall}) unless a Seawall servlet filter took care of the request's key
 * ({@link #KEYS_HELD_ATTRIBUTE}) — not merely applied a policy: a standalone filter in {@code config} + {@code policy}
 * mode applies one stage of the policy and holds no key.
 *
 * <p>Thread-safe: one instance serves every request of its method. The combined chains are built once per
 * (YAML policy, already-applied) pair and cached by policy name; there are at most twice as many as YAML policies,
 * and a configuration reload replaces them.
 */
final class MethodGuard implements ContainerRequestFilter, ContainerResponseFilter {

    /**
     * The request attribute a Seawall servlet filter sets on every request whose idempotency key it took care of (held
     * it, or let it run unprotected by its {@code on-failure}); read as a request property.
     */
    static final String KEYS_HELD_ATTRIBUTE = "dev.seawall.idempotency";

    private final SeawallRuntime runtime;
    private final Policy annotated;
    private final boolean async;
    private final Method method;
    /** by YAML policy name: a reload replaces an entry (a new policy object), so the maps never outgrow the file */
    private final ConcurrentHashMap<String, Combined> combined = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Combined> remaining = new ConcurrentHashMap<>();

    /** A combined chain and the YAML policy object it was built from. */
    private record Combined(Policy yaml, Policy policy) {
    }

    /**
     * @param annotated the policy the method's annotations declare, or null
     * @param async     the method does not run on the request's thread ({@code @Suspended AsyncResponse} or
     *                  {@code @ManagedAsync}): no thread to interrupt at the deadline
     * @param method    the resource method, for parking; null when it takes no {@code @Suspended AsyncResponse}
     */
    MethodGuard(SeawallRuntime runtime, Policy annotated, boolean async, Method method) {
        this.runtime = runtime;
        this.annotated = annotated;
        this.async = async;
        this.method = method;
    }

    /** @return the policy for a request matched (or not) by a YAML policy; null when nothing applies */
    Policy effective(Policy yaml, boolean yamlAppliedAlready) {
        if (yaml == null) {
            return annotated;
        }
        if (annotated == null && !yamlAppliedAlready) {
            return yaml;
        }
        ConcurrentHashMap<String, Combined> cache = yamlAppliedAlready ? remaining : combined;
        Combined c = cache.get(yaml.name());
        if (c == null || c.yaml() != yaml) {
            c = cache.compute(yaml.name(), (name, old) -> old != null && old.yaml() == yaml ? old
                    : new Combined(yaml, combine(yaml, !yamlAppliedAlready)));
        }
        return c.policy();
    }

    private Policy combine(Policy yaml, boolean withYamlStages) {
        Set<StageKind> yamlKinds = EnumSet.noneOf(StageKind.class);
        for (Stage s : yaml.chain().stages()) {
            yamlKinds.add(s.kind());
        }
        List<Stage> stages = new ArrayList<>();
        if (withYamlStages) {
            stages.addAll(yaml.chain().stages());
        }
        if (annotated != null) {
            for (Stage s : annotated.chain().stages()) {
                if (!yamlKinds.contains(s.kind())) {
                    stages.add(s);
                }
            }
        }
        // idempotency is not a stage: it belongs to the YAML policy when that configures it, else to the annotations;
        // whether a servlet filter already held the request's key is known per request only (filter)
        IdempotencyGuard yamlKeys = CoreAccess.idempotency(yaml);
        IdempotencyGuard keys = yamlKeys != null ? yamlKeys
                : annotated == null ? null : CoreAccess.idempotency(annotated);
        if (stages.isEmpty() && keys == null) {
            return null;
        }
        ChainBuilder chain = ChainBuilder.create().label(annotated == null ? "policy " + yaml.name()
                : "policy " + yaml.name() + " + " + annotated.name());
        if (keys != null) {
            chain.allowEmpty(); // the keys alone: their step runs before the chain
        }
        stages.forEach(chain::add);
        String name = withYamlStages || annotated == null ? yaml.name() : annotated.name();
        // the response buffer belongs to whoever brings the stages that need it (timeout, fallback)
        boolean yamlBuffers = yamlKinds.contains(StageKind.TIMEOUT) || yamlKinds.contains(StageKind.FALLBACK);
        int buffer = annotated == null || withYamlStages && yamlBuffers ? yaml.bufferBytes() : annotated.bufferBytes();
        Policy p = new Policy(name, yaml.paths(), yaml.methods(), chain.build(),
                yaml.failClosed() || !withYamlStages && annotated != null && annotated.failClosed(), buffer);
        return keys == null ? p : CoreAccess.withIdempotency(p, keys);
    }

    @Override
    public void filter(ContainerRequestContext context) {
        if (context.getProperty(GuardedRequest.PROPERTY) != null) {
            return; // a request is guarded once, even if Jersey re-runs filters
        }
        JaxrsRequestView view = runtime.origin().view(context);
        Policy yaml = runtime.engine() == null ? null : runtime.engine().match(view.method(), view.path());
        boolean applied = yaml != null && yaml.name().equals(context.getProperty(Policy.APPLIED_ATTRIBUTE));
        Policy policy = effective(yaml, applied);
        if (policy == null) {
            return;
        }
        IdempotentCall keyed = null;
        IdempotencyGuard keys = CoreAccess.idempotency(policy);
        if (keys != null && context.getProperty(KEYS_HELD_ATTRIBUTE) != null) {
            // a Seawall servlet filter took care of this request's key: it is never claimed twice
            keys = null;
            if (policy.chain().stages().isEmpty()) {
                return;
            }
        }
        if (keys != null && keys.covers(view.method())) {
            // before the chain: a replay or a refusal of the key spends no rate-limit token or throttle slot
            IdempotentCall.Before before = IdempotentCall.before(keys, view, (ContainerRequest) context);
            if (before.abort() != null) {
                context.abortWith(before.abort());
                return;
            }
            keyed = before.call();
        }
        Exchange exchange;
        GuardedRequest guarded;
        try {
            exchange = policy.chain().admit(view, runtime.clock().nanoTime());
            guarded = new GuardedRequest(runtime, policy, view, exchange, (ContainerRequest) context);
            guarded.keyed(keyed);
            context.setProperty(GuardedRequest.PROPERTY, guarded);
        } catch (RuntimeException | Error e) {
            if (keyed != null) {
                keyed.refused(); // the application never runs for it
            }
            throw e;
        }
        if (exchange.pending() && method != null && runtime.parking().covers(method)) {
            // Jersey suspends an async request before invoking its method: the invocation is parked there, and
            // this thread goes back to the container
            guarded.park();
            return;
        }
        if (exchange.pending()) {
            // JAX-RS filters cannot suspend a request: a synchronous method waits on this thread, bounded by
            // max-wait (docs/programming/jax-rs.md: the servlet filter queues without holding a thread)
            try {
                guarded.awaitBlocking();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                guarded.releaseKey();
                context.abortWith(Responses.problem(Failures.failedClosed(policy.name(), Failures.newRequestId())));
                return;
            }
        }
        if (!exchange.admitted()) {
            context.abortWith(guarded.refusal());
            return;
        }
        guarded.start(async ? null : Thread.currentThread());
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if (request.getProperty(GuardedRequest.PROPERTY) instanceof GuardedRequest guarded
                && !guarded.answeredBySeawall()) {
            guarded.decorate(response);
        }
    }
}
