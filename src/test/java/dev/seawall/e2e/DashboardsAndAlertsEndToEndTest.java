package dev.seawall.e2e;

import dev.seawall.client.SeawallHttpClient;
import dev.seawall.core.LiveSeawall;
import dev.seawall.redis.EmbeddedRedis;
import dev.seawall.servlet.SeawallFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Grafana dashboard and the Prometheus alert rules in {@code docs/operations/monitoring} name only meters, labels
 * and label values that a running Seawall exports: a Jetty server with every kind of policy (rate limit on a Redis
 * store, exemption, throttle with a queue, adaptive throttle with criticality, breaker, timeout, stale-cache fallback,
 * idempotency keys), an outbound client and a refused reload is driven over its socket and its Prometheus
 * {@code /metrics} scraped. The dashboard is strict JSON with a data source on every panel, every alert carries a
 * severity, a summary, a description and a runbook section, and both pass Prometheus's {@code promtool} (the
 * dashboard's queries as recording rules; the rules' unit tests in {@code seawall-alerts.test.yml} too) when it is
 * installed; {@code -Dpromtool.required=true} (CI) makes
 * a missing promtool a failure. Tagged jetty-only: the files do not depend on the container, so one execution runs
 * it.
 */
@Tag("jetty-only")
class DashboardsAndAlertsEndToEndTest {

    private static final Path DIR = Path.of("../../docs/operations/monitoring");
    private static final Path DASHBOARD = DIR.resolve("seawall-dashboard.json");
    private static final Path RULES = DIR.resolve("seawall-alerts.yml");
    /** promtool's unit tests of the rules: when alerts fire, when they do not, and what they say. */
    private static final Path RULE_TESTS = DIR.resolve("seawall-alerts.test.yml");
    private static final Path PAGE = Path.of("../../docs/operations/dashboards-and-alerts.md");
    /** Labels Prometheus adds to every series of a scrape target; no registry has them. */
    private static final Set<String> TARGET_LABELS = Set.of("job", "instance");
    /** Every family of Seawall's meters: the dashboard shows each. */
    private static final List<String> FAMILIES = List.of("seawall_ratelimit_", "seawall_requests_exempt_",
            "seawall_throttle_", "seawall_breaker_", "seawall_timeout_", "seawall_fallback_", "seawall_idempotency_",
            "seawall_store_", "seawall_client_", "seawall_config_");
    private static final Pattern LEGEND_LABEL = Pattern.compile("\\{\\{\\s*(\\w+)\\s*}}");
    private static final Pattern TEMPLATE_LABEL = Pattern.compile("\\$labels\\.(\\w+)");
    private static final Pattern LABEL_VALUES = Pattern.compile("^label_values\\((.+),\\s*(\\w+)\\)$");
    private static final Pattern PLAIN_VALUE = Pattern.compile("[A-Za-z0-9_.:-]+");

    private static final String CONFIG = """
            trusted-proxies: [127.0.0.1]
            store:
              type: redis
              uri: %s
              key-salt: e2e-monitoring-salt-0123456789
              timeout: 2s
              on-failure: local
            policies:
              - name: api
                paths: [/api/*]
                exempt: {paths: [/api/health]}
                rate-limits:
                  - by: ip
                    limit: 5/1h
              - name: guarded
                paths: [/guarded/*]
                throttle: {max-concurrent: 4, queue: 2}
                circuit-breaker: {name: db, minimum-calls: 2, failure-rate: 50, open-for: 10m}
                timeout: 5s
                fallback:
                  on: [circuit-open, timeout, error]
                  stale-cache: 10m
              - name: adaptive
                paths: [/adaptive/*]
                throttle:
                  max-concurrent: adaptive
                  criticality: {paths: {critical: [/adaptive/pay/*]}}
              - name: orders
                paths: [/orders/*]
                idempotency: on
            clients:
              - name: dep
                max-concurrent: 10
                retry: {max-attempts: 2}
                budget: 10%%
                circuit-breaker: {failure-rate: 50}
                timeout: 5s
            """;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** The application: 500 under /guarded/fail, the registry's scrape at /metrics, otherwise a small JSON answer. */
    static final class App extends HttpServlet {
        private final PrometheusMeterRegistry registry;

