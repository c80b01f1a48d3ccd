package dev.seawall.cli;

import dev.seawall.core.chain.StageKind;
import dev.seawall.core.config.ClientConfig;
import dev.seawall.core.config.ConfigException;
import dev.seawall.core.config.PolicyConfig;
import dev.seawall.core.config.SeawallConfig;
import dev.seawall.core.internal.config.ReloadCarry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * {@code diff OLD NEW}: what a reload from OLD to NEW would keep (the state of a stage: buckets, queue, breaker
 * window, cached copies), reset, or refuse (NEW invalid: the running configuration stays). The keep rules are the
 * engine's own ({@link ReloadCarry}). Not thread-safe (one per run).
 */
@Command(name = "diff", mixinStandardHelpOptions = true, versionProvider = SeawallCli.Version.class,
        description = "Tells what a reload from OLD to NEW would keep, reset or refuse.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:the reload would be accepted", "1:the reload would be refused (NEW is invalid), or OLD"
                + " is invalid", "2:usage error, or a file cannot be read"})
final class DiffCommand implements Callable<Integer> {

    /** Most problems of a refused file shown; validate shows them all. */
    static final int MAX_PROBLEMS = 20;

    @ParentCommand
    private SeawallCli cli;

    @Parameters(index = "0", paramLabel = "OLD", description = "the configuration running now")
    private String oldFile;

