package dev.seawall.servlet;

import dev.seawall.core.http.Rejection;
import dev.seawall.core.problem.ProblemTypes;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-thread protocols between stacked Seawall filters: re-entry detection and refusal signalling. */
class ThreadProtocolsTest {

    private final Object outer = new Object();
    private final Object inner = new Object();

    @Test
    void filterStackTellsOutermostNestedAndReentry() {
        assertThat(FilterStack.position(outer)).isEqualTo(FilterStack.OUTERMOST);
        int outerSlot = FilterStack.enter(outer);
        try {
            assertThat(FilterStack.position(inner)).isEqualTo(FilterStack.NESTED);
            assertThat(FilterStack.position(outer)).isEqualTo(FilterStack.INSIDE_ITSELF);
            int innerSlot = FilterStack.enter(inner);
            assertThat(FilterStack.position(inner)).isEqualTo(FilterStack.INSIDE_ITSELF);
            FilterStack.leave(innerSlot);
            // a retry of the inner filter after it returned is a new call, not a re-entry
            assertThat(FilterStack.position(inner)).isEqualTo(FilterStack.NESTED);
        } finally {
            FilterStack.leave(outerSlot);
        }
        assertThat(FilterStack.position(outer)).isEqualTo(FilterStack.OUTERMOST);
    }

    @Test
    void filterStackGrowsPastItsFirstSlots() {
        Object[] filters = new Object[9];
        int[] slots = new int[filters.length];
        for (int i = 0; i < filters.length; i++) {
            filters[i] = new Object();
            slots[i] = FilterStack.enter(filters[i]);
        }
        assertThat(FilterStack.position(filters[8])).isEqualTo(FilterStack.INSIDE_ITSELF);
        for (int i = filters.length - 1; i >= 0; i--) {
            FilterStack.leave(slots[i]);
        }
        assertThat(FilterStack.position(filters[0])).isEqualTo(FilterStack.OUTERMOST);
    }

    @Test
    void refusalCountsOnlyAfterTheMarkOfThisThread() throws InterruptedException {
        int mark = RefusalSignal.mark();
        assertThat(RefusalSignal.since(mark)).isFalse();
        Rejection quota = Rejection.builder(429, ProblemTypes.QUOTA_EXCEEDED, "Too Many Requests").build();

        Thread other = new Thread(() -> RefusalSignal.refused(quota, null));
        other.start();
        other.join();
        assertThat(RefusalSignal.since(mark)).as("another thread's refusal").isFalse();

        RefusalSignal.refused(quota, null);
        assertThat(RefusalSignal.since(mark)).isTrue();
        assertThat(RefusalSignal.since(RefusalSignal.mark())).isFalse();
    }

    @Test
    void theAsyncMappingWarningNamesTheDispatcherTypesAndEveryWayToSetThem() {
        assertThat(ThrottleWait.ASYNC_MAPPING_WARNING).contains("REQUEST and ASYNC dispatcher types",
                "<dispatcher>ASYNC</dispatcher>", "FilterRegistration.Dynamic#addMappingForUrlPatterns",
                "registration bean");
    }
}
