package dev.seawall.spring;

import dev.seawall.servlet.HandlerWork;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.async.CallableProcessingInterceptor;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.DeferredResultProcessingInterceptor;

import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tells Seawall when a Spring MVC handler that went asynchronous really ends, so that its throttle slot and its
 * breaker call are held until then, not only until Seawall's deadline answered the client.
 *
 * <ul>
 *   <li>{@code Callable} and {@code WebAsyncTask}: the work begins when Spring starts concurrent handling (on the
 *       request's thread) and ends in {@code postProcess}, which Spring runs on its executor's thread after
 *       {@code call()} returned or threw, and also when the executor refused the task.</li>
 *   <li>{@code DeferredResult}: it ends when the result is set, or when Spring ends the async cycle without one
 *       (timeout, error, or Seawall's deadline answer): code that sets the result later is not Spring's to track.</li>
 * </ul>
 *
 * <p>The handle is kept by the task's identity, never looked up through the request: when the work ends after
 * Seawall's deadline answer, the async cycle is over and the container may already have recycled the request. An
 * entry lives exactly while its handler's work runs (one per asynchronous request in flight, as Spring's own state).
 *
 * <p>Thread-safe: a concurrent map; {@code begin} runs on the request's thread, {@code end} on whichever thread ends
 * the work.
 */
final class HandlerWorkInterceptor implements CallableProcessingInterceptor, DeferredResultProcessingInterceptor {

    private final ConcurrentHashMap<Task, HandlerWork> running = new ConcurrentHashMap<>();

    /** A task by identity: a handler's Callable or DeferredResult may define equals, two of them must not meet. */
    private record Task(Object task) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Task t && t.task == task;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(task);
        }
    }

    private void begin(NativeWebRequest request, Object task) {
        HttpServletRequest http = request.getNativeRequest(HttpServletRequest.class);
        HandlerWork work = http == null ? null : HandlerWork.begin(http);
        if (work != null) {
            running.put(new Task(task), work);
        }
    }

    private void end(Object task, Object result) {
        HandlerWork work = running.remove(new Task(task));
        if (work != null) {
            work.end(result instanceof Throwable t ? t : null);
        }
    }

    @Override
    public <T> void beforeConcurrentHandling(NativeWebRequest request, Callable<T> task) {
        begin(request, task);
    }

    @Override
    public <T> void postProcess(NativeWebRequest request, Callable<T> task, Object concurrentResult) {
        end(task, concurrentResult);
    }

    @Override
    public <T> void beforeConcurrentHandling(NativeWebRequest request, DeferredResult<T> deferredResult) {
        begin(request, deferredResult);
    }

    @Override
    public <T> void postProcess(NativeWebRequest request, DeferredResult<T> deferredResult, Object concurrentResult) {
        end(deferredResult, concurrentResult);
    }

    @Override
    public <T> void afterCompletion(NativeWebRequest request, DeferredResult<T> deferredResult) {
        end(deferredResult, null);
    }
}
