package dev.seawall.jaxrs;

import dev.seawall.core.policy.Policy;
import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import org.glassfish.jersey.server.ManagedAsync;

import java.lang.reflect.Method;

/**
 * Reads each resource method's annotations once, when Jersey builds the application, and binds a
 * {@link MethodGuard} to the method: to every method when a YAML configuration is present (its policies match by
 * path), else only to annotated ones. An invalid annotation fails the application's start-up.
 *
 * <p>Thread-safe: Jersey calls it while the application starts.
 */
final class Guards implements DynamicFeature {

    private final SeawallRuntime runtime;

    Guards(SeawallRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public void configure(ResourceInfo resourceInfo, FeatureContext context) {
        Class<?> type = resourceInfo.getResourceClass();
        Method method = resourceInfo.getResourceMethod();
        if (type == null || method == null) {
            return;
        }
        Policy annotated = runtime.annotations().policy(type, method);
        if (annotated != null) {
            runtime.annotated(annotated);
        }
        if (annotated == null && runtime.engine() == null) {
            return;
        }
        boolean suspends = ParkedInvocations.suspends(method);
        // a @ManagedAsync method runs on Jersey's executor: the request's thread is not the one to interrupt
        boolean async = suspends || method.isAnnotationPresent(ManagedAsync.class)
                || type.isAnnotationPresent(ManagedAsync.class);
        context.register(new MethodGuard(runtime, annotated, async, suspends ? method : null),
                SeawallFeature.PRIORITY);
    }
}
