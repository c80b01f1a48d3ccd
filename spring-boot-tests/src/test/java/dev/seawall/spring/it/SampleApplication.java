package dev.seawall.spring.it;

import dev.seawall.core.key.KeyKind;
import dev.seawall.jaxrs.RateLimit;
import dev.seawall.jaxrs.SeawallFeature;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import org.glassfish.jersey.server.ResourceConfig;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.ResponseEntity;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.security.Principal;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sample a Spring Boot user would write: Spring MVC controllers, Spring Security (HTTP Basic, CSRF on), Actuator,
 * a Jersey resource, and Seawall configured only in {@code application.yml}. Not one line of Seawall code.
 */
@SpringBootApplication
public class SampleApplication {

    /** What the tests steer and watch. Thread-safe: volatile and atomic fields. */
    public static final class Gates {
        public static volatile CountDownLatch release = new CountDownLatch(0);
        public static final AtomicInteger running = new AtomicInteger();
        public static final AtomicInteger started = new AtomicInteger();
        public static volatile boolean failing;
        public static final AtomicInteger orders = new AtomicInteger();

        private Gates() {
        }

        /** Handlers wait until {@link #open} (at most 30 s, so that a failed test cannot hang the build). */
        public static void close() {
            release = new CountDownLatch(1);
        }

        public static void open() {
            release.countDown();
        }

        static void await() throws InterruptedException {
            release.await(30, TimeUnit.SECONDS);
        }
    }

    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(a -> a
                        .requestMatchers("/error", "/actuator/health", "/actuator/prometheus").permitAll()
                        .requestMatchers("/actuator/**").hasRole("ADMIN")
                        .anyRequest().authenticated())
                .httpBasic(Customizer.withDefaults())
                .csrf(c -> c.ignoringRequestMatchers("/login", "/api/orders", "/api/orders/*"));
        return http.build();
    }

    @Bean
    InMemoryUserDetailsManager users() {
        return new InMemoryUserDetailsManager(
                User.withUsername("alice").password("{noop}pw").roles("USER").build(),
                User.withUsername("bob").password("{noop}pw").roles("USER").build(),
                User.withUsername("ops").password("{noop}pw").roles("ADMIN").build());
    }

    @RestController
    static class Api {
        @PostMapping("/login")
        String login(Principal user) {
            return "welcome " + user.getName();
        }

        @GetMapping("/api/me")
        String me(Principal user) {
            return user.getName();
        }

        @GetMapping("/api/pool/blocking")
        String blocking() throws InterruptedException {
            run(Gates::await);
            return "done";
        }

        @GetMapping("/api/pool/callable")
        Callable<String> callable() {
            return () -> {
                run(Gates::await);
                return "done";
            };
        }

        @GetMapping("/api/report")
        ResponseEntity<Map<String, Object>> report() {
            // a controller's own 500: Spring MVC writes the JSON and flushes
            return ResponseEntity.status(500).body(Map.of("error", "the reporting database is down"));
        }

        @GetMapping("/api/profile")
        ResponseEntity<Map<String, Object>> profile(Principal user) {
            if (Gates.failing) {
                return ResponseEntity.status(500).body(Map.of("error", "profile store is down"));
            }
            return ResponseEntity.ok(Map.of("owner", user.getName(), "plan", "gold"));
        }

        /** Counts its runs; answers a new order id each time, so a replay is told apart from a second run. */
        @PostMapping(value = "/api/orders", consumes = "application/json")
        ResponseEntity<Map<String, Object>> order(@RequestBody Map<String, Object> order, Principal user) {
            int id = Gates.orders.incrementAndGet();
            return ResponseEntity.status(201).header("Location", "/api/orders/" + id)
                    .body(Map.of("id", id, "owner", user.getName(), "qty", order.get("qty")));
        }

        /** A form post: its parameters must reach Spring MVC although Seawall read the body first. */
        @PostMapping(value = "/api/orders/form", consumes = "application/x-www-form-urlencoded")
        ResponseEntity<String> formOrder(@RequestParam("item") String item, @RequestParam("qty") int qty) {
            int id = Gates.orders.incrementAndGet();
            return ResponseEntity.status(201).body("order " + id + ": " + qty + " x " + item);
        }

        @GetMapping("/api/payments")
        ResponseEntity<String> payments() {
            Gates.started.incrementAndGet();
            return Gates.failing ? ResponseEntity.status(502).body("provider down") : ResponseEntity.ok("paid");
        }

        private static void run(Blocking work) throws InterruptedException {
            Gates.started.incrementAndGet();
            Gates.running.incrementAndGet();
            try {
                work.run();
            } finally {
                Gates.running.decrementAndGet();
            }
        }

        interface Blocking {
            void run() throws InterruptedException;
        }
    }

    /** Jersey: one resource guarded by the filter's YAML policy, one by Seawall's JAX-RS annotations. */
    @Component
    public static class JerseyConfig extends ResourceConfig {
        public JerseyConfig() {
            register(Hello.class);
            register(Annotated.class);
            register(new SeawallFeature()); // annotations only; the starter gives it Spring's MeterRegistry
        }
    }

    @Path("/annotated")
    public static class Annotated {
        @GET
        @RateLimit(limit = "5/1m", by = KeyKind.USER)
        public String hit() {
            return "annotated";
        }
    }

    @Path("/hello")
    public static class Hello {
        @GET
        public String hello() {
            return "hello from jersey";
        }
    }
}
