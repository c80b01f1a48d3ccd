package dev.seawall.spring.it;

import com.sun.net.httpserver.HttpServer;
import dev.seawall.client.SeawallHttpClient;
import dev.seawall.core.LiveSeawall;
import dev.seawall.core.outbound.OutboundClient;
import org.junit.jupiter.api.Test;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Outbound clients written inline under {@code seawall.clients}, next to the sample's policies: the starter's engine
 * holds them, Spring's RestClient retries through the java.net.http wrapper, and the actuator shows them.
 */
class OutboundClientsTest {

    @Test
    void inlineClientsProtectARestClientAndShowOnTheActuator() throws Exception {
        HttpServer downstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        AtomicInteger seen = new AtomicInteger();
        downstream.createContext("/v1/stock", exchange -> {
            byte[] body = "{\"items\":7}".getBytes(StandardCharsets.UTF_8);
            int status = seen.incrementAndGet() == 1 ? 503 : 200;
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        downstream.start();
        int port = downstream.getAddress().getPort();
        try (RunningApp app = RunningApp.start(
                "seawall.clients[0].name=stock",
                "seawall.clients[0].hosts[0]=127.0.0.1:" + port,
                "seawall.clients[0].retry.backoff.base=10ms",
                "seawall.clients[0].retry.jitter=none")) {
            LiveSeawall live = app.context.getBean(LiveSeawall.class);
            OutboundClient stock = live.current().client("stock");
            assertThat(stock.config().retry().base()).hasMillis(10);
            assertThat(live.current().policies()).as("the sample's inline policies are kept").isNotEmpty();

            RestClient rest = RestClient.builder()
                    .requestFactory(new JdkClientHttpRequestFactory(SeawallHttpClient.wrap(HttpClient.newHttpClient(),
                            live::current)))
                    .baseUrl("http://127.0.0.1:" + port).build();
            String body = rest.get().uri("/v1/stock").retrieve().body(String.class);
            assertThat(body).isEqualTo("{\"items\":7}");
            assertThat(seen).as("one 503, one retry").hasValue(2);

            HttpResponse<String> status = app.get("/actuator/seawall", "ops");
            assertThat(status.statusCode()).isEqualTo(200);
            assertThat(status.body()).contains("\"clients\":[{\"name\":\"stock\"").contains("\"retries\":1");
        } finally {
            downstream.stop(0);
        }
    }
}
