package dev.seawall.servlet;

import dev.seawall.core.Seawall;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.testing.RecordingStage;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An async cycle that another thread ends between Seawall's {@code isAsyncStarted()} and its {@code getAsyncContext()}
 * (Undertow then refuses the second call): the request is still settled, once.
 */
class AsyncSettlementRaceTest {

    @Test
    void aCycleEndedBeforeTheListenerCouldBeAddedIsSettledAtOnce() throws Exception {
        RecordingStage stage = new RecordingStage(StageKind.THROTTLE);
        SeawallFilter filter = new SeawallFilter(Seawall.builder()
                .policy(SeawallFilterTest.policy("api", List.of("/api/*"), stage)).build());
        HttpServletRequest request = (HttpServletRequest) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (p, m, args) -> switch (m.getName()) {
                    case "getDispatcherType" -> DispatcherType.REQUEST;
                    case "getMethod" -> "GET";
                    case "getServletPath" -> "/api/x";
                    case "getRequestURI" -> "/api/x";
                    case "isAsyncStarted" -> true;
                    case "getAsyncContext" -> throw new IllegalStateException("UT010018: Async not started");
                    case "getHeaders" -> java.util.Collections.emptyEnumeration();
                    default -> m.getReturnType() == boolean.class ? Boolean.FALSE
                            : m.getReturnType() == int.class ? 0 : null;
                });
        HttpServletResponse response = (HttpServletResponse) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {HttpServletResponse.class}, (p, m, args) -> switch (m.getName()) {
                    case "getStatus" -> 200;
                    default -> m.getReturnType() == boolean.class ? Boolean.FALSE
                            : m.getReturnType() == int.class ? 0 : null;
                });

        filter.doFilter(request, response, (req, res) -> {
        });

        assertThat(stage.settled()).isEqualTo(1);
        assertThat(stage.outcomes).singleElement().satisfies(o -> assertThat(o.status()).isEqualTo(200));
    }
}
