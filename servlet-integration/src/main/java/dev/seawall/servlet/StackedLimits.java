package dev.seawall.servlet;

import dev.seawall.core.chain.Exchange;
import jakarta.servlet.http.HttpServletResponse;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The admitted exchanges of outer Seawall filters with rate limits whose chain call is running on this thread, so that
 * an inner filter refusing the request can rewrite the rate-limit headers those filters wrote, <em>before</em> it
 * writes its answer, to say what the client has once they give their tokens back, as one {@link SeawallFilter}
 * holding every limit would say.
 *
 * <h2>Design note</h2>
 * <ul>
 *   <li><b>Why now, not on the way out.</b> An outer filter learns of an inner refusal only when its chain call
 *       returns; by then the refusal (whose length is declared) may be committed, and its headers with it.</li>
 *   <li><b>Thread state.</b> The inner filter runs inside the outer one's chain call, on the same thread. The stack is
 *       a JDK array whose slots are cleared on the way out, so a container thread never keeps this web application's
 *       classes alive after an undeploy (as for {@code PolicyRunner}'s active filters).</li>
 *   <li><b>Nothing is settled here.</b> Each outer filter releases its exchange on its way out, as it would without
 *       this class, or completes it when a filter between the two retried and the retry was admitted (the refused
 *       answer is then discarded); the refusal only describes that release in advance
 *       ({@code Exchange.writeReleasedHeaders}).</li>
 * </ul>
 * Stateless apart from the per-thread stack; thread-safe.
 */
final class StackedLimits {

    private static final ThreadLocal<Object[]> STACK = ThreadLocal.withInitial(() -> new Object[4]);

    private StackedLimits() {
    }

    /** @return the slot taken; pass it to {@link #pop} when the chain call returns */
    static int push(Exchange exchange) {
        Object[] stack = STACK.get();
        for (int i = 0; i < stack.length; i++) {
            if (stack[i] == null) {
                stack[i] = exchange;
                return i;
            }
        }
        Object[] grown = java.util.Arrays.copyOf(stack, stack.length * 2);
        grown[stack.length] = exchange;
        STACK.set(grown);
        return stack.length;
    }

    static void pop(int slot) {
        Object[] stack = STACK.get();
        for (int i = slot; i < stack.length && stack[i] != null; i++) {
            stack[i] = null;
        }
    }

    /**
     * An inner filter refuses the request: writes the rate-limit headers of the outer exchanges on this thread again,
     * as they will be once released. Does nothing when there are none or the response is committed.
     */
    static void reportOuterAsReleased(HttpServletResponse response) {
        Object[] stack = STACK.get();
        if (stack[0] == null || response.isCommitted()) {
            return;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 0; i < stack.length && stack[i] != null; i++) {
            ((Exchange) stack[i]).writeReleasedHeaders((name, value) -> headers.merge(name, value,
                    (a, b) -> ResponseHeaders.isListHeader(name) ? a + ", " + b : b));
        }
        headers.forEach(response::setHeader);
    }
}
