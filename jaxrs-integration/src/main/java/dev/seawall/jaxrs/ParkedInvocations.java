package dev.seawall.jaxrs;

import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import org.glassfish.jersey.internal.inject.InjectionManager;
import org.glassfish.jersey.process.internal.RequestScope;
import org.glassfish.jersey.server.model.Invocable;
import org.glassfish.jersey.server.spi.internal.ResourceMethodInvocationHandlerProvider;

import java.lang.annotation.Annotation;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lets an asynchronous ({@code @Suspended AsyncResponse}) resource method wait for a throttle slot without a
 * thread. Jersey suspends such a request <em>before</em> it invokes the method, so when the request is still
 * queued at invocation time, the handler returns at once (Jersey then frees the container thread, as for any
 * suspended request) and a {@link ParkedCall} invokes the method later, when the slot is granted, or resumes the
 * response with the throttle's 503 when the wait ends without one.
 *
 * <p>Why an invocation handler and not a filter: a JAX-RS request filter cannot suspend a request, and the
 * {@code AsyncResponse} only exists once Jersey is about to invoke the method. The handler wraps only methods
 * with a {@code @Suspended} parameter; every other method keeps Jersey's default handler (this provider returns
 * null for it). Jersey's request events still fire as for any async method: {@code RESOURCE_METHOD_START} and
 * {@code _FINISHED} around the immediate return, {@code FINISHED} once the response is written.
 *
 * <p>Jersey gives the handler the resource, the method and the arguments, not the request: {@link Settlement}
 * publishes the request's {@link GuardedRequest} in {@link #CURRENT} from {@code RESOURCE_METHOD_START} to
 * {@code RESOURCE_METHOD_FINISHED}, which bracket the handler's call on the invoking thread.
 *
 * <p>Thread-safe: the set of covered methods is filled while Jersey builds the application and read by
 * requests; each request's state lives in its own {@link ParkedCall}.
 */
final class ParkedInvocations implements ResourceMethodInvocationHandlerProvider {

    /** The guarded request whose method the current thread is invoking; set only around that invocation. */
    static final ThreadLocal<GuardedRequest> CURRENT = new ThreadLocal<>();

    private final SeawallRuntime runtime;
    private final InjectionManager injection;
    /** Bounded by the application's resource methods. */
    private final Set<Method> covered = ConcurrentHashMap.newKeySet();
    private volatile RequestScope scope;

    ParkedInvocations(SeawallRuntime runtime, InjectionManager injection) {
        this.runtime = runtime;
        this.injection = injection;
    }

    @Override
    public InvocationHandler create(Invocable invocable) {
        Method handling = invocable.getHandlingMethod();
        if (injection == null || !suspends(handling) && !suspends(invocable.getDefinitionMethod())) {
            return null;
        }
        covered.add(handling);
        covered.add(invocable.getDefinitionMethod());
        return this::invoke;
    }

    /**
     * @return true when a queued request for {@code method} may be let through to the invocation, which then
     *         parks it; false when the method is invoked by another handler (another provider won) or is not async
     */
    boolean covers(Method method) {
        return covered.contains(method);
    }

    private Object invoke(Object resource, Method method, Object[] args) throws Throwable {
        GuardedRequest guarded = CURRENT.get();
        if (guarded == null || !guarded.parked()) {
            return method.invoke(resource, args);
        }
        AsyncResponse response = asyncResponse(args);
        if (response == null) {
            throw new IllegalStateException("a parked request's method has no AsyncResponse argument");
        }
        return new ParkedCall(runtime, guarded, resource, method, args, response, scope()).park();
    }

    private RequestScope scope() {
        RequestScope s = scope;
        if (s == null) {
            s = injection.getInstance(RequestScope.class);
            scope = s;
        }
        return s;
    }

    private static AsyncResponse asyncResponse(Object[] args) {
        if (args != null) {
            for (Object a : args) {
                if (a instanceof AsyncResponse r) {
                    return r;
                }
            }
        }
        return null;
    }

    static boolean suspends(Method method) {
        if (method == null) {
            return false;
        }
        for (Annotation[] params : method.getParameterAnnotations()) {
            for (Annotation a : params) {
                if (a instanceof Suspended) {
                    return true;
                }
            }
        }
        return false;
    }
}