        App(PrometheusMeterRegistry registry) {
            this.registry = registry;
        }

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            req.getInputStream().readAllBytes();
            if (req.getRequestURI().equals("/metrics")) {
                resp.setContentType("text/plain; version=0.0.4; charset=utf-8");
                resp.getWriter().write(registry.scrape());
                return;
            }
            resp.setStatus(req.getRequestURI().startsWith("/guarded/fail") ? 500
                    : "POST".equals(req.getMethod()) ? 201 : 200);
            resp.setContentType("application/json");
            resp.getWriter().write("{\"ok\":true}");
        }
    }

    @Test
    void everyMetricLabelAndValueTheDashboardAndTheRulesNameIsExportedByARunningSeawall(@TempDir Path dir)
            throws Exception {
        List<String> queries = new ArrayList<>(dashboardQueries(dashboard()));
        queries.addAll(ruleExpressions());
        PrometheusText scraped;
        try (EmbeddedRedis redis = EmbeddedRedis.start()) {
            Path config = dir.resolve("seawall.yaml");
            Files.writeString(config, CONFIG.formatted(redis.uri()), StandardCharsets.UTF_8);
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            SeawallFilter filter = SeawallFilter.builder().config(config.toAbsolutePath().toString())
                    .meterRegistry(registry).build();
            try (TestServer server = TestServer.programmatic(filter, new App(registry), 200)) {
                drive(server, filter, config);
                HttpResponse<String> metrics = get(server, "/metrics", "192.0.2.1");
                assertThat(metrics.statusCode()).isEqualTo(200);
                scraped = PrometheusText.parse(metrics.body());
            }
        }
        // the traffic reached the meters, so the names below are read from a registry that counts
        assertThat(scraped.sum("seawall_ratelimit_decisions_total", Map.of("policy", "api", "outcome", "rejected")))
                .isEqualTo(1);
        assertThat(scraped.sum("seawall_requests_exempt_total", Map.of("reason", "path"))).isEqualTo(1);
        assertThat(scraped.sum("seawall_breaker_state", Map.of("breaker", "db"))).isEqualTo(1);
        assertThat(scraped.sum("seawall_fallback_served_total", Map.of("policy", "guarded"))).isPositive();
        assertThat(scraped.sum("seawall_idempotency_requests_total", Map.of("outcome", "replayed"))).isEqualTo(1);
        assertThat(scraped.sum("seawall_store_calls_total", Map.of("outcome", "ok"))).isPositive();
        assertThat(scraped.sum("seawall_store_up", Map.of())).isEqualTo(1);
        assertThat(scraped.sum("seawall_client_calls_total", Map.of("client", "dep", "outcome", "success")))
                .isEqualTo(1);
        // the file watcher may have refused the broken version before the explicit reload did
        assertThat(scraped.sum("seawall_config_reloads_total", Map.of("outcome", "refused"))).isBetween(1.0, 2.0);
        assertThat(scraped.sum("seawall_throttle_queue_capacity", Map.of("policy", "guarded"))).isEqualTo(2);

        Set<String> named = new TreeSet<>();
        List<String> problems = new ArrayList<>();
        for (String q : queries) {
            Matcher lv = LABEL_VALUES.matcher(q);
            String expr = lv.matches() ? lv.group(1) : q;
            PromQl.Query query = PromQl.read(grafanaFree(expr));
            assertThat(query.selectors()).as("metrics named by " + q).isNotEmpty();
            Set<String> labels = new TreeSet<>(TARGET_LABELS);
            for (PromQl.Selector s : query.selectors()) {
                named.add(s.metric());
                if (!scraped.names().contains(s.metric())) {
                    problems.add(s.metric() + " is not exported (in " + q + ")");
                    continue;
                }
                labels.addAll(scraped.labelNames(s.metric()));
                for (PromQl.Matcher m : s.matchers()) {
                    problems.addAll(matcherProblems(scraped, s.metric(), m, q));
                }
            }
            Set<String> used = new TreeSet<>(query.groupingLabels());
            if (lv.matches()) {
                used.add(lv.group(2));
            }
            used.removeAll(labels);
            used.forEach(l -> problems.add("label " + l + " is on none of the metrics of " + q));
        }
        assertThat(problems).isEmpty();
        assertThat(named).as("metrics the dashboard and the rules name").hasSizeGreaterThan(30);
    }

    private List<String> matcherProblems(PrometheusText scraped, String metric, PromQl.Matcher m, String q) {
        if (TARGET_LABELS.contains(m.label())) {
            return List.of();
        }
        if (!scraped.labelNames(metric).contains(m.label())) {
            return List.of(metric + " has no label " + m.label() + " (in " + q + ")");
        }
        List<String> values = switch (m.op()) {
            case "=", "!=" -> List.of(m.value());
            case "=~", "!~" -> List.of(m.value().split("\\|"));
            default -> List.of();
        };
        Set<String> exported = scraped.labelValues(metric, m.label());
        List<String> out = new ArrayList<>();
        for (String v : values) {
            // a plain value is checked; a pattern (.*, a Grafana variable) matches by design
            if (PLAIN_VALUE.matcher(v).matches() && !exported.contains(v)) {
                out.add(metric + "{" + m.label() + "} never takes the value " + v + " (exported: " + exported
                        + "; in " + q + ")");
            }
        }
        return out;
    }

    /** Every kind of policy, the client and a refused reload, each once or a few times. */
    private void drive(TestServer server, SeawallFilter filter, Path config) throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(get(server, "/api/items", "198.51.100.7").statusCode()).isEqualTo(200);
        }
        assertThat(get(server, "/api/items", "198.51.100.7").statusCode()).isEqualTo(429);
        assertThat(get(server, "/api/health", "198.51.100.7").statusCode()).isEqualTo(200);

        assertThat(get(server, "/guarded/fail", "198.51.100.8").statusCode()).isGreaterThanOrEqualTo(500);
        assertThat(get(server, "/guarded/fail", "198.51.100.8").statusCode()).isGreaterThanOrEqualTo(500);
        get(server, "/guarded/fail", "198.51.100.8"); // the breaker is open: answered by the fallback

        assertThat(get(server, "/adaptive/list", "198.51.100.9").statusCode()).isEqualTo(200);
        assertThat(get(server, "/adaptive/pay/1", "198.51.100.9").statusCode()).isEqualTo(200);

        for (int i = 0; i < 2; i++) {
            HttpRequest post = HttpRequest.newBuilder(URI.create(server.uri() + "/orders/new"))
                    .header("X-Forwarded-For", "198.51.100.10").header("Idempotency-Key", "\"order-1\"")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"item\":7}")).build();
            assertThat(http.send(post, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(201);
        }

        HttpClient dep = SeawallHttpClient.wrap(HttpClient.newHttpClient(), filter.engine(), "dep");
        HttpResponse<String> out = dep.send(HttpRequest.newBuilder(URI.create(server.uri() + "/plain")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(out.statusCode()).isEqualTo(200);

        Files.writeString(config, "policies: [this is not a policy", StandardCharsets.UTF_8);
        assertThat(filter.live().reload().outcome()).isEqualTo(LiveSeawall.Outcome.REFUSED);
    }

    private HttpResponse<String> get(TestServer server, String path, String client) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(server.uri() + path)).header("X-Forwarded-For", client)
                .GET().build();
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theDashboardIsStrictJsonWithADataSourceOnEveryPanelAndItsQueriesPassPromtool(@TempDir Path dir)
            throws Exception {
        Map<String, Object> dash = dashboard();
        assertThat(dash.get("uid")).isEqualTo("seawall");
        assertThat(dash.get("title")).isEqualTo("Seawall");
        List<Map<String, Object>> variables = maps(map(dash, "templating").get("list"));
        assertThat(variables).anySatisfy(v -> {
            assertThat(v.get("name")).isEqualTo("datasource");
            assertThat(v.get("type")).isEqualTo("datasource");
            assertThat(v.get("query")).isEqualTo("prometheus");
        });
        List<Map<String, Object>> panels = maps(dash.get("panels"));
        Set<Object> ids = new HashSet<>();
        int charts = 0;
        for (Map<String, Object> p : panels) {
            assertThat((String) p.get("title")).as("a panel's title").isNotBlank();
            String title = (String) p.get("title");
            assertThat(ids.add(p.get("id"))).as(title + ": a unique id").isTrue();
            assertThat(map(p, "gridPos")).as(title).containsKeys("h", "w", "x", "y");
            if ("row".equals(p.get("type"))) {
                continue; // a row only groups the panels below it: it has no query, so no data source
            }
            assertThat(p.get("type")).as(title).isIn("timeseries", "stat");
            charts += "timeseries".equals(p.get("type")) ? 1 : 0;
            assertThat(map(p, "datasource")).as(title + ": data source")
                    .containsEntry("type", "prometheus").containsEntry("uid", "${datasource}");
            assertThat((String) p.get("description")).as(title + ": description").isNotBlank();
            List<Map<String, Object>> targets = maps(p.get("targets"));
            assertThat(targets).as(title + ": queries").isNotEmpty();
            for (Map<String, Object> t : targets) {
                assertThat(map(t, "datasource")).as(title).containsEntry("uid", "${datasource}");
                assertThat((String) t.get("refId")).as(title).isNotBlank();
                String expr = (String) t.get("expr");
                Set<String> legend = matches(LEGEND_LABEL, (String) t.getOrDefault("legendFormat", ""));
                assertThat(PromQl.read(grafanaFree(expr)).groupingLabels()).as(title + ": the legend's labels are"
                        + " kept by the query's aggregation").containsAll(legend);
            }
        }
        assertThat(charts).as("time-series panels").isGreaterThan(25);
        for (Map<String, Object> a : maps(map(dash, "annotations").get("list"))) {
            if (a.containsKey("expr")) {
                assertThat(map(a, "datasource")).as(a.get("name") + ": data source")
                        .containsEntry("uid", "${datasource}");
            }
        }
        String all = String.join("\n", dashboardQueries(dash));
        for (String family : FAMILIES) {
            assertThat(all).as("the dashboard shows " + family + "*").contains(family);
        }

        List<String> rules = new ArrayList<>();
        rules.add("groups:\n  - name: dashboard\n    rules:");
        int n = 0;
        for (String q : dashboardQueries(dash)) {
            if (!LABEL_VALUES.matcher(q).matches()) {
                rules.add("      - record: seawall:dashboard:query" + n++);
                rules.add("        expr: " + yamlString(grafanaFree(q)));
            }
        }
        Path file = dir.resolve("dashboard-queries.yml");
        Files.writeString(file, String.join("\n", rules) + "\n", StandardCharsets.UTF_8);
        assertThat(n).isGreaterThan(30);
        promtool("check", "rules", file);
    }

    @Test
    void everyAlertHasASeverityASummaryADescriptionAndARunbookSectionAndTheRulesPassPromtoolAndTheirUnitTests() throws Exception {
        String page = Files.readString(PAGE, StandardCharsets.UTF_8);
        Set<String> names = new HashSet<>();
        List<Map<String, Object>> alerts = alerts();
        assertThat(alerts).hasSizeGreaterThan(10);
        for (Map<String, Object> rule : alerts) {
            String name = (String) rule.get("alert");
            assertThat(name).as("an alert's name").matches("Seawall[A-Z][A-Za-z]+");
            assertThat(names.add(name)).as(name + " is unique").isTrue();
            assertThat(map(rule, "labels").get("severity")).as(name + ": severity").isIn("critical", "warning");
            Map<String, Object> annotations = map(rule, "annotations");
            assertThat((String) annotations.get("summary")).as(name + ": summary").isNotBlank();
            assertThat((String) annotations.get("description")).as(name + ": description").isNotBlank();
            assertThat((String) annotations.get("runbook_url")).as(name + ": runbook")
                    .endsWith("/docs/operations/dashboards-and-alerts.md#" + name.toLowerCase());
            assertThat(page).as(name + " has its section in " + PAGE).contains("\n### " + name + "\n");
            Set<String> labels = new TreeSet<>();
            annotations.values().forEach(a -> labels.addAll(matches(TEMPLATE_LABEL, (String) a)));
            assertThat(PromQl.read((String) rule.get("expr")).groupingLabels())
                    .as(name + ": the labels its annotations print are kept by its aggregation").containsAll(labels);
        }
        promtool("check", "rules", RULES);
        promtool("test", "rules", RULE_TESTS);
    }

    @Test
    void theQueryReaderFindsMetricsAndRefusesWhatWouldHideThem() {
        PromQl.Query q = PromQl.read("sum by (job, policy) (rate(a_total{outcome=~\"x|y\", job=\"j\"}[5m]))"
                + " / on(job) group_left(policy) max(b) > bool 0 or vector(1)");
        assertThat(q.selectors()).extracting(PromQl.Selector::metric).containsExactly("a_total", "b");
        assertThat(q.selectors().get(0).matchers()).containsExactly(
                new PromQl.Matcher("outcome", "=~", "x|y"), new PromQl.Matcher("job", "=", "j"));
        assertThat(q.groupingLabels()).containsExactlyInAnyOrder("job", "policy");
        assertThat(PromQl.read("vector(1)").selectors()).isEmpty();
        assertThat(PromQl.read("max without (instance) (c) or count by (x) (d)").selectors())
                .extracting(PromQl.Selector::metric).containsExactly("c", "d");
        for (String bad : List.of("ratee(a[5m])", "{job=\"x\"}", "sum(a", "a{b=\"c\"", "a{b=\"c}", "a{b}",
                "sum by a (b)", "a]", "rate by (x) (a)")) {
            assertThatThrownBy(() -> PromQl.read(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        for (String bad : List.of("{\"a\":1,}", "{'a':1}", "{\"a\":1,\"a\":2}", "[1] x", "{\"a\":01}", "")) {
            assertThatThrownBy(() -> StrictJson.parse(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    // ---- the files

    private static Map<String, Object> dashboard() throws IOException {
        Object parsed = StrictJson.parse(Files.readString(DASHBOARD, StandardCharsets.UTF_8));
        assertThat(parsed).as(DASHBOARD + " is a JSON object").isInstanceOf(Map.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> dash = (Map<String, Object>) parsed;
        return dash;
    }

    /** Every query of the dashboard: panel targets, annotation queries and template variables' queries. */
    private static List<String> dashboardQueries(Map<String, Object> dash) {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> p : maps(dash.get("panels"))) {
            for (Map<String, Object> t : maps(p.getOrDefault("targets", List.of()))) {
                out.add((String) t.get("expr"));
            }
        }
        for (Map<String, Object> a : maps(map(dash, "annotations").get("list"))) {
            if (a.containsKey("expr")) {
                out.add((String) a.get("expr"));
            }
        }
        for (Map<String, Object> v : maps(map(dash, "templating").get("list"))) {
            if ("query".equals(v.get("type"))) {
                out.add((String) map(v, "query").get("query"));
            }
        }
        out.forEach(q -> assertThat(q).as("a dashboard query").isNotBlank());
        return out;
    }

    private static List<Map<String, Object>> alerts() throws IOException {
        Object parsed = new Yaml(new SafeConstructor(new LoaderOptions()))
                .load(Files.readString(RULES, StandardCharsets.UTF_8));
        assertThat(parsed).isInstanceOf(Map.class);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> group : maps(((Map<?, ?>) parsed).get("groups"))) {
            out.addAll(maps(group.get("rules")));
        }
        out.forEach(r -> assertThat(r).as("an alerting rule").containsKeys("alert", "expr"));
        return out;
    }

    private static List<String> ruleExpressions() throws IOException {
        return alerts().stream().map(r -> (String) r.get("expr")).toList();
    }

    /** The query with Grafana's variables replaced as Prometheus would see them: intervals by 5m, others by .* */
    private static String grafanaFree(String query) {
        return query.replaceAll("\\$__(rate_interval|interval|range)", "5m")
                .replaceAll("\\$\\{\\w+}|\\$\\w+", ".*");
    }

    private static String yamlString(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            sb.append(c == '"' || c == '\\' ? "\\" + c : c == '\n' ? "\\n" : String.valueOf(c));
        }
        return sb.append('"').toString();
    }

    private static Set<String> matches(Pattern p, String text) {
        Set<String> out = new TreeSet<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object v = parent.get(key);
        assertThat(v).as(key).isInstanceOf(Map.class);
        return new LinkedHashMap<>((Map<String, Object>) v);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> maps(Object list) {
        assertThat(list).isInstanceOf(List.class);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object o : (List<Object>) list) {
            assertThat(o).isInstanceOf(Map.class);
            out.add((Map<String, Object>) o);
        }
        return out;
    }

    // ---- promtool

    /**
     * Runs {@code promtool <command> <kind> <file>} ({@code check rules}, {@code test rules}) and asserts it exits 0.
     * Without promtool on the PATH or at /usr/bin/promtool this checks nothing more, unless
     * {@code promtool.required} is true (CI installs it).
     */
    private static void promtool(String command, String kind, Path file) throws Exception {
        Path promtool = promtoolPath();
        if (promtool == null) {
            assertThat(Boolean.getBoolean("promtool.required"))
                    .as("promtool is required (-Dpromtool.required=true) but is neither on the PATH nor at"
                            + " /usr/bin/promtool; install Debian's prometheus package").isFalse();
            return;
        }
        Process p = new ProcessBuilder(promtool.toString(), command, kind, file.toAbsolutePath().toString())
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("promtool ended").isTrue();
        assertThat(p.exitValue()).as("promtool " + command + " " + kind + " " + file + ":\n" + output).isZero();
        assertThat(output).contains("SUCCESS");
    }

    private static Path promtoolPath() {
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(File.pathSeparator)) {
                if (!d.isEmpty()) {
                    candidates.add(Path.of(d, "promtool"));
                }
            }
        }
        candidates.add(Path.of("/usr/bin/promtool"));
        return candidates.stream().filter(Files::isExecutable).findFirst().orElse(null);
    }
}
