package dev.seawall.cli;

import dev.seawall.core.chain.Exemption;
import dev.seawall.core.chain.Stage;
import dev.seawall.core.config.ExemptConfig;
import dev.seawall.core.config.PolicyConfig;
import dev.seawall.core.config.RateLimitConfig;
import dev.seawall.core.config.SeawallConfig;
import dev.seawall.core.internal.policy.PathPolicyTable;
import dev.seawall.core.key.ApiKeyResolver;
import dev.seawall.core.key.ClientIpResolver;
import dev.seawall.core.key.KeyKind;
import dev.seawall.core.key.TenantResolver;
import dev.seawall.core.key.TenantSource;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.policy.PathPattern;
import dev.seawall.core.policy.Policy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code explain FILE METHOD PATH [-H 'Name: value']... [--client-ip ADDR] [--user NAME [--role ROLE]...]}: the
 * policy the engine's own table picks for a request, why, the patterns it beat, the stages in the order the built
 * chain runs them with their settings, whether the request is exempt, and which limits and keys apply to it. The
 * exemption and the client address are decided by the engine's own {@link Exemption} and
 * {@link ClientIpResolver}. Not thread-safe (one per run).
 */
@Command(name = "explain", mixinStandardHelpOptions = true, versionProvider = SeawallCli.Version.class,
        description = "Tells which policy a request gets, why, and what it runs.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:explained (also when no policy applies)", "1:the file is invalid",
                "2:usage error, or the file cannot be read"})
final class ExplainCommand implements Callable<Integer> {

    /** Most headers on one command line. */
    static final int MAX_HEADERS = 100;

    @ParentCommand
    private SeawallCli cli;

    @Parameters(index = "0", paramLabel = "FILE", description = "a seawall.yaml file")
    private String file;

    @Parameters(index = "1", paramLabel = "METHOD", description = "the request method, e.g. GET")
    private String method;

    @Parameters(index = "2", paramLabel = "PATH", description = "the path inside the application, e.g. /api/orders/7")
    private String path;

    @Option(names = {"-H", "--header"}, paramLabel = "'Name: value'", description = "a request header (repeatable)")
    private List<String> headers = new ArrayList<>();

    @Option(names = "--client-ip", paramLabel = "ADDR",
            description = "the address the connection comes from (an IP literal; with -H X-Forwarded-For or"
                    + " Forwarded when it is a trusted proxy)")
    private String clientIp;

    @Option(names = "--user", paramLabel = "NAME", description = "the authenticated user (default: none)")
    private String user;

