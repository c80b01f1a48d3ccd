package dev.seawall.cli;

import dev.seawall.core.chain.StageKind;
import dev.seawall.core.config.PolicyConfig;
import dev.seawall.core.config.SeawallConfig;
import dev.seawall.core.internal.config.ReloadCarry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.PrintWriter;
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

    @ParentCommand
    private SeawallCli cli;

    @Parameters(index = "0", paramLabel = "OLD", description = "the configuration running now")
    private String oldFile;

    @Parameters(index = "1", paramLabel = "NEW", description = "the configuration to reload")
    private String newFile;

    @Override
    public Integer call() {
        PrintWriter out = cli.out();
        Checked old = Checked.of(oldFile, cli.environment(), cli.classes());
        Checked next = Checked.of(newFile, cli.environment(), cli.classes());
        boolean unreadable = false;
        for (Checked c : new Checked[] {old, next}) {
            if (!c.file().readable()) {
                out.println(c.file().name() + ": " + c.file().error());
                unreadable = true;
            }
        }
        if (unreadable) {
            return SeawallCli.USAGE;
        }
        if (!next.valid()) {
            out.println("refused: " + next.file().name() + " is invalid; the running configuration stays");
            next.problems().stream().limit(20).forEach(p -> out.println("  " + p));
            if (next.problems().size() > 20) {
                out.println("  ... and " + (next.problems().size() - 20) + " more (run validate for all)");
            }
            return SeawallCli.INVALID;
        }
        if (!old.valid()) {
            out.println(old.file().name() + " is invalid, so no server runs it: nothing to compare (run validate)");
            return SeawallCli.INVALID;
        }
        diff(out, old.config(), next.config());
        out.flush();
        return SeawallCli.OK;
    }

    private static void diff(PrintWriter out, SeawallConfig old, SeawallConfig next) {
        out.println("accepted: a reload would apply " + next.source());
        boolean sameStore = old.store().equals(next.store());
        out.println("store: " + (sameStore ? "kept" : "replaced (shared buckets start again)"));
        if (!old.trustedProxies().equals(next.trustedProxies()) || old.ipv6Prefix() != next.ipv6Prefix()) {
            out.println("client addresses: trusted-proxies or ipv6-prefix changed (keyed limits and throttles"
                    + " reset)");
        }
        if (old.rateLimitHeaders() != next.rateLimitHeaders()) {
            out.println("headers.rate-limit changed (rate limits reset)");
        }
        for (PolicyConfig p : next.policies()) {
            PolicyConfig o = old.policy(p.name());
            if (o == null) {
                out.println("policy " + p.name() + ": added");
                continue;
            }
            out.println("policy " + p.name() + ":");
            for (StageKind kind : StageKind.values()) {
                boolean inOld = o.stages().contains(kind);
                boolean inNew = p.stages().contains(kind);
                if (!inOld && !inNew) {
                    continue;
                }
                String what;
                if (!inNew) {
                    what = "removed";
                } else if (!inOld) {
                    what = "added";
                } else if (ReloadCarry.keeps(old, next, p.name(), kind, sameStore)) {
                    what = "kept";
                } else {
                    what = "reset" + (settingsEqual(o, p, kind) ? " (what it depends on changed)"
                            : " (settings changed)");
                }
                out.println("  " + kind.configName() + ": " + what);
            }
            if (o.idempotency() != null || p.idempotency() != null) {
                String what = p.idempotency() == null ? "removed" : o.idempotency() == null ? "added"
                        : ReloadCarry.keepsIdempotency(old, next, p.name(), sameStore) ? "kept"
                        : "reset (its keys are taken over)";
                out.println("  idempotency: " + what);
            }
        }
        for (PolicyConfig o : old.policies()) {
            if (next.policy(o.name()) == null) {
                out.println("policy " + o.name() + ": removed (its state is dropped)");
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