    @Parameters(index = "1", paramLabel = "NEW", description = "the configuration to reload")
    private String newFile;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "text (default) or json (the changes of an accepted reload; a refusal is text)")
    private ValidateCommand.Format format = ValidateCommand.Format.TEXT;

    @Override
    public Integer call() {
        PrintWriter out = cli.out();
        Checked old = Checked.of(oldFile, cli.environment(), cli.classes());
        Checked next = Checked.of(newFile, cli.environment(), cli.classes());
        List<ConfigException.Problem> unreadable = new ArrayList<>();
        for (Checked c : new Checked[] {old, next}) {
            if (!c.file().readable()) {
                unreadable.add(new ConfigException.Problem(c.file().name(), 0, "", c.file().error()));
            }
        }
        if (!unreadable.isEmpty()) {
            return fail(out, SeawallCli.USAGE, "unreadable", "", unreadable);
        }
        if (!next.valid()) {
            return fail(out, SeawallCli.INVALID, "refused", "refused: " + next.file().name() + " is invalid; the"
                    + " running configuration stays", next.problems());
        }
        if (!old.valid()) {
            return fail(out, SeawallCli.INVALID, "old-invalid", old.file().name() + " is invalid, so no server runs"
                    + " it: nothing to compare (run validate)", List.of());
        }
        diff(out, old.config(), next.config());
        out.flush();
        return SeawallCli.OK;
    }

    /** Reports a diff that could not be made, at most {@value #MAX_PROBLEMS} problems. */
    private int fail(PrintWriter out, int status, String result, String headline,
                     List<ConfigException.Problem> problems) {
        int shown = Math.min(problems.size(), MAX_PROBLEMS);
        if (format == ValidateCommand.Format.JSON) {
            StringBuilder sb = new StringBuilder("{\"status\":").append(status).append(",\"result\":")
                    .append(Json.str(result)).append(",\"problems\":[");
            for (int i = 0; i < shown; i++) {
                ConfigException.Problem p = problems.get(i);
                sb.append(i > 0 ? "," : "").append("{\"file\":").append(Json.str(p.source()))
                        .append(",\"line\":").append(p.line()).append(",\"path\":").append(Json.str(p.keyPath()))
                        .append(",\"problem\":").append(Json.str(p.problem())).append('}');
            }
            out.println(sb.append("],\"more\":").append(problems.size() - shown).append('}'));
        } else {
            if (!headline.isEmpty()) {
                out.println(headline);
            }
            String indent = headline.isEmpty() ? "" : "  ";
            for (int i = 0; i < shown; i++) {
                ConfigException.Problem p = problems.get(i);
                out.println(indent + (p.line() == 0 && p.keyPath().isEmpty() ? p.source() + ": " + p.problem() : p));
            }
            if (problems.size() > shown) {
                out.println(indent + "... and " + (problems.size() - shown) + " more (run validate for all)");
            }
        }
        out.flush();
        return status;
    }

    /**
     * One thing a reload does.
     *
     * @param kind    {@code store}, {@code policy} or {@code client}
     * @param name    the policy's or client's name; empty for the store
     * @param part    the stage ({@code rate-limits}, ...) or {@code idempotency} of a policy; empty for the whole
     * @param outcome kept, reset, added, removed or (the store) replaced
     * @param reason  why, or empty
     */
    record Change(String kind, String name, String part, String outcome, String reason) {
    }

    static List<Change> changes(SeawallConfig old, SeawallConfig next) {
        List<Change> out = new ArrayList<>();
        boolean sameStore = old.store().equals(next.store());
        out.add(new Change("store", "", "", sameStore ? "kept" : "replaced", sameStore ? "" : "store changed: shared"
                + " buckets start again"));
        String global = "";
        if (!old.trustedProxies().equals(next.trustedProxies()) || old.ipv6Prefix() != next.ipv6Prefix()) {
            global = "trusted-proxies or ipv6-prefix changed";
        } else if (old.rateLimitHeaders() != next.rateLimitHeaders()) {
            global = "headers.rate-limit changed";
        } else if (!sameStore) {
            global = "store changed";
        }
        for (PolicyConfig p : next.policies()) {
            PolicyConfig o = old.policy(p.name());
            if (o == null) {
                out.add(new Change("policy", p.name(), "", "added", ""));
                continue;
            }
            for (StageKind kind : StageKind.values()) {
                boolean inOld = o.stages().contains(kind);
                boolean inNew = p.stages().contains(kind);
                if (!inOld && !inNew) {
                    continue;
                }
                if (!inNew || !inOld) {
                    out.add(new Change("policy", p.name(), kind.configName(), inNew ? "added" : "removed", ""));
                } else if (ReloadCarry.keeps(old, next, p.name(), kind, sameStore)) {
                    out.add(new Change("policy", p.name(), kind.configName(), "kept", ""));
                } else {
                    out.add(new Change("policy", p.name(), kind.configName(), "reset", !settingsEqual(o, p, kind)
                            ? "settings changed" : global.isEmpty() ? "what it depends on changed" : global));
                }
            }
            if (o.idempotency() != null || p.idempotency() != null) {
                if (p.idempotency() == null || o.idempotency() == null) {
                    out.add(new Change("policy", p.name(), "idempotency", p.idempotency() == null ? "removed" : "added", ""));
                } else if (ReloadCarry.keepsIdempotency(old, next, p.name(), sameStore)) {
                    out.add(new Change("policy", p.name(), "idempotency", "kept", ""));
                } else {
                    out.add(new Change("policy", p.name(), "idempotency", "reset", "its keys are taken over by the new step"));
                }
            }
        }
        for (PolicyConfig o : old.policies()) {
            if (next.policy(o.name()) == null) {
                out.add(new Change("policy", o.name(), "", "removed", "its state is dropped"));
            }
        }
        // a client is carried over whole when its settings are equal (OutboundClients)
        for (ClientConfig c : next.clients()) {
            ClientConfig o = old.client(c.name());
            out.add(new Change("client", c.name(), "", o == null ? "added" : o.equals(c) ? "kept" : "reset",
                    o == null || o.equals(c) ? "" : "settings changed: its breakers and retry budget start again"));
        }
        for (ClientConfig o : old.clients()) {
            if (next.client(o.name()) == null) {
                out.add(new Change("client", o.name(), "", "removed", ""));
            }
        }
        return out;
    }

    private void diff(PrintWriter out, SeawallConfig old, SeawallConfig next) {
        List<Change> changes = changes(old, next);
        if (format == ValidateCommand.Format.JSON) {
            StringBuilder sb = new StringBuilder("{\"status\":0,\"result\":\"accepted\",\"changes\":[");
            for (int i = 0; i < changes.size(); i++) {
                Change c = changes.get(i);
                sb.append(i > 0 ? "," : "").append("{\"kind\":").append(Json.str(c.kind()))
                        .append(",\"name\":").append(Json.str(c.name()))
                        .append(",\"part\":").append(Json.str(c.part()))
                        .append(",\"outcome\":").append(Json.str(c.outcome()))
                        .append(",\"reason\":").append(Json.str(c.reason())).append('}');
            }
            out.println(sb.append("]}"));
            return;
        }
        out.println("accepted: a reload would apply " + next.source());
        String policy = null;
        for (Change c : changes) {
            String reason = c.reason().isEmpty() ? "" : " (" + c.reason() + ")";
            if (c.name().isEmpty()) {
                out.println(c.kind() + ": " + c.outcome() + reason);
            } else if (c.part().isEmpty()) {
                out.println(c.kind() + " " + c.name() + ": " + c.outcome() + reason);
            } else {
                if (!c.name().equals(policy)) {
                    out.println("policy " + c.name() + ":");
                    policy = c.name();
                }
                out.println("  " + c.part() + ": " + c.outcome() + reason);
            }
        }
    }

    private static boolean settingsEqual(PolicyConfig o, PolicyConfig p, StageKind kind) {
        return switch (kind) {
            case RATE_LIMIT -> o.rateLimits().equals(p.rateLimits());
            case THROTTLE -> Objects.equals(o.throttle(), p.throttle());
            case CIRCUIT_BREAKER -> Objects.equals(o.circuitBreaker(), p.circuitBreaker());
            case TIMEOUT -> Objects.equals(o.timeout(), p.timeout());
            case FALLBACK -> Objects.equals(o.fallback(), p.fallback()) && o.failClosed() == p.failClosed();
        };
    }
}
