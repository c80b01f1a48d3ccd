package dev.seawall.demo;

import dev.seawall.core.key.KeyKind;
import dev.seawall.jaxrs.Fallback;
import dev.seawall.jaxrs.RateLimit;
import dev.seawall.jaxrs.Throttle;
import dev.seawall.jaxrs.Timeout;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.ServiceUnavailableException;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.MediaType;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A small exchange-rates API under {@code /api/v2}, each method showing one Seawall annotation next to its code:
 * <ul>
 *   <li>{@code GET /api/v2/rates}: the rate table, {@code @RateLimit} 10 per minute per client IP;</li>
 *   <li>{@code GET /api/v2/rates/{currency}}: one rate from an upstream that is slow for gold ({@code XAU}, 3 s),
 *       {@code @Timeout} 800 ms answered by a {@code @Fallback}: the caller's last good copy, or a static
 *       "unavailable" answer;</li>
 *   <li>{@code GET /api/v2/convert?from=EUR&to=USD&amount=100}: an asynchronous conversion (300 ms of simulated
 *       work off the request thread), {@code @Throttle} 2 at once with 10 waiting; a waiting request holds no
 *       thread.</li>
 * </ul>
 *
 * <p>Thread-safe: the rate table is immutable and the scheduler is shared.
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class ExchangeRates {

    /** How long the simulated upstream takes for gold. */
    static final long SLOW_UPSTREAM_MILLIS = 3_000;
    /** How long a conversion takes. */
    static final long CONVERSION_MILLIS = 300;

    private static final Map<String, BigDecimal> PER_EUR = Map.of(
            "EUR", BigDecimal.ONE,
            "USD", new BigDecimal("1.0842"),
            "GBP", new BigDecimal("0.8531"),
            "JPY", new BigDecimal("162.47"),
            "CHF", new BigDecimal("0.9468"),
            "XAU", new BigDecimal("0.000412"));

    /** Finishes conversions: the request thread is back in the pool while one is computed. */
    private static final ScheduledExecutorService WORK = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "demo-conversions");
        t.setDaemon(true);
        return t;
    });

    @GET
    @Path("rates")
    @RateLimit(limit = "10/1m", by = KeyKind.IP, name = "rates-per-ip")
    public String rates() {
        StringBuilder sb = new StringBuilder("{\"base\":\"EUR\",\"rates\":{");
        PER_EUR.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
                sb.append('"').append(e.getKey()).append("\":").append(e.getValue().toPlainString()).append(','));
        sb.setLength(sb.length() - 1);
        return sb.append("}}").toString();
    }

    @GET
    @Path("rates/{currency}")
    @Timeout("800ms")
    @Fallback(status = 200, contentType = "application/json", staleCache = "10m",
            body = "{\"rate\":null,\"unavailable\":true}", on = {"timeout", "error"})
    public String rate(@PathParam("currency") String currency) {
        BigDecimal rate = PER_EUR.get(currency.toUpperCase(Locale.ROOT));
        if (rate == null) {
            throw new NotFoundException();
        }
        if ("XAU".equalsIgnoreCase(currency)) {
            try {
                Thread.sleep(SLOW_UPSTREAM_MILLIS); // the gold desk's upstream
            } catch (InterruptedException e) {
                // Seawall interrupts the method at the deadline, after answering: this response is discarded, and a
                // WebApplicationException ends it without Jersey logging an unmapped exception
                Thread.currentThread().interrupt();
                throw new ServiceUnavailableException();
            }
        }
        return "{\"base\":\"EUR\",\"currency\":\"" + currency.toUpperCase(Locale.ROOT) + "\",\"rate\":"
                + rate.toPlainString() + "}";
    }

    @GET
    @Path("convert")
    @Throttle(maxConcurrent = 2, queue = 10, maxWait = "2s")
    public void convert(@QueryParam("from") String from, @QueryParam("to") String to,
                        @QueryParam("amount") BigDecimal amount, @Suspended AsyncResponse response) {
        BigDecimal f = from == null ? null : PER_EUR.get(from.toUpperCase(Locale.ROOT));
        BigDecimal t = to == null ? null : PER_EUR.get(to.toUpperCase(Locale.ROOT));
        if (f == null || t == null || amount == null) {
            response.resume(new jakarta.ws.rs.BadRequestException());
            return;
        }
        WORK.schedule(() -> {
            BigDecimal result = amount.multiply(t).divide(f, 4, RoundingMode.HALF_EVEN);
            response.resume("{\"from\":\"" + from.toUpperCase(Locale.ROOT) + "\",\"to\":\""
                    + to.toUpperCase(Locale.ROOT) + "\",\"amount\":" + amount.toPlainString() + ",\"result\":"
                    + result.toPlainString() + "}");
        }, CONVERSION_MILLIS, TimeUnit.MILLISECONDS);
    }
}
