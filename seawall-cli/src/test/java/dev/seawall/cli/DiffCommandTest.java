package dev.seawall.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** diff: what a reload keeps, resets or refuses, by the engine's own rules. */
class DiffCommandTest {

    static final String OLD = """
            policies:
              - name: api
                paths: [/api/*]
                rate-limits:
                  - by: ip
                    limit: 100/1m
              - name: orders
                paths: [/api/orders/*]
                timeout: { after: 2s }
                circuit-breaker: { failure-rate: 50 }
              - name: gone
                paths: [/gone/*]
                throttle: { max-concurrent: 4 }
            """;

    @TempDir
    Path dir;

    String write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text).toString();
    }

    @Test
    void unchangedStagesAreKeptChangedOnesResetAndPoliciesAddedOrRemoved() throws IOException {
        String next = OLD.replace("100/1m", "50/1m").replace("name: gone", "name: fresh")
                .replace("/gone/*", "/fresh/*");
        CliRun r = CliRun.run("diff", write("old.yaml", OLD), write("new.yaml", next));
        assertThat(r.status()).isZero();
        assertThat(r.out()).contains("accepted: a reload would apply").contains("store: kept")
                .contains("policy api:\n  rate-limits: reset (settings changed)")
                .contains("policy orders:\n  circuit-breaker: kept\n  timeout: kept")
                .contains("policy fresh: added")
                .contains("policy gone: removed (its state is dropped)");
    }

    @Test
    void aChangeOfTrustedProxiesResetsWhatIsKeyedByAddress() throws IOException {
        String next = "trusted-proxies: [10.0.0.0/8]\n" + OLD;
        CliRun r = CliRun.run("diff", write("old.yaml", OLD), write("new.yaml", next));
        assertThat(r.out()).contains("policy api:\n  rate-limits: reset (trusted-proxies or ipv6-prefix changed)")
                .contains("  timeout: kept");
    }

    @Test
    void anInvalidNewFileIsARefusedReload() throws IOException {
        CliRun r = CliRun.run("diff", write("old.yaml", OLD), write("new.yaml", OLD.replace("2s", "soon")));
        assertThat(r.status()).isEqualTo(SeawallCli.INVALID);
        assertThat(r.out()).contains("refused: ").contains("the running configuration stays")
                .contains("\"soon\" is not a duration");
    }

    @Test
    void unreadableFilesAreUsageErrors() throws IOException {
        CliRun r = CliRun.run("diff", write("old.yaml", OLD), dir.toString());
        assertThat(r.status()).isEqualTo(SeawallCli.USAGE);
        assertThat(r.out()).contains("is a directory");
        assertThat(CliRun.run("diff", write("a.yaml", OLD)).status()).isEqualTo(SeawallCli.USAGE);
    }

    @Test
    void aNewFileWithDozensOfMistakesGivesBoundedOutput() throws IOException {
        StringBuilder sb = new StringBuilder("policies:\n");
        for (int i = 0; i < 60; i++) {
            sb.append("  - name: p").append(i).append("\n    paths: [/p").append(i).append("/*]\n")
                    .append("    timeout: { after: soon }\n");
        }
        CliRun r = CliRun.run("diff", write("old.yaml", OLD), write("new.yaml", sb.toString()));
        assertThat(r.status()).isEqualTo(SeawallCli.INVALID);
        assertThat(r.out().lines()).hasSize(1 + 20 + 1);
        assertThat(r.out()).contains("... and 40 more (run validate for all)");
        CliRun e = CliRun.run("explain", dir.resolve("new.yaml").toString(), "GET", "/p1/x");
        assertThat(e.status()).isEqualTo(SeawallCli.INVALID);
        assertThat(e.out().lines()).hasSize(20 + 1);
        assertThat(e.out()).contains("new.yaml: invalid (60 problems); run validate for all of them");
    }

    @Test
    void jsonOutputListsEveryChangeAndEveryRefusal() throws IOException {
        String old = write("old.yaml", OLD);
        CliRun r = CliRun.run("diff", "--format", "json", old, write("new.yaml", OLD.replace("100/1m", "5/1s")));
        assertThat(r.status()).isZero();
        assertThat(r.out().trim()).startsWith("{\"status\":0,\"result\":\"accepted\",\"changes\":[")
                .contains("{\"kind\":\"store\",\"name\":\"\",\"part\":\"\",\"outcome\":\"kept\",\"reason\":\"\"}")
                .contains("{\"kind\":\"policy\",\"name\":\"api\",\"part\":\"rate-limits\",\"outcome\":\"reset\","
                        + "\"reason\":\"settings changed\"}")
                .contains("{\"kind\":\"policy\",\"name\":\"orders\",\"part\":\"timeout\",\"outcome\":\"kept\","
                        + "\"reason\":\"\"}")
                .endsWith("]}");
        CliRun refused = CliRun.run("diff", "--format", "json", old, write("bad.yaml", OLD.replace("2s", "soon")));
        assertThat(refused.status()).isEqualTo(SeawallCli.INVALID);
        assertThat(refused.out().trim()).startsWith("{\"status\":1,\"result\":\"refused\",\"problems\":[{")
                .contains("\"line\":9,\"path\":\"policies[1].timeout.after\"").endsWith(",\"more\":0}");
        CliRun missing = CliRun.run("diff", "--format", "json", old, dir.resolve("none.yaml").toString());
        assertThat(missing.status()).isEqualTo(SeawallCli.USAGE);
        assertThat(missing.out()).contains("\"result\":\"unreadable\"").contains("\"problem\":\"no such file\"");
    }

    @Test
    void clientsAreKeptWhenTheirSettingsAreEqual() throws IOException {
        String clients = """
                clients:
                  - name: payments
                    hosts: [payments.internal]
                    retry: { max-attempts: 3 }
                  - name: stock
                    hosts: [stock.internal]
                  - name: old
                    hosts: [old.internal]
                """;
        String next = clients.replace("max-attempts: 3", "max-attempts: 2").replace("name: old", "name: fresh")
                .replace("old.internal", "fresh.internal");
        CliRun r = CliRun.run("diff", write("old.yaml", OLD + clients), write("new.yaml", OLD + next));
        assertThat(r.status()).as(r.out()).isZero();
        assertThat(r.out()).contains("client payments: reset (settings changed: its breakers and retry budget start"
                + " again)").contains("client stock: kept").contains("client fresh: added")
                .contains("client old: removed");
    }
}
