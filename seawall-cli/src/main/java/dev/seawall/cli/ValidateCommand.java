package dev.seawall.cli;

import dev.seawall.core.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code validate FILE...}: every problem of every file, as start-up would report them. Not thread-safe (one per
 * run).
 */
@Command(name = "validate", mixinStandardHelpOptions = true, versionProvider = SeawallCli.Version.class,
        description = "Checks configuration files and reports every problem of each.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:every file is valid", "1:some file is invalid",
                "2:usage error, or some file cannot be read (missing, directory, binary, too large)"})
final class ValidateCommand implements Callable<Integer> {

    /** Most files in one run: a glob gone wrong must not make the tool run for hours. */
    static final int MAX_FILES = 1_000;

    @ParentCommand
    private SeawallCli cli;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "seawall.yaml files")
    private List<String> files = new ArrayList<>();

    @Option(names = "--format", paramLabel = "FORMAT", description = "text (default) or json")
    private Format format = Format.TEXT;

    @Option(names = "--max-problems", paramLabel = "N",
            description = "problems shown per file, the rest counted (default: ${DEFAULT-VALUE}, at most 1000)")
    private int maxProblems = 50;

    enum Format { TEXT, JSON }

    @Override
    public Integer call() {
        PrintWriter out = cli.out();
        if (files.size() > MAX_FILES) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "at most " + MAX_FILES + " files at once");
        }
        if (maxProblems < 1 || maxProblems > 1000) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--max-problems must be 1-1000");
        }
        List<Checked> results = new ArrayList<>();
        for (String f : files) {
            results.add(Checked.of(f, cli.environment(), cli.classes()));
        }
        if (format == Format.JSON) {
            json(out, results);
        } else {
            text(out, results);
        }
        out.flush();
        return status(results);
    }

    static int status(List<Checked> results) {
        int status = SeawallCli.OK;
        for (Checked c : results) {
            if (!c.file().readable()) {
                return SeawallCli.USAGE;
            }
            if (!c.valid()) {
                status = SeawallCli.INVALID;
            }
        }
        return status;
    }

    private void text(PrintWriter out, List<Checked> results) {
        for (Checked c : results) {
            String name = c.file().name();
            if (!c.file().readable()) {
                out.println(name + ": " + c.file().error());
            } else if (c.valid()) {
                c.notes().forEach(n -> out.println("note: " + n));
                out.println(name + ": valid (" + count(c.config().policies().size(), "policy", "policies") + ", "
                        + count(c.config().clients().size(), "client", "clients") + ")");
            } else {
                List<ConfigException.Problem> ps = c.problems();
                for (int i = 0; i < Math.min(ps.size(), maxProblems); i++) {
                    out.println(ps.get(i));
                }
                if (ps.size() > maxProblems) {
                    out.println("... and " + (ps.size() - maxProblems) + " more");
                }
                out.println(name + ": invalid (" + count(ps.size(), "problem", "problems") + ")");
            }
        }
    }

    private void json(PrintWriter out, List<Checked> results) {
        StringBuilder sb = new StringBuilder("{\"status\":").append(status(results)).append(",\"files\":[");
        for (int f = 0; f < results.size(); f++) {
            Checked c = results.get(f);
            if (f > 0) {
                sb.append(',');
            }
            sb.append("{\"file\":").append(Json.str(c.file().name())).append(",\"result\":");
            if (!c.file().readable()) {
                sb.append("\"unreadable\",\"error\":").append(Json.str(c.file().error())).append('}');
                continue;
            }
            sb.append(c.valid() ? "\"valid\"" : "\"invalid\"");
            if (c.valid()) {
                sb.append(",\"policies\":").append(c.config().policies().size())
                        .append(",\"clients\":").append(c.config().clients().size()).append(",\"notes\":[");
                for (int i = 0; i < c.notes().size(); i++) {
                    sb.append(i > 0 ? "," : "").append(Json.str(c.notes().get(i)));
                }
                sb.append(']');
            }
            List<ConfigException.Problem> ps = c.problems();
            sb.append(",\"problems\":[");
            for (int i = 0; i < Math.min(ps.size(), maxProblems); i++) {
                ConfigException.Problem p = ps.get(i);
                if (i > 0) {
                    sb.append(',');
                }
                sb.append("{\"line\":").append(p.line()).append(",\"path\":").append(Json.str(p.keyPath()))
                        .append(",\"problem\":").append(Json.str(p.problem())).append('}');
            }
            sb.append("],\"more\":").append(Math.max(0, ps.size() - maxProblems)).append('}');
        }
        out.println(sb.append("]}"));
    }

    static String count(int n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }
}
