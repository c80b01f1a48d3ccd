package dev.seawall.bench.netflix;

import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.FixedLimit;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The ported builder partitions by path on the core's limiter, as the benchmark configures it. */
class ServletLimiterBuilderTest {

    private static HttpServletRequest request(String pathInfo) {
        return (HttpServletRequest) Proxy.newProxyInstance(HttpServletRequest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getPathInfo" -> pathInfo;
                    case "getHeader", "getAttribute", "getParameter", "getUserPrincipal" -> null;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void overTheGlobalLimitTheCriticalPartitionKeepsItsGuaranteedShare() {
        Limiter<HttpServletRequest> limiter = new ServletLimiterBuilder()
                .limit(FixedLimit.of(10))
                .partitionByPathInfo(path -> path.startsWith("/critical/") ? "critical" : "sheddable")
                .partition("critical", 0.2)
                .partition("sheddable", 0.8)
                .build();
        List<Limiter.Listener> held = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Optional<Limiter.Listener> l = limiter.acquire(request("/prefetch/item"));
            assertThat(l).as("under the global limit every request is admitted").isPresent();
            held.add(l.get());
        }
        assertThat(limiter.acquire(request("/prefetch/item"))).as("sheddable over its 80 %").isEmpty();
        Optional<Limiter.Listener> c1 = limiter.acquire(request("/critical/item"));
        Optional<Limiter.Listener> c2 = limiter.acquire(request("/critical/item"));
        assertThat(c1).as("critical within its 20 % (2 of 10)").isPresent();
        assertThat(c2).isPresent();
        assertThat(limiter.acquire(request("/critical/item"))).as("critical beyond its share").isEmpty();
        c1.get().onSuccess();
        assertThat(limiter.acquire(request("/critical/item"))).isPresent();
        held.forEach(Limiter.Listener::onIgnore);
    }

    @Test
    void withoutPartitionsTheBuilderMakesTheCoresSimpleLimiter() {
        Limiter<HttpServletRequest> limiter = new ServletLimiterBuilder().limit(FixedLimit.of(1)).build();
        Optional<Limiter.Listener> first = limiter.acquire(request("/critical/item"));
        assertThat(first).isPresent();
        assertThat(limiter.acquire(request("/critical/item"))).isEmpty();
        first.get().onSuccess();
        assertThat(limiter.acquire(request("/prefetch/item"))).isPresent();
    }
}