    @Option(names = "--role", paramLabel = "ROLE", description = "a role of --user (repeatable)")
    private List<String> roles = new ArrayList<>();

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "text (default) or json (an explanation; a file that cannot be explained is text)")
    private ValidateCommand.Format format = ValidateCommand.Format.TEXT;

    @Override
    public Integer call() {
        PrintWriter out = cli.out();
        Map<String, List<String>> given = headers();
        checkCaller();
        String m = method.toUpperCase(Locale.ROOT);
        if (!m.chars().allMatch(c -> c >= 'A' && c <= 'Z' || c == '-' || c == '_') || m.isEmpty() || m.length() > 32) {
            throw new CommandLine.ParameterException(new CommandLine(this), "METHOD must be an HTTP method like GET");
        }
        String p = path;
        int q = p.indexOf('?');
        if (q >= 0) {
            p = p.substring(0, q);
            if (format == ValidateCommand.Format.TEXT) {
                out.println("(the query string is ignored: policies match the path only)");
            }
        }
        if (!p.startsWith("/") || p.length() > 8192) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "PATH must start with / (the path inside the application), at most 8192 characters");
        }
        Checked c = Checked.of(file, cli.environment(), cli.classes());
        if (!c.file().readable()) {
            out.println(c.file().name() + ": " + c.file().error());
            return SeawallCli.USAGE;
        }
        if (!c.valid()) {
            c.problems().stream().limit(20).forEach(out::println);
            out.println(c.file().name() + ": invalid (" + ValidateCommand.count(c.problems().size(), "problem",
                    "problems") + "); run validate for all of them");
            return SeawallCli.INVALID;
        }
        CliRequest request = new CliRequest(m, p, given, clientIp, user, new LinkedHashSet<>(roles));
        if (format == ValidateCommand.Format.JSON) {
            json(out, c.config(), c.policies(), request, c.notes());
        } else {
            c.notes().forEach(n -> out.println("note: " + n));
            explain(out, c.config(), c.policies(), request);
        }
        out.flush();
        return SeawallCli.OK;
    }

    /** @return the header lines by lower-cased name; a name given twice keeps both lines, as a request would */
    private Map<String, List<String>> headers() {
        if (headers.size() > MAX_HEADERS) {
            throw new CommandLine.ParameterException(new CommandLine(this), "at most " + MAX_HEADERS + " headers");
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String h : headers) {
            int colon = h.indexOf(':');
            if (colon <= 0) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "a header is written 'Name: value'");
            }
            out.computeIfAbsent(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(h.substring(colon + 1).trim());
        }
        return out;
    }

    /** An address is an IP literal (never a name to resolve); roles belong to a user; sizes are bounded. */
    private void checkCaller() {
        if (clientIp != null && (clientIp.isEmpty() || clientIp.length() > 45
                || !clientIp.chars().allMatch(ch -> ch == '.' || ch == ':' || Character.digit(ch, 16) >= 0)
                || !(clientIp.indexOf(':') >= 0 || clientIp.chars().filter(ch -> ch == '.').count() == 3))) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--client-ip must be an IPv4 or IPv6 literal, like 203.0.113.7 or 2001:db8::1");
        }
        if (user != null && (user.isEmpty() || user.length() > 256)) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--user must be 1-256 characters");
        }
        if (!roles.isEmpty() && user == null) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--role needs --user: roles are a user's");
        }
        if (roles.size() > MAX_HEADERS) {
            throw new CommandLine.ParameterException(new CommandLine(this), "at most " + MAX_HEADERS + " roles");
        }
    }

    /** The engine's choice for a request and the other patterns that match its path. */
    private record Match(Policy chosen, Candidate win, List<Candidate> candidates) {

        static Match of(List<Policy> policies, String method, String path) {
            // the table the engine builds (Seawall), over the same policies
            PathPolicyTable.Builder<Policy> b = PathPolicyTable.builder();
            for (Policy p : policies) {
                for (String pattern : p.paths()) {
                    b.add(pattern, p.methods(), p, p.name());
                }
            }
            Policy chosen = b.build().match(method, path);
            List<Candidate> candidates = ExplainCommand.candidates(policies, method, path);
            Candidate win = null;
            for (Candidate cand : candidates) {
                if (chosen != null && cand.policy() == chosen && cand.admits()) {
                    win = cand;
                    break;
                }
            }
            return new Match(chosen, win, candidates);
        }
    }

    private static void json(PrintWriter out, SeawallConfig config, List<Policy> policies, CliRequest request,
                             List<String> notes) {
        String method = request.method();
        String path = request.path();
        Match m = Match.of(policies, method, path);
        StringBuilder sb = new StringBuilder("{\"method\":").append(Json.str(method)).append(",\"path\":")
                .append(Json.str(path)).append(",\"notes\":[");
        for (int i = 0; i < notes.size(); i++) {
            sb.append(i > 0 ? "," : "").append(Json.str(notes.get(i)));
        }
        sb.append("],\"policy\":").append(m.chosen() == null ? "null" : Json.str(m.chosen().name()));
        sb.append(",\"pattern\":").append(m.win() == null ? "null" : Json.str(m.win().pattern().text()));
        sb.append(",\"matched\":").append(m.win() == null ? "null"
                : Json.str(m.win().pattern().kind().name().toLowerCase(Locale.ROOT)));
        sb.append(",\"others\":[");
        boolean first = true;
        for (Candidate cand : m.candidates()) {
            if (cand == m.win()) {
                continue;
            }
            sb.append(first ? "" : ",").append("{\"pattern\":").append(Json.str(cand.pattern().text()))
                    .append(",\"policy\":").append(Json.str(cand.policy().name())).append(",\"why\":")
                    .append(cand.admits() ? "\"less-specific\"" : "\"method-not-covered\"").append('}');
            first = false;
        }
        sb.append("],\"stages\":[");
        if (m.chosen() != null) {
            PolicyConfig pc = config.policy(m.chosen().name());
            first = true;
            for (Stage st : m.chosen().chain().stages()) {
                sb.append(first ? "" : ",").append("{\"stage\":").append(Json.str(st.kind().configName()))
                        .append(",\"settings\":").append(Json.str(settings(pc, st))).append('}');
                first = false;
            }
            sb.append("],\"warnings\":[");
            first = true;
            for (String w : m.chosen().chain().warnings()) {
                sb.append(first ? "" : ",").append(Json.str(w));
                first = false;
            }
            sb.append("],\"exempt\":").append(Json.str(exempt(m.chosen(), request).tag()));
            sb.append(",\"limits\":[");
            first = true;
            for (RateLimitConfig r : pc.rateLimits()) {
                sb.append(first ? "" : ",").append(Json.str(limit(r, request, config)));
                first = false;
            }
        } else {
            sb.append("],\"warnings\":[],\"exempt\":\"no\",\"limits\":[");
        }
        out.println(sb.append("]}"));
    }

    private static void explain(PrintWriter out, SeawallConfig config, List<Policy> policies, CliRequest request) {
        String method = request.method();
        String path = request.path();
        Match match = Match.of(policies, method, path);
        Policy chosen = match.chosen();
        List<Candidate> candidates = match.candidates();
        out.println("Request: " + method + " " + path);
        if (chosen == null) {
            out.println("Policy: none (the request passes untouched)");
            for (Candidate cand : candidates) {
                out.println("  " + cand.pattern().text() + " (policy " + cand.policy().name()
                        + ") matches the path but does not cover " + method);
            }
            return;
        }
        Candidate win = match.win();
        out.println("Policy: " + chosen.name() + " (line " + config.line("policies[" + index(config, chosen.name())
                + "]") + ")");
        if (win != null) {
            out.println("Why: " + why(win.pattern()) + " " + win.pattern().text());
        }
        for (Candidate cand : candidates) {
            if (cand == win) {
                continue;
            }
            String note = cand.admits() ? "less specific: its stages do not run for this request"
                    : "matches the path but does not cover " + method;
            out.println("  " + cand.pattern().text() + " (policy " + cand.policy().name() + "): " + note);
        }
        PolicyConfig pc = config.policy(chosen.name());
        out.println("Stages, outer to inner:");
        int i = 1;
        for (Stage s : chosen.chain().stages()) {
            out.println("  " + i++ + ". " + s.kind().configName() + ": " + settings(pc, s));
        }
        if (pc.idempotency() != null) {
            String header = pc.idempotency().header();
            out.println("  idempotency (around the stages): " + Settings.of(pc.idempotency()) + "; header " + header
                    + (request.header(header) != null ? " present" : " absent"));
        }
        for (String w : chosen.chain().warnings()) {
            out.println("  warning: " + w);
        }
        ExemptConfig exempt = config.exemptFor(pc);
        if (exempt != null) {
            Verdict v = exempt(chosen, request);
            out.println("Exempt: " + v.text() + " (" + Settings.of(exempt) + ")");
        }
        if (!pc.rateLimits().isEmpty()) {
            out.println("Limits for this request:");
            for (RateLimitConfig r : pc.rateLimits()) {
                out.println("  " + limit(r, request, config));
            }
        }
    }

    private static int index(SeawallConfig config, String name) {
        for (int i = 0; i < config.policies().size(); i++) {
            if (config.policies().get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** A pattern that matches the path, tested by a table of its own with the engine's matching. */
    private record Candidate(Policy policy, PathPattern pattern, boolean admits) {
    }

    private static List<Candidate> candidates(List<Policy> policies, String method, String path) {
        List<Candidate> out = new ArrayList<>();
        for (Policy p : policies) {
            for (String pattern : p.paths()) {
                PathPolicyTable<Policy> one = PathPolicyTable.<Policy>builder().add(pattern, Set.of(), p, p.name())
                        .build();
                if (one.match(method, path) != null) {
                    boolean admits = p.methods().isEmpty() || p.methods().contains(method);
                    out.add(new Candidate(p, PathPattern.parse(pattern), admits));
                }
            }
        }
        // most specific first: exact, longest prefix, extension, default
        out.sort(Comparator.comparing((Candidate c) -> c.pattern().kind())
                .thenComparing(c -> -c.pattern().key().length()));
        return out;
    }

    private static String why(PathPattern p) {
        return switch (p.kind()) {
            case EXACT -> "exact match of";
            case PREFIX -> "the longest matching prefix,";
            case EXTENSION -> "no exact or prefix pattern matches; extension";
            case DEFAULT -> "no other pattern matches; default";
        };
    }

    private static String settings(PolicyConfig pc, Stage s) {
        return switch (s.kind()) {
            case RATE_LIMIT -> pc.rateLimits().size() + (pc.rateLimits().size() == 1 ? " limit" : " limits")
                    + ", below";
            case THROTTLE -> Settings.of(pc.throttle());
            case CIRCUIT_BREAKER -> Settings.of(pc.circuitBreaker());
            case TIMEOUT -> Settings.of(pc.timeout());
            case FALLBACK -> Settings.of(pc.fallback()) + (pc.failClosed() ? " fail-closed=true" : "");
        };
    }

    /** Whether the chosen policy's exemption lets the request skip its rate limits and throttle, and why. */
    private record Verdict(String tag, String text) {
    }

    private static Verdict exempt(Policy policy, CliRequest request) {
        Exemption e = policy.chain().exemption();
        if (e == null) {
            return new Verdict("no", "no");
        }
        if (request.remoteAddress() == null && !e.networks().isEmpty()) {
            // networks are matched against the client address, which only --client-ip gives
            Exemption.Reason r = e.match(new CliRequest(request.method(), request.path(), request.headers(),
                    "0.0.0.0", request.user(), request.roles()));
            if (r == null || r == Exemption.Reason.NETWORK) {
                return new Verdict("unknown", "unknown: its networks need --client-ip");
            }
            return new Verdict(r.tag(), "yes, by " + r.tag() + ": rate limits and throttle are skipped");
        }
        Exemption.Reason r = e.match(request);
        return r == null ? new Verdict("no", "no")
                : new Verdict(r.tag(), "yes, by " + r.tag() + ": rate limits and throttle are skipped");
    }

    private static String limit(RateLimitConfig r, CliRequest request, SeawallConfig config) {
        String what = (r.name() == null ? "" : r.name() + ": ") + "by " + r.by().configName() + ", "
                + r.rates() + (r.shadow() ? " (shadow: counts, never refuses)" : "");
        String key;
        KeyKind by = r.by();
        if (by == KeyKind.IP) {
            if (request.remoteAddress() == null) {
                key = "keyed by the client address (X-Forwarded-For only from trusted proxies; give --client-ip"
                        + " to see which)";
            } else {
                String client = new ClientIpResolver(TrustedProxies.of(config.trustedProxies()), config.ipv6Prefix())
                        .resolve(request);
                key = "keyed by client " + client + (client.equals(request.remoteAddress()) ? ""
                        : " (behind trusted proxy " + request.remoteAddress() + ")");
            }
        } else if (by == KeyKind.USER) {
            if (r.attribute() != null) {
                key = "keyed by request attribute " + r.attribute() + ", which an authentication filter sets and"
                        + " the tool cannot see";
            } else if (request.user() != null) {
                key = "keyed by the authenticated user: present";
            } else {
                key = "keyed by the authenticated user: none (give --user), so on-missing "
                        + r.onMissing().configName() + " applies";
            }
        } else if (by == KeyKind.TENANT && r.source() != null && r.source() != TenantSource.HEADER) {
            key = "keyed by the tenant from the " + r.source().configName();
        } else {
            String header = r.header() != null ? r.header()
                    : by == KeyKind.API_KEY ? ApiKeyResolver.DEFAULT_HEADER : TenantResolver.DEFAULT_HEADER;
            String value = request.header(header);
            if (value == null || value.isEmpty()) {
                key = "keyed by header " + header + ": absent, so on-missing " + r.onMissing().configName()
                        + " applies";
            } else {
                String plan = r.planOf().get(value);
                key = "keyed by header " + header + ": present"
                        + (plan == null ? "" : ", plan " + plan + " " + r.plans().get(plan));
            }
        }
        return what + "; " + key;
    }
}
