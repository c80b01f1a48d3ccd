package dev.seawall.core.throttle;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WaitQueueTest {

    private static final class N extends WaitQueue.Node<N> {
        final int id;

        N(int id) {
            this.id = id;
        }
    }

    private static List<Integer> ids(WaitQueue<N> q) {
        List<Integer> out = new ArrayList<>();
        for (N n = q.first(); n != null; n = n.next()) {
            out.add(n.id);
        }
        return out;
    }

    @Test
    void removesAnyNodeInConstantTimeKeepingTheOrderOfTheRest() {
        WaitQueue<N> q = new WaitQueue<>();
        N[] n = new N[5];
        for (int i = 0; i < n.length; i++) {
            n[i] = new N(i);
            q.add(n[i]);
        }
        assertThat(q.remove(n[2])).isTrue(); // middle
        assertThat(ids(q)).containsExactly(0, 1, 3, 4);
        assertThat(q.remove(n[0])).isTrue(); // head
        assertThat(q.remove(n[4])).isTrue(); // tail
        assertThat(ids(q)).containsExactly(1, 3);
        assertThat(q.remove(n[2])).as("no longer queued").isFalse();
        q.add(n[2]); // a removed node may be queued again, at the tail
        assertThat(ids(q)).containsExactly(1, 3, 2);
        q.remove(n[1]);
        q.remove(n[3]);
        q.remove(n[2]);
        assertThat(q.first()).isNull();
    }

    @Test
    void aNodeIsInOneQueueAtMostOnce() {
        WaitQueue<N> a = new WaitQueue<>();
        WaitQueue<N> b = new WaitQueue<>();
        N x = new N(1);
        a.add(x);
        assertThatThrownBy(() -> a.add(x)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> b.add(x)).isInstanceOf(IllegalStateException.class);
        assertThat(b.remove(x)).as("not b's").isFalse();
        assertThat(ids(a)).containsExactly(1);
    }
}
