package dev.seawall.spring;

import dev.seawall.core.LiveSeawall;
import dev.seawall.core.breaker.Breaker;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.problem.ProblemRenderer;
import dev.seawall.core.problem.ProblemTypes;
import dev.seawall.core.status.StatusReport;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.WebEndpoint;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * {@code /actuator/seawall}: {@code GET} answers Seawall's status (the JSON of its status page: policies, breakers,
 * limits, queues, store, reloads); {@code POST} with a JSON body acts: {@code {"action":"reload"}} reads the
 * configuration again (kept when valid, refused with 422 and every problem when not), {@code {"action":"open",
 * "breaker":"NAME"}} forces a breaker open, {@code {"action":"close","breaker":"NAME"}} closes it. Exposed, secured
 * and mapped by {@code management.endpoints.*} like any endpoint; with Spring Security its JSON writes pass the CSRF
 * check ({@link SeawallCsrfConfigurer}).
 *
 * <p>Thread-safe: each call reads the engine in service once.
 */
@WebEndpoint(id = "seawall")
public class SeawallEndpoint {

    private final LiveSeawall live;

    SeawallEndpoint(LiveSeawall live) {
        this.live = live;
    }

    /**
     * @return the status JSON as Seawall writes it, sent as it is (a {@code String} body is not re-encoded by the
     *         actuator's message converters), so it is the same document on every Spring Boot line whatever JSON
     *         library the application has
     */
    @ReadOperation
    public String status() {
        return StatusReport.json(live);
    }

    /**
     * @param action  {@code reload}, {@code open} or {@code close}
     * @param breaker the breaker's name, for {@code open} and {@code close}
     */
    @WriteOperation
    @SuppressWarnings("deprecation") // org.springframework.lang.Nullable: the one both Spring lines read as optional
    public WebEndpointResponse<String> act(String action, @org.springframework.lang.Nullable String breaker) {
        String a = action.trim().toLowerCase(Locale.ROOT);
        if (a.equals("reload")) {
            if (!live.reloadable()) {
                return problem(409, "not-reloadable", "Not Reloadable",
                        "This application's Seawall engine was built in code; there is no configuration to reload.");
            }
            LiveSeawall.Result r = live.reload();
            if (r.outcome() == LiveSeawall.Outcome.REFUSED) {
                return problem(422, "invalid-config", "Configuration Refused", r.message());
            }
            String status = status();
            String reload = "{\"reload\":\"" + r.outcome().name().toLowerCase(Locale.ROOT) + "\"";
            return new WebEndpointResponse<>(status.equals("{}") ? reload + "}" : reload + "," + status.substring(1),
                    200);
        }
        if (!a.equals("open") && !a.equals("close")) {
            return problem(400, "bad-request", "Bad Request", "Expected action reload, open or close.");
        }
        Breaker b = breaker == null ? null : live.current().breakers().get(breaker.trim());
        if (b == null) {
            return problem(400, "bad-request", "Bad Request", "Expected \"breaker\" naming a configured breaker.");
        }
        if (a.equals("open")) {
            b.forceOpen();
        } else {
            b.close();
        }
        return new WebEndpointResponse<>(status(), 200);
    }

    private static WebEndpointResponse<String> problem(int status, String type, String title, String detail) {
        Rejection problem = Rejection.builder(status, ProblemTypes.BASE + type, title).detail(detail).build();
        return new WebEndpointResponse<>(new String(ProblemRenderer.render(problem), StandardCharsets.UTF_8), status);
    }
}
